/**
 * Upper bounds on options whose values reach a timer or size an allocation.
 */

/**
 * The longest delay, in ms, that Node's timers honour: 2,147,483,647 (2^31 − 1,
 * about 24.8 days). `setTimeout`/`setInterval` run a longer delay after 1 ms
 * instead, so every Breakwater option that ends in a timer (`timeoutMs`,
 * `degradedTimeoutMs`, `halfOpenMaxWaitMs`, a store's `syncIntervalMs`, the
 * dashboard's intervals) is refused above it with an
 * `ERR_BREAKWATER_INVALID_OPTION` error naming the option and the value.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_MS } from '@breakwater/core';
 * if (ms > MAX_TIMER_MS) throw new RangeError(`interval too long: ${ms}`);
 * ```
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The largest count window (`window.size`): 100,000 calls (about 100 KB for its ring). @internal */
export const MAX_COUNT_WINDOW_SIZE = 100_000;

/** The most buckets a time window may have (`window.buckets`): 1,000. @internal */
export const MAX_TIME_WINDOW_BUCKETS = 1_000;
