import { resolve } from 'node:path';

import { distApp } from '../../core/test-support/dist-app';

const pkg = resolve(__dirname, '..');
const app = distApp(['core', 'dashboard', 'express'], { express: 'node_modules/express5' }, pkg);
const run = app.run;

beforeAll(app.setup, 180_000);
afterAll(app.cleanup);

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
