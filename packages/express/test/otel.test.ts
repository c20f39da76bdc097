/**
 * OpenTelemetry through the real HTTP and Express instrumentations, and end to end
 * through OTLP/HTTP exporters to an OTLP receiver: the suites in ./otel run under Node's
 * own test runner, because Jest's module registry bypasses the instrumentations'
 * `require` hooks (no span, no error). This test runs them, so `pnpm test` does too.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const suites = ['express.otel.ts', 'otlp.otel.ts'].map((file) => join(__dirname, 'otel', file));

test('the OpenTelemetry suites pass under node --test (Express 4 and 5, OTLP end to end)', () => {
  const run = spawnSync(
    process.execPath,
    [
      '--require',
      join(root, 'scripts/node-test-register.cjs'),
      '--test',
      '--test-reporter=tap',
      '--test-timeout=30000',
      ...suites,
    ],
    { cwd: root, encoding: 'utf8', timeout: 170_000, env: { ...process.env, NODE_ENV: 'test' } },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`node --test exited with ${run.status}:\n${output}`);
  expect(output).toMatch(/^# fail 0$/m);
  // Every test ran: a suite that silently registered nothing must not pass.
  expect(Number(/^# pass (\d+)$/m.exec(output)?.[1])).toBeGreaterThanOrEqual(12);
}, 180_000);
