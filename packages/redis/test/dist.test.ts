import { resolve } from 'node:path';

import { distApp } from '../../core/test-support/dist-app';

const pkg = resolve(__dirname, '..');
const app = distApp(['core', 'redis'], { ioredis: 'node_modules/ioredis' }, pkg);
const run = app.run;

beforeAll(app.setup, 180_000);
afterAll(app.cleanup);

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
