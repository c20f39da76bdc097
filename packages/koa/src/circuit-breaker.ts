import { HttpGuard } from '@breakwater/core';
import type { Context, Next } from 'koa';
import { instrumentLayers, isRouteLayer, kBreakwater, layerRunning, nextRoute } from './instrumentation.js';
import { attach, enterRoute, expose, KoaCall, refuse, run } from './lifecycle.js';
import { routeTemplateKey } from './route-template.js';
import { track } from './tracking.js';
import type { CircuitBreakerMiddleware, CircuitBreakerMiddlewareOptions, DegradedHandler } from './types.js';

/**
 * Circuit breakers for a Koa app: one breaker per route (or per client, or per key of
 * your own) from a bounded registry, a fast degraded answer instead of a pile-up when
 * a route fails, and timeouts.
 *
 * Mount it once before the router (`app.use(circuitBreaker())`), inside a router
 * (`router.use(circuitBreaker())`) or on one route (`router.get('/x', circuitBreaker({...}), handler)`).
 * With a route key, a request is admitted when it reaches its `@koa/router` route,
 * before the route's first handler, with the route's template as key
 * (`GET /users/:id`); see the README, "How routes are resolved". A refused request
 * never reaches the handler: it gets the degraded answer (default `503`,
 * `Retry-After`, `application/problem+json`).
 *
 * Outcomes: a status >= 500, an error thrown or rejected with downstream, and a
 * timeout are failures (`isFailure` decides); a client that goes away first is
 * ignored; each request's permit is settled exactly once, when the response finishes
 * or closes.
 *
 * @param options - breaker options for each key's breaker, plus `key`, `registry`,
 *   `routes`, `isFailure`, `degraded`, `skip`, `ipv6Subnet`, `degradedTimeoutMs`.
 * @returns the middleware, named `circuitBreaker`, with its `registry`.
 * @throws BreakerConfigError when an option is unknown or invalid, naming it and the
 *   value: `ERR_BREAKWATER_UNKNOWN_OPTION`, `ERR_BREAKWATER_INVALID_OPTION` (e.g.
 *   `timeoutMs must be a finite number > 0, got -1`), `ERR_BREAKWATER_CONFLICTING_OPTIONS`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import Router from '@koa/router';
 * import { circuitBreaker, breakerStatus } from '@breakwater/koa';
 *
 * const app = new Koa();
 * const router = new Router();
 * const breakers = circuitBreaker({ failureRateThreshold: 0.5, timeoutMs: 5_000 });
 * router.get('/users/:id', async (ctx) => {
 *   ctx.body = await users.get(ctx.params.id, ctx.state.breakwater?.signal);
 * });
 * router.get('/breakers', breakerStatus({ registry: breakers.registry, authorize: (ctx) => ctx.get('x-admin') === 'yes' }));
 * app.use(breakers);
 * app.use(router.routes());
 * ```
 */
export function circuitBreaker(options?: CircuitBreakerMiddlewareOptions): CircuitBreakerMiddleware {
  const guard = new HttpGuard<Context, DegradedHandler>(options, { factory: 'circuitBreaker', param: 'ctx' });

  const middleware = function circuitBreaker(ctx: Context, next: Next): Promise<unknown> {
    if (guard.skip(ctx)) return next();
    const state = attach(ctx);
    if (state.answered) return Promise.resolve();
    const layer = layerRunning(ctx, middleware);
    const inRoute = layer !== undefined && isRouteLayer(layer);
    // The same middleware met again (mounted twice, or on two routes a request falls
    // through): one hold per request, re-keyed when it reaches another route.
    let call = state.callOf(guard) as KoaCall | undefined;
    if (call === undefined) {
      call = new KoaCall(guard, state);
      state.calls.push(call);
    } else if (!inRoute) {
      return next();
    }
    let key: string | null = null;
    if (inRoute) {
      // Per-route use: the route is known now. Let deferred middlewares ask first.
      key = routeTemplateKey(ctx, layer.path);
      if (state.entered !== key) {
        const refusal = enterRoute(state, key);
        if (refusal !== undefined) return refusal;
      }
    } else {
      track(ctx, state);
      if (guard.routeKeyed) {
        state.deferred.push(call);
        // Inside a router (`router.use(circuitBreaker())`): the router has already
        // chosen the request's layers, so ask now for the route it goes to next.
        const route = layer === undefined ? undefined : nextRoute(ctx, layer);
        if (route !== undefined) {
          instrumentLayers((ctx as unknown as { matched?: unknown }).matched);
          const refusal = enterRoute(state, routeTemplateKey(ctx, route.path));
          if (refusal !== undefined) return refusal;
        }
        return run(state, call, next);
      }
    }
    const admission = call.request.admit(key, guard.needsClient ? ctx.ip : undefined);
    if (!admission.admitted) return refuse(state, call, admission.info);
    expose(ctx, call);
    return run(state, call, next);
  } as CircuitBreakerMiddleware;

  Object.defineProperty(middleware, 'registry', { value: guard.registry, enumerable: true });
  Object.defineProperty(middleware, kBreakwater, { value: true });
  return middleware;
}
