/**
 * OpenTelemetry through the real HTTP and Koa instrumentations: the suite in ./otel runs
 * under Node's own test runner, because Jest's module registry bypasses the
 * instrumentations' `require` hooks (no span, no error). This test runs it, so
 * `pnpm test` does too.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

test('the OpenTelemetry suite passes under node --test (Koa 2 and 3 with @koa/router)', () => {
  const run = spawnSync(
    process.execPath,
    [
      '--require',
      join(root, 'scripts/node-test-register.cjs'),
      '--test',
      '--test-reporter=tap',
      '--test-timeout=30000',
      join(__dirname, 'otel/koa.otel.ts'),
    ],
    { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, NODE_ENV: 'test' } },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`node --test exited with ${run.status}:\n${output}`);
  expect(output).toMatch(/^# fail 0$/m);
  // Every test ran: a suite that silently registered nothing must not pass.
  expect(Number(/^# pass (\d+)$/m.exec(output)?.[1])).toBeGreaterThanOrEqual(8);
}, 180_000);
