/**
 * The built package loads through its `exports` map with both `require` (Express
 * users still run a lot of CommonJS) and `import`, and works in a real app.
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
  app = mkdtempSync(join(tmpdir(), 'breakwater-express-dist-'));
  mkdirSync(join(app, 'node_modules/@breakwater'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/@breakwater/express'), 'dir');
  symlinkSync(core, join(app, 'node_modules/@breakwater/core'), 'dir');
  symlinkSync(realpathSync(join(pkg, 'node_modules/express5')), join(app, 'node_modules/express'), 'dir');
}, 180_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: app, encoding: 'utf8', timeout: 30_000 }).trim();
}

const script = (load: string) => `
${load}
const app = express();
const breakers = circuitBreaker({ timeoutMs: 1000 });
app.use(breakers);
app.get('/users/:id', (req, res) => res.json({ key: req.breakwater.key }));
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/users/42');
  const body = await res.json();
  console.log(JSON.stringify({ ...body, status: typeof breakerStatus, keys: [...breakers.registry.keys()] }));
  server.close();
});
`;

test('require() loads the CommonJS build', () => {
  const out = run([
    '-e',
    script(
      "const express = require('express'); const { circuitBreaker, breakerStatus } = require('@breakwater/express');",
    ),
  ]);
  expect(JSON.parse(out)).toEqual({ key: 'GET /users/:id', status: 'function', keys: ['GET /users/:id'] });
  expect(run(['-p', "require.resolve('@breakwater/express')"])).toMatch(/dist[\\/]cjs[\\/]index\.js$/);
});

test('import loads the ES module build', () => {
  const out = run([
    '--input-type=module',
    '-e',
    script(
      "import express from 'express'; import { circuitBreaker, breakerStatus } from '@breakwater/express';",
    ),
  ]);
  expect(JSON.parse(out)).toEqual({ key: 'GET /users/:id', status: 'function', keys: ['GET /users/:id'] });
  const resolved = run([
    '--input-type=module',
    '-e',
    "console.log(import.meta.resolve('@breakwater/express'))",
  ]);
  expect(resolved).toMatch(/dist\/esm\/index\.js$/);
});
