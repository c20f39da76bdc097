// Runs the example upstream on its own: `node server.js [--port 4000]` (default: any free port).
import { startUpstream } from './index.js';

const at = process.argv.indexOf('--port');
const port = at === -1 ? Number(process.env['PORT'] ?? 0) : Number(process.argv[at + 1]);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(
    `--port must be an integer in [0, 65535], got ${process.argv[at + 1] ?? process.env['PORT']}`,
  );
  process.exit(2);
}

const upstream = await startUpstream({ port });
console.log(`upstream listening on ${upstream.url}
  curl ${upstream.url}/products/42
  curl -X POST '${upstream.url}/__control?path=/stock&mode=hanging'    # healthy | failing | slow | hanging
  curl -X POST '${upstream.url}/__control?mode=slow&delayMs=800'       # every path
  curl ${upstream.url}/__control                                        # current behaviour and counters`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    upstream.close().then(() => process.exit(0));
  });
}
