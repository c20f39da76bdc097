import type { NextFunction, Request, Response } from 'express';
import { enterRoute } from './lifecycle.js';
import { stateOf } from './state.js';

/** Marks a route as instrumented, and a wrapped handler with its original. One per copy of the package. */
const kInstrumented: unique symbol = Symbol('breakwater.express.route');
const kOriginal: unique symbol = Symbol('breakwater.express.original');
/** Marks Breakwater's own middleware functions, which are never wrapped. */
export const kBreakwater: unique symbol = Symbol('breakwater.express.middleware');

type Handler = ((...args: never[]) => unknown) & { [kOriginal]?: unknown; [kBreakwater]?: true };

interface LayerLike {
  handle: Handler;
  method?: string | undefined;
  handle_request?: unknown;
  handleRequest?: unknown;
}

interface RouteLike {
  stack: LayerLike[];
  [kInstrumented]?: true;
}

/**
 * Whether `value` looks like an Express `Route` (Express 4's, or the `router` package's
 * that Express 5 uses).
 *
 * @internal
 */
export function isRoute(value: unknown): value is RouteLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { stack?: unknown }).stack) &&
    typeof (value as { dispatch?: unknown }).dispatch === 'function'
  );
}

/**
 * Whether the route runs `middleware` among its handlers (per-route use:
 * `app.get('/x', circuitBreaker(), handler)`).
 *
 * @internal
 */
export function routeRuns(route: unknown, middleware: unknown): boolean {
  if (!isRoute(route)) return false;
  const stack = route.stack;
  for (let i = 0; i < stack.length; i++) {
    const handle = (stack[i] as LayerLike).handle;
    if (handle === middleware || handle?.[kOriginal] === middleware) return true;
  }
  return false;
}

/**
 * Instruments a route, once, so that a Breakwater request is admitted before the
 * route's first handler runs and the route's errors are seen:
 *
 * - each handler in the route's stack is wrapped, in place (no layer moves, so requests
 *   already inside the route are unaffected): before the first handler a request runs
 *   in this route, its deferred breakers are asked; a refused request's handlers never
 *   run. On Express 4, a promise a handler rejects with is passed to `next(err)`, as
 *   Express 5 does, so it counts as a failure instead of hanging the request.
 * - an error-handling layer is appended: it records the error the route's handlers
 *   produced (thrown, rejected, or passed to `next(err)`) and passes it on, or swallows
 *   it when Breakwater already answered the request (a timeout), so Express never writes
 *   twice or destroys the socket.
 *
 * Requests that no Breakwater middleware saw pass straight through the wrappers.
 * Handlers added to the route afterwards are not wrapped (routes are normally complete
 * before the first request).
 *
 * @internal
 */
export function instrumentRoute(route: unknown): void {
  if (!isRoute(route) || route[kInstrumented] === true) return;
  const stack = route.stack;
  const first = stack[0];
  if (first === undefined) return;
  Object.defineProperty(route, kInstrumented, { value: true, enumerable: false, configurable: true });
  const express4 = typeof first.handle_request === 'function' && typeof first.handleRequest !== 'function';
  for (const layer of stack) {
    const handle = layer.handle;
    if (typeof handle !== 'function' || handle[kBreakwater] === true || handle[kOriginal] !== undefined) {
      continue;
    }
    layer.handle = handle.length > 3 ? wrapErrorHandler(handle, express4) : wrapHandler(handle, express4);
  }
  const Layer = first.constructor as new (path: string, options: object, fn: Handler) => LayerLike;
  const tail = new Layer('/', {}, routeErrors as Handler);
  tail.method = undefined;
  stack.push(tail);
}

/** The appended error layer. Express calls only four-argument functions with errors. */
function routeErrors(error: unknown, req: Request, _res: Response, next: NextFunction): void {
  const state = stateOf(req);
  if (state === undefined) {
    next(error);
    return;
  }
  state.recordError(error);
  // Breakwater answered (a timeout): the handler's late error must not reach Express,
  // which would try to answer again or destroy the socket under the answer.
  if (!state.answered) next(error);
}

function wrapHandler(fn: Handler, express4: boolean): Handler {
  const original = fn as unknown as (req: Request, res: Response, next: NextFunction) => unknown;
  const wrapped = function (this: unknown, req: Request, res: Response, next: NextFunction): unknown {
    const state = stateOf(req);
    if (state !== undefined && state.entered !== req.route && !enterRoute(state, req, req.route)) return;
    const result = original.call(this, req, res, next);
    if (express4) forwardRejection(result, next);
    return result;
  };
  return finish(wrapped, fn);
}

function wrapErrorHandler(fn: Handler, express4: boolean): Handler {
  const original = fn as unknown as (
    err: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ) => unknown;
  const wrapped = function (
    this: unknown,
    err: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ): unknown {
    const result = original.call(this, err, req, res, next);
    if (express4) forwardRejection(result, next);
    return result;
  };
  return finish(wrapped, fn);
}

/** Keeps the name (for traces) and the arity (Express tells error handlers by it). */
function finish(wrapped: (...args: never[]) => unknown, fn: Handler): Handler {
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  Object.defineProperty(wrapped, kOriginal, { value: fn });
  return wrapped as Handler;
}

function forwardRejection(result: unknown, next: NextFunction): void {
  if (typeof result !== 'object' || result === null) return;
  const then = (result as { then?: unknown }).then;
  if (typeof then !== 'function') return;
  then.call(result, undefined, (error: unknown) => next(error || new Error('Rejected promise')));
}
