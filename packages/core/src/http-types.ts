/**
 * Public types of the framework-agnostic HTTP glue that the Express and Koa adapters
 * share: options, outcomes, degraded-answer information.
 */
import type { BreakerRegistry, RegistryBreakerOptions } from './registry.js';
import type { BreakerState, CircuitBreakerOptions, RejectionReason } from './types.js';

/** How a request is keyed to a breaker, unless a function is given. */
export type KeyMode = 'route' | 'client' | 'route+client';

/**
 * Why a request got the degraded answer instead of its handler's: a breaker's
 * rejection reason, or `timeout` when the handler did not answer within `timeoutMs`.
 */
export type DegradedReason = RejectionReason | 'timeout';

/**
 * What a degraded handler and the default answer know about a refused or timed-out request.
 *
 * @example
 * ```ts
 * const degraded = (req, res, info: DegradedInfo) =>
 *   res.status(503).set('Retry-After', String(Math.ceil((info.retryAfterMs ?? 5_000) / 1000))).json({ reason: info.reason });
 * ```
 */
export interface DegradedInfo {
  /** Why the request was refused or cut short. */
  reason: DegradedReason;
  /** The breaker key, e.g. `GET /users/:id`, `203.0.113.7` or `GET /users/:id @ 203.0.113.7`. */
  key: string;
  /** The route template with its method (`GET /users/:id`) when known, else `null`. */
  route: string | null;
  /** The breaker's name (its key, unless the registry names it otherwise). */
  breaker: string;
  /** The breaker's state when the request was refused or timed out. */
  state: BreakerState;
  /**
   * When to try again, in ms: the breaker's `retryAfterMs` for a rejection (`null` when
   * forced open); `null` for a timeout.
   */
  retryAfterMs: number | null;
}

/**
 * What `isFailure` receives about a finished request.
 *
 * @example
 * ```ts
 * const isFailure = ({ status, error }: HttpOutcome) => status >= 500 || (error !== undefined && status !== 404);
 * ```
 */
export interface HttpOutcome {
  /** The response status. */
  status: number;
  /** The error the handler threw, rejected with or passed to `next(err)`, if any. */
  error?: unknown;
  /** How long the request took under its breaker, in ms, on the breaker's clock. */
  durationMs: number;
  /** The breaker key. */
  key: string;
  /** The route template with its method, when known. */
  route: string | null;
}

/**
 * Breaker options a middleware applies to each key's breaker: every
 * `CircuitBreaker` option but `name` (breakers are named after their key), `key` (the
 * middleware's own `key` option means something else), `classify` (HTTP outcomes are
 * classified by `isFailure`) and `initialState` (per key, through the registry).
 * `clock`, `random` and `telemetry` go to the registry the middleware creates; with
 * your own `registry`, set them there. `timeoutMs` is also the request timeout.
 */
export type HttpBreakerOptions = Omit<CircuitBreakerOptions, 'name' | 'key' | 'classify' | 'initialState'>;

/** Options for the breakers of one route, merged over the middleware's breaker options. */
export type HttpRouteOptions<Degraded> = Omit<RegistryBreakerOptions, 'name' | 'classify'> & {
  /** A degraded handler for this route, used instead of the middleware's. */
  degraded?: Degraded | undefined;
};

/**
 * Options of an HTTP breaker middleware, shared by the adapters. `Ctx` is what the
 * framework hands a middleware (Express `req`, Koa `ctx`), `Degraded` the adapter's
 * degraded-handler signature.
 *
 * @example
 * ```ts
 * const options: HttpGuardOptions<Context, KoaDegraded> = { key: 'route+client', timeoutMs: 2_000 };
 * const guard = new HttpGuard(options, { factory: 'circuitBreaker', param: 'ctx' });
 * ```
 */
export interface HttpGuardOptions<Ctx, Degraded> extends HttpBreakerOptions {
  /**
   * What a breaker is per: `'route'` (the route template with its method, the
   * default), `'client'` (the client address, IPv6 by subnet), `'route+client'`, or a
   * function of the request returning the key.
   */
  key?: KeyMode | ((ctx: Ctx) => string) | undefined;
  /** The registry holding the breakers. Default: one created for this middleware. */
  registry?: BreakerRegistry | undefined;
  /**
   * Per-route breaker options and degraded handlers, by route key (`'GET /search'`),
   * merged over the middleware's breaker options. Only with `key` `'route'` or `'route+client'`.
   */
  routes?: Readonly<Record<string, HttpRouteOptions<Degraded>>> | undefined;
  /** Decides whether a finished request is a failure. Default: `error !== undefined || status >= 500`. */
  isFailure?: ((outcome: HttpOutcome) => boolean) | undefined;
  /** Answers refused and timed-out requests instead of the default 503 problem+json. */
  degraded?: Degraded | undefined;
  /** Requests for which this returns `true` bypass the breaker entirely. */
  skip?: ((ctx: Ctx) => boolean) | undefined;
  /** IPv6 prefix length client keys are grouped by (integer in [1, 128]), or `false`. Default 56. */
  ipv6Subnet?: number | false | undefined;
  /**
   * How long a degraded handler may take before the default answer is sent, in ms (> 0,
   * at most `MAX_TIMER_MS`, 2,147,483,647). Default 1,000.
   */
  degradedTimeoutMs?: number | undefined;
}

/** An HTTP answer the adapters write as is. */
export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

/** Outcome of a request as the adapter observed it, for `HttpRequestGuard.settle()`. */
export interface HttpSettleInput {
  /** The response status (the framework's, e.g. `res.statusCode`). */
  status: number;
  /** The error thrown, rejected with or passed on by the handler. */
  error?: unknown;
  /** True when the client went away before the response was complete: the outcome is ignored. */
  aborted?: boolean;
  /** True when the answer is not the handler's (another guard answered): the outcome is ignored. */
  ignore?: boolean;
}

/** The result of admitting a request. */
export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly info: DegradedInfo };

/**
 * What a handler sees of the breaker guarding its request: Express `req.breakwater`,
 * Koa `ctx.state.breakwater`.
 *
 * @example
 * ```ts
 * const user = await req.breakwater?.execute('users-api', (signal) => fetch(url, { signal }).then((r) => r.json()));
 * ```
 */
export interface RequestBreaker {
  /** The breaker key, e.g. `GET /users/:id`. */
  readonly key: string;
  /** The route key (`GET /users/:id`) when known, else `null`. */
  readonly route: string | null;
  /** The state of the breaker when it admitted the request, e.g. `half_open` for a probe. */
  readonly state: BreakerState;
  /**
   * Aborted when the request times out or the client goes away: pass it to upstream
   * calls (`fetch(url, { signal })`) so they stop too.
   */
  readonly signal: AbortSignal;
  /**
   * Guards an outbound call with a registry breaker of its own (e.g. `payments-api`),
   * created with the registry's defaults, passing the request's signal.
   *
   * @throws BreakerOpenError, BreakerTimeoutError or what `fn` threw, as a rejection.
   */
  execute<T>(
    name: string,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: { fallback?: ((error: unknown) => T | PromiseLike<T>) | undefined },
  ): Promise<T>;
}
