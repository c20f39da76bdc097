import type { HttpGuard, HttpRequestGuard } from '@breakwater/core';
import type { Context } from 'koa';
import type { DegradedHandler } from './types.js';

/** Where a request's Breakwater state lives on `ctx`. One symbol per copy of the package: two copies never mix. */
export const kState: unique symbol = Symbol('breakwater.koa.request');

/** One middleware's hold on one request. */
export interface Call {
  readonly guard: HttpGuard<Context, DegradedHandler>;
  readonly request: HttpRequestGuard<Context, DegradedHandler>;
}

/** Everything Breakwater keeps about one request, shared by all its middlewares. */
export interface RequestState {
  readonly ctx: Context;
  /** Every middleware holding the request, outermost first. */
  readonly calls: Call[];
  /** Those whose key needs the route: admitted when the request reaches one. */
  readonly deferred: Call[];
  /** The first error thrown or rejected with downstream of a Breakwater middleware or in a guarded route. */
  error: unknown;
  hasError: boolean;
  /** True once Breakwater answered (a refusal or a timeout): the handler's outcome no longer counts. */
  answered: boolean;
  /** The route key the deferred calls were last admitted for. */
  entered: string | undefined;
  /** True once `ctx.router` is followed. */
  tracking: boolean;
  /** The value behind the `ctx.router` accessor. */
  router: unknown;
}

/** A context carrying Breakwater's state. */
export type TrackedContext = Context & { [kState]?: RequestState };

/**
 * The request's state, or `undefined` when no Breakwater middleware has seen it.
 *
 * @internal
 */
export function stateOf(ctx: Context): RequestState | undefined {
  return (ctx as TrackedContext)[kState];
}
