export { breakerStatus } from './breaker-status.js';
export { circuitBreaker } from './circuit-breaker.js';
export {
  type BreakerDashboardMiddleware,
  type BreakerDashboardOptions,
  breakerDashboard,
} from './dashboard.js';
export type {
  BreakerStatusOptions,
  CircuitBreakerMiddleware,
  CircuitBreakerMiddlewareOptions,
  DegradedHandler,
  DegradedInfo,
  HttpOutcome,
  KeyMode,
  RequestBreaker,
  RouteOptions,
} from './types.js';
