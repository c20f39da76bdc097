// The OpenTelemetry example end to end, as its README runs it: the gateway started with
// `--require ./otel.cjs server.cjs` (CommonJS) and with `--import ./otel.mjs server.mjs`
// (ES modules), exporting over OTLP/HTTP to a receiver on 127.0.0.1. trace.mjs exits 1
// unless Breakwater's spans, events and metrics arrived and the Express instrumentation
// saw the app: under ESM that takes the loader hook that otel.mjs registers.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const here = join(__dirname, '..');

beforeAll(() => {
  execFileSync(process.execPath, [join(here, '../demo/build.mjs'), 'core', 'dashboard', 'express'], {
    cwd: here,
    stdio: 'pipe',
  });
}, 180_000);

const trace = (args: string[]) => {
  const run = spawnSync(process.execPath, ['trace.mjs', ...args], {
    cwd: here,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
};

test.each([
  ['CommonJS: node --require ./otel.cjs server.cjs', []],
  ['ES modules: node --import ./otel.mjs server.mjs', ['--esm']],
])(
  '%s: spans, the state-change event and metrics arrive',
  (_name, args) => {
    const { status, output } = trace(args);
    if (status !== 0) throw new Error(`trace.mjs exited with ${status}:\n${output}`);
    expect(output).toMatch(/circuit_breaker\.outcome=rejected/);
    expect(output).toMatch(/event circuit_breaker\.state_change: closed -> open/);
    expect(output).toMatch(/children: middleware - circuitBreaker, request handler/);
  },
  100_000,
);
