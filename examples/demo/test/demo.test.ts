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

/** The timeline's rows, one per second: the time, then a 16-character state cell per route. */
function rows(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^\s*\d+\.\ds {2}(closed|open|half_open)/.test(line));
}
const productsState = (row: string): string => row.slice(8, 24).trim();
const stockState = (row: string): string => row.slice(24, 40).trim();

/** Index of the first line after `from` that matches, or -1. */
function lineAfter(lines: string[], pattern: RegExp, from: number): number {
  for (let i = from + 1; i < lines.length; i++) if (pattern.test(lines[i] ?? '')) return i;
  return -1;
}

const runs = new Map<string, Run>();

beforeAll(async () => {
  // One after the other: the stories run on real time, so they should not compete for the CPU.
  runs.set('Express', await demo([]));
  runs.set('Koa', await demo(['--koa']));
}, 200_000);

describe.each(['Express', 'Koa'])('pnpm demo with the %s gateway', (framework) => {
  const run = (): Run => runs.get(framework) as Run;

  test('exits 0', () => {
    const { code, stdout, stderr } = run();
    if (code !== 0) throw new Error(`exit code ${code}\n${stdout}\n${stderr}`);
    expect(stdout).toMatch(new RegExp(`two copies of the same ${framework} gateway`));
  });

  test('the /stock breaker goes closed -> open -> half_open -> closed, in order', () => {
    const { stdout } = run();
    const lines = stdout.split('\n');
    const opened = lineAfter(lines, /\*\* GET \/stock\/:id: closed -> open\b/, -1);
    const probing = lineAfter(lines, /\*\* GET \/stock\/:id: open -> half_open\b/, opened);
    const closed = lineAfter(lines, /\*\* GET \/stock\/:id: half_open -> closed\b/, probing);
    expect(opened).toBeGreaterThan(-1);
    expect(probing).toBeGreaterThan(opened);
    expect(closed).toBeGreaterThan(probing);
    // The table (one row a second, so a short half-open spell may fall between rows) shows
    // closed, then open, then the ramp-up after closing, then closed.
    const stock = rows(stdout).map(stockState);
    const openRow = stock.indexOf('open');
    const rampRow = stock.findIndex((state, i) => i > openRow && /^closed ramp \d+%$/.test(state));
    const closedRow = stock.indexOf('closed', rampRow);
    expect(stock[0]).toBe('closed');
    expect(openRow).toBeGreaterThan(0);
    expect(rampRow).toBeGreaterThan(openRow);
    expect(closedRow).toBeGreaterThan(rampRow);
    expect(stock[stock.length - 1]).toBe('closed');
    expect(stdout).toMatch(/GET \/stock\/:id went closed -> open -> .*half_open -> closed\./);
  });

  test('the healthy route has a breaker of its own, closed at the end', () => {
    // It stays closed all along unless the machine stalls for longer than the timeout
    // (a loaded CI runner can): only its final state is certain.
    const table = rows(run().stdout);
    expect(table.length).toBeGreaterThan(10);
    expect(productsState(table[table.length - 1] ?? '')).toBe('closed');
  });

  test('prints both gateways side by side, without colour when not on a terminal', () => {
    const { stdout } = run();
    expect(stdout).toMatch(/without Breakwater\s+\d+ errors, p50 \d+ ms, p99 \d+ ms/);
    expect(stdout).toMatch(/with Breakwater\s+\d+ errors, p50 \d+ ms, p99 \d+ ms/);
    expect(stdout.includes('\u001b[')).toBe(false);
  });
});

test('an unknown option is refused at once', async () => {
  const bad = await demo(['--colour'], 20_000);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/unknown option: --colour/);
});
