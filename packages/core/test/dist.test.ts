import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { distApp } from '../../core/test-support/dist-app';

const pkg = resolve(__dirname, '..');
const app = distApp(['core']);
const run = app.run;

beforeAll(app.setup, 180_000);
afterAll(app.cleanup);

const script = (load: string) => `
${load}
const b = new CircuitBreaker({ name: 'dist', window: { kind: 'count', size: 2 }, openDurationMs: 1000 });
const p1 = b.tryAcquire(); p1.failure();
const p2 = b.tryAcquire(); p2.failure();
const p3 = b.tryAcquire();
console.log(JSON.stringify({ state: b.state, reason: p3.reason, backoff: typeof exponentialBackoff }));
`;

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script("const { CircuitBreaker, exponentialBackoff } = require('@breakwater/core');"),
  ]);
  expect(JSON.parse(out)).toEqual({ state: 'open', reason: 'open', backoff: 'function' });
  expect(run(['-p', "require.resolve('@breakwater/core')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script("import { CircuitBreaker, exponentialBackoff } from '@breakwater/core';"),
  ]);
  expect(JSON.parse(out)).toEqual({ state: 'open', reason: 'open', backoff: 'function' });
  const resolved = run(['--input-type=module', '-e', "console.log(import.meta.resolve('@breakwater/core'))"]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});

test('errors from one copy are recognised by the other through their brand', () => {
  const out = run([
    '--input-type=module',
    '-e',
    `
import { createRequire } from 'node:module';
import * as esm from '@breakwater/core';
const cjs = createRequire(process.cwd() + '/')('@breakwater/core');
const b = new cjs.CircuitBreaker({ name: 'x' });
b.forceOpen();
const err = await b.execute(() => 1).catch((e) => e);
console.log(JSON.stringify({
  instanceofOther: err instanceof esm.BreakerOpenError,
  brand: esm.isBreakerOpenError(err),
  name: err.name,
  code: err.code,
}));
`,
  ]);
  expect(JSON.parse(out)).toEqual({
    instanceofOther: false,
    brand: true,
    name: 'BreakerOpenError',
    code: 'ERR_BREAKWATER_OPEN',
  });
});

test('the type declarations are emitted next to both builds', () => {
  expect(existsSync(join(pkg, 'dist/cjs/index.d.ts'))).toBe(true);
  expect(existsSync(join(pkg, 'dist/esm/index.d.ts'))).toBe(true);
});
