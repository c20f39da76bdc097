import { type MiddlewareCall, RequestCalls } from '@breakwater/core';
import type { Request, Response } from 'express';
import type { DegradedHandler } from './types.js';

/** Where a request's Breakwater state lives. One symbol per copy of the package: two copies never mix. */
export const kState: unique symbol = Symbol('breakwater.express.request');

/** One middleware's hold on one request. */
export type Call = MiddlewareCall<Request, DegradedHandler>;

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

/**
 * Everything Breakwater keeps about one request, shared by all its middlewares: the
 * calls and their outcome (from the core), and what the accessors on `req` follow.
 */
export class RequestState extends RequestCalls<Request, DegradedHandler, Call> {
  readonly req: Request;
  readonly res: Response;
  /** What the accessors follow. */
  tracking: number = TRACK_NONE;
  /** Accessor slots. */
  route: unknown = undefined;
  params: unknown = undefined;
  baseUrl: unknown = undefined;
  lastParams: unknown = undefined;
  readonly mounts: Mount[] = [];

  constructor(req: Request, res: Response) {
    super();
    this.req = req;
    this.res = res;
  }
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
