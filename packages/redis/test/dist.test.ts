/**
 * The built package loads through its `exports` map with both `import` and `require`,
 * next to the built core, and binds breakers of a registry without touching Redis.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkg = resolve(__dirname, '..');
const core = resolve(pkg, '../core');
let app: string;

beforeAll(() => {
  if (!existsSync(join(core, 'dist/cjs/store.js')) || !existsSync(join(core, 'dist/esm/store.js'))) {
    execFileSync('pnpm', ['run', 'build'], { cwd: core, stdio: 'pipe' });
  }
  if (!existsSync(join(pkg, 'dist/cjs/index.js')) || !existsSync(join(pkg, 'dist/esm/index.js'))) {
    execFileSync('pnpm', ['run', 'build'], { cwd: pkg, stdio: 'pipe' });
  }
  app = mkdtempSync(join(tmpdir(), 'breakwater-redis-dist-'));
  mkdirSync(join(app, 'node_modules/@breakwater'), { recursive: true });
  symlinkSync(core, join(app, 'node_modules/@breakwater/core'), 'dir');
  symlinkSync(pkg, join(app, 'node_modules/@breakwater/redis'), 'dir');
  symlinkSync(join(pkg, 'node_modules/ioredis'), join(app, 'node_modules/ioredis'), 'dir');
}, 120_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8' }).trim();
}

const script = (load: string) => `
${load}
const client = new Redis({ lazyConnect: true, port: 1 });
const store = new RedisStore({ client, syncIntervalMs: 60000 });
const registry = new BreakerRegistry({ store });
registry.get('k');
const before = registry.snapshot().store;
store.shutdown().then(() => {
  client.disconnect();
  console.log(JSON.stringify({ client: before.client, bound: before.bound, after: store.status().state }));
});
`;

const expected = { client: 'ioredis', bound: 1, after: 'closed' };

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script(
      "const { RedisStore } = require('@breakwater/redis'); const { BreakerRegistry } = require('@breakwater/core'); const Redis = require('ioredis');",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  expect(run(['-p', "require.resolve('@breakwater/redis')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script(
      "import { RedisStore } from '@breakwater/redis'; import { BreakerRegistry } from '@breakwater/core'; import { Redis } from 'ioredis';",
    ),
  ]);
  expect(JSON.parse(out)).toEqual(expected);
  const resolved = run([
    '--input-type=module',
    '-e',
    "console.log(import.meta.resolve('@breakwater/redis'))",
  ]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});
