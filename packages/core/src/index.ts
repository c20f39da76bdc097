export { constantBackoff, exponentialBackoff } from './backoff.js';
export { CircuitBreaker } from './breaker.js';
export {
  type ClientKeyOptions,
  clientKey,
  DEFAULT_IPV6_SUBNET,
  isLoopbackRequest,
  UNKNOWN_CLIENT,
} from './client-key.js';
export { coarseClock } from './clock.js';
export { describeValue } from './describe.js';
export { type EnvRegistryOptions, type FromEnvOptions, fromEnv } from './env.js';
export {
  BreakerConfigError,
  BreakerOpenError,
  BreakerTimeoutError,
  BreakwaterError,
  type ErrorCode,
  ErrorCodes,
  invalidOption,
  isBreakerConfigError,
  isBreakerOpenError,
  isBreakerTimeoutError,
  isBreakwaterError,
} from './errors.js';
export { HttpGuard, HttpRequestGuard, HttpWarningCodes, type RequestHooks } from './http-guard.js';
export type * from './http-types.js';
export { boundKey, MAX_KEY_LENGTH } from './keys.js';
export { MAX_TIMER_MS } from './limits.js';
export { DEFAULT_DEGRADED_TIMEOUT_MS, type OptionsContext } from './middleware-options.js';
export { degradedProblem, forbiddenProblem, PROBLEM_CONTENT_TYPE, retryAfterSeconds } from './problem.js';
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
export { type CallRefusal, type MiddlewareCall, RequestCalls } from './request-calls.js';
export { routeClientKey, routeKey, UNMATCHED_ROUTE } from './request-key.js';
export { sealResponse } from './seal-response.js';
export { BreakerStatus, DEFAULT_STATUS_LIMIT, type StatusContext, type StatusOptions } from './status.js';
export { type BreakerStore, isBreakerStore, type StoreState, type StoreStatus } from './store.js';
export { CALL_DURATION_BUCKETS, TelemetryNames, TelemetryUnits } from './telemetry/names.js';
export type * from './types.js';
