import { BreakerConfigError, ErrorCodes, invalidOption } from './errors.js';
import type { Backoff, ExponentialBackoffOptions, Jitter } from './types.js';

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/**
 * The same open duration after every opening.
 *
 * @param ms - milliseconds, a finite number >= 0.
 * @throws BreakerConfigError when `ms` is not a finite number >= 0.
 * @example
 * ```ts
 * new CircuitBreaker({ openDurationMs: constantBackoff(30_000) });
 * ```
 */
export function constantBackoff(ms: number): Backoff {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw invalidOption('constantBackoff(ms)', ms, 'a finite number >= 0');
  }
  return () => ms;
}

/**
 * Open durations that grow with each consecutive opening: `initialMs · multiplier^(attempt-1)`,
 * capped at `maxMs`, with optional jitter drawn from the breaker's `random`:
 *
 * - `'none'`: the exponential value `d`.
 * - `'full'`: `random · d`.
 * - `'equal'`: `d/2 + random · d/2`.
 * - `'decorrelated'`: `min(maxMs, initialMs + random · (p · multiplier − initialMs))` with
 *   `p = max(initialMs, previousMs)`: the first opening (`previousMs` 0) draws from
 *   `[initialMs, initialMs · multiplier]`, so breakers that trip together do not retry
 *   together; each later one from `[initialMs, previous · multiplier]`.
 *
 * The attempt count restarts when the breaker closes or is reset. Without `maxMs`, a
 * duration that would overflow to `Infinity` stays at `Number.MAX_VALUE` (open for good).
 *
 * @throws BreakerConfigError naming the option and the value when an option is invalid.
 * @example
 * ```ts
 * new CircuitBreaker({
 *   openDurationMs: exponentialBackoff({ initialMs: 1_000, maxMs: 60_000, jitter: 'full' }),
 * });
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions): Backoff {
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('exponentialBackoff(options)', options, 'an object');
  }
  for (const name of Object.keys(options)) {
    if (name !== 'initialMs' && name !== 'maxMs' && name !== 'multiplier' && name !== 'jitter') {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        `exponentialBackoff.${name}`,
        (options as unknown as Record<string, unknown>)[name],
        `exponentialBackoff has no option "${name}" (known: initialMs, maxMs, multiplier, jitter)`,
      );
    }
  }
  const { initialMs, maxMs = Number.POSITIVE_INFINITY, multiplier = 2, jitter = 'none' } = options;
  if (typeof initialMs !== 'number' || !Number.isFinite(initialMs) || initialMs <= 0) {
    throw invalidOption('exponentialBackoff.initialMs', initialMs, 'a finite number > 0');
  }
  if (typeof maxMs !== 'number' || Number.isNaN(maxMs) || maxMs < initialMs) {
    throw invalidOption('exponentialBackoff.maxMs', maxMs, `a number >= initialMs (${initialMs})`);
  }
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw invalidOption('exponentialBackoff.multiplier', multiplier, 'a finite number >= 1');
  }
  if (!JITTERS.includes(jitter)) {
    throw invalidOption(
      'exponentialBackoff.jitter',
      jitter,
      `one of ${JITTERS.map((j) => `'${j}'`).join(', ')}`,
    );
  }
  return (attempt, { random, previousMs }) => {
    if (jitter === 'decorrelated') {
      // The first opening has no previous duration: it starts from initialMs.
      const upper = Math.min(Number.MAX_VALUE, Math.max(initialMs, previousMs) * multiplier);
      return Math.min(maxMs, upper, initialMs + random() * (upper - initialMs));
    }
    const d = Math.min(maxMs, Number.MAX_VALUE, initialMs * multiplier ** (attempt - 1));
    if (jitter === 'full') return random() * d;
    if (jitter === 'equal') return d / 2 + (random() * d) / 2;
    return d;
  };
}
