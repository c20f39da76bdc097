import type { Clock } from './types.js';

/**
 * The default clock: monotonic milliseconds on the epoch scale
 * (`performance.timeOrigin + performance.now()`), read at most once per
 * event-loop turn.
 *
 * A clock read costs 35 to 50 ns on Node 20, as much as an `await` itself, and a
 * breaker needs the time twice per call. This clock caches the reading until the
 * event loop's next check phase (one unref'd `setImmediate` per turn in which the
 * clock was read, never a timer per breaker, nothing at all while idle) and
 * refreshes it every 64 reads within one turn. That is the same notion of "now"
 * that Node's own timers use (libuv caches the loop time once per turn).
 *
 * The cost: durations are measured between event-loop turns. A call that blocks
 * the loop synchronously without yielding is measured as shorter than it was.
 * Inject `clock: { now: () => performance.now() }` where that matters more than
 * speed; tests inject a fake clock.
 */
export const coarseClock: Clock = { now: coarseNow };

let cached = 0;
let valid = false;
let reads = 0;

function invalidate(): void {
  valid = false;
}

function read(): number {
  return performance.timeOrigin + performance.now();
}

function coarseNow(): number {
  if (valid) {
    if (++reads < 64) return cached;
    reads = 0;
    cached = read();
    return cached;
  }
  valid = true;
  reads = 0;
  cached = read();
  setImmediate(invalidate).unref();
  return cached;
}
