import { distApp } from '../../core/test-support/dist-app';

const app = distApp(['core', 'dashboard']);
const run = app.run;

beforeAll(app.setup, 180_000);
afterAll(app.cleanup);

const script = (load: string) => `
${load}
const registry = new BreakerRegistry();
registry.get('GET /x').forceOpen();
const dashboard = createDashboard({ registry, authorize: () => 'view' });
const server = http.createServer(dashboard).listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
  const html = await res.text();
  console.log(JSON.stringify({ status: res.status, csp: res.headers.get('content-security-policy').startsWith("default-src 'none'"), script: html.includes('new EventSource') }));
  dashboard.close();
  server.close();
});
`;

const expected = { status: 200, csp: true, script: true };

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script(
      "const http = require('node:http'); const { BreakerRegistry } = require('@breakwater/core'); const { createDashboard } = require('@breakwater/dashboard');",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  expect(run(['-p', "require.resolve('@breakwater/dashboard')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script(
      "import http from 'node:http'; import { BreakerRegistry } from '@breakwater/core'; import { createDashboard } from '@breakwater/dashboard';",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  const resolved = run([
    '--input-type=module',
    '-e',
    "console.log(import.meta.resolve('@breakwater/dashboard'))",
  ]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});
