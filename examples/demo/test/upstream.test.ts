/**
 * The example upstream: every mode through the JS API and the control endpoint, run in
 * a child process (the upstream is an ES module; these tests run as CommonJS).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const upstreamModule = pathToFileURL(resolve(__dirname, '../../upstream/index.js')).href;

const script = `
import { startUpstream } from ${JSON.stringify(upstreamModule)};
const u = await startUpstream({ latencyMs: [0, 1] });
const timed = async (path, init) => {
  const began = performance.now();
  try {
    const res = await fetch(u.url + path, init);
    const body = await res.json();
    return { status: res.status, body, ms: performance.now() - began };
  } catch (error) {
    return { error: error.name, ms: performance.now() - began };
  }
};
const out = {};
out.url = u.url;
out.product = await timed('/products/42');
out.stock = await timed('/stock/42');
out.missing = await timed('/nope');
u.setMode({ path: '/stock', mode: 'failing' });
out.failing = await timed('/stock/1');
out.otherPath = await timed('/products/1');
out.control = await timed('/__control?path=/stock&mode=slow&delayMs=300', { method: 'POST' });
out.slow = await timed('/stock/1');
out.badMode = await timed('/__control', { method: 'POST', body: JSON.stringify({ mode: 'broken' }) });
out.badDelay = await timed('/__control?mode=slow&delayMs=-1', { method: 'POST' });
await timed('/__control', { method: 'POST', body: JSON.stringify({ mode: 'hanging' }) });
out.hanging = await timed('/products/1', { signal: AbortSignal.timeout(300) });
const held = timed('/stock/2');
await new Promise((r) => setTimeout(r, 50));
out.heldBeforeClose = u.stats().hanging;
await u.close();
out.heldAfterClose = await held;
out.stats = u.stats();
console.log(JSON.stringify(out));
`;

test('healthy, failing, slow and hanging, per path, through the API and the control endpoint', () => {
  const out = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    }),
  );
  expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(out.product).toMatchObject({ status: 200, body: { id: '42', name: 'Product 42' } });
  expect(out.stock).toMatchObject({ status: 200, body: { id: '42' } });
  expect(out.missing.status).toBe(404);
  expect(out.failing.status).toBe(500);
  expect(out.otherPath.status).toBe(200);
  expect(out.control.status).toBe(200);
  expect(out.control.body.paths['/stock']).toEqual({ mode: 'slow', delayMs: 300 });
  expect(out.slow.status).toBe(200);
  expect(out.slow.ms).toBeGreaterThanOrEqual(250);
  expect(out.badMode.status).toBe(400);
  expect(out.badMode.body.error).toMatch(/mode must be one of healthy, failing, slow, hanging/);
  expect(out.badDelay.status).toBe(400);
  // Without a path, every path changes: /products hangs until the client gives up.
  expect(out.hanging.error).toBe('TimeoutError');
  expect(out.heldBeforeClose).toBe(1);
  expect(out.heldAfterClose.error).toBeDefined();
  expect(out.stats.hanging).toBe(0);
}, 30_000);
