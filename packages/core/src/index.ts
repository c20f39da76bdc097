export { constantBackoff, exponentialBackoff } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export { coarseClock } from './clock.js';
export {
  BreakerConfigError,
  BreakerOpenError,
  BreakerTimeoutError,
  BreakwaterError,
  type ErrorCode,
  ErrorCodes,
  isBreakerConfigError,
  isBreakerOpenError,
  isBreakerTimeoutError,
  isBreakwaterError,
} from './errors.js';
export type * from './types.js';
