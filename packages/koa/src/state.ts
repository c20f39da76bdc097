import { type MiddlewareCall, RequestCalls } from '@breakwater/core';
import type { Context } from 'koa';
import type { DegradedHandler } from './types.js';

/** Where a request's Breakwater state lives on `ctx`. One symbol per copy of the package: two copies never mix. */
export const kState: unique symbol = Symbol('breakwater.koa.request');

/** One middleware's hold on one request. */
export type Call = MiddlewareCall<Context, DegradedHandler>;

/**
 * Everything Breakwater keeps about one request, shared by all its middlewares: the
 * calls and their outcome (from the core; `entered` holds a route key), and what the
 * `ctx.router` accessor follows.
 */
export class RequestState extends RequestCalls<Context, DegradedHandler, Call> {
  readonly ctx: Context;
  /** True once `ctx.router` is followed. */
  tracking = false;
  /** The value behind the `ctx.router` accessor. */
  router: unknown = undefined;

  constructor(ctx: Context) {
    super();
    this.ctx = ctx;
  }
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
