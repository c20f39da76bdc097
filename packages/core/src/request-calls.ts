import type { HttpGuard, HttpRequestGuard } from './http-guard.js';
import type { DegradedInfo } from './http-types.js';

/**
 * One middleware's hold on one request: the middleware's guard and the request guard
 * it began.
 */
export interface MiddlewareCall<Ctx = unknown, Degraded = unknown> {
  readonly guard: HttpGuard<Ctx, Degraded>;
  readonly request: HttpRequestGuard<Ctx, Degraded>;
}

/** A deferred call that refused the request at its route, and the degraded answer's info. */
export interface CallRefusal<C> {
  readonly call: C;
  readonly info: DegradedInfo;
}

/**
 * What the Breakwater middlewares holding one request share, whatever the framework:
 * a request can meet several (mounted globally, in a router, on a route, or two
 * different ones), each with its own {@link HttpRequestGuard}. Adapters keep one per
 * request (extending it with their own fields), add each middleware's call, and:
 *
 * - {@link RequestCalls.admitDeferred} when the request reaches a route: admits the
 *   route-keyed calls that waited for it, stopping at the first refusal;
 * - {@link RequestCalls.recordError} for what a guarded route throws or passes on;
 * - {@link RequestCalls.settleAll} when the response finishes or closes: each call
 *   settles once, as aborted (the client went away), ignored (Breakwater answered
 *   itself), failed with the first error, or by status.
 *
 * @example
 * ```ts
 * class RequestState extends RequestCalls<Request, DegradedHandler> {
 *   constructor(readonly req: Request, readonly res: Response) { super(); }
 * }
 * const state = new RequestState(req, res);
 * res.once('finish', () => state.settleAll(res.statusCode, false));
 * res.once('close', () => state.settleAll(res.statusCode, !res.writableFinished));
 * let call = state.callOf(guard);
 * if (call === undefined) state.calls.push((call = { guard, request: guard.begin(req) }));
 * ```
 */
export class RequestCalls<
  Ctx = unknown,
  Degraded = unknown,
  C extends MiddlewareCall<Ctx, Degraded> = MiddlewareCall<Ctx, Degraded>,
> {
  /** Every middleware holding the request, outermost first. */
  readonly calls: C[] = [];
  /** Those whose key needs the route: admitted when the request reaches one. */
  readonly deferred: C[] = [];
  /** The first error the guarded request produced (see {@link RequestCalls.hasError}). */
  error: unknown = undefined;
  /** Whether {@link RequestCalls.error} is set (an error may be `undefined`). */
  hasError = false;
  /** True once Breakwater answered (a refusal or a timeout): the handler's outcome no longer counts. */
  answered = false;
  /** What identifies the route the deferred calls were last admitted for (the adapter's choice). */
  entered: unknown = undefined;

  /**
   * The call a middleware (known by its guard) already holds on the request, if any:
   * a middleware met twice holds the request once.
   *
   * @param guard - the middleware's guard.
   * @returns its call, or `undefined`.
   */
  callOf(guard: HttpGuard<Ctx, Degraded>): C | undefined {
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as C;
      if (call.guard === guard) return call;
    }
    return undefined;
  }

  /**
   * Records the first error the guarded request produced; later ones are dropped.
   *
   * @param error - what was thrown, rejected with or passed on.
   */
  recordError(error: unknown): void {
    if (this.hasError) return;
    this.hasError = true;
    this.error = error;
  }

  /**
   * Settles every call on the request. Each settles once, so a `close` after a
   * `finish` is harmless.
   *
   * @param status - the response's status code.
   * @param aborted - true when the client went away before the response finished.
   */
  settleAll(status: number, aborted: boolean): void {
    const calls = this.calls;
    for (let i = 0; i < calls.length; i++) {
      const request = (calls[i] as C).request;
      if (request.settled) continue;
      if (aborted) request.settle({ status, aborted: true });
      else if (this.answered) request.settle({ status, ignore: true });
      else if (this.hasError) request.settle({ status, error: this.error });
      else request.settle({ status });
    }
  }

  /**
   * Admits every deferred call not settled yet with the route's key, in order, and
   * stops at the first that refuses. The client address is read once, and only if a
   * call's key needs it.
   *
   * @param key - the route key, e.g. `GET /users/:id`.
   * @param ctx - the request, handed to `clientIp` and `admitted`.
   * @param clientIp - reads the client address (`req.ip`, `ctx.ip`).
   * @param admitted - called with each call admitted, e.g. to expose its view.
   * @returns the refusal to answer with (the handlers must not run), or `undefined`.
   */
  admitDeferred(
    key: string,
    ctx: Ctx,
    clientIp: (ctx: Ctx) => string | undefined,
    admitted: (ctx: Ctx, call: C) => void,
  ): CallRefusal<C> | undefined {
    const deferred = this.deferred;
    let ip: string | undefined;
    let ipRead = false;
    for (let i = 0; i < deferred.length; i++) {
      const call = deferred[i] as C;
      if (call.request.settled) continue;
      if (!ipRead && call.guard.needsClient) {
        ip = clientIp(ctx);
        ipRead = true;
      }
      const admission = call.request.admit(key, ip);
      if (!admission.admitted) return { call, info: admission.info };
      admitted(ctx, call);
    }
    return undefined;
  }
}
