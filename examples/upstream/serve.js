// Runs an example gateway from the command line, in front of this upstream:
//
//   PORT=3000 node server.js                              the gateway on 127.0.0.1:3000 (default: any free port)
//   UPSTREAM_URL=http://127.0.0.1:4000 node server.js     in front of an upstream you started yourself
//
// Without UPSTREAM_URL it starts the upstream in the same process. Ctrl-C stops both.
import { startUpstream } from './index.js';

/**
 * Listens on 127.0.0.1 through a framework's `listen` (Express and Koa both return a
 * `node:http` server) and hands back the URL and a `close()` that also ends open
 * keep-alive connections.
 *
 * @param {(port: number, host: string, ready: () => void) => import('node:http').Server} listen
 *   e.g. `(port, host, ready) => app.listen(port, host, ready)`
 * @param {number} [port] Default 0: any free port.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 *
 * @example
 * const { url, close } = await listenLocal((port, host, ready) => app.listen(port, host, ready));
 */
export async function listenLocal(listen, port = 0) {
  /** @type {import('node:http').Server} */
  const server = await new Promise((resolve, reject) => {
    const s = listen(port, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('listenLocal: no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * @typedef {object} StartedGateway
 * @property {string} url
 * @property {() => Promise<void>} close
 */

/**
 * Starts the upstream (unless `UPSTREAM_URL` is set) and the gateway, prints what to
 * try, and stops both on SIGINT or SIGTERM.
 *
 * @param {object} options
 * @param {string} options.name e.g. `Express gateway`
 * @param {(options: { upstreamUrl: string, port: number }) => Promise<StartedGateway>} options.startGateway
 * @param {NodeJS.ProcessEnv} [options.env]
 */
export async function serveGateway({ name, startGateway, env = process.env }) {
  const port = Number(env['PORT'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`PORT must be an integer in [0, 65535], got ${env['PORT']}`);
    process.exit(2);
  }
  const upstream = env['UPSTREAM_URL'] === undefined ? await startUpstream() : undefined;
  const upstreamUrl = upstream?.url ?? /** @type {string} */ (env['UPSTREAM_URL']);
  const gateway = await startGateway({ upstreamUrl, port });
  const g = gateway.url;

  console.log(`${name} with Breakwater on ${g}, in front of ${upstreamUrl}

  curl ${g}/products/42
  curl ${g}/stock/42
  curl -X POST '${upstreamUrl}/__control?path=/stock&mode=failing'    # or hanging, slow (&delayMs=500), healthy
  for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code} ' ${g}/stock/42; done; echo
  curl -i ${g}/stock/42                     # x-degraded: open, the last good answer with "stale": true
  curl -i ${g}/stock/999                    # nothing cached: 503, Retry-After, problem+json
  curl ${g}/breakers                        # every breaker's state
  curl -X POST '${upstreamUrl}/__control?mode=healthy'

Ctrl-C to stop.`);

  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(signal, () => {
      Promise.all([gateway.close(), upstream?.close()]).then(() => process.exit(0));
    });
  }
}
