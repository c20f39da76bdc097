import type { ServerResponse } from 'node:http';
import { type DegradedInfo, degradedProblem, type HttpGuard } from '@breakwater/core';
import type { Context } from 'koa';
import type { DegradedHandler } from './types.js';

/**
 * Sets the default degraded answer (503, `Retry-After`, problem+json) on `ctx`, if
 * nothing was sent yet; Koa writes it.
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
 * the default answer), or the default answer. Resolves once the answer is set on `ctx`.
 *
 * @internal
 */
export function sendDegraded(
  guard: HttpGuard<Context, DegradedHandler>,
  ctx: Context,
  info: DegradedInfo,
): Promise<void> {
  const handler = guard.degradedHandler(info.route);
  if (handler === undefined) {
    sendDefault(ctx, info);
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    let done = false;
    let cancel: (() => void) | undefined;
    const finish = () => {
      done = true;
      cancel?.();
      resolve();
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
      () => done,
      () => {
        if (!ctx.res.headersSent) sendDefault(ctx, info);
        else if (!ctx.res.writableEnded) ctx.res.destroy();
        finish();
      },
    );
  });
}

/**
 * Makes every write to `res` after its first `end()` a silent no-op, so a handler
 * that answers after the timeout answer (or streams on) never hits "headers already
 * sent" or write-after-end errors. Whichever writer ends the response first wins.
 *
 * @internal
 */
export function sealOnEnd(res: ServerResponse): void {
  const realEnd = res.end;
  // biome-ignore lint/suspicious/noExplicitAny: Node's end() has several overloads.
  res.end = function endThenSeal(this: ServerResponse, ...args: any[]) {
    const result = (realEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    seal(this);
    return result;
  } as ServerResponse['end'];
}

/** Replaces the response's writing methods with no-ops. */
function seal(res: ServerResponse): void {
  const r = res as unknown as Record<string, unknown>;
  r['setHeader'] = returnThis;
  r['appendHeader'] = returnThis;
  r['removeHeader'] = noop;
  r['writeHead'] = returnThis;
  r['flushHeaders'] = noop;
  r['writeContinue'] = noop;
  r['addTrailers'] = noop;
  r['write'] = ignoredWrite;
  r['end'] = ignoredEnd;
}

function noop(): void {}

function returnThis<T>(this: T): T {
  return this;
}

function ignoredWrite(chunk?: unknown, encoding?: unknown, callback?: unknown): boolean {
  const cb = typeof encoding === 'function' ? encoding : typeof chunk === 'function' ? chunk : callback;
  if (typeof cb === 'function') process.nextTick(cb as () => void);
  return true;
}

function ignoredEnd<T>(this: T, chunk?: unknown, encoding?: unknown, callback?: unknown): T {
  ignoredWrite(chunk, encoding, callback);
  return this;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
