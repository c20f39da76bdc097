/**
 * The per-request lifecycle adapters drive: key derivation, admission, re-keying,
 * timeouts, settling exactly once, unmatched requests, safe user callbacks.
 */
import {
  BreakerRegistry,
  type DegradedInfo,
  HttpGuard,
  type HttpGuardOptions,
  isBreakerTimeoutError,
  UNMATCHED_ROUTE,
} from '../src/index.js';
import { FakeClock } from './helpers.js';

interface Ctx {
  tenant?: string;
}

const trip = (clock: FakeClock) => ({
  window: { kind: 'count' as const, size: 4 },
  minimumCalls: 2,
  openDurationMs: 30_000,
  halfOpenMaxCalls: 1,
  clock,
});

function guard(options: HttpGuardOptions<Ctx, () => void> = {}) {
  return new HttpGuard<Ctx, () => void>(options, { factory: 'circuitBreaker', param: 'ctx' });
}

function captureWarnings() {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  return {
    codes: () => spy.mock.calls.map((c) => (c[1] as { code: string }).code),
    restore: () => spy.mockRestore(),
  };
}

const totals = (g: HttpGuard<Ctx, () => void>, key: string) => g.registry.peek(key)?.snapshot().totals;

describe('HttpGuard: admission and outcomes', () => {
  it('admits by route key and records a success or a failure by isFailure', () => {
    const g = guard();
    const ok = g.begin({});
    expect(ok.admit('GET /a', undefined)).toEqual({ admitted: true });
    ok.settle({ status: 200 });
    const bad = g.begin({});
    bad.admit('GET /a', undefined);
    bad.settle({ status: 502 });
    const err = g.begin({});
    err.admit('GET /a', undefined);
    err.settle({ status: 400, error: new Error('thrown') });
    expect(totals(g, 'GET /a')).toMatchObject({ successes: 1, failures: 2 });
  });

  it('settles exactly once', () => {
    const g = guard();
    const call = g.begin({});
    call.admit('GET /a', undefined);
    call.settle({ status: 200 });
    call.settle({ status: 500 });
    call.settle({ status: 200, aborted: true });
    expect(call.settled).toBe(true);
    expect(totals(g, 'GET /a')).toMatchObject({ successes: 1, failures: 0, ignored: 0 });
  });

  it('ignores an aborted request and one another guard answered', () => {
    const g = guard();
    const gone = g.begin({});
    gone.admit('GET /a', undefined);
    gone.settle({ status: 200, aborted: true });
    expect(gone.signal.aborted).toBe(true);
    expect((gone.signal.reason as Error).name).toBe('AbortError');
    const other = g.begin({});
    other.admit('GET /a', undefined);
    other.settle({ status: 503, ignore: true });
    expect(totals(g, 'GET /a')).toMatchObject({ successes: 0, failures: 0, ignored: 2 });
  });

  it('measures durations on the breaker clock and hands them to isFailure', () => {
    const clock = new FakeClock(5_000);
    const seen: number[] = [];
    const g = guard({
      clock,
      slowCallDurationMs: 100,
      isFailure: ({ durationMs }) => {
        seen.push(durationMs);
        return false;
      },
    });
    const call = g.begin({});
    call.admit('GET /a', undefined);
    clock.advance(250);
    call.settle({ status: 200 });
    expect(seen).toEqual([250]);
    expect(g.registry.peek('GET /a')?.snapshot().window).toMatchObject({ slowCalls: 1 });
  });

  it('refuses with the degraded info when the breaker is open, and never settles the refusal', () => {
    const clock = new FakeClock();
    const g = guard(trip(clock));
    for (let i = 0; i < 2; i++) {
      const call = g.begin({});
      call.admit('GET /a', undefined);
      call.settle({ status: 500 });
    }
    clock.advance(1_000);
    const refused = g.begin({});
    const admission = refused.admit('GET /a', undefined);
    expect(admission).toEqual({
      admitted: false,
      info: {
        reason: 'open',
        key: 'GET /a',
        route: 'GET /a',
        breaker: 'GET /a',
        state: 'open',
        retryAfterMs: 29_000,
      },
    });
    expect(refused.settled).toBe(true);
    refused.settle({ status: 503 });
    expect(totals(g, 'GET /a')).toMatchObject({ failures: 2, rejected: 1, successes: 0 });
    expect(refused.view()).toBeNull();
  });

  it('re-keys a request that moves to another route: the first permit is handed back as ignored', () => {
    const clock = new FakeClock();
    const g = guard(trip(clock));
    const call = g.begin({});
    call.admit('GET /files/new', undefined);
    expect(call.admit('GET /files/new', undefined)).toEqual({ admitted: true });
    call.admit('GET /files/:name', undefined);
    expect(call.key).toBe('GET /files/:name');
    call.settle({ status: 200 });
    expect(totals(g, 'GET /files/new')).toMatchObject({ ignored: 1, successes: 0 });
    expect(totals(g, 'GET /files/:name')).toMatchObject({ successes: 1 });
  });

  it('hands a half-open probe slot back when a request moves on', () => {
    const clock = new FakeClock();
    const g = guard(trip(clock));
    for (let i = 0; i < 2; i++) {
      const call = g.begin({});
      call.admit('GET /a', undefined);
      call.settle({ status: 500 });
    }
    clock.advance(30_000);
    const probe = g.begin({});
    expect(probe.admit('GET /a', undefined).admitted).toBe(true);
    expect(probe.state).toBe('half_open');
    expect(g.begin({}).admit('GET /a', undefined).admitted).toBe(false);
    probe.admit('GET /b', undefined);
    expect(g.begin({}).admit('GET /a', undefined).admitted).toBe(true);
  });

  it('records a route-keyed request that reached no route against the observe-mode fallback', () => {
    const clock = new FakeClock();
    const g = guard({ clock });
    const call = g.begin({});
    expect(call.admit(null, undefined)).toEqual({ admitted: true });
    expect(call.key).toBeNull();
    clock.advance(40);
    call.settle({ status: 404 });
    const fallback = g.registry.peek(UNMATCHED_ROUTE);
    expect(fallback?.mode).toBe('observe');
    expect(fallback?.snapshot().totals.successes).toBe(1);
  });

  it('measures the fallback on the clock of a registry passed in', () => {
    const clock = new FakeClock();
    const registry = new BreakerRegistry({ clock, defaults: { slowCallDurationMs: 10 } });
    const g = guard({ registry });
    const call = g.begin({});
    clock.advance(50);
    call.settle({ status: 200 });
    expect(registry.peek(UNMATCHED_ROUTE)?.snapshot().window.slowCalls).toBe(1);
  });

  it('never refuses unmatched requests, even when the fallback breaker would be open', () => {
    const clock = new FakeClock();
    const g = guard(trip(clock));
    for (let i = 0; i < 5; i++) g.begin({}).settle({ status: 500 });
    const fallback = g.registry.peek(UNMATCHED_ROUTE);
    expect(fallback?.state).toBe('open');
    expect(fallback?.snapshot().totals).toMatchObject({ failures: 2, rejected: 3 });
  });

  it('applies routes options to a route key, merged over the middleware options', () => {
    const g = guard({ failureRateThreshold: 0.3, routes: { 'GET /search': { slowCallDurationMs: 300 } } });
    g.begin({}).admit('GET /search', undefined);
    g.begin({}).admit('GET /other', undefined);
    expect(g.registry.peek('GET /search')?.options).toMatchObject({
      failureRateThreshold: 0.3,
      slowCallDurationMs: 300,
    });
    expect(g.registry.peek('GET /other')?.options).toMatchObject({
      failureRateThreshold: 0.3,
      slowCallDurationMs: 60_000,
    });
  });
});

describe('HttpGuard: keys', () => {
  it("keys by client with 'client', by route and client with 'route+client'", () => {
    const byClient = guard({ key: 'client' });
    const a = byClient.begin({});
    a.admit(null, '2001:db8:1:2::3');
    expect(a.key).toBe('2001:db8:1::/56');
    const both = guard({ key: 'route+client', ipv6Subnet: false });
    const b = both.begin({});
    expect(b.admit(null, '10.0.0.1')).toEqual({ admitted: true });
    expect(b.key).toBeNull();
    b.admit('GET /x', '10.0.0.1');
    expect(b.key).toBe('GET /x @ 10.0.0.1');
    expect(both.needsClient && both.routeKeyed && !byClient.routeKeyed).toBe(true);
  });

  it('keys by a function of the request, once', () => {
    const keyFn = jest.fn((ctx: Ctx) => `tenant:${ctx.tenant}`);
    const g = guard({ key: keyFn });
    const call = g.begin({ tenant: 'acme' });
    call.admit(null, undefined);
    call.admit('GET /x', undefined);
    expect(call.key).toBe('tenant:acme');
    expect(call.route).toBe('GET /x');
    expect(keyFn).toHaveBeenCalledTimes(1);
  });

  it('lets a request through unguarded when the key function throws or returns no string, warning once each', () => {
    const warnings = captureWarnings();
    try {
      const throwing = guard({
        key: () => {
          throw new Error('no tenant');
        },
      });
      const empty = guard({ key: () => '' });
      for (const g of [throwing, throwing, empty]) {
        const call = g.begin({});
        expect(call.admit(null, undefined)).toEqual({ admitted: true });
        expect(call.view()).toBeNull();
        call.settle({ status: 500 });
        expect(g.registry.size).toBe(0);
      }
      expect(warnings.codes()).toEqual(['BREAKWATER_KEY_THREW', 'BREAKWATER_KEY_INVALID']);
    } finally {
      warnings.restore();
    }
  });
});

describe('HttpGuard: timeouts', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('records a timeout, calls onTimeout with the info, then aborts the signal', () => {
    const g = guard({ timeoutMs: 100 });
    const order: string[] = [];
    const hooks = {
      onTimeout(info: DegradedInfo) {
        order.push(`timeout:${info.reason}:${info.key}:${info.retryAfterMs}`);
        expect(call.signal.aborted).toBe(false);
      },
    };
    const call = g.begin({}, hooks);
    call.admit('GET /slow', undefined);
    call.signal.addEventListener('abort', () => order.push('abort'));
    jest.advanceTimersByTime(99);
    expect(order).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(order).toEqual(['timeout:timeout:GET /slow:null', 'abort']);
    expect(call.timedOut).toBe(true);
    expect(isBreakerTimeoutError(call.signal.reason)).toBe(true);
    call.settle({ status: 200 });
    expect(totals(g, 'GET /slow')).toMatchObject({ timeouts: 1, successes: 0 });
  });

  it('takes the timeout from the key breaker, so routes and reconfigure change it', () => {
    const g = guard({ timeoutMs: 10_000, routes: { 'GET /fast': { timeoutMs: 50 } } });
    const onTimeout = jest.fn();
    const call = g.begin({}, { onTimeout });
    call.admit('GET /fast', undefined);
    jest.advanceTimersByTime(50);
    expect(onTimeout).toHaveBeenCalledTimes(1);
  });

  it('clears the timer when the request settles in time', () => {
    const g = guard({ timeoutMs: 100 });
    const onTimeout = jest.fn();
    const call = g.begin({}, { onTimeout });
    call.admit('GET /a', undefined);
    call.settle({ status: 200 });
    jest.advanceTimersByTime(1_000);
    expect(onTimeout).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('in observe mode records the timeout only: no hook, no abort', () => {
    const g = guard({ timeoutMs: 100, mode: 'observe' });
    const onTimeout = jest.fn();
    const call = g.begin({}, { onTimeout });
    call.admit('GET /a', undefined);
    jest.advanceTimersByTime(100);
    expect(onTimeout).not.toHaveBeenCalled();
    expect(call.signal.aborted).toBe(false);
    expect(totals(g, 'GET /a')?.timeouts).toBe(1);
  });

  it('arms no timer in off mode', () => {
    const g = guard({ timeoutMs: 100, mode: 'off' });
    g.begin({}).admit('GET /a', undefined);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('survives an onTimeout hook that throws, and still aborts', () => {
    const warnings = captureWarnings();
    try {
      const g = guard({ timeoutMs: 10 });
      const call = g.begin(
        {},
        {
          onTimeout() {
            throw new Error('adapter bug');
          },
        },
      );
      call.admit('GET /a', undefined);
      jest.advanceTimersByTime(10);
      expect(call.signal.aborted).toBe(true);
      expect(warnings.codes()).toEqual(['BREAKWATER_HOOK_THREW']);
    } finally {
      warnings.restore();
    }
  });
});

describe('HttpGuard: user callbacks and helpers', () => {
  it('treats a skip that throws as false, warning once', () => {
    const warnings = captureWarnings();
    try {
      const g = guard({
        skip: () => {
          throw new Error('bug');
        },
      });
      expect(g.skip({})).toBe(false);
      expect(g.skip({})).toBe(false);
      expect(guard({ skip: () => true }).skip({})).toBe(true);
      expect(warnings.codes()).toEqual(['BREAKWATER_SKIP_THREW']);
    } finally {
      warnings.restore();
    }
  });

  it('picks the route degraded handler over the global one', () => {
    const global = () => {};
    const special = () => {};
    const g = guard({ degraded: global, routes: { 'GET /s': { degraded: special } } });
    expect(g.degradedHandler('GET /s')).toBe(special);
    expect(g.degradedHandler('GET /t')).toBe(global);
    expect(g.degradedHandler(null)).toBe(global);
    expect(guard().degradedHandler(null)).toBeUndefined();
  });

  it('exposes a live view of the request breaker, and execute() with the request signal', async () => {
    const g = guard();
    const call = g.begin({});
    expect(call.view()).toBeNull();
    call.admit('GET /a', undefined);
    const view = call.view();
    expect(view).toMatchObject({ key: 'GET /a', route: 'GET /a', state: 'closed' });
    expect(JSON.parse(JSON.stringify(view))).toEqual({ key: 'GET /a', route: 'GET /a', state: 'closed' });
    let seen: AbortSignal | undefined;
    await expect(
      view?.execute('payments-api', (signal) => {
        seen = signal;
        return 42;
      }),
    ).resolves.toBe(42);
    expect(g.registry.peek('payments-api')?.snapshot().totals.successes).toBe(1);
    await expect(
      view?.execute('x', () => Promise.reject(new Error('down')), { fallback: () => 7 }),
    ).resolves.toBe(7);
    const pending = view?.execute(
      'slow-api',
      (signal) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    call.settle({ status: 0, aborted: true });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen?.aborted).toBe(true);
    expect(g.registry.peek('slow-api')?.snapshot().totals.ignored).toBe(1);
  });

  it('creates an already-aborted signal when asked after the abort', () => {
    const call = guard().begin({});
    call.admit('GET /a', undefined);
    call.settle({ status: 0, aborted: true });
    expect(call.signal.aborted).toBe(true);
  });

  describe('runDegraded', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('does nothing more when the handler answers', () => {
      const fallback = jest.fn();
      let done = false;
      guard().runDegraded(
        () => {
          done = true;
        },
        () => done,
        fallback,
      );
      jest.runAllTimers();
      expect(fallback).not.toHaveBeenCalled();
    });

    it('falls back when the handler throws, rejects or hangs, warning once per kind', async () => {
      const warnings = captureWarnings();
      try {
        const g = guard({ degradedTimeoutMs: 100 });
        const fallback = jest.fn();
        g.runDegraded(
          () => {
            throw new Error('x');
          },
          () => false,
          fallback,
        );
        expect(fallback).toHaveBeenLastCalledWith('threw');
        g.runDegraded(
          () => Promise.reject(new Error('y')),
          () => false,
          fallback,
        );
        await Promise.resolve();
        await Promise.resolve();
        expect(fallback).toHaveBeenCalledTimes(2);
        g.runDegraded(
          () => undefined,
          () => false,
          fallback,
        );
        jest.advanceTimersByTime(99);
        expect(fallback).toHaveBeenCalledTimes(2);
        jest.advanceTimersByTime(1);
        expect(fallback).toHaveBeenLastCalledWith('hung');
        expect(warnings.codes()).toEqual(['BREAKWATER_DEGRADED_THREW', 'BREAKWATER_DEGRADED_HUNG']);
      } finally {
        warnings.restore();
      }
    });

    it('cancels the hang timer', () => {
      const fallback = jest.fn();
      const cancel = guard().runDegraded(
        () => undefined,
        () => false,
        fallback,
      );
      cancel();
      jest.runAllTimers();
      expect(fallback).not.toHaveBeenCalled();
    });
  });
});
