/**
 * Public types of `@breakwater/express`.
 */
import type {
  BreakerRegistry,
  DegradedInfo,
  HttpBreakerOptions,
  HttpOutcome,
  HttpRouteOptions,
  KeyMode,
  RequestBreaker,
} from '@breakwater/core';
import type { Request, RequestHandler, Response } from 'express';

/**
 * Answers a refused or timed-out request instead of the default 503 problem+json:
 * cached data, a default, a redirect. It must end the response (`res.json()`,
 * `res.end()`…), synchronously or later. If it throws, rejects, or has not ended the
 * response within `degradedTimeoutMs`, the default answer is sent (or, if it already
 * started one, the response is destroyed) and a warning is emitted once.
 *
 * @example
 * ```ts
 * const degraded: DegradedHandler = (req, res, info) =>
 *   res.status(200).set('X-Degraded', info.reason).json(cache.get(req.originalUrl) ?? []);
 * ```
 */
export type DegradedHandler = (req: Request, res: Response, info: DegradedInfo) => unknown;

/**
 * Per-route options: breaker options merged over the middleware's, and a degraded handler.
 *
 * @example
 * ```ts
 * const search: RouteOptions = { slowCallDurationMs: 300, timeoutMs: 1_000, degraded: (req, res) => res.json([]) };
 * app.use(circuitBreaker({ routes: { 'GET /search': search } }));
 * ```
 */
export type RouteOptions = HttpRouteOptions<DegradedHandler>;

/**
 * Options of {@link circuitBreaker}: every `CircuitBreaker` option (applied to each
 * key's breaker; `timeoutMs` is also the request timeout) plus the middleware's own.
 * Validated when `circuitBreaker()` is called; unknown names are errors.
 *
 * @example
 * ```ts
 * const options: CircuitBreakerMiddlewareOptions = {
 *   key: 'route',
 *   failureRateThreshold: 0.5,
 *   window: { kind: 'time', durationMs: 10_000 },
 *   timeoutMs: 5_000,
 *   skip: (req) => req.path === '/healthz',
 * };
 * app.use(circuitBreaker(options));
 * ```
 */
export interface CircuitBreakerMiddlewareOptions extends HttpBreakerOptions {
  /**
   * What a breaker is per. Default `'route'`: the route template with its method
   * (`GET /users/:id`), never the raw URL. `'client'`: the client address from
   * `req.ip` (IPv6 by `/ipv6Subnet`). `'route+client'`: both. Or a function of the
   * request, called before routing.
   */
  key?: KeyMode | ((req: Request) => string) | undefined;
  /** The registry of breakers. Default: one created for this middleware (see `.registry`). */
  registry?: BreakerRegistry | undefined;
  /** Per-route options by route key, e.g. `{ 'GET /search': { slowCallDurationMs: 300 } }`. */
  routes?: Readonly<Record<string, RouteOptions>> | undefined;
  /** Default: `error !== undefined || status >= 500`. */
  isFailure?: ((outcome: HttpOutcome) => boolean) | undefined;
  /** Answers refused and timed-out requests. Default: 503 with `Retry-After` and problem+json. */
  degraded?: DegradedHandler | undefined;
  /** Requests for which this returns `true` bypass the breaker. */
  skip?: ((req: Request) => boolean) | undefined;
  /** IPv6 prefix length for client keys, integer in [1, 128], or `false`. Default 56. */
  ipv6Subnet?: number | false | undefined;
  /** How long a degraded handler may take, in ms (> 0). Default 1,000. */
  degradedTimeoutMs?: number | undefined;
}

/**
 * The middleware {@link circuitBreaker} returns: a request handler that exposes its registry.
 *
 * @example
 * ```ts
 * const breakers: CircuitBreakerMiddleware = circuitBreaker();
 * app.use(breakers);
 * breakers.registry.onStateChange(({ key, from, to }) => log.warn({ key, from, to }, 'breaker'));
 * ```
 */
export type CircuitBreakerMiddleware = RequestHandler & {
  /** The registry holding this middleware's breakers: share it with `breakerStatus`. */
  readonly registry: BreakerRegistry;
};

/**
 * Options of {@link breakerStatus}.
 *
 * @example
 * ```ts
 * const options: BreakerStatusOptions = { registry: breakers.registry, authorize: (req) => req.ip === '127.0.0.1' };
 * app.get('/breakers', breakerStatus(options));
 * ```
 */
export interface BreakerStatusOptions {
  /** The registry to show, e.g. `circuitBreaker(...).registry`. */
  registry: BreakerRegistry;
  /**
   * Must return `true` (or a promise of `true`) to allow the request; anything else,
   * or a throw, answers 403 naming no breaker. Omitted: everyone may read it (a
   * warning is emitted).
   */
  authorize?: ((req: Request) => boolean | PromiseLike<boolean>) | undefined;
  /** The most breakers listed, not-closed ones first (integer >= 0, or `Infinity`). Default 1,000. */
  limit?: number | undefined;
}

export type { DegradedInfo, HttpOutcome, KeyMode, RequestBreaker };

declare global {
  namespace Express {
    interface Request {
      /**
       * The breaker guarding this request, set by `circuitBreaker()` once the request
       * holds a permit (for a route key: when the request reaches its route).
       */
      breakwater?: RequestBreaker;
    }
  }
}
