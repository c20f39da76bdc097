/**
 * The built package loads through its `exports` map with both `require` and `import`,
 * and works in a real Koa app with @koa/router.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkg = resolve(__dirname, '..');
const core = resolve(pkg, '../core');
let app: string;

beforeAll(() => {
  for (const dir of [core, pkg]) {
    if (!existsSync(join(dir, 'dist/cjs/index.js')) || !existsSync(join(dir, 'dist/esm/index.js'))) {
      execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
    }
  }
  app = mkdtempSync(join(tmpdir(), 'breakwater-koa-dist-'));
  mkdirSync(join(app, 'node_modules/@breakwater'), { recursive: true });
  mkdirSync(join(app, 'node_modules/@koa'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/@breakwater/koa'), 'dir');
  symlinkSync(core, join(app, 'node_modules/@breakwater/core'), 'dir');
  symlinkSync(realpathSync(join(pkg, 'node_modules/koa3')), join(app, 'node_modules/koa'), 'dir');
  symlinkSync(
    realpathSync(join(pkg, 'node_modules/@koa/router')),
    join(app, 'node_modules/@koa/router'),
    'dir',
  );
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 30_000 }).trim();
}

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
