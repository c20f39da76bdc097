import type { DegradedInfo } from '../src/index.js';
import {
  degradedProblem,
  forbiddenProblem,
  retryAfterSeconds,
  routeClientKey,
  routeKey,
} from '../src/index.js';

const info = (overrides: Partial<DegradedInfo> = {}): DegradedInfo => ({
  reason: 'open',
  key: 'GET /users/:id',
  route: 'GET /users/:id',
  breaker: 'GET /users/:id',
  state: 'open',
  retryAfterMs: 12_345,
  ...overrides,
});

describe('retryAfterSeconds', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [999, '1'],
    [1_000, '1'],
    [1_001, '2'],
    [29_001, '30'],
    [-5, '0'],
  ])('%p ms is %p s, rounded up', (ms, header) => {
    expect(retryAfterSeconds(ms)).toBe(header);
  });

  it('is absent when the delay is unknown', () => {
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds(Number.NaN)).toBeUndefined();
    expect(retryAfterSeconds(Number.POSITIVE_INFINITY)).toBeUndefined();
  });
});

describe('degradedProblem', () => {
  it('answers 503 with Retry-After and an RFC 9457 body naming the route', () => {
    const answer = degradedProblem(info());
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({
      'content-type': 'application/problem+json; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': '13',
    });
    expect(JSON.parse(answer.body)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'GET /users/:id is failing and temporarily refuses requests. Retry after 13 seconds.',
      route: 'GET /users/:id',
      reason: 'open',
      retryAfter: 13,
    });
  });

  it('names no client key, breaker or error: only the route and the reason', () => {
    const answer = degradedProblem(
      info({
        key: 'GET /x @ 203.0.113.7',
        breaker: 'internal-name',
        route: 'GET /x',
        reason: 'half_open_full',
      }),
    );
    expect(answer.body).not.toContain('203.0.113.7');
    expect(answer.body).not.toContain('internal-name');
    expect(JSON.parse(answer.body).detail).toBe(
      'GET /x is testing its recovery with a limited number of requests. Retry after 13 seconds.',
    );
  });

  it('leaves Retry-After out when the delay is unknown, and for timeouts', () => {
    const forced = degradedProblem(info({ reason: 'forced_open', retryAfterMs: null }));
    expect(forced.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(forced.body)).not.toHaveProperty('retryAfter');
    const timeout = degradedProblem(info({ reason: 'timeout', retryAfterMs: null }));
    expect(timeout.headers['retry-after']).toBeUndefined();
    expect(JSON.parse(timeout.body).detail).toBe('GET /users/:id did not answer in time.');
  });

  it('says "This route" when the route is unknown, and leaves route out', () => {
    const body = JSON.parse(
      degradedProblem(info({ route: null, reason: 'ramp_up', retryAfterMs: 1_000 })).body,
    );
    expect(body.detail).toBe(
      'This route is recovering and admits a growing share of requests. Retry after 1 second.',
    );
    expect(body).not.toHaveProperty('route');
  });
});

describe('forbiddenProblem', () => {
  it('answers 403 naming nothing', () => {
    const answer = forbiddenProblem();
    expect(answer.status).toBe(403);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You are not allowed to read the breaker status.',
    });
  });
});

describe('route keys', () => {
  it('joins the upper-cased method and the template', () => {
    expect(routeKey('get', '/users/:id')).toBe('GET /users/:id');
    expect(routeKey('POST', '')).toBe('POST /');
    expect(routeClientKey('GET /x', '2001:db8::/56')).toBe('GET /x @ 2001:db8::/56');
  });
});
