import { resolve } from 'node:path';

import { distApp } from '../../core/test-support/dist-app';

const pkg = resolve(__dirname, '..');
const app = distApp(
  ['core', 'dashboard', 'koa'],
  { koa: 'node_modules/koa3', '@koa/router': 'node_modules/@koa/router' },
  pkg,
);
const run = app.run;

beforeAll(app.setup, 180_000);
afterAll(app.cleanup);

const script = (load: string) => `
${load}
const app = new Koa();
const router = new Router();
const breakers = circuitBreaker({ timeoutMs: 1000 });
router.get('/users/:id', (ctx) => { ctx.body = { key: ctx.state.breakwater.key }; });
app.use(breakers);
app.use(router.routes());
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/users/42');
  const body = await res.json();
  console.log(JSON.stringify({ ...body, status: typeof breakerStatus, name: breakers.name, keys: [...breakers.registry.keys()] }));
  server.close();
});
`;

const expected = {
  key: 'GET /users/:id',
  status: 'function',
  name: 'circuitBreaker',
  keys: ['GET /users/:id'],
};

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script(
      "const Koa = require('koa'); const Router = require('@koa/router'); const { circuitBreaker, breakerStatus } = require('@breakwater/koa');",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  expect(run(['-p', "require.resolve('@breakwater/koa')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script(
      "import Koa from 'koa'; import Router from '@koa/router'; import { circuitBreaker, breakerStatus } from '@breakwater/koa';",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  const resolved = run(['--input-type=module', '-e', "console.log(import.meta.resolve('@breakwater/koa'))"]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});
