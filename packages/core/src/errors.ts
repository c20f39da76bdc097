import { describeValue } from './describe.js';
import type { BreakerState, RejectionReason } from './types.js';

/** Error codes of Breakwater's errors. Stable: match on these, not on messages. */
export const ErrorCodes = {
  /** A call was rejected by an open, half-open-full, ramping or forced-open breaker. */
  OPEN: 'ERR_BREAKWATER_OPEN',
  /** A call exceeded `timeoutMs`. */
  TIMEOUT: 'ERR_BREAKWATER_TIMEOUT',
  /** An option was invalid (generic). */
  CONFIG: 'ERR_BREAKWATER_CONFIG',
  /** An option name is not known. */
  UNKNOWN_OPTION: 'ERR_BREAKWATER_UNKNOWN_OPTION',
  /** An option has a value outside its range or of the wrong type. */
  INVALID_OPTION: 'ERR_BREAKWATER_INVALID_OPTION',
  /** Options that are valid alone but not together. */
  CONFLICTING_OPTIONS: 'ERR_BREAKWATER_CONFLICTING_OPTIONS',
  /** An option that cannot change at runtime was passed to `reconfigure()`. */
  NOT_RECONFIGURABLE: 'ERR_BREAKWATER_NOT_RECONFIGURABLE',
  /** `initialState` could not be restored. */
  INVALID_STATE: 'ERR_BREAKWATER_INVALID_STATE',
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const BRAND = Symbol.for('breakwater.error');

/**
 * The base of every error Breakwater throws.
 *
 * Use {@link isBreakwaterError} rather than `instanceof` when two copies of the
 * package may be loaded.
 *
 * @example
 * ```ts
 * try { await breaker.execute(call); }
 * catch (err) { if (isBreakwaterError(err)) console.log(err.code); }
 * ```
 */
export class BreakwaterError extends Error {
  /** A stable `ERR_BREAKWATER_*` code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Thrown (or returned as a rejection) when a breaker refuses a call.
 *
 * Rejections are hot: this error is built without a stack trace.
 */
export class BreakerOpenError extends BreakwaterError {
  /** The breaker's name. */
  readonly breaker: string;
  /** The breaker's key (equals the name outside a registry). */
  readonly key: string;
  /** Why the call was refused. */
  readonly reason: RejectionReason;
  /** The state that refused the call. */
  readonly state: BreakerState;
  /** When to try again, in ms; `null` when forced open. */
  readonly retryAfterMs: number | null;

  constructor(
    name: string,
    key: string,
    reason: RejectionReason,
    state: BreakerState,
    retryAfterMs: number | null,
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(ErrorCodes.OPEN, `Breaker "${name}" rejected the call (${reason})`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.breaker = name;
    this.key = key;
    this.reason = reason;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Builds a {@link BreakerOpenError} for the rejection path: same prototype, same
 * fields, no stack capture (about 10x cheaper than the constructor).
 *
 * @internal
 */
export function rejectionError(
  name: string,
  key: string,
  reason: RejectionReason,
  state: BreakerState,
  retryAfterMs: number | null,
): BreakerOpenError {
  const error = Object.create(BreakerOpenError.prototype) as {
    -readonly [K in keyof BreakerOpenError]: BreakerOpenError[K];
  };
  error.message = `Breaker "${name}" rejected the call (${reason})`;
  error.code = ErrorCodes.OPEN;
  error.breaker = name;
  error.key = key;
  error.reason = reason;
  error.state = state;
  error.retryAfterMs = retryAfterMs;
  return error as BreakerOpenError;
}

/** A call guarded by `execute()` took longer than `timeoutMs`; its signal was aborted with this error. */
export class BreakerTimeoutError extends BreakwaterError {
  /** The breaker's name. */
  readonly breaker: string;
  /** The timeout that elapsed, in ms. */
  readonly timeoutMs: number;

  constructor(name: string, timeoutMs: number) {
    super(ErrorCodes.TIMEOUT, `Breaker "${name}" timed out the call after ${timeoutMs} ms`);
    this.breaker = name;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An option was invalid. The message names the option and the value received,
 * e.g. `failureRateThreshold must be a number in (0, 1], got 1.5`.
 */
export class BreakerConfigError extends BreakwaterError {
  /** The offending option's path, e.g. `window.size`. */
  readonly option: string;
  /** The value received. */
  readonly value: unknown;

  constructor(
    code: ErrorCode,
    option: string,
    value: unknown,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.option = option;
    this.value = value;
  }
}

// Errors built by rejectionError() have no own stack: give them a one-line one,
// and let util.inspect and loggers treat them as errors.
Object.defineProperty(BreakerOpenError.prototype, 'stack', {
  get(this: Error) {
    return `${this.name}: ${this.message}`;
  },
  set(this: Error, value: unknown) {
    Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
  },
  configurable: true,
});
// The brand lives on the prototype: every instance, however built, carries it.
Object.defineProperty(BreakwaterError.prototype, BRAND, { value: true });
Object.defineProperty(BreakwaterError.prototype, Symbol.toStringTag, { value: 'Error', configurable: true });

// Names live on the prototypes (not per instance) and survive minification.
for (const [ctor, name] of [
  [BreakwaterError, 'BreakwaterError'],
  [BreakerOpenError, 'BreakerOpenError'],
  [BreakerTimeoutError, 'BreakerTimeoutError'],
  [BreakerConfigError, 'BreakerConfigError'],
] as const) {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** True for any error thrown by any copy of Breakwater. */
export function isBreakwaterError(value: unknown): value is BreakwaterError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True for a rejection by a breaker, from any copy of Breakwater. */
export function isBreakerOpenError(value: unknown): value is BreakerOpenError {
  return isBreakwaterError(value) && value.code === ErrorCodes.OPEN;
}

/** True for a `timeoutMs` timeout, from any copy of Breakwater. */
export function isBreakerTimeoutError(value: unknown): value is BreakerTimeoutError {
  return isBreakwaterError(value) && value.code === ErrorCodes.TIMEOUT;
}

/** True for an invalid option, from any copy of Breakwater. */
export function isBreakerConfigError(value: unknown): value is BreakerConfigError {
  return (
    isBreakwaterError(value) &&
    (value.code === ErrorCodes.CONFIG ||
      value.code === ErrorCodes.UNKNOWN_OPTION ||
      value.code === ErrorCodes.INVALID_OPTION ||
      value.code === ErrorCodes.CONFLICTING_OPTIONS ||
      value.code === ErrorCodes.NOT_RECONFIGURABLE ||
      value.code === ErrorCodes.INVALID_STATE)
  );
}

/**
 * A `BreakerConfigError` (`ERR_BREAKWATER_INVALID_OPTION`) whose message names the
 * option, what it must be, and the value received: `timeoutMs must be a finite number
 * > 0, got -1`. Shared by Breakwater's packages; not part of the supported API.
 *
 * @internal
 */
export function invalidOption(option: string, value: unknown, expected: string): BreakerConfigError {
  return new BreakerConfigError(
    ErrorCodes.INVALID_OPTION,
    option,
    value,
    `${option} must be ${expected}, got ${describeValue(value)}`,
  );
}
