// `pnpm demo`: watch a breaker open and recover, in about half a minute.
//
//   pnpm demo              the story with the Express gateway, then exit
//   pnpm demo --koa        the same with the Koa gateway
//   pnpm demo --serve      keep everything running afterwards, until Ctrl-C
import { ensureBuilt } from './build.mjs';

const KNOWN = new Set(['--koa', '--express', '--serve', '--help', '-h']);
const args = process.argv.slice(2);
const unknown = args.filter((arg) => !KNOWN.has(arg));
if (args.includes('--help') || args.includes('-h') || unknown.length > 0) {
  if (unknown.length > 0) console.error(`unknown option: ${unknown.join(' ')}`);
  console.error('usage: pnpm demo [--express | --koa] [--serve]');
  process.exit(unknown.length > 0 ? 2 : 0);
}
const koa = args.includes('--koa');

const packages = koa ? ['core', 'dashboard', 'koa'] : ['core', 'dashboard', 'express'];
if (!ensureBuilt(packages, (line) => console.error(line))) process.exit(1);

const serve = args.includes('--serve');
// The story bounds itself (45 s at most); this is the last resort if something hangs.
const WATCHDOG_MS = 90_000;
if (!serve) {
  setTimeout(() => {
    console.error(`demo: still running after ${WATCHDOG_MS / 1_000} s, giving up`);
    process.exit(1);
  }, WATCHDOG_MS).unref();
}

const { runDemo } = await import('./story.mjs');
const gateway = koa
  ? await import('../koa-gateway/gateway.js')
  : await import('../express-gateway/gateway.js');

process.exitCode = await runDemo({
  startGateway: gateway.startGateway,
  framework: koa ? 'Koa' : 'Express',
  adapter: koa ? '@breakwater/koa' : '@breakwater/express',
  serve,
});
