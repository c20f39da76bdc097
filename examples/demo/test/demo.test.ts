/**
 * `pnpm demo` end to end: the story runs on 127.0.0.1, exits 0, and its timeline shows
 * the /stock breaker going closed -> open -> half_open -> closed, in that order, while
 * the healthy route never trips.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function demo(args: string[], killAfterMs = 110_000): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['examples/demo/demo.mjs', ...args], {
      cwd: root,
      // No colour (stdout is a pipe anyway), and never rebuild a dist/ another test reads.
      env: { ...process.env, NO_COLOR: '1', BREAKWATER_DEMO_BUILD: 'if-missing' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Index of the first line after `from` that matches, or -1. */
function lineAfter(lines: string[], pattern: RegExp, from: number): number {
  for (let i = from + 1; i < lines.length; i++) if (pattern.test(lines[i] ?? '')) return i;
  return -1;
}

describe('pnpm demo', () => {
  let run: Run;

  beforeAll(async () => {
    run = await demo([]);
  }, 120_000);

  test('exits 0', () => {
    if (run.code !== 0) throw new Error(`exit code ${run.code}\n${run.stdout}\n${run.stderr}`);
  });

  test('the /stock breaker goes closed -> open -> half_open -> closed, in order', () => {
    const lines = run.stdout.split('\n');
    const opened = lineAfter(lines, /\*\* GET \/stock\/:id: closed -> open\b/, -1);
    const probing = lineAfter(lines, /\*\* GET \/stock\/:id: open -> half_open\b/, opened);
    const closed = lineAfter(lines, /\*\* GET \/stock\/:id: half_open -> closed\b/, probing);
    expect(opened).toBeGreaterThan(-1);
    expect(probing).toBeGreaterThan(opened);
    expect(closed).toBeGreaterThan(probing);
    // The table shows the states too, in the same order, and the ramp-up after closing.
    const openRow = lineAfter(lines, /^\s*\d+\.\ds\s+closed\s+open\s/, -1);
    const halfOpenRow = lineAfter(lines, /^\s*\d+\.\ds\s+closed\s+half_open\s/, openRow);
    const rampRow = lineAfter(lines, /^\s*\d+\.\ds\s+closed\s+closed ramp \d+%/, halfOpenRow);
    const closedRow = lineAfter(lines, /^\s*\d+\.\ds\s+closed\s+closed\s+\d/, rampRow);
    expect([openRow, halfOpenRow, rampRow, closedRow].every((i) => i > -1)).toBe(true);
    expect(run.stdout).toMatch(/GET \/stock\/:id went closed -> open -> .*half_open -> closed\./);
  });

  test('the healthy route keeps its own breaker closed', () => {
    expect(run.stdout).not.toMatch(/GET \/products\/:id: \w+ -> /);
    expect(run.stdout).toMatch(/GET \/products\/:id stayed closed/);
  });

  test('prints both gateways side by side, without colour when not on a terminal', () => {
    expect(run.stdout).toMatch(/without Breakwater\s+\d+ errors, p50 \d+ ms, p99 \d+ ms/);
    expect(run.stdout).toMatch(/with Breakwater\s+\d+ errors, p50 \d+ ms, p99 \d+ ms/);
    expect(run.stdout.includes('\u001b[')).toBe(false);
  });

  test('an unknown option is refused at once', async () => {
    const bad = await demo(['--colour'], 20_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option: --colour/);
  });
});
