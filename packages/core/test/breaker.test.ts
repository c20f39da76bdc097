import { inspect } from 'node:util';
import {
  BreakerConfigError,
  BreakerOpenError,
  BreakerTimeoutError,
  BreakwaterError,
  CircuitBreaker,
  type CircuitBreakerOptions,
  exponentialBackoff,
  isBreakerOpenError,
  isBreakwaterError,
  type StateChangeEvent,
} from '../src/index.js';
import { admitted, FakeClock, record, sequence } from './helpers.js';

function breaker(options: CircuitBreakerOptions = {}, clock = new FakeClock(1_000)) {
  const b = new CircuitBreaker({
    name: 'svc',
    window: { kind: 'count', size: 10 },
    minimumCalls: 4,
    openDurationMs: 1_000,
    halfOpenMaxCalls: 2,
    clock,
    ...options,
  });
  return { b, clock };
}

/** Trips a breaker built by `breaker()` with its default minimumCalls of 4. */
function trip(b: CircuitBreaker) {
  for (let i = 0; i < 100 && b.state === 'closed'; i++) record(b, 1, 'failure');
  expect(b.state).toBe('open');
}

describe('defaults', () => {
  test('are resilience4j defaults, visible in the options and the first snapshot', () => {
    const b = new CircuitBreaker({ clock: new FakeClock() });
    expect(b.options).toMatchObject({
      name: 'default',
      window: { kind: 'count', size: 100 },
      failureRateThreshold: 0.5,
      slowCallDurationMs: 60_000,
      slowCallRateThreshold: 1,
      minimumCalls: 100,
      consecutiveFailures: 0,
      openDuration: 60_000,
      halfOpenMaxCalls: 10,
      halfOpenMaxWaitMs: 60_000,
      rampUpMs: 0,
      mode: 'enforce',
    });
    expect(b.snapshot()).toEqual({
      name: 'default',
      key: 'default',
      state: 'closed',
      mode: 'enforce',
      failureRate: null,
      slowCallRate: null,
      window: { kind: 'count', calls: 0, failures: 0, slowCalls: 0 },
      totals: { successes: 0, failures: 0, ignored: 0, rejected: 0, timeouts: 0 },
      consecutiveFailures: 0,
      openedAt: null,
      retryAfterMs: null,
      openings: 0,
      halfOpen: null,
      rampUpShare: null,
      lastTransition: null,
    });
  });

  test('minimumCalls defaults to the count window size when that is smaller', () => {
    const b = new CircuitBreaker({ window: { kind: 'count', size: 20 } });
    expect(b.options.minimumCalls).toBe(20);
  });

  test('a time window defaults to 10 buckets', () => {
    const b = new CircuitBreaker({ window: { kind: 'time', durationMs: 10_000 } });
    expect(b.options.window).toEqual({ kind: 'time', durationMs: 10_000, buckets: 10 });
  });
});

describe('tripping in CLOSED', () => {
  test('no rate exists below minimumCalls', () => {
    const { b } = breaker();
    record(b, 3, 'failure');
    expect(b.state).toBe('closed');
    expect(b.snapshot().failureRate).toBeNull();
    expect(b.snapshot().window).toEqual({ kind: 'count', calls: 3, failures: 3, slowCalls: 0 });
  });

  test('trips exactly at the threshold, when a success reaches minimumCalls', () => {
    const { b } = breaker();
    record(b, 2, 'failure');
    record(b, 1, 'success');
    expect(b.state).toBe('closed');
    record(b, 1, 'success'); // 2 of 4 = 0.5 >= 0.5
    expect(b.state).toBe('open');
    expect(b.snapshot().lastTransition).toEqual({
      from: 'closed',
      to: 'open',
      reason: 'failure_rate',
      at: 1_000,
    });
  });

  test('stays closed just below the threshold', () => {
    const { b } = breaker({ minimumCalls: 5 });
    record(b, 2, 'failure');
    record(b, 3, 'success'); // 0.4
    expect(b.state).toBe('closed');
    expect(b.snapshot().failureRate).toBeCloseTo(0.4);
  });

  test('a call is slow only when strictly longer than slowCallDurationMs', () => {
    const { b } = breaker({ slowCallDurationMs: 100, slowCallRateThreshold: 0.5 });
    record(b, 3, 'slow', 100);
    expect(b.snapshot().window.slowCalls).toBe(0);
    record(b, 1, 'slow', 101);
    expect(b.snapshot().window.slowCalls).toBe(1);
    expect(b.state).toBe('closed');
    record(b, 2, 'slow', 101); // 3 of 6 slow
    expect(b.state).toBe('open');
    expect(b.snapshot().lastTransition?.reason).toBe('slow_call_rate');
  });

  test('slow failures count in both rates', () => {
    const { b } = breaker({ slowCallDurationMs: 10, minimumCalls: 4, failureRateThreshold: 1 });
    const p = admitted(b.tryAcquire());
    p.failure(new Error('x'), 50);
    expect(b.snapshot().window).toEqual({ kind: 'count', calls: 1, failures: 1, slowCalls: 1 });
  });

  test('consecutiveFailures trips on the Nth failure in a row, below minimumCalls', () => {
    const { b } = breaker({ consecutiveFailures: 3, minimumCalls: 10 });
    record(b, 2, 'failure');
    record(b, 1, 'ignore'); // an ignore does not break the streak
    expect(b.snapshot().consecutiveFailures).toBe(2);
    record(b, 1, 'failure');
    expect(b.state).toBe('open');
    expect(b.snapshot().lastTransition?.reason).toBe('consecutive_failures');
    expect(b.snapshot().failureRate).toBeNull(); // the tripping sample is below minimumCalls
  });

  test('a success resets the streak', () => {
    const { b } = breaker({ consecutiveFailures: 3, minimumCalls: 10 });
    record(b, 2, 'failure');
    record(b, 1, 'success');
    record(b, 2, 'failure');
    expect(b.state).toBe('closed');
    expect(b.snapshot().consecutiveFailures).toBe(2);
  });

  test('a count window forgets the oldest outcome', () => {
    const { b } = breaker({ window: { kind: 'count', size: 4 }, failureRateThreshold: 0.75 });
    record(b, 2, 'failure');
    record(b, 2, 'success'); // 0.5
    record(b, 2, 'success'); // window: F? no: S S S S after two more... 0/4
    expect(b.snapshot().window).toEqual({ kind: 'count', calls: 4, failures: 0, slowCalls: 0 });
  });

  test('ignored calls are recorded nowhere but the ignored total', () => {
    const { b } = breaker();
    record(b, 5, 'ignore');
    const s = b.snapshot();
    expect(s.window.calls).toBe(0);
    expect(s.totals.ignored).toBe(5);
  });
});

describe('time windows', () => {
  test('buckets align to multiples of their length and leave at (k+N)·len', () => {
    const clock = new FakeClock(1_500);
    const b = new CircuitBreaker({
      window: { kind: 'time', durationMs: 1_000, buckets: 4 },
      minimumCalls: 1,
      failureRateThreshold: 1,
      clock,
    });
    record(b, 1, 'success'); // bucket 6 = [1500, 1750)
    clock.t = 1_749;
    record(b, 1, 'success'); // still bucket 6
    clock.t = 1_750;
    record(b, 1, 'success'); // bucket 7
    clock.t = 2_499; // bucket 9: window holds 6..9
    expect(b.snapshot().window.calls).toBe(3);
    clock.t = 2_500; // bucket 10: bucket 6 leaves
    expect(b.snapshot().window.calls).toBe(1);
    clock.t = 2_750;
    expect(b.snapshot().window.calls).toBe(0);
  });

  test('an idle gap longer than the window empties it', () => {
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({
      window: { kind: 'time', durationMs: 10_000, buckets: 10 },
      minimumCalls: 5,
      clock,
    });
    record(b, 4, 'failure');
    clock.advance(60_000);
    record(b, 1, 'failure');
    expect(b.state).toBe('closed');
    expect(b.snapshot().window).toEqual({ kind: 'time', calls: 1, failures: 1, slowCalls: 0 });
  });

  test('trips over the calls within the window', () => {
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({
      window: { kind: 'time', durationMs: 1_000, buckets: 10 },
      minimumCalls: 4,
      clock,
    });
    record(b, 4, 'success');
    clock.advance(500);
    record(b, 3, 'failure');
    expect(b.state).toBe('closed'); // 3 of 7
    clock.advance(500); // the first four left
    record(b, 1, 'failure');
    expect(b.state).toBe('open');
  });
});

describe('OPEN', () => {
  test('rejects with reason open and the time left, and counts rejections', () => {
    const { b, clock } = breaker();
    trip(b);
    clock.advance(400);
    const p = b.tryAcquire();
    expect(p).toMatchObject({ permitted: false, reason: 'open', retryAfterMs: 600, state: 'open' });
    const s = b.snapshot();
    expect(s.totals.rejected).toBe(1);
    expect(s.openedAt).toBe(1_000);
    expect(s.retryAfterMs).toBe(600);
    // the sample that tripped it stays readable
    expect(s.window).toEqual({ kind: 'count', calls: 4, failures: 4, slowCalls: 0 });
    expect(s.failureRate).toBe(1);
  });

  test('execute rejects with a BreakerOpenError naming the breaker', async () => {
    const { b } = breaker();
    trip(b);
    const fn = jest.fn();
    const error = await b.execute(fn).catch((e: unknown) => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toBeInstanceOf(BreakwaterError);
    expect(error).toMatchObject({
      code: 'ERR_BREAKWATER_OPEN',
      name: 'BreakerOpenError',
      breaker: 'svc',
      reason: 'open',
      retryAfterMs: 1_000,
    });
    expect(isBreakerOpenError(error)).toBe(true);
    // built without a stack capture, it still reads as an error everywhere
    expect(error).toBeInstanceOf(Error);
    expect(Object.prototype.toString.call(error)).toBe('[object Error]');
    expect((error as Error).stack).toBe('BreakerOpenError: Breaker "svc" rejected the call (open)');
    expect(inspect(error)).toContain('BreakerOpenError');
  });

  test('reads half_open once the open time has passed, without any call, at the due time', () => {
    const { b, clock } = breaker();
    const events: StateChangeEvent[] = [];
    b.onStateChange((e) => events.push(e));
    trip(b);
    clock.advance(999);
    expect(b.state).toBe('open');
    clock.advance(5_000);
    expect(events.map((e) => e.to)).toEqual(['open']);
    expect(b.state).toBe('half_open');
    expect(events[1]).toEqual({
      name: 'svc',
      key: 'svc',
      from: 'open',
      to: 'half_open',
      reason: 'open_elapsed',
      at: 2_000,
    });
    expect(b.snapshot().lastTransition?.at).toBe(2_000);
    expect(b.snapshot().openedAt).toBeNull();
  });

  test('admits a call at exactly openedAt + openDuration', () => {
    const { b, clock } = breaker();
    trip(b);
    clock.t = 1_999;
    expect(b.tryAcquire().permitted).toBe(false);
    clock.t = 2_000;
    expect(b.tryAcquire().permitted).toBe(true);
  });
});

describe('HALF_OPEN', () => {
  function halfOpen(options: CircuitBreakerOptions = {}) {
    const made = breaker(options);
    trip(made.b);
    made.clock.advance(1_000);
    return made;
  }

  test('admits exactly halfOpenMaxCalls probes and rejects the rest with the latest lease end', () => {
    const { b, clock } = halfOpen({ halfOpenMaxCalls: 3, halfOpenMaxWaitMs: 500 });
    admitted(b.tryAcquire());
    clock.advance(10);
    admitted(b.tryAcquire());
    clock.advance(10);
    admitted(b.tryAcquire());
    clock.advance(5);
    expect(b.tryAcquire()).toMatchObject({ permitted: false, reason: 'half_open_full', retryAfterMs: 495 });
    expect(b.snapshot().halfOpen).toEqual({ inFlight: 3, recorded: 0, maxCalls: 3 });
  });

  test('closes as soon as the verdict is certain, with a fresh window', () => {
    const { b } = halfOpen({ halfOpenMaxCalls: 4 });
    const probes = [1, 2, 3, 4].map(() => admitted(b.tryAcquire()));
    probes[0]!.success();
    probes[1]!.success();
    expect(b.state).toBe('half_open'); // f+r = 2 of 4 = 0.5, not < 0.5
    probes[2]!.success();
    expect(b.state).toBe('closed');
    expect(b.snapshot().window.calls).toBe(0);
    expect(b.snapshot().openings).toBe(0);
    expect(b.snapshot().lastTransition?.reason).toBe('probes_passed');
    probes[3]!.failure(); // stale now: totals only
    expect(b.snapshot().window.calls).toBe(0);
    expect(b.snapshot().totals.failures).toBe(5);
  });

  test('re-opens as soon as the failures reach the threshold, with the next backoff step', () => {
    const backoff = jest.fn((attempt: number) => attempt * 1_000);
    const { b, clock } = halfOpen({ halfOpenMaxCalls: 4, openDurationMs: backoff });
    expect(backoff).toHaveBeenLastCalledWith(1, expect.objectContaining({ previousMs: 0 }));
    clock.advance(1_000);
    const probes = [1, 2, 3, 4].map(() => admitted(b.tryAcquire()));
    probes[0]!.failure();
    expect(b.state).toBe('half_open');
    probes[1]!.failure(); // 2 of 4 >= 0.5
    expect(b.state).toBe('open');
    expect(backoff).toHaveBeenLastCalledWith(2, expect.objectContaining({ previousMs: 1_000 }));
    expect(b.snapshot().retryAfterMs).toBe(2_000);
    expect(b.snapshot().window).toEqual({ kind: 'count', calls: 2, failures: 2, slowCalls: 0 });
  });

  test('slow probes re-open on the slow-call rate', () => {
    const { b } = halfOpen({ halfOpenMaxCalls: 2, slowCallDurationMs: 10, slowCallRateThreshold: 0.5 });
    admitted(b.tryAcquire()).success(11);
    expect(b.state).toBe('open');
    expect(b.snapshot().lastTransition?.reason).toBe('slow_call_rate');
  });

  test('an ignored probe hands its slot back', () => {
    const { b } = halfOpen({ halfOpenMaxCalls: 1 });
    const p = admitted(b.tryAcquire());
    expect(b.tryAcquire().permitted).toBe(false);
    p.ignore();
    expect(b.state).toBe('half_open');
    admitted(b.tryAcquire()).success();
    expect(b.state).toBe('closed');
  });

  test('a hung probe counts as failed when its lease ends; a report at exactly that instant is too late', () => {
    const { b, clock } = halfOpen({ halfOpenMaxCalls: 2, halfOpenMaxWaitMs: 100 });
    const events: StateChangeEvent[] = [];
    b.onStateChange((e) => events.push(e));
    const start = clock.t;
    const hung = admitted(b.tryAcquire());
    clock.advance(50);
    admitted(b.tryAcquire()).success();
    clock.t = start + 100;
    hung.success(); // too late: its lease ended, it failed
    expect(b.state).toBe('open'); // 1 failed of 2 >= 0.5
    expect(events.at(-1)).toMatchObject({ from: 'half_open', to: 'open', at: start + 100 });
    expect(b.snapshot().totals.successes).toBe(2);
  });

  test('a hung probe never wedges the breaker', () => {
    const { b, clock } = halfOpen({ halfOpenMaxCalls: 1, halfOpenMaxWaitMs: 100 });
    admitted(b.tryAcquire()); // never reports
    clock.advance(100);
    expect(b.state).toBe('open');
    clock.advance(1_000);
    admitted(b.tryAcquire()).success();
    expect(b.state).toBe('closed');
  });

  test('consecutiveFailures does not trip in HALF_OPEN', () => {
    const { b } = halfOpen({ halfOpenMaxCalls: 10, consecutiveFailures: 1, failureRateThreshold: 1 });
    admitted(b.tryAcquire()).failure();
    expect(b.state).toBe('half_open');
    expect(b.snapshot().consecutiveFailures).toBe(1);
  });

  test('1,000 overlapping async calls admit exactly halfOpenMaxCalls', async () => {
    const { b } = halfOpen({ halfOpenMaxCalls: 7, failureRateThreshold: 1 });
    let ran = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const calls = Array.from({ length: 1_000 }, () =>
      b
        .execute(async () => {
          ran++;
          await gate;
          return 'ok';
        })
        .then(
          () => 'ok',
          (e: unknown) => (isBreakerOpenError(e) ? e.reason : 'other'),
        ),
    );
    release();
    const results = await Promise.all(calls);
    expect(ran).toBe(7);
    expect(results.filter((r) => r === 'ok')).toHaveLength(7);
    expect(results.filter((r) => r === 'half_open_full')).toHaveLength(993);
    expect(b.state).toBe('closed');
  });
});

describe('generations', () => {
  test('a call admitted while closed and reported after the trip counts in totals only', () => {
    const { b, clock } = breaker();
    const early = admitted(b.tryAcquire());
    trip(b);
    clock.advance(1_000);
    expect(b.state).toBe('half_open');
    const calls: unknown[] = [];
    b.onCall((e) => calls.push(e));
    early.success();
    expect(b.state).toBe('half_open');
    expect(b.snapshot().halfOpen?.recorded).toBe(0);
    expect(b.snapshot().totals.successes).toBe(1);
    expect(calls).toEqual([expect.objectContaining({ outcome: 'success', stale: true })]);
  });

  test('a probe from an earlier half-open period cannot close the breaker', () => {
    const { b, clock } = breaker({ halfOpenMaxCalls: 2, halfOpenMaxWaitMs: 10_000 });
    trip(b);
    clock.advance(1_000);
    const old = admitted(b.tryAcquire());
    admitted(b.tryAcquire()).failure(); // 1 of 2 failed: re-open
    expect(b.state).toBe('open');
    clock.advance(10_000);
    expect(b.state).toBe('half_open');
    old.success();
    expect(b.snapshot().halfOpen?.recorded).toBe(0);
    expect(b.state).toBe('half_open');
  });

  test('reset() starts a new generation even from CLOSED', () => {
    const { b } = breaker();
    const p = admitted(b.tryAcquire());
    b.reset();
    p.failure();
    expect(b.snapshot().window.calls).toBe(0);
    expect(b.snapshot().totals.failures).toBe(1);
  });
});

describe('ramp-up', () => {
  test('admits a share growing linearly from 0 to 1 after a half-open close', () => {
    const clock = new FakeClock(0);
    const draws = jest.fn(sequence(0.5, 0.5, 0.2, 0.9995));
    const b = new CircuitBreaker({
      window: { kind: 'count', size: 4 },
      minimumCalls: 1,
      openDurationMs: 100,
      halfOpenMaxCalls: 1,
      rampUpMs: 1_000,
      clock,
      random: draws,
    });
    record(b, 1, 'failure');
    clock.t = 100;
    admitted(b.tryAcquire()).success(); // closes at 100
    expect(b.state).toBe('closed');
    expect(draws).not.toHaveBeenCalled();
    const first = b.tryAcquire(); // share 0: 0.5 < 0 is false
    expect(first).toMatchObject({ permitted: false, reason: 'ramp_up', retryAfterMs: 1_000 });
    clock.t = 600; // share 0.5
    expect(b.tryAcquire().permitted).toBe(false); // 0.5 < 0.5 false
    expect(admitted(b.tryAcquire())).toBeTruthy(); // 0.2 < 0.5
    expect(b.snapshot().rampUpShare).toBeCloseTo(0.5);
    clock.t = 1_099;
    expect(b.tryAcquire().permitted).toBe(false); // 0.9995 < 0.999 is false
    clock.t = 1_100; // ramp-up over: no draw
    const before = draws.mock.calls.length;
    admitted(b.tryAcquire());
    expect(draws.mock.calls.length).toBe(before);
    expect(b.snapshot().rampUpShare).toBeNull();
  });

  test('does not follow reset()', () => {
    const b = new CircuitBreaker({ rampUpMs: 1_000, clock: new FakeClock(), random: () => 0.999 });
    b.forceOpen();
    b.reset();
    expect(b.tryAcquire().permitted).toBe(true);
  });
});

describe('modes', () => {
  test('observe records and transitions but never rejects; a would-be rejection is reported', () => {
    const { b } = breaker({ mode: 'observe' });
    const calls: unknown[] = [];
    b.onCall((e) => calls.push(e));
    trip(b);
    const p = admitted(b.tryAcquire());
    expect(p.wouldReject).toBe('open');
    p.failure();
    const s = b.snapshot();
    expect(s.state).toBe('open');
    expect(s.totals.rejected).toBe(1);
    expect(s.totals.failures).toBe(4); // the observed call's report records nothing
    expect(calls.at(-1)).toMatchObject({ outcome: 'rejected', reason: 'open' });
  });

  test('observe lets execute run while open', async () => {
    const { b } = breaker({ mode: 'observe' });
    trip(b);
    await expect(b.execute(() => 42)).resolves.toBe(42);
  });

  test('off passes calls through unrecorded, with no events and no random draws', async () => {
    const random = jest.fn(() => 0.5);
    const { b } = breaker({ mode: 'off', random });
    const listener = jest.fn();
    b.onCall(listener);
    record(b, 10, 'failure');
    await expect(b.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(b.snapshot().totals).toEqual({ successes: 0, failures: 0, ignored: 0, rejected: 0, timeouts: 0 });
    expect(b.state).toBe('closed');
    expect(listener).not.toHaveBeenCalled();
    expect(random).not.toHaveBeenCalled();
  });
});

describe('manual controls', () => {
  test('forceOpen rejects everything with no retry-after until reset', async () => {
    const { b } = breaker();
    record(b, 2, 'failure');
    b.forceOpen();
    expect(b.tryAcquire()).toMatchObject({ permitted: false, reason: 'forced_open', retryAfterMs: null });
    await expect(b.execute(() => 1)).rejects.toMatchObject({ reason: 'forced_open', retryAfterMs: null });
    const s = b.snapshot();
    expect(s.state).toBe('forced_open');
    expect(s.window.calls).toBe(2); // what it showed on entering
    expect(s.openings).toBe(0); // not an opening
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.snapshot().window.calls).toBe(0);
    expect(b.snapshot().totals.rejected).toBe(2); // totals survive reset
  });

  test('snapshot() in OPEN, FORCED_OPEN and DISABLED shows the window frozen as it was on leaving CLOSED', () => {
    const clock = new FakeClock(0);
    const options: CircuitBreakerOptions = {
      window: { kind: 'time', durationMs: 1_000 },
      minimumCalls: 4,
      openDurationMs: 60_000,
      clock,
    };
    const frozen = { kind: 'time', calls: 4, failures: 1, slowCalls: 0 };

    // FORCED_OPEN and DISABLED: the counts and rates on entering, kept while the
    // time window would have emptied and while calls pass unrecorded.
    for (const enter of ['forceOpen', 'disable'] as const) {
      const b = new CircuitBreaker(options);
      record(b, 1, 'failure');
      record(b, 3, 'success');
      b[enter]();
      clock.advance(5_000); // the window is 1 s long
      if (enter === 'disable') record(b, 10, 'failure');
      const s = b.snapshot();
      expect(s.window).toEqual(frozen);
      expect(s.failureRate).toBe(0.25);
      expect(s.slowCallRate).toBe(0);
      b.reset();
      expect(b.snapshot()).toMatchObject({ window: { calls: 0 }, failureRate: null });
    }

    // OPEN: the sample that tripped it, still shown after the window would have emptied.
    const b = new CircuitBreaker(options);
    record(b, 2, 'success');
    record(b, 2, 'failure');
    expect(b.state).toBe('open');
    clock.advance(5_000);
    const s = b.snapshot();
    expect(s.state).toBe('open');
    expect(s.window).toEqual({ kind: 'time', calls: 4, failures: 2, slowCalls: 0 });
    expect(s.failureRate).toBe(0.5);
    // Forced open from OPEN keeps showing the trip sample.
    b.forceOpen();
    expect(b.snapshot()).toMatchObject({
      state: 'forced_open',
      window: { calls: 4, failures: 2 },
      failureRate: 0.5,
    });
  });

  test('disable lets everything through unrecorded; the latest control wins', () => {
    const { b } = breaker();
    b.disable();
    record(b, 10, 'failure');
    expect(b.state).toBe('disabled');
    expect(b.snapshot().totals.failures).toBe(0);
    b.forceOpen();
    expect(b.state).toBe('forced_open');
    b.disable();
    expect(b.state).toBe('disabled');
  });

  test('a transition to the current state emits nothing', () => {
    const { b } = breaker();
    const listener = jest.fn();
    b.onStateChange(listener);
    b.reset();
    b.forceOpen();
    b.forceOpen();
    b.disable();
    b.disable();
    expect(listener.mock.calls.map(([e]) => (e as StateChangeEvent).to)).toEqual(['forced_open', 'disabled']);
  });

  test('reset from OPEN restarts the backoff attempt count', () => {
    const backoff = jest.fn((_attempt: number) => 1_000);
    const { b } = breaker({ openDurationMs: backoff });
    trip(b);
    b.reset();
    trip(b);
    expect(backoff.mock.calls.map(([attempt]) => attempt)).toEqual([1, 1]);
  });
});

describe('permits', () => {
  test('report once; later reports are ignored', () => {
    const { b } = breaker();
    const p = admitted(b.tryAcquire());
    p.failure();
    p.success();
    p.failure();
    expect(b.snapshot().totals).toMatchObject({ successes: 0, failures: 1 });
  });

  test('a negative or non-finite durationMs is a TypeError', () => {
    const { b } = breaker();
    const p = admitted(b.tryAcquire());
    expect(() => p.success(-1)).toThrow(TypeError);
    expect(() => p.success(Number.NaN)).toThrow(/durationMs must be a finite number >= 0, got NaN/);
    expect(() => p.failure(undefined, Number.POSITIVE_INFINITY)).toThrow(TypeError);
    p.success(5); // still reportable
    expect(b.snapshot().totals.successes).toBe(1);
  });

  test('durations are measured on the breaker clock from tryAcquire', () => {
    const { b, clock } = breaker({ slowCallDurationMs: 100 });
    const listener = jest.fn();
    b.onCall(listener);
    const p = admitted(b.tryAcquire());
    clock.advance(150);
    p.success();
    expect(listener).toHaveBeenCalledWith(expect.objectContaining({ durationMs: 150, outcome: 'success' }));
    expect(b.snapshot().window.slowCalls).toBe(1);
  });

  test('timeout() counts in timeouts, not failures, and as a failure in the window', () => {
    const { b } = breaker();
    admitted(b.tryAcquire()).timeout();
    const s = b.snapshot();
    expect(s.totals).toMatchObject({ timeouts: 1, failures: 0 });
    expect(s.window.failures).toBe(1);
  });
});

describe('execute', () => {
  test('returns the value and records a success; sync functions work too', async () => {
    const { b } = breaker();
    await expect(b.execute(async () => 'a')).resolves.toBe('a');
    await expect(b.execute(() => 'b')).resolves.toBe('b');
    expect(b.snapshot().totals.successes).toBe(2);
  });

  test('rejects with the error and records a failure, sync throws included', async () => {
    const { b } = breaker();
    const boom = new Error('boom');
    await expect(b.execute(async () => Promise.reject(boom))).rejects.toBe(boom);
    await expect(
      b.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(b.snapshot().totals.failures).toBe(2);
  });

  test('classify decides how a result or an error is recorded', async () => {
    const classify = jest.fn(({ error, result }: { error?: unknown; result?: unknown }) =>
      error !== undefined
        ? ('ignore' as const)
        : result === 'bad'
          ? ('failure' as const)
          : ('success' as const),
    );
    const { b } = breaker({ classify });
    await expect(b.execute(() => 'bad')).resolves.toBe('bad');
    await expect(b.execute(() => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect(b.snapshot().totals).toMatchObject({ failures: 1, ignored: 1, successes: 0 });
    expect(classify).toHaveBeenCalledWith(expect.objectContaining({ result: 'bad', durationMs: 0 }));
  });

  test('a classifier that throws falls back to the default and warns once', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { b } = breaker({
        classify: () => {
          throw new Error('classifier bug');
        },
      });
      await expect(b.execute(() => 1)).resolves.toBe(1);
      await expect(b.execute(() => 2)).resolves.toBe(2);
      expect(b.snapshot().totals.successes).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('classify'),
        expect.objectContaining({ code: 'BREAKWATER_CLASSIFY_THREW' }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  test('warns once per code per breaker, with the error as detail, and never throws for it', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('a warning handler that throws');
    });
    try {
      const classify = () => {
        throw new Error('classifier bug');
      };
      const { b: first } = breaker({ classify });
      const { b: second } = breaker({ classify });
      for (const b of [first, second, first, second]) await expect(b.execute(() => 1)).resolves.toBe(1);
      expect(warn).toHaveBeenCalledTimes(2);
      for (const call of warn.mock.calls) {
        expect(call[1]).toMatchObject({
          type: 'BreakwaterWarning',
          code: 'BREAKWATER_CLASSIFY_THREW',
          detail: expect.stringContaining('Error: classifier bug'),
        });
      }
    } finally {
      warn.mockRestore();
    }
  });

  test('fallback answers rejections, failures and timeouts', async () => {
    const { b } = breaker();
    const fallback = jest.fn((e: unknown) => `fallback:${(e as Error).name}`);
    await expect(b.execute(() => Promise.reject(new TypeError('x')), { fallback })).resolves.toBe(
      'fallback:TypeError',
    );
    trip(b);
    await expect(b.execute(() => 'never', { fallback })).resolves.toBe('fallback:BreakerOpenError');
  });

  test('a fallback that throws makes execute reject with its error, the original as cause', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { b } = breaker();
      const original = new Error('original');
      const error = await b
        .execute(() => Promise.reject(original), {
          fallback: () => {
            throw new Error('fallback failed');
          },
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ message: 'fallback failed', cause: original });
      const asyncError = await b
        .execute(() => Promise.reject(original), { fallback: async () => Promise.reject(new Error('async')) })
        .catch((e: unknown) => e);
      expect(asyncError).toMatchObject({ message: 'async', cause: original });
    } finally {
      warn.mockRestore();
    }
  });

  test('a listener that throws breaks neither the call nor the breaker, and warns once', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { b } = breaker();
      const good = jest.fn();
      b.onCall(() => {
        throw new Error('listener bug');
      });
      b.onCall(good);
      b.onStateChange(() => {
        throw new Error('listener bug');
      });
      await expect(b.execute(() => 1)).resolves.toBe(1);
      trip(b);
      expect(good).toHaveBeenCalledTimes(4); // one success, then three failures trip it
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: 'BREAKWATER_LISTENER_THREW' });
    } finally {
      warn.mockRestore();
    }
  });

  test('unsubscribing stops delivery', () => {
    const { b } = breaker();
    const listener = jest.fn();
    const off = b.onCall(listener);
    record(b, 1, 'success');
    off();
    off();
    record(b, 1, 'success');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  describe('timeouts', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    test('past timeoutMs: rejects with BreakerTimeoutError, aborts the signal, counts a timeout', async () => {
      const clock = new FakeClock(0);
      const b = new CircuitBreaker({ name: 'slow', timeoutMs: 100, clock });
      let seen: AbortSignal | undefined;
      let finish!: (v: string) => void;
      const result = b.execute(
        (signal) =>
          new Promise<string>((resolve) => {
            seen = signal;
            finish = resolve;
          }),
      );
      clock.advance(100);
      jest.advanceTimersByTime(100);
      const error = await result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BreakerTimeoutError);
      expect(error).toMatchObject({ code: 'ERR_BREAKWATER_TIMEOUT', breaker: 'slow', timeoutMs: 100 });
      expect(seen?.aborted).toBe(true);
      expect(seen?.reason).toBe(error);
      finish('late'); // ignored
      await Promise.resolve();
      expect(b.snapshot().totals).toMatchObject({ timeouts: 1, successes: 0, failures: 0 });
      expect(b.snapshot().window.failures).toBe(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    test('a call that finishes in time clears its timer', async () => {
      const b = new CircuitBreaker({ timeoutMs: 100, clock: new FakeClock() });
      await expect(b.execute(async () => 'ok')).resolves.toBe('ok');
      expect(jest.getTimerCount()).toBe(0);
    });

    test('the fallback answers a timeout', async () => {
      const b = new CircuitBreaker({ timeoutMs: 50, clock: new FakeClock() });
      const result = b.execute(() => new Promise<string>(() => {}), { fallback: () => 'cached' });
      jest.advanceTimersByTime(50);
      await expect(result).resolves.toBe('cached');
    });
  });

  test("a call aborted by the caller's signal is ignored, and rejects with the caller's reason", async () => {
    const { b } = breaker();
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const result = b.execute(
      (signal) =>
        new Promise((_, reject) => {
          inner = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { signal: controller.signal },
    );
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(result).rejects.toBe(reason);
    expect(inner?.aborted).toBe(true);
    expect(b.snapshot().totals).toMatchObject({ ignored: 1, failures: 0 });
  });

  test('an already aborted signal rejects at once without calling fn', async () => {
    const { b } = breaker();
    const fn = jest.fn();
    await expect(b.execute(fn, { signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    expect(fn).not.toHaveBeenCalled();
  });

  test('execute rejects a non-function with a TypeError', async () => {
    const { b } = breaker();
    await expect(b.execute('nope' as unknown as () => void)).rejects.toThrow(TypeError);
  });
});

describe('backoff', () => {
  test('exponential: initial · multiplier^(attempt-1), capped', () => {
    const f = exponentialBackoff({ initialMs: 100, maxMs: 1_000 });
    const ctx = { random: () => 0.5, previousMs: 0 };
    expect([1, 2, 3, 4, 5].map((a) => f(a, ctx))).toEqual([100, 200, 400, 800, 1_000]);
  });

  test('jitters use the injected random', () => {
    const ctx = { random: () => 0.25, previousMs: 400 };
    expect(exponentialBackoff({ initialMs: 100, jitter: 'full' })(3, ctx)).toBe(100);
    expect(exponentialBackoff({ initialMs: 100, jitter: 'equal' })(3, ctx)).toBe(250);
    // min(max, initial + r·(max(initial, previous·m) − initial)) = 100 + 0.25·(1200 − 100)
    expect(exponentialBackoff({ initialMs: 100, multiplier: 3, jitter: 'decorrelated' })(2, ctx)).toBe(375);
    expect(
      exponentialBackoff({ initialMs: 100, maxMs: 300, multiplier: 3, jitter: 'decorrelated' })(2, ctx),
    ).toBe(300);
  });

  test('decorrelated jitter draws on the first opening too: from [initialMs, initialMs · multiplier]', () => {
    const f = exponentialBackoff({ initialMs: 100, multiplier: 3, jitter: 'decorrelated' });
    const first = (r: number) => f(1, { random: () => r, previousMs: 0 });
    expect(first(0)).toBe(100);
    expect(first(0.5)).toBe(200); // 100 + 0.5 · (300 − 100), no longer exactly initialMs
    expect(first(0.99)).toBeCloseTo(298);
    // maxMs still caps the draw.
    const capped = exponentialBackoff({ initialMs: 100, maxMs: 150, multiplier: 3, jitter: 'decorrelated' });
    expect(capped(1, { random: () => 0.5, previousMs: 0 })).toBe(150);
  });

  test('decorrelated jitter: breakers that trip together do not all retry together', () => {
    const retryAfter = [0, 0.5, 0.9].map((r) => {
      const b = new CircuitBreaker({
        window: { kind: 'count', size: 1 },
        openDurationMs: exponentialBackoff({ initialMs: 1_000, multiplier: 3, jitter: 'decorrelated' }),
        random: () => r,
        clock: new FakeClock(0),
      });
      record(b, 1, 'failure');
      return b.snapshot().retryAfterMs;
    });
    expect(retryAfter).toEqual([1_000, 2_000, 2_800]);
  });

  test('exponential without maxMs never overflows to Infinity (which the breaker would replace by 60 s)', () => {
    const ctx = { random: () => 0.5, previousMs: Number.MAX_VALUE };
    expect(exponentialBackoff({ initialMs: 1_000 })(2_000, ctx)).toBe(Number.MAX_VALUE);
    expect(exponentialBackoff({ initialMs: 1_000, jitter: 'decorrelated' })(2_000, ctx)).toBeLessThanOrEqual(
      Number.MAX_VALUE,
    );
    expect(
      Number.isFinite(exponentialBackoff({ initialMs: 1_000, jitter: 'decorrelated' })(2_000, ctx)),
    ).toBe(true);
  });

  test('the breaker walks the backoff over consecutive openings, and restarts after closing', () => {
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({
      window: { kind: 'count', size: 1 },
      halfOpenMaxCalls: 1,
      openDurationMs: exponentialBackoff({ initialMs: 100 }),
      clock,
    });
    record(b, 1, 'failure');
    expect(b.snapshot().retryAfterMs).toBe(100);
    clock.advance(100);
    record(b, 1, 'failure');
    expect(b.snapshot().retryAfterMs).toBe(200);
    clock.advance(200);
    record(b, 1, 'failure');
    expect(b.snapshot().retryAfterMs).toBe(400);
    clock.advance(400);
    record(b, 1, 'success');
    expect(b.state).toBe('closed');
    record(b, 1, 'failure');
    expect(b.snapshot().retryAfterMs).toBe(100);
  });

  test('a backoff that throws falls back to 60 s and warns', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const b = new CircuitBreaker({
        window: { kind: 'count', size: 1 },
        openDurationMs: () => {
          throw new Error('bad backoff');
        },
        clock: new FakeClock(),
      });
      record(b, 1, 'failure');
      expect(b.snapshot().retryAfterMs).toBe(60_000);
      expect(warn).toHaveBeenCalledWith(
        expect.any(String),
        expect.objectContaining({ code: 'BREAKWATER_BACKOFF_THREW' }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});

describe('bad input', () => {
  const cases: Array<[CircuitBreakerOptions | Record<string, unknown>, RegExp]> = [
    [{ failureRateThreshold: 1.5 }, /^failureRateThreshold must be a number in \(0, 1\], got 1\.5$/],
    [{ failureRateThreshold: 0 }, /failureRateThreshold must be a number in \(0, 1\], got 0/],
    [{ slowCallRateThreshold: -1 }, /slowCallRateThreshold .* got -1/],
    [{ minimumCalls: 1.5 }, /minimumCalls must be an integer >= 1, got 1\.5/],
    [{ window: { kind: 'count', size: 10 }, minimumCalls: 11 }, /minimumCalls must be <= window.size \(10\)/],
    [{ window: { kind: 'time', durationMs: 1_000, buckets: 3 } }, /window.durationMs must be divisible/],
    [{ window: { kind: 'sliding', size: 1 } }, /window.kind must be 'count' or 'time', got "sliding"/],
    [{ window: { kind: 'count', size: 0 } }, /window.size must be an integer in \[1, 100000\], got 0/],
    [{ openDurationMs: -5 }, /openDurationMs must be a finite number >= 0 or a backoff function, got -5/],
    [{ halfOpenMaxWaitMs: 0 }, /halfOpenMaxWaitMs must be a finite number > 0, got 0/],
    [{ timeoutMs: -1 }, /timeoutMs must be a finite number > 0, got -1/],
    [{ mode: 'shadow' }, /mode must be 'enforce', 'observe' or 'off', got "shadow"/],
    [{ classify: 'yes' }, /classify must be a function/],
    [{ clock: {} }, /clock must be an object with a now\(\) method/],
    [{ failureThreshold: 0.5 }, /Unknown option "failureThreshold"/],
    [{ consecutiveFailures: 0 }, /consecutiveFailures must be an integer >= 1, got 0/],
    [{ rampUpMs: Number.NaN }, /rampUpMs must be a finite number >= 0, got NaN/],
  ];

  test.each(cases)('%j is refused at construction', (options, message) => {
    let error: unknown;
    try {
      new CircuitBreaker(options as CircuitBreakerOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BreakerConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as BreakerConfigError).code).toMatch(/^ERR_BREAKWATER_/);
    expect(isBreakwaterError(error)).toBe(true);
  });

  test('the error names the option and carries the value', () => {
    try {
      new CircuitBreaker({ failureRateThreshold: 2 });
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toMatchObject({
        name: 'BreakerConfigError',
        code: 'ERR_BREAKWATER_INVALID_OPTION',
        option: 'failureRateThreshold',
        value: 2,
      });
    }
  });
});

describe('reconfigure', () => {
  test('keeps state and window, and never transitions by itself', () => {
    const { b } = breaker({ minimumCalls: 4 });
    record(b, 1, 'failure');
    record(b, 3, 'success'); // 0.25
    b.reconfigure({ failureRateThreshold: 0.25 });
    expect(b.state).toBe('closed');
    expect(b.snapshot().window.calls).toBe(4);
    record(b, 1, 'success'); // 1 of 5 = 0.2 < 0.25: evaluated on the next record
    expect(b.state).toBe('closed');
    record(b, 1, 'failure'); // 2 of 6
    expect(b.state).toBe('open');
  });

  test('a running open period keeps its duration', () => {
    const { b, clock } = breaker();
    trip(b);
    b.reconfigure({ openDurationMs: 60_000 });
    clock.advance(1_000);
    expect(b.state).toBe('half_open');
  });

  test('resizing a count window keeps the newest outcomes', () => {
    const b = new CircuitBreaker({ window: { kind: 'count', size: 10 }, clock: new FakeClock() });
    record(b, 3, 'failure');
    record(b, 3, 'success');
    b.reconfigure({ window: { kind: 'count', size: 4 } });
    expect(b.snapshot().window).toEqual({ kind: 'count', calls: 4, failures: 1, slowCalls: 0 });
    expect(b.options.minimumCalls).toBe(4); // the default follows the window
  });

  test('an explicit minimumCalls that no longer fits the window is refused', () => {
    const { b } = breaker({ window: { kind: 'count', size: 10 }, minimumCalls: 10 });
    record(b, 3, 'failure');
    expect(() => b.reconfigure({ window: { kind: 'count', size: 4 } })).toThrow(
      /minimumCalls must be <= window.size \(4\)/,
    );
    expect(b.options.window).toEqual({ kind: 'count', size: 10 });
    expect(b.snapshot().window.calls).toBe(3);
  });

  test('refuses invalid and fixed options, and changes nothing then', () => {
    const { b } = breaker();
    expect(() => b.reconfigure({ failureRateThreshold: 3 })).toThrow(BreakerConfigError);
    expect(() => b.reconfigure({ name: 'other' } as never)).toThrow(/name cannot be reconfigured/);
    expect(() => b.reconfigure({ clock: { now: () => 0 } } as never)).toThrow(/clock cannot be reconfigured/);
    expect(b.options.failureRateThreshold).toBe(0.5);
  });

  test('switches mode at runtime', () => {
    const { b } = breaker();
    trip(b);
    b.reconfigure({ mode: 'observe' });
    expect(b.tryAcquire().permitted).toBe(true);
    b.reconfigure({ mode: 'enforce' });
    expect(b.tryAcquire().permitted).toBe(false);
  });
});

describe('toJSON and initialState', () => {
  test('carry an open breaker across a restart', () => {
    const { b, clock } = breaker({ openDurationMs: exponentialBackoff({ initialMs: 1_000 }) });
    trip(b);
    const json = JSON.parse(JSON.stringify(b.toJSON()));
    const restored = new CircuitBreaker({
      name: 'svc',
      window: { kind: 'count', size: 10 },
      minimumCalls: 4,
      halfOpenMaxCalls: 2,
      openDurationMs: exponentialBackoff({ initialMs: 1_000 }),
      clock,
      initialState: json,
    });
    expect(restored.snapshot()).toMatchObject({
      state: 'open',
      openedAt: 1_000,
      retryAfterMs: 1_000,
      openings: 1,
      window: { calls: 4, failures: 4 },
      totals: { failures: 4 },
    });
    clock.advance(1_000);
    admitted(restored.tryAcquire()).failure();
    expect(restored.snapshot().retryAfterMs).toBe(2_000); // the backoff went on
  });

  test('carry a closed window and a time window', () => {
    const { b, clock } = breaker();
    record(b, 2, 'failure');
    record(b, 1, 'success');
    const restored = new CircuitBreaker({
      name: 'svc',
      window: { kind: 'count', size: 10 },
      minimumCalls: 4,
      clock,
      initialState: b.toJSON(),
    });
    expect(restored.snapshot().window).toEqual({ kind: 'count', calls: 3, failures: 2, slowCalls: 0 });
    record(restored, 1, 'failure');
    expect(restored.state).toBe('open');

    const t = new CircuitBreaker({ window: { kind: 'time', durationMs: 1_000 }, minimumCalls: 10, clock });
    record(t, 3, 'failure');
    const t2 = new CircuitBreaker({
      window: { kind: 'time', durationMs: 1_000 },
      minimumCalls: 10,
      clock,
      initialState: t.toJSON(),
    });
    expect(t2.snapshot().window).toEqual({ kind: 'time', calls: 3, failures: 3, slowCalls: 0 });
    clock.advance(1_000);
    expect(t2.snapshot().window.calls).toBe(0);
  });

  test('a restored half-open breaker has free probe slots', () => {
    const { b, clock } = breaker({ halfOpenMaxCalls: 3 });
    trip(b);
    clock.advance(1_000);
    admitted(b.tryAcquire());
    admitted(b.tryAcquire()).success();
    const restored = new CircuitBreaker({
      name: 'svc',
      halfOpenMaxCalls: 3,
      clock,
      initialState: b.toJSON(),
    });
    expect(restored.snapshot().halfOpen).toEqual({ inFlight: 0, recorded: 1, maxCalls: 3 });
    admitted(restored.tryAcquire());
    admitted(restored.tryAcquire());
    expect(restored.tryAcquire().permitted).toBe(false);
  });

  test('a bad initialState is a BreakerConfigError', () => {
    expect(() => new CircuitBreaker({ initialState: { version: 2 } as never })).toThrow(/initialState/);
  });

  test('an initialState with a non-finite time or backoff is refused, not restored as NaN or Infinity', () => {
    const { b, clock } = breaker();
    trip(b);
    const open = b.toJSON();
    const t = new CircuitBreaker({ window: { kind: 'time', durationMs: 1_000 }, minimumCalls: 10, clock });
    record(t, 2, 'failure');
    const timed = t.toJSON();
    const bad: Array<[object, RegExp]> = [
      [{ ...open, openUntil: Number.POSITIVE_INFINITY }, /openUntil must be a finite number, got Infinity/],
      [{ ...open, openedAt: Number.NaN }, /openedAt must be a finite number, got NaN/],
      [{ ...open, previousOpenMs: Number.POSITIVE_INFINITY }, /previousOpenMs must be a finite number >= 0/],
      [
        { ...timed, buckets: timed.buckets!.map((x) => ({ ...x, index: Number.NaN })) },
        /buckets\[\]\.index must be an integer, got NaN/,
      ],
    ];
    for (const [initialState, message] of bad) {
      const options =
        'buckets' in initialState ? { window: { kind: 'time', durationMs: 1_000 } as const } : {};
      let error: unknown;
      try {
        new CircuitBreaker({ ...options, clock, initialState: initialState as never });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'ERR_BREAKWATER_INVALID_STATE' });
      expect((error as Error).message).toMatch(message);
    }
  });
});
