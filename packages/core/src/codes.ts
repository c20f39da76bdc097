/**
 * Codes and helpers shared by the breaker and its permits.
 *
 * @internal
 */
import { describeValue } from './describe.js';
import type { BreakerState, CallOutcome, RejectionReason } from './types.js';
import type { Sample } from './windows.js';

// States as small integers on the hot path; names for everything public.
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const FORCED_OPEN = 3;
export const DISABLED = 4;
export const STATE_NAMES: readonly BreakerState[] = [
  'closed',
  'open',
  'half_open',
  'forced_open',
  'disabled',
];

// Admission tokens: >= 0 admitted and recorded (0 a normal call, > 0 a probe's
// lease id), PASS admitted unrecorded, below that a rejection.
export const PASS = -1;
export const REJECT_OPEN = -2;
export const REJECT_HALF_OPEN_FULL = -3;
export const REJECT_RAMP_UP = -4;
export const REJECT_FORCED_OPEN = -5;
export const REASONS: Record<number, RejectionReason> = {
  [REJECT_OPEN]: 'open',
  [REJECT_HALF_OPEN_FULL]: 'half_open_full',
  [REJECT_RAMP_UP]: 'ramp_up',
  [REJECT_FORCED_OPEN]: 'forced_open',
};

// Report kinds.
export const SUCCESS = 0;
export const FAILED = 1;
export const IGNORED = 2;
export const TIMED_OUT = 3;
/** Not a report kind: how a rejection reaches the telemetry tap. */
export const REJECTED = 4;
export const OUTCOMES: readonly CallOutcome[] = ['success', 'failure', 'ignored', 'timeout', 'rejected'];

/** The sample a snapshot shows in OPEN, FORCED_OPEN and DISABLED, frozen when entered. */
export interface Shown extends Sample {
  failureRate: number | null;
  slowCallRate: number | null;
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The shared, empty lease list of a breaker with no probe in flight; replaced before any push. */
export const NO_LEASES: number[] = [];

let never: AbortSignal | undefined;
/** One signal that never aborts, handed to calls that have no timeout and no caller signal. Stateless. */
export function neverAborted(): AbortSignal {
  if (never === undefined) never = new AbortController().signal;
  return never;
}

/**
 * A promise rejected one microtask later, once the caller has attached its
 * handler: V8 and Node track a promise rejected with no handler (about 1 µs per
 * rejection), which would be most of the cost of a fast rejection.
 */
export function rejectLater<T>(error: unknown): Promise<T> {
  return new Promise<T>((_, reject) => {
    queueMicrotask(() => reject(error));
  });
}

export function checkDuration(durationMs: number | undefined): void {
  if (
    durationMs !== undefined &&
    !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0)
  ) {
    throw new TypeError(`durationMs must be a finite number >= 0, got ${describeValue(durationMs)}`);
  }
}

export function attachCause(error: unknown, cause: unknown): void {
  if (
    typeof error === 'object' &&
    error !== null &&
    error !== cause &&
    (error as { cause?: unknown }).cause === undefined
  ) {
    try {
      Object.defineProperty(error, 'cause', {
        value: cause,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    } catch {
      // A frozen error keeps its own shape.
    }
  }
}
