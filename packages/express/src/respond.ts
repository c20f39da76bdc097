import {
  type DegradedInfo,
  degradedProblem,
  type HttpGuard,
  HttpWarningCodes,
  sealResponse,
} from '@breakwater/core';
import type { Request, Response } from 'express';
import type { DegradedHandler } from './types.js';

/**
 * Writes the default degraded answer (503, `Retry-After`, problem+json) if the
 * response has not started.
 *
 * @internal
 */
export function sendDefault(res: Response, info: DegradedInfo): void {
  if (res.headersSent || res.writableEnded) return;
  const answer = degradedProblem(info);
  res.statusCode = answer.status;
  for (const name in answer.headers) res.setHeader(name, answer.headers[name] as string);
  res.end(answer.body);
}

/**
 * Answers a refused or timed-out request: the route's or the middleware's degraded
 * handler, guarded by `guard.runDegraded` (a throw, a rejection or a hang falls back to
 * the default answer), or the default answer.
 *
 * @internal
 */
export function sendDegraded(
  guard: HttpGuard<Request, DegradedHandler>,
  req: Request,
  res: Response,
  info: DegradedInfo,
): void {
  const handler = guard.degradedHandler(info.route);
  if (handler === undefined) {
    sendDefault(res, info);
    return;
  }
  const cancel = guard.runDegraded(
    () => handler(req, res, info),
    () => res.writableEnded,
    () => {
      if (!res.headersSent) sendDefault(res, info);
      else if (!res.writableEnded) res.destroy();
    },
  );
  if (!res.writableEnded) res.once('close', cancel);
}

/**
 * Sends the answer to a timed-out request, then makes every later write to `res` a
 * silent no-op, so a handler that answers after the timeout (or streams on) never
 * hits "Cannot set headers after they are sent" or a write-after-end error.
 * Whichever writer ends the response first wins; the other is ignored.
 *
 * @internal
 */
export function sendTimeout(
  guard: HttpGuard<Request, DegradedHandler>,
  req: Request,
  res: Response,
  info: DegradedInfo,
): void {
  sealResponse(res);
  try {
    sendDegraded(guard, req, res, info);
  } catch (error) {
    guard.warn(HttpWarningCodes.HOOK_THREW, 'Answering a timed-out request threw', error);
  }
}
