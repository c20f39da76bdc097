import {
  type DegradedInfo,
  type HttpGuard,
  type HttpRequestGuard,
  type RequestHooks,
  routeKey,
} from '@breakwater/core';
import type { Request, Response } from 'express';
import { sendDegraded, sendTimeout } from './respond.js';
import { routeTemplate } from './route-template.js';
import { type Call, kState, RequestState, stateOf, type TrackedRequest } from './state.js';
import type { DegradedHandler } from './types.js';

/** One middleware's hold on one request; answers the request when its timeout fires. */
export class ExpressCall implements Call, RequestHooks {
  readonly guard: HttpGuard<Request, DegradedHandler>;
  readonly request: HttpRequestGuard<Request, DegradedHandler>;
  readonly #state: RequestState;

  constructor(guard: HttpGuard<Request, DegradedHandler>, state: RequestState) {
    this.guard = guard;
    this.#state = state;
    this.request = guard.begin(state.req, this);
  }

  /** The timeout is recorded; answer if the response has not started. */
  onTimeout(info: DegradedInfo): void {
    const state = this.#state;
    const res = state.res;
    if (state.answered || res.headersSent || res.writableEnded) return;
    state.answered = true;
    sendTimeout(this.guard, state.req, res, info);
  }
}

/**
 * The request's state, created (with its `finish` and `close` listeners, attached at
 * once, before anything can await) by the first Breakwater middleware that sees it.
 *
 * @internal
 */
export function attach(req: Request, res: Response): RequestState {
  const existing = stateOf(req);
  if (existing !== undefined) return existing;
  const state = new RequestState(req, res);
  (req as TrackedRequest)[kState] = state;
  res.once('finish', onFinish);
  res.once('close', onClose);
  return state;
}

function onFinish(this: Response): void {
  stateOf(this.req)?.settleAll(this.statusCode, false);
}

function onClose(this: Response): void {
  stateOf(this.req)?.settleAll(this.statusCode, !this.writableFinished);
}

/**
 * Called when the request reaches a route (before the route's first handler): admits
 * every deferred call with the route's key, or answers with the degraded response of
 * the first that refuses.
 *
 * @returns whether the route's handlers may run.
 * @internal
 */
export function enterRoute(state: RequestState, req: Request, route: unknown): boolean {
  state.entered = route;
  if (state.answered) return false;
  if (state.deferred.length === 0) return true;
  const key = routeKey(typeof req.method === 'string' ? req.method : 'GET', routeTemplate(req, route, state));
  const refusal = state.admitDeferred(key, req, ipOf, expose);
  if (refusal === undefined) return true;
  refuse(state, refusal.call, refusal.info);
  return false;
}

function ipOf(req: Request): string | undefined {
  return req.ip;
}

/**
 * Sets `req.breakwater` to the call's view, if it holds a permit.
 *
 * @internal
 */
export function expose(req: Request, call: Call): void {
  const view = call.request.view();
  if (view !== null) req.breakwater = view;
}

/**
 * Answers a refused request with the degraded response; its handlers never run.
 *
 * @internal
 */
export function refuse(state: RequestState, call: Call, info: DegradedInfo): void {
  state.answered = true;
  sendDegraded(call.guard, state.req, state.res, info);
}
