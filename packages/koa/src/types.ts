/**
 * Public types of `@breakwater/koa`.
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
import type { Context, Middleware } from 'koa';

/**
 * Answers a refused or timed-out request instead of the default 503 problem+json:
 * cached data, a default, a redirect. It sets the answer on `ctx` like any Koa
 * middleware (`ctx.status`, `ctx.set()`, `ctx.body`, `ctx.redirect()`), synchronously or
 * by returning a promise; Koa sends it (on a timeout, Breakwater sends it as soon as it
 * settles, so the timed-out handler cannot change it). If it throws, rejects, or has not settled within
 * `degradedTimeoutMs`, the default answer is sent instead and a warning is emitted once.
 *
 * Set `ctx.status` explicitly: on a timeout, `ctx` may still hold what the timed-out
 * handler set before it hung.
 *
 * @example
 * ```ts
 * const degraded: DegradedHandler = (ctx, info) => {
 *   ctx.status = 200;
 *   ctx.set('X-Degraded', info.reason);
 *   ctx.body = cache.get(ctx.path) ?? [];
 * };
 * ```
 */
export type DegradedHandler = (ctx: Context, info: DegradedInfo) => unknown;

/**
 * Per-route options: breaker options merged over the middleware's, and a degraded handler.
 *
 * @example
 * ```ts
 * const search: RouteOptions = { timeoutMs: 500, slowCallDurationMs: 300, degraded: (ctx) => ctx.redirect('/search/lite') };
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
 *   window: { kind: 'count', size: 20 },
 *   failureRateThreshold: 0.5,
 *   timeoutMs: 5_000,
 *   isFailure: ({ status }) => status >= 500,
 *   skip: (ctx) => ctx.path === '/healthz',
 * };
 * app.use(circuitBreaker(options));
 * ```
 */
export interface CircuitBreakerMiddlewareOptions extends HttpBreakerOptions {
  /**
   * What a breaker is per. Default `'route'`: the `@koa/router` route template with its
   * method (`GET /users/:id`), never the raw URL. `'client'`: the client address from
   * `ctx.ip` (IPv6 by `/ipv6Subnet`). `'route+client'`: both. Or a function of the
   * context, called before routing.
   */
  key?: KeyMode | ((ctx: Context) => string) | undefined;
  /** The registry of breakers. Default: one created for this middleware (see `.registry`). */
  registry?: BreakerRegistry | undefined;
  /** Per-route options by route key, e.g. `{ 'GET /search': { slowCallDurationMs: 300 } }`. */
  routes?: Readonly<Record<string, RouteOptions>> | undefined;
  /** Default: `error !== undefined || status >= 500`. */
  isFailure?: ((outcome: HttpOutcome) => boolean) | undefined;
  /** Answers refused and timed-out requests. Default: 503 with `Retry-After` and problem+json. */
  degraded?: DegradedHandler | undefined;
  /** Requests for which this returns `true` bypass the breaker. */
  skip?: ((ctx: Context) => boolean) | undefined;
  /** IPv6 prefix length for client keys, integer in [1, 128], or `false`. Default 56. */
  ipv6Subnet?: number | false | undefined;
  /** How long a degraded handler may take, in ms (> 0). Default 1,000. */
  degradedTimeoutMs?: number | undefined;
}

/**
 * The middleware {@link circuitBreaker} returns: a Koa middleware that exposes its registry.
 *
 * @example
 * ```ts
 * const breakers: CircuitBreakerMiddleware = circuitBreaker();
 * app.use(breakers);
 * breakers.registry.peek('GET /users/:id')?.snapshot();
 * ```
 */
export type CircuitBreakerMiddleware = Middleware & {
  /** The registry holding this middleware's breakers: share it with `breakerStatus`. */
  readonly registry: BreakerRegistry;
};

/**
 * Options of {@link breakerStatus}.
 *
 * @example
 * ```ts
 * const options: BreakerStatusOptions = { registry: breakers.registry, authorize: (ctx) => ctx.state.user?.admin === true, limit: 100 };
 * router.get('/breakers', breakerStatus(options));
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
  authorize?: ((ctx: Context) => boolean | PromiseLike<boolean>) | undefined;
  /** The most breakers listed, not-closed ones first (integer >= 0, or `Infinity`). Default 1,000. */
  limit?: number | undefined;
}

export type { DegradedInfo, HttpOutcome, KeyMode, RequestBreaker };

declare module 'koa' {
  interface DefaultState {
    /**
     * The breaker guarding this request, set by `circuitBreaker()` once the request
     * holds a permit (for a route key: when the request reaches its route).
     */
    breakwater?: RequestBreaker;
  }
}
