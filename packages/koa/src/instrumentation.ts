import type { Context, Next } from 'koa';
import { enterRoute } from './lifecycle.js';
import { routeTemplateKey } from './route-template.js';
import { type RequestState, stateOf } from './state.js';

/** Marks a wrapped route handler with its original. One per copy of the package. */
const kOriginal: unique symbol = Symbol('breakwater.koa.original');
/** Marks Breakwater's own middleware functions, which are never wrapped. */
export const kBreakwater: unique symbol = Symbol('breakwater.koa.middleware');

type Handler = ((...args: never[]) => unknown) & { [kOriginal]?: unknown; [kBreakwater]?: true };

/** A `@koa/router` `Layer`, as far as Breakwater reads it. */
export interface LayerLike {
  path: unknown;
  methods: string[];
  stack: Handler[];
}

/**
 * Whether `value` looks like a `@koa/router` `Layer`.
 *
 * @internal
 */
export function isLayer(value: unknown): value is LayerLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { stack?: unknown }).stack) &&
    Array.isArray((value as { methods?: unknown }).methods)
  );
}

/** A route (`router.get(...)`), as opposed to router middleware (`router.use(...)`). */
export function isRouteLayer(layer: LayerLike): boolean {
  return layer.methods.length > 0;
}

/**
 * The router layer whose stack is running `middleware` right now, if any: `@koa/router`
 * sets `ctx.routerPath` to a layer's path just before running its stack, and lists the
 * layers that matched the path in `ctx.matched`.
 *
 * @internal
 */
export function layerRunning(ctx: Context, middleware: unknown): LayerLike | undefined {
  const c = ctx as unknown as Record<string, unknown>;
  const matched = c['matched'];
  if (!Array.isArray(matched)) return undefined;
  const path = c['routerPath'] ?? c['_matchedRoute'];
  if (path === undefined) return undefined;
  for (let i = matched.length - 1; i >= 0; i--) {
    const layer: unknown = matched[i];
    if (!isLayer(layer) || layer.path !== path) continue;
    const stack = layer.stack;
    for (let j = 0; j < stack.length; j++) {
      const fn = stack[j] as Handler;
      if (fn === middleware || fn?.[kOriginal] === middleware) return layer;
    }
  }
  return undefined;
}

/**
 * The route a request goes to after router middleware `from`: the first route layer
 * after it among the layers that matched the path, for the request's method.
 *
 * @internal
 */
export function nextRoute(ctx: Context, from: LayerLike): LayerLike | undefined {
  const matched = (ctx as unknown as { matched?: unknown }).matched;
  if (!Array.isArray(matched)) return undefined;
  const method = typeof ctx.method === 'string' ? ctx.method.toUpperCase() : 'GET';
  let i = matched.lastIndexOf(from);
  if (i === -1) return undefined;
  for (i++; i < matched.length; i++) {
    const layer: unknown = matched[i];
    if (isLayer(layer) && isRouteLayer(layer) && layer.methods.includes(method)) return layer;
  }
  return undefined;
}

/**
 * Instruments the route layers among `layers` (a router's `ctx.matched`), once each,
 * so that a Breakwater request is admitted before the route's first handler runs and
 * the route's errors are seen. The functions of each route layer's stack are replaced,
 * in place, by wrappers (no layer is added or moved). Called when a router dispatches
 * a request (it sets `ctx.router` just before it builds the request's middleware chain
 * from the layers' stacks), so the wrappers are in the chain of the very request that
 * reached the route.
 *
 * For a request some Breakwater middleware holds, the wrappers:
 * - before the route's first function, ask the request's deferred breakers with the
 *   route's key (`ctx.routerPath`, set by the router just before, joined to the mount
 *   prefix); a refused request gets the degraded answer and none of the route's
 *   functions run;
 * - record the first error a function of the route throws or rejects with, even if
 *   an error-handling middleware inside the route turns it into a 4xx.
 *
 * Requests no Breakwater middleware saw pass straight through. Breakwater's own
 * middleware is never wrapped (it asks the deferred breakers itself).
 *
 * @internal
 */
export function instrumentLayers(layers: unknown): void {
  if (!Array.isArray(layers)) return;
  for (let i = 0; i < layers.length; i++) {
    const layer: unknown = layers[i];
    if (!isLayer(layer) || !isRouteLayer(layer)) continue;
    const stack = layer.stack;
    for (let j = 0; j < stack.length; j++) {
      const fn = stack[j];
      if (typeof fn !== 'function' || fn[kOriginal] !== undefined || fn[kBreakwater] === true) continue;
      stack[j] = j === 0 ? gate(fn) : watched(fn);
    }
  }
}

/** The first function of a route: admission, then the function. */
function gate(fn: Handler): Handler {
  const original = fn as unknown as (ctx: Context, next: Next) => unknown;
  const gated = function (this: unknown, ctx: Context, next: Next): unknown {
    const state = stateOf(ctx);
    if (state === undefined) return original.call(this, ctx, next);
    if (state.answered) return undefined;
    if (state.deferred.length > 0) {
      const c = ctx as unknown as Record<string, unknown>;
      const key = routeTemplateKey(ctx, c['routerPath'] ?? c['_matchedRoute']);
      if (state.entered !== key) {
        const refusal = enterRoute(state, key);
        if (refusal !== undefined) return refusal;
      }
    }
    return watch(state, original, this, ctx, next);
  };
  return finish(gated, fn);
}

/** A later function of a route: its errors are recorded. */
function watched(fn: Handler): Handler {
  const original = fn as unknown as (ctx: Context, next: Next) => unknown;
  const wrapped = function (this: unknown, ctx: Context, next: Next): unknown {
    const state = stateOf(ctx);
    if (state === undefined) return original.call(this, ctx, next);
    return watch(state, original, this, ctx, next);
  };
  return finish(wrapped, fn);
}

/** Keeps the name (for traces) and the arity. */
function finish(wrapped: (...args: never[]) => unknown, fn: Handler): Handler {
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  Object.defineProperty(wrapped, kOriginal, { value: fn });
  return wrapped as Handler;
}

/** Runs a route handler, recording what it throws or rejects with. */
function watch(
  state: RequestState,
  fn: (ctx: Context, next: Next) => unknown,
  self: unknown,
  ctx: Context,
  next: Next,
): unknown {
  let result: unknown;
  try {
    result = fn.call(self, ctx, next);
  } catch (error) {
    state.recordError(error);
    throw error;
  }
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof (result as { then?: unknown }).then !== 'function'
  ) {
    return result;
  }
  return Promise.resolve(result).then(undefined, (error: unknown) => {
    state.recordError(error);
    throw error;
  });
}
