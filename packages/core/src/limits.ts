/**
 * Upper bounds on options whose values reach a timer or size an allocation.
 */
import { invalidOption } from './errors.js';

/**
 * The longest delay, in ms, that Node's timers honour: 2,147,483,647 (2^31 − 1,
 * about 24.8 days). `setTimeout` and `setInterval` run a longer delay after 1 ms
 * instead, so every Breakwater option that ends in a timer (`timeoutMs`,
 * `degradedTimeoutMs`, `halfOpenMaxWaitMs`, a store's `syncIntervalMs`, the
 * dashboard's intervals) is refused above it with an
 * `ERR_BREAKWATER_INVALID_OPTION` error naming the option and the value.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_MS } from '@breakwater/core';
 * if (intervalMs > MAX_TIMER_MS) throw new RangeError(`intervalMs must be at most ${MAX_TIMER_MS}`);
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * The largest count window (`window.size`): 100,000 calls, a 25 KB ring (outcomes
 * are packed four to a byte).
 *
 * @internal
 */
export const MAX_COUNT_WINDOW_SIZE = 100_000;

/**
 * The most buckets a time window may have (`window.buckets`): 1,000, 32 KB (four
 * float64s per bucket).
 *
 * @internal
 */
export const MAX_TIME_WINDOW_BUCKETS = 1_000;

/**
 * Checks a duration that ends in a timer: a finite number > 0 and at most
 * {@link MAX_TIMER_MS}.
 *
 * @throws BreakerConfigError (`ERR_BREAKWATER_INVALID_OPTION`) naming `option` and the value.
 * @internal
 */
export function checkTimerMs(option: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidOption(option, value, 'a finite number > 0');
  }
  if (value > MAX_TIMER_MS) {
    throw invalidOption(option, value, `a finite number > 0 and at most ${MAX_TIMER_MS}`);
  }
}
