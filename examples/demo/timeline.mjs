// Formatting for the demo's timeline: fixed-width columns that read in a plain
// terminal, with colours only when stdout is a terminal and NO_COLOR is not set.
import { percentile } from './traffic.mjs';

/** @typedef {import('./traffic.mjs').Tally} Tally */

/**
 * @param {NodeJS.WriteStream} stream
 * @param {NodeJS.ProcessEnv} env
 */
export function colourFor(stream, env) {
  const on = stream.isTTY === true && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb';
  /** @param {string} code @returns {(text: string) => string} */
  const style = (code) => (text) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return {
    bold: style('1'),
    dim: style('2'),
    red: style('31'),
    green: style('32'),
    yellow: style('33'),
    cyan: style('36'),
    magenta: style('35'),
  };
}

/** @typedef {ReturnType<typeof colourFor>} Colour */

/** @param {number} ms */
export function seconds(ms) {
  return `${(ms / 1_000).toFixed(1)}s`;
}

/** @param {number} ms */
function latency(ms) {
  if (Number.isNaN(ms)) return '-';
  return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** @param {string} text @param {number} width */
const right = (text, width) => text.padStart(width);
/** @param {string} text @param {number} width */
const left = (text, width) => text.padEnd(width);

const STATE_WIDTH = 16;
const TIME_WIDTH = 6;
/** The numeric columns: header label and width, for each gateway. */
const BARE = /** @type {const} */ ([
  ['err', 3],
  ['busy', 4],
  ['p50', 5],
  ['p99', 6],
]);
const GUARDED = /** @type {const} */ ([
  ['err', 3],
  ['fail', 4],
  ['rej', 4],
  ['busy', 4],
  ['p50', 5],
  ['p99', 6],
]);
const REQ_WIDTH = 4;

/** @param {ReadonlyArray<readonly [string, number]>} columns */
const widthOf = (columns) => columns.reduce((sum, [, width]) => sum + width + 1, 0) + 1;

/**
 * @param {Colour} c
 * @param {string[]} routes
 */
export function header(c, routes) {
  const states = routes.map((route) => left(route.replace(/^GET /, ''), STATE_WIDTH)).join('');
  const lead = TIME_WIDTH + 2 + STATE_WIDTH * routes.length + REQ_WIDTH + 1;
  /** @param {ReadonlyArray<readonly [string, number]>} columns */
  const labels = (columns) => ` ${columns.map(([label, width]) => right(label, width)).join(' ')} `;
  return [
    c.dim(
      `${left(`${' '.repeat(TIME_WIDTH + 2)}breaker state per route`, lead)}|${left(' without Breakwater', widthOf(BARE))}| with Breakwater`,
    ),
    c.dim(
      `${right('time', TIME_WIDTH)}  ${states}${right('req', REQ_WIDTH)} |${labels(BARE)}|${labels(GUARDED).trimEnd()}`,
    ),
    c.dim(`${'-'.repeat(lead)}+${'-'.repeat(widthOf(BARE))}+${'-'.repeat(widthOf(GUARDED))}`),
  ].join('\n');
}

/**
 * The legend printed under the story.
 * @param {Colour} c
 */
export function legend(c) {
  return c.dim(
    [
      'req   requests sent to each gateway during the second (the same requests to both)',
      'err   answers that were errors for the client (5xx, no answer)',
      'fail  calls the breaker counted as failed (upstream 5xx, timeouts)',
      'rej   calls the breaker refused: answered from cache, the upstream never saw them',
      'busy  most requests waiting at once; p50/p99 latency in ms as the client saw it',
    ].join('\n'),
  );
}

/**
 * @param {Colour} c
 * @param {string} state
 * @param {number | null} rampUpShare
 */
export function stateCell(c, state, rampUpShare) {
  if (state === 'closed' && rampUpShare !== null) {
    return c.yellow(left(`closed ramp ${Math.round(rampUpShare * 100)}%`, STATE_WIDTH));
  }
  const text = left(state, STATE_WIDTH);
  if (state === 'closed') return c.green(text);
  if (state === 'open' || state === 'forced_open') return c.red(text);
  if (state === 'half_open') return c.yellow(text);
  return text;
}

/**
 * One line of the timeline.
 * @param {Colour} c
 * @param {number} elapsedMs
 * @param {string[]} stateCells from {@link stateCell}
 * @param {Tally} bare
 * @param {Tally} guarded
 */
export function row(c, elapsedMs, stateCells, bare, guarded) {
  /** @param {number} n @param {number} width */
  const count = (n, width) => (n === 0 ? c.dim(right('0', width)) : right(String(n), width));
  /** @param {number} n @param {number} width */
  const bad = (n, width) => (n === 0 ? c.dim(right('0', width)) : c.red(right(String(n), width)));
  /** @param {Tally} t @param {number} width */
  const p50 = (t, width) => right(latency(percentile(t.latencies, 50)), width);
  /** @param {Tally} t @param {number} width */
  const p99 = (t, width) => right(latency(percentile(t.latencies, 99)), width);
  const sent = Math.max(bare.sent, guarded.sent);
  const cells = {
    bare: [bad(bare.errors, 3), count(bare.peakInFlight, 4), p50(bare, 5), p99(bare, 6)],
    guarded: [
      bad(guarded.errors, 3),
      count(guarded.failures, 4),
      count(guarded.rejected, 4),
      count(guarded.peakInFlight, 4),
      p50(guarded, 5),
      p99(guarded, 6),
    ],
  };
  return `${right(seconds(elapsedMs), TIME_WIDTH)}  ${stateCells.join('')}${right(String(sent), REQ_WIDTH)} | ${cells.bare.join(' ')} | ${cells.guarded.join(' ')}`;
}

/**
 * An event line under the timeline's time column.
 * @param {number} elapsedMs
 * @param {string} text
 */
export function event(elapsedMs, text) {
  return `${right(seconds(elapsedMs), TIME_WIDTH)}  ${text}`;
}
