import type { HttpGuard, HttpRequestGuard } from '@breakwater/core';
import type { Request, Response } from 'express';
import type { DegradedHandler } from './types.js';

/** Where a request's Breakwater state lives. One symbol per copy of the package: two copies never mix. */
export const kState: unique symbol = Symbol('breakwater.express.request');

/** One middleware's hold on one request. */
export interface Call {
  readonly guard: HttpGuard<Request, DegradedHandler>;
  readonly request: HttpRequestGuard<Request, DegradedHandler>;
}

/** A mount the request went through: the part of `req.baseUrl` it added, and the params matched then. */
export interface Mount {
  /** `req.baseUrl.length` after this mount. */
  readonly end: number;
  /** The actual path it added, e.g. `/orgs/acme`. */
  readonly segment: string;
  /** The params Express matched for it. */
  readonly params: unknown;
}

/** Tracking levels: what the accessors on `req` follow. */
export const TRACK_NONE = 0;
export const TRACK_ROUTE = 1;
export const TRACK_MOUNTS = 2;

/** Everything Breakwater keeps about one request, shared by all its middlewares. */
export interface RequestState {
  readonly req: Request;
  readonly res: Response;
  /** Every middleware holding the request, outermost first. */
  readonly calls: Call[];
  /** Those whose key needs the route: admitted when the request reaches one. */
  readonly deferred: Call[];
  /** The first error a guarded route's handlers threw, rejected with or passed to `next(err)`. */
  error: unknown;
  hasError: boolean;
  /** True once Breakwater answered (a refusal or a timeout): the handler's outcome no longer counts. */
  answered: boolean;
  /** The route the deferred calls were last admitted for. */
  entered: unknown;
  /** What the accessors follow. */
  tracking: number;
  /** Accessor slots. */
  route: unknown;
  params: unknown;
  baseUrl: unknown;
  lastParams: unknown;
  mounts: Mount[];
}

/** A request carrying Breakwater's state. */
export type TrackedRequest = Request & { [kState]?: RequestState };

/**
 * The request's state, or `undefined` when no Breakwater middleware has seen it.
 *
 * @internal
 */
export function stateOf(req: Request): RequestState | undefined {
  return (req as TrackedRequest)[kState];
}
