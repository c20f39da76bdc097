import { CircuitBreaker, type CircuitBreakerOptions, type StateChangeEvent } from '../src/index.js';
import { admitted, FakeClock, record } from './helpers.js';

function breaker(options: CircuitBreakerOptions = {}) {
  const clock = new FakeClock(1_000);
  const b = new CircuitBreaker({
    name: 'fleet',
    window: { kind: 'time', durationMs: 10_000, buckets: 10 },
    minimumCalls: 10,
    openDurationMs: 5_000,
    halfOpenMaxCalls: 4,
    clock,
    ...options,
  });
  const events: StateChangeEvent[] = [];
  b.onStateChange((e) => events.push(e));
  return { b, clock, events };
}

describe('fleet hooks (the store contract)', () => {
  test('low local traffic trips over the fleet window', () => {
    const { b, events } = breaker();
    record(b, 2, 'failure');
    expect(b.state).toBe('closed');
    b.fleetSync({ others: { calls: 7, failures: 3, slowCalls: 0 } }); // 9 calls: below minimumCalls
    expect(b.state).toBe('closed');
    expect(b.snapshot().window).toMatchObject({ calls: 9, failures: 5 });
    record(b, 1, 'success'); // 10 calls, 5 failures
    expect(b.state).toBe('open');
    expect(events.at(-1)).toMatchObject({ to: 'open', reason: 'failure_rate' });
  });

  test('a sync alone trips when the fleet already crossed the threshold', () => {
    const { b } = breaker();
    record(b, 1, 'failure');
    b.fleetSync({ others: { calls: 20, failures: 15, slowCalls: 0 } });
    expect(b.state).toBe('open');
  });

  test('null returns to local rules', () => {
    const { b } = breaker();
    b.fleetSync({ others: { calls: 9, failures: 0, slowCalls: 0 } });
    b.fleetSync({ others: null });
    record(b, 9, 'failure');
    expect(b.state).toBe('closed'); // 9 local calls < minimumCalls
  });

  test('the tap sees every recorded outcome, not stale or ignored ones', () => {
    const { b, clock } = breaker({ slowCallDurationMs: 100 });
    const tap = jest.fn();
    b.fleetTap(tap);
    const early = admitted(b.tryAcquire());
    record(b, 1, 'success');
    record(b, 1, 'ignore');
    admitted(b.tryAcquire()).failure(new Error('x'), 150);
    expect(tap.mock.calls).toEqual([
      [false, false, false, 1_000],
      [true, true, false, 1_000],
    ]);
    b.forceOpen();
    clock.advance(1);
    early.success();
    expect(tap).toHaveBeenCalledTimes(2);
    b.fleetTap(null);
  });

  test('adopting an open state rejects with the fleet deadline and backoff attempt', () => {
    const { b, events } = breaker();
    b.fleetAdopt({ state: 'open', at: 900, openUntil: 9_900, openings: 3 });
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toMatchObject({ permitted: false, reason: 'open', retryAfterMs: 8_900 });
    expect(b.snapshot()).toMatchObject({ openedAt: 900, openings: 3 });
    expect(events.at(-1)).toMatchObject({ from: 'closed', to: 'open', reason: 'fleet', at: 900 });
  });

  test('adopting a later deadline extends the open period silently', () => {
    const { b, events } = breaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1 });
    record(b, 1, 'failure');
    expect(b.snapshot().retryAfterMs).toBe(5_000);
    b.fleetAdopt({ state: 'open', at: 1_000, openUntil: 8_000, openings: 2 });
    expect(b.snapshot().retryAfterMs).toBe(7_000);
    expect(events).toHaveLength(1);
  });

  test('an open state that is already over is not adopted', () => {
    const { b } = breaker();
    b.fleetAdopt({ state: 'open', at: 0, openUntil: 500, openings: 1 });
    expect(b.state).toBe('closed');
  });

  test('adopting closed ends a half-open period', () => {
    const { b, clock, events } = breaker({
      window: { kind: 'count', size: 10 },
      minimumCalls: 1,
      rampUpMs: 1_000,
    });
    record(b, 1, 'failure');
    clock.advance(5_000);
    expect(b.state).toBe('half_open');
    b.fleetAdopt({ state: 'closed', at: clock.t });
    expect(b.state).toBe('closed');
    expect(events.at(-1)).toMatchObject({ from: 'half_open', to: 'closed', reason: 'fleet' });
    expect(b.snapshot().rampUpShare).toBe(0);
  });

  test('manual states win over the fleet', () => {
    const { b } = breaker();
    b.forceOpen();
    b.fleetAdopt({ state: 'closed', at: 1_000 });
    expect(b.state).toBe('forced_open');
    b.disable();
    b.fleetAdopt({ state: 'open', at: 1_000, openUntil: 10_000, openings: 1 });
    expect(b.state).toBe('disabled');
  });

  test('half-open probes: a fleet quota bounds local admission and the verdict spans the fleet', () => {
    const { b, clock } = breaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1 });
    record(b, 1, 'failure');
    clock.advance(5_000);
    expect(b.state).toBe('half_open');
    b.fleetSync({ probeQuota: 1 });
    const probe = admitted(b.tryAcquire());
    expect(b.tryAcquire()).toMatchObject({ permitted: false, reason: 'half_open_full' });
    // three probes elsewhere: two succeeded, one failed
    b.fleetSync({ probeOthers: { calls: 3, failures: 1, slowCalls: 0 } });
    expect(b.state).toBe('half_open'); // f + r = 1 + 1 of 4 = 0.5, not < 0.5
    probe.success();
    expect(b.state).toBe('closed');
  });

  test('fleet probe failures re-open at once', () => {
    const { b, clock } = breaker({ window: { kind: 'count', size: 10 }, minimumCalls: 1 });
    record(b, 1, 'failure');
    clock.advance(5_000);
    expect(b.state).toBe('half_open');
    b.fleetSync({ probeOthers: { calls: 2, failures: 2, slowCalls: 0 } });
    expect(b.state).toBe('open');
    expect(b.snapshot().openings).toBe(2);
  });
});
