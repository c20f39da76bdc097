export { constantBackoff, exponentialBackoff } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export { coarseClock } from './clock.js';
export { type EnvRegistryOptions, type FromEnvOptions, fromEnv } from './env.js';
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
export { boundKey, MAX_KEY_LENGTH } from './keys.js';
export {
  type BreakerOverride,
  BreakerRegistry,
  type BreakerRegistryOptions,
  type EvictionEvent,
  type EvictionReason,
  type OverrideMatch,
  type RegistryBreakerOptions,
  type RegistryGetOptions,
  type RegistrySnapshot,
  type RegistrySnapshotOptions,
} from './registry.js';
export type * from './types.js';
