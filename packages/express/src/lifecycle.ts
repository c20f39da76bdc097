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
import { type Call, kState, type RequestState, stateOf, TRACK_NONE, type TrackedRequest } from './state.js';
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
  const state: RequestState = {
    req,
    res,
    calls: [],
    deferred: [],
    error: undefined,
    hasError: false,
    answered: false,
    entered: undefined,
    tracking: TRACK_NONE,
    route: undefined,
    params: undefined,
    baseUrl: undefined,
    lastParams: undefined,
    mounts: [],
  };
  (req as TrackedRequest)[kState] = state;
  res.once('finish', onFinish);
  res.once('close', onClose);
  return state;
}

function onFinish(this: Response): void {
  const state = stateOf(this.req);
  if (state !== undefined) settleAll(state, false);
}

function onClose(this: Response): void {
  const state = stateOf(this.req);
  if (state !== undefined) settleAll(state, !this.writableFinished);
}

/** Settles every call on the request; each settles once, so repeated events are harmless. */
function settleAll(state: RequestState, aborted: boolean): void {
  const status = state.res.statusCode;
  const calls = state.calls;
  for (let i = 0; i < calls.length; i++) {
    const request = (calls[i] as Call).request;
    if (request.settled) continue;
    if (aborted) request.settle({ status, aborted: true });
    else if (state.answered) request.settle({ status, ignore: true });
    else if (state.hasError) request.settle({ status, error: state.error });
    else request.settle({ status });
  }
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
  const deferred = state.deferred;
  if (deferred.length === 0) return true;
  const key = routeKey(typeof req.method === 'string' ? req.method : 'GET', routeTemplate(req, route, state));
  let ip: string | undefined;
  let ipRead = false;
  for (let i = 0; i < deferred.length; i++) {
    const call = deferred[i] as Call;
    if (call.request.settled) continue;
    if (!ipRead && call.guard.needsClient) {
      ip = req.ip;
      ipRead = true;
    }
    const admission = call.request.admit(key, ip);
    if (!admission.admitted) {
      refuse(state, call, admission.info);
      return false;
    }
    const view = call.request.view();
    if (view !== null) req.breakwater = view;
  }
  return true;
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

/**
 * Records the first error a guarded route produced.
 *
 * @internal
 */
export function recordError(state: RequestState, error: unknown): void {
  if (state.hasError) return;
  state.hasError = true;
  state.error = error;
}
