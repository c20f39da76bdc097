import type { ServerResponse } from 'node:http';
import type { DegradedInfo, HttpGuard, HttpRequestGuard, RequestHooks } from '@breakwater/core';
import type { Context, Next } from 'koa';
import { sendDegraded, sendTimeout } from './respond.js';
import { type Call, kState, RequestState, stateOf, type TrackedContext } from './state.js';
import type { DegradedHandler } from './types.js';

type StatefulResponse = ServerResponse & { [kState]?: RequestState };

/**
 * One middleware's hold on one request. While the middleware awaits the rest of the
 * chain, a timeout wakes it up once the timeout answer is sent, before the handler
 * can set anything on `ctx`.
 */
export class KoaCall implements Call, RequestHooks {
  readonly guard: HttpGuard<Context, DegradedHandler>;
  readonly request: HttpRequestGuard<Context, DegradedHandler>;
  readonly #state: RequestState;
  #wake: ((answer: Promise<void>) => void) | undefined = undefined;

  constructor(guard: HttpGuard<Context, DegradedHandler>, state: RequestState) {
    this.guard = guard;
    this.#state = state;
    this.request = guard.begin(state.ctx, this);
  }

  /**
   * Waits for the rest of the chain: resolves when it finishes, rejects when it
   * throws, or, if the request times out first, resolves once the timeout answer is
   * sent (the chain is then left running, and its outcome no longer counts).
   */
  wait(downstream: Promise<unknown>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#wake = resolve;
      downstream.then(
        () => {
          this.#wake = undefined;
          resolve();
        },
        (error: unknown) => {
          this.#wake = undefined;
          reject(error);
        },
      );
    });
  }

  /**
   * The timeout is recorded, the signal not aborted yet: if the handler is still
   * running and nothing was sent, send the timeout answer now, so that what the
   * handler does once its signal aborts comes too late.
   */
  onTimeout(info: DegradedInfo): void {
    const wake = this.#wake;
    const state = this.#state;
    const res = state.ctx.res;
    if (wake === undefined || state.answered || res.headersSent || res.writableEnded) return;
    this.#wake = undefined;
    state.answered = true;
    wake(sendTimeout(this.guard, state.ctx, info));
  }
}

/**
 * The request's state, created (with its `finish` and `close` listeners, attached at
 * once, before anything can await) by the first Breakwater middleware that sees it.
 *
 * @internal
 */
export function attach(ctx: Context): RequestState {
  const existing = stateOf(ctx);
  if (existing !== undefined) return existing;
  const state = new RequestState(ctx);
  (ctx as TrackedContext)[kState] = state;
  const res = ctx.res as StatefulResponse;
  res[kState] = state;
  res.once('finish', onFinish);
  res.once('close', onClose);
  return state;
}

function onFinish(this: StatefulResponse): void {
  this[kState]?.settleAll(this.statusCode, false);
}

function onClose(this: StatefulResponse): void {
  this[kState]?.settleAll(this.statusCode, !this.writableFinished);
}

/**
 * Runs the rest of the chain under `call`: records what it throws (and passes it on,
 * unless Breakwater already answered), or returns once a timeout is answered. The
 * outcome itself is settled when the response finishes or closes.
 *
 * @internal
 */
export async function run(state: RequestState, call: KoaCall, next: Next): Promise<void> {
  let downstream: Promise<unknown>;
  try {
    downstream = Promise.resolve(next());
  } catch (error) {
    downstream = Promise.reject(error);
  }
  try {
    await call.wait(downstream);
  } catch (error) {
    state.recordError(error);
    if (state.answered) return;
    throw error;
  }
}

/**
 * Called when the request reaches a route (before the route's first handler): admits
 * every deferred call with the route's key, or answers with the degraded response of
 * the first that refuses.
 *
 * @returns `undefined` when the route's handlers may run, else the refusal's answer.
 * @internal
 */
export function enterRoute(state: RequestState, key: string): Promise<void> | undefined {
  state.entered = key;
  const refusal = state.admitDeferred(key, state.ctx, ipOf, expose);
  return refusal === undefined ? undefined : refuse(state, refusal.call, refusal.info);
}

function ipOf(ctx: Context): string | undefined {
  return ctx.ip;
}

/**
 * Sets `ctx.state.breakwater` to the call's view, if it holds a permit.
 *
 * @internal
 */
export function expose(ctx: Context, call: Call): void {
  const view = call.request.view();
  const bag = ctx.state as Record<string, unknown> | undefined;
  if (view !== null && typeof bag === 'object' && bag !== null) bag['breakwater'] = view;
}

/**
 * Answers a refused request with the degraded response; its handlers never run.
 *
 * @internal
 */
export function refuse(state: RequestState, call: Call, info: DegradedInfo): Promise<void> {
  state.answered = true;
  return new Promise<void>((resolve) => sendDegraded(call.guard, state.ctx, info, resolve));
}
