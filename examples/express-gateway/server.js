// Runs the Express gateway: `pnpm start` (or `node server.js`) in this folder.
//
//   PORT=3000 node server.js                              the gateway on 127.0.0.1:3000 (default: any free port)
//   UPSTREAM_URL=http://127.0.0.1:4000 node server.js     in front of an upstream you started yourself
//
// Without UPSTREAM_URL it starts the example upstream in the same process.
import { startUpstream } from '@breakwater/example-upstream';
import { startGateway } from './gateway.js';

const port = Number(process.env['PORT'] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be an integer in [0, 65535], got ${process.env['PORT']}`);
  process.exit(2);
}

const upstream = process.env['UPSTREAM_URL'] === undefined ? await startUpstream() : undefined;
const upstreamUrl = upstream?.url ?? /** @type {string} */ (process.env['UPSTREAM_URL']);
const gateway = await startGateway({ upstreamUrl, port });

console.log(`Express gateway with Breakwater on ${gateway.url}, in front of ${upstreamUrl}

  curl ${gateway.url}/products/42
  curl ${gateway.url}/stock/42
  curl -X POST '${upstreamUrl}/__control?path=/stock&mode=failing'    # or hanging, slow (&delayMs=500), healthy
  for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code} ' ${gateway.url}/stock/42; done; echo
  curl -i ${gateway.url}/stock/42                     # x-degraded: open, the last good answer with "stale": true
  curl -i ${gateway.url}/stock/999                    # nothing cached: 503, Retry-After, problem+json
  curl ${gateway.url}/breakers                        # every breaker's state
  curl -X POST '${upstreamUrl}/__control?mode=healthy'

Ctrl-C to stop.`);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    Promise.all([gateway.close(), upstream?.close()]).then(() => process.exit(0));
  });
}
