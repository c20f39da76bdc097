import type { DegradedInfo, DegradedReason, HttpAnswer } from './http-types.js';

/** The media type of RFC 9457 problem details, as sent. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const DETAILS: Readonly<Record<DegradedReason, string>> = {
  open: 'is failing and temporarily refuses requests',
  half_open_full: 'is testing its recovery with a limited number of requests',
  ramp_up: 'is recovering and admits a growing share of requests',
  forced_open: 'has been taken out of service',
  timeout: 'did not answer in time',
};

/**
 * The `Retry-After` value for a delay in ms: whole seconds, rounded up (so a client
 * never comes back early), or `undefined` when the delay is unknown (`null`, for
 * example for a forced-open breaker or a timeout) and no header should be sent.
 *
 * @param retryAfterMs - the delay in ms, or `null`.
 * @returns the header value, e.g. `'30'`, or `undefined`.
 *
 * @example
 * ```ts
 * retryAfterSeconds(29_001); // '30'
 * retryAfterSeconds(0);      // '0'
 * retryAfterSeconds(null);   // undefined
 * ```
 */
export function retryAfterSeconds(retryAfterMs: number | null | undefined): string | undefined {
  if (typeof retryAfterMs !== 'number' || Number.isNaN(retryAfterMs)) return undefined;
  if (retryAfterMs === Number.POSITIVE_INFINITY) return undefined;
  return String(Math.max(0, Math.ceil(retryAfterMs / 1000)));
}

/**
 * The default answer to a refused or timed-out request: `503`, a `Retry-After` header
 * in whole seconds when the delay is known, `Cache-Control: no-store`, and an
 * RFC 9457 `application/problem+json` body that names the route (when known) and the
 * reason, and nothing else: no breaker internals, no error message, no client key.
 *
 * ```json
 * { "type": "about:blank", "title": "Service Unavailable", "status": 503,
 *   "detail": "GET /users/:id is failing and temporarily refuses requests. Retry after 30 seconds.",
 *   "route": "GET /users/:id", "reason": "open", "retryAfter": 30 }
 * ```
 *
 * @param info - from the refusal or the timeout.
 * @returns the status, headers (lower-case names) and body to write.
 *
 * @example
 * ```ts
 * const answer = degradedProblem(info);
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 * ```
 */
export function degradedProblem(info: DegradedInfo): HttpAnswer {
  const retryAfter = info.reason === 'timeout' ? undefined : retryAfterSeconds(info.retryAfterMs);
  const subject = info.route ?? 'This route';
  let detail = `${subject} ${DETAILS[info.reason] ?? DETAILS.open}.`;
  if (retryAfter !== undefined)
    detail += ` Retry after ${retryAfter} second${retryAfter === '1' ? '' : 's'}.`;
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: 'Service Unavailable',
    status: 503,
    detail,
  };
  if (info.route !== null) body['route'] = info.route;
  body['reason'] = info.reason;
  if (retryAfter !== undefined) body['retryAfter'] = Number(retryAfter);
  const headers: Record<string, string> = {
    'content-type': PROBLEM_CONTENT_TYPE,
    'cache-control': 'no-store',
  };
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
  return { status: 503, headers, body: JSON.stringify(body) };
}

/**
 * The answer of a status endpoint that refuses a request (its `authorize` hook said no,
 * or, without one, the client is not on this machine): `403` with an RFC 9457 body that
 * names no breaker, key or route, `Cache-Control: no-store` and
 * `X-Content-Type-Options: nosniff`.
 *
 * @returns the status, headers and body to write.
 *
 * @example
 * ```ts
 * const { status, headers, body } = forbiddenProblem();
 * ```
 */
export function forbiddenProblem(): HttpAnswer {
  return {
    status: 403,
    headers: {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body: JSON.stringify({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You are not allowed to read the breaker status.',
    }),
  };
}
