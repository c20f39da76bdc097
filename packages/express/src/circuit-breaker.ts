import { HttpGuard, routeKey } from '@breakwater/core';
import type { NextFunction, Request, Response } from 'express';
import { instrumentRoute, kBreakwater, routeRuns } from './instrumentation.js';
import { attach, ExpressCall, enterRoute, expose, refuse } from './lifecycle.js';
import { routeTemplate } from './route-template.js';
import { TRACK_MOUNTS, TRACK_ROUTE } from './state.js';
import { track } from './tracking.js';
import type { CircuitBreakerMiddleware, CircuitBreakerMiddlewareOptions, DegradedHandler } from './types.js';

/**
 * Circuit breakers for an Express app: one breaker per route (or per client, or per
 * key of your own) from a bounded registry, a fast degraded answer instead of a
 * pile-up when a route fails, and timeouts.
 *
 * Mount it once before the routes (`app.use(circuitBreaker())`) or on one route
 * (`app.get('/x', circuitBreaker({...}), handler)`). With a route key, a request is
 * admitted when it reaches its route, before the route's first handler, with the
 * route's template as key (`GET /users/:id`); see the README, "How routes are
 * resolved". A refused request never reaches the handler: it gets the degraded
 * answer (default `503`, `Retry-After`, `application/problem+json`).
 *
 * Outcomes: a status >= 500, an error thrown, rejected with or passed to `next(err)`
 * in the route, and a timeout are failures (`isFailure` decides); a client that goes
 * away first is ignored; each request's permit is settled exactly once.
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
 * import express from 'express';
 * import { circuitBreaker, breakerStatus } from '@breakwater/express';
 *
 * const app = express();
 * const breakers = circuitBreaker({ failureRateThreshold: 0.5, timeoutMs: 5_000 });
 * app.use(breakers);
 * app.get('/users/:id', async (req, res) => res.json(await users.get(req.params.id, req.breakwater?.signal)));
 * app.get('/breakers', breakerStatus({ registry: breakers.registry, authorize: (req) => req.get('x-admin') === 'yes' }));
 * ```
 */
export function circuitBreaker(options?: CircuitBreakerMiddlewareOptions): CircuitBreakerMiddleware {
  const guard = new HttpGuard<Request, DegradedHandler>(options, { factory: 'circuitBreaker', param: 'req' });
  const level = guard.routeKeyed ? TRACK_MOUNTS : TRACK_ROUTE;

  const middleware = function circuitBreaker(req: Request, res: Response, next: NextFunction): void {
    if (guard.skip(req)) {
      next();
      return;
    }
    const state = attach(req, res);
    if (state.answered) return;
    const route = req.route;
    const inRoute = route !== undefined && routeRuns(route, middleware);
    // The same middleware met again (mounted twice, or on two routes a request falls
    // through): one hold per request, re-keyed when it reaches another route.
    let call = state.callOf(guard);
    if (call === undefined) {
      call = new ExpressCall(guard, state);
      state.calls.push(call);
    } else if (!inRoute) {
      next();
      return;
    }
    if (inRoute) {
      // Per-route use: the route is known now. Let deferred middlewares ask first.
      instrumentRoute(route);
      if (state.entered !== route && !enterRoute(state, req, route)) return;
    } else {
      track(req, state, level);
      if (guard.routeKeyed) {
        state.deferred.push(call);
        next();
        return;
      }
    }
    const key = inRoute ? routeKey(req.method, routeTemplate(req, route, state)) : null;
    const admission = call.request.admit(key, guard.needsClient ? req.ip : undefined);
    if (!admission.admitted) {
      refuse(state, call, admission.info);
      return;
    }
    expose(req, call);
    next();
  } as CircuitBreakerMiddleware;

  Object.defineProperty(middleware, 'registry', { value: guard.registry, enumerable: true });
  Object.defineProperty(middleware, kBreakwater, { value: true });
  return middleware;
}
