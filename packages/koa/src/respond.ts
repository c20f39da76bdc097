import { Readable, Stream } from 'node:stream';
import {
  type DegradedInfo,
  degradedProblem,
  type HttpGuard,
  HttpWarningCodes,
  sealResponse,
} from '@breakwater/core';
import type { Context } from 'koa';
import type { DegradedHandler } from './types.js';

/**
 * Sets the default degraded answer (503, `Retry-After`, problem+json) on `ctx`, if
 * nothing was sent yet; Koa writes it (on a timeout, {@link sendTimeout} does).
 *
 * @internal
 */
export function sendDefault(ctx: Context, info: DegradedInfo): void {
  if (ctx.res.headersSent || ctx.res.writableEnded) return;
  const answer = degradedProblem(info);
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
}

/**
 * Answers a refused or timed-out request: the route's or the middleware's degraded
 * handler, guarded by `guard.runDegraded` (a throw, a rejection or a hang falls back to
 * the default answer), or the default answer. Calls `done` once the answer is set on
 * `ctx`: at once when it is set synchronously.
 *
 * @internal
 */
export function sendDegraded(
  guard: HttpGuard<Context, DegradedHandler>,
  ctx: Context,
  info: DegradedInfo,
  done: () => void,
): void {
  const handler = guard.degradedHandler(info.route);
  if (handler === undefined) {
    sendDefault(ctx, info);
    done();
    return;
  }
  let over = false;
  let cancel: (() => void) | undefined;
  const finish = () => {
    if (over) return;
    over = true;
    cancel?.();
    done();
  };
  cancel = guard.runDegraded(
    () => {
      const result = handler(ctx, info);
      if (!isThenable(result)) {
        finish();
        return result;
      }
      return Promise.resolve(result).then(finish);
    },
    () => over,
    () => {
      if (!ctx.res.headersSent) sendDefault(ctx, info);
      else if (!ctx.res.writableEnded) ctx.res.destroy();
      finish();
    },
  );
}

/**
 * Answers a timed-out request and sends the answer at once, on `ctx.res`, with
 * `ctx.respond = false`: whatever the handler still sets on `ctx` (typically a 502
 * when its aborted `fetch` rejects) is ignored, and so are its writes to `ctx.res`
 * once the answer has ended. The middleware upstream see the answer (`ctx.status`)
 * but cannot change it, as with Express.
 *
 * @returns a promise that resolves once the answer is sent (or, for a custom degraded
 *   handler that writes to `ctx.res` itself, left to it).
 * @internal
 */
export function sendTimeout(
  guard: HttpGuard<Context, DegradedHandler>,
  ctx: Context,
  info: DegradedInfo,
): Promise<void> {
  sealResponse(ctx.res);
  ctx.respond = false;
  return new Promise<void>((resolve) => {
    const send = () => {
      try {
        sendNow(ctx);
      } catch (error) {
        guard.warn(HttpWarningCodes.HOOK_THREW, 'Sending the answer to a timed-out request threw', error);
        if (!ctx.res.writableEnded) ctx.res.destroy();
      }
      resolve();
    };
    try {
      sendDegraded(guard, ctx, info, send);
    } catch (error) {
      guard.warn(HttpWarningCodes.HOOK_THREW, 'Answering a timed-out request threw', error);
      send();
    }
  });
}

/** The statuses Koa sends without a body. */
const EMPTY_STATUSES = new Set([204, 205, 304]);

/**
 * Sends the answer set on `ctx` now, as Koa would at the end of the chain (status,
 * headers, then the body: a string, bytes, a stream, a web body or JSON), unless a
 * degraded handler already started writing to `ctx.res` itself.
 */
function sendNow(ctx: Context): void {
  const res = ctx.res;
  if (res.headersSent || res.writableEnded) return;
  const body: unknown = ctx.body;
  if (EMPTY_STATUSES.has(ctx.status) || ctx.method === 'HEAD') {
    res.end();
  } else if (body === null || body === undefined) {
    const text = ctx.message || String(ctx.status);
    ctx.type = 'text';
    ctx.length = Buffer.byteLength(text);
    res.end(text);
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    res.end(body);
  } else if (body instanceof Stream) {
    (body as Readable).pipe(res);
  } else if (body instanceof Blob || body instanceof ReadableStream || body instanceof Response) {
    // Koa 3's web bodies.
    const web = body instanceof Blob ? body.stream() : body instanceof Response ? body.body : body;
    if (web === null) res.end();
    else Readable.fromWeb(web).pipe(res);
  } else {
    const json = JSON.stringify(body);
    ctx.length = Buffer.byteLength(json);
    res.end(json);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
