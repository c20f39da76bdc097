// Runs the Koa gateway: `pnpm start` (or `node server.js`) in this folder.
//
//   PORT=3000 node server.js                              the gateway on 127.0.0.1:3000 (default: any free port)
//   UPSTREAM_URL=http://127.0.0.1:4000 node server.js     in front of an upstream you started yourself
//
// Without UPSTREAM_URL it starts the example upstream in the same process.
import { serveGateway } from '@breakwater/example-upstream/serve';
import { startGateway } from './gateway.js';

await serveGateway({ name: 'Koa gateway', startGateway });
