/**
 * The per-group history (rates, latency percentiles, sparklines) with an injected
 * clock, the default grouping, and the collector following a registry.
 */
import { Collector } from '../src/collector.js';
import { CLIENTS_GROUP, defaultGroup, OTHER_GROUP, safeGroup, UNGROUPED } from '../src/grouping.js';
import { bucketOf, bucketUpperMs, Series, SLOT_MS, SLOTS } from '../src/series.js';
import { FakeClock, quickRegistry, succeed, trip } from './helpers.js';

describe('Series', () => {
  it('reports calls/s, rejections/s and rates over the last two slots', () => {
    const clock = new FakeClock();
    clock.t = 100 * SLOT_MS;
    const s = new Series(clock.t - 60_000);
    for (let i = 0; i < 40; i++) s.call(clock.t, i % 4 === 0, i % 10 === 0, 10);
    for (let i = 0; i < 20; i++) s.rejection(clock.t);
    clock.advance(SLOT_MS / 2);
    const r = s.recent(clock.t);
    // 40 calls over 7.5 s (the previous slot and half of this one).
    expect(r.callsPerSec).toBeCloseTo(40 / 7.5, 5);
    expect(r.rejectionsPerSec).toBeCloseTo(20 / 7.5, 5);
    expect(r.failureRate).toBe(0.25);
    expect(r.slowCallRate).toBe(0.1);
    clock.advance(2 * SLOT_MS);
    expect(s.recent(clock.t)).toMatchObject({ callsPerSec: 0, failureRate: null, p50: null, p99: null });
  });

  it('approximates p50 and p99 within 25%', () => {
    const s = new Series(0);
    for (let i = 1; i <= 1_000; i++) s.call(1, false, false, i);
    const { p50, p99 } = s.recent(1);
    expect(p50).toBeGreaterThanOrEqual(500);
    expect(p50).toBeLessThanOrEqual(625);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThanOrEqual(1_238);
    for (const ms of [0, 0.1, 0.25, 0.3, 1, 7, 100, 12_345, 1e9]) {
      const b = bucketOf(ms);
      expect(bucketUpperMs(b)).toBeGreaterThanOrEqual(Math.min(ms, bucketUpperMs(63)));
      if (b > 0 && ms < bucketUpperMs(63)) expect(bucketUpperMs(b - 1)).toBeLessThan(ms);
    }
  });

  it('keeps one sparkline point per slot for the last five minutes, oldest first', () => {
    const clock = new FakeClock();
    clock.t = 1_000 * SLOT_MS;
    const s = new Series(clock.t);
    s.call(clock.t, true, false, 1);
    s.call(clock.t, false, true, 1);
    clock.advance(SLOT_MS);
    s.rejection(clock.t);
    const spark = s.sparklines(clock.t);
    expect(spark.c).toHaveLength(SLOTS);
    expect(spark.c.slice(-2)).toEqual([2, 0]);
    expect(spark.r.slice(-2)).toEqual([0, 1]);
    expect(spark.f.slice(-2)).toEqual([500, -1]);
    expect(spark.s.slice(-2)).toEqual([500, -1]);
    // Ten minutes later the ring is empty again: at most SLOTS slots are cleared.
    clock.advance(120 * SLOT_MS);
    expect(s.sparklines(clock.t).c.every((n) => n === 0)).toBe(true);
  });
});

describe('grouping', () => {
  it.each([
    ['GET /users/:id', 'GET /users/:id', 'GET /users/:id'],
    ['GET /users/:id @ 203.0.113.7', 'GET /users/:id @ 203.0.113.7', 'GET /users/:id'],
    ['203.0.113.7', '203.0.113.7', CLIENTS_GROUP],
    ['2001:db8::/56', '2001:db8::/56', CLIENTS_GROUP],
    ['(unknown client)', '(unknown client)', CLIENTS_GROUP],
    ['payments-api', 'payments', 'payments'],
  ])('groups %s (named %s) as %s', (key, name, group) => {
    expect(defaultGroup(key, name)).toBe(group);
  });

  it('puts breakers whose group function throws or answers nonsense in (ungrouped), and bounds names', () => {
    expect(
      safeGroup(
        () => {
          throw new Error('x');
        },
        'k',
        'k',
      ),
    ).toBe(UNGROUPED);
    expect(safeGroup(() => 42 as unknown as string, 'k', 'k')).toBe(UNGROUPED);
    expect(safeGroup(() => 'x'.repeat(1_000), 'k', 'k')).toHaveLength(256);
  });
});

describe('Collector', () => {
  it('follows new and evicted breakers, feeds calls to their group, and folds groups past maxGroups', () => {
    const clock = new FakeClock();
    const registry = quickRegistry({ clock, maxKeys: 5 });
    let transitions = 0;
    const collector = new Collector({
      registry,
      group: (key) => key,
      maxGroups: 3,
      clock,
      onTransition: () => transitions++,
    });
    for (const key of ['a', 'b', 'c', 'd']) registry.get(key);
    collector.scan();
    expect(collector.trackedCount).toBe(4);
    // The registry lists the most recently used first: 'a' comes last and finds no room.
    expect(collector.groups.map((g) => g.name).sort()).toEqual(['(other)', 'b', 'c', 'd']);
    expect(collector.groups.find((g) => g.name === OTHER_GROUP)?.cold.map((t) => t.key)).toEqual(['a']);
    succeed(registry, 'a', 10, 3);
    trip(registry, 'b');
    expect(transitions).toBe(1);
    collector.scan();
    expect(collector.groups[0]?.name).toBe('b');
    expect(collector.groups[0]?.last).toMatchObject({
      key: 'b',
      from: 'closed',
      to: 'open',
      reason: 'failure_rate',
    });
    expect(
      collector.groups.find((g) => g.name === OTHER_GROUP)?.series.recent(clock.t).callsPerSec,
    ).toBeGreaterThan(0);
    expect(collector.log().map((e) => e.key)).toEqual(['b']);
    // Evicting 'c' (the least recently used closed breaker) unsubscribes from it.
    registry.delete('c');
    expect(collector.trackedCount).toBe(3);
    collector.close();
    expect(collector.trackedCount).toBe(0);
  });

  it('keeps the log bounded', () => {
    const registry = quickRegistry();
    const collector = new Collector({
      registry,
      group: (key) => key,
      maxGroups: 10,
      clock: new FakeClock(),
      onTransition: () => {},
    });
    const breaker = registry.get('flappy');
    for (let i = 0; i < 300; i++) {
      breaker.forceOpen();
      breaker.reset();
    }
    const log = collector.log();
    expect(log).toHaveLength(100);
    expect(log.at(-1)).toMatchObject({ from: 'forced_open', to: 'closed', reason: 'reset' });
    collector.close();
  });
});
