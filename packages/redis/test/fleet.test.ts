// Several instances of a service, each a separate process with its own client, sharing
// one real Redis: fleet-wide detection, state, probes and recovery.
import type { BreakerSnapshot, RegistryBreakerOptions } from '@breakwater/core';
import { CLIENT_KINDS } from './support/clients.js';
import { Instance, until } from './support/fleet.js';
import type { LoadResult } from './support/fleet-worker.js';
import { describeRedis, RedisServer } from './support/redis-server.js';

const SYNC_MS = 100;
const DEFAULTS: RegistryBreakerOptions = {
  window: { kind: 'time', durationMs: 3_000, buckets: 10 },
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openDurationMs: 600,
  halfOpenMaxCalls: 3,
  halfOpenMaxWaitMs: 300,
};

jest.setTimeout(30_000);

describeRedis('fleet mode across processes (real Redis)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  describe.each(CLIENT_KINDS)('with %s', (kind) => {
    let fleet: Instance[] = [];
    const key = (name: string) => `${kind}:${name}`;

    beforeAll(async () => {
      fleet = await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          Instance.start(name, { kind, port: redis.port, syncIntervalMs: SYNC_MS, defaults: DEFAULTS }),
        ),
      );
    });

    afterAll(async () => {
      await Promise.all(fleet.map((instance) => instance.quit()));
    });

    test('low per-instance traffic trips the fleet breaker', async () => {
      const k = key('low');
      // 4 failures each: below minimumCalls (10) on every instance, 12 over the fleet.
      for (const instance of fleet) {
        const { state } = await instance.request<{ state: string }>({
          op: 'record',
          key: k,
          outcome: 'failure',
          count: 4,
        });
        expect(state).toBe('closed');
      }
      const tripped = await until(() => fleet.every((i) => i.transition(k, 'open') !== undefined), 2_000);
      expect(tripped).toBe(true);
      const reasons = fleet.map((i) => i.transition(k, 'open')!.reason);
      expect(reasons).toContain('failure_rate');
      for (const instance of fleet) {
        const snapshot = await instance.request<BreakerSnapshot>({ op: 'state', key: k });
        expect(snapshot.state).toBe('open');
      }
    });

    test('an open on one instance is seen by all within 2 sync intervals', async () => {
      const k = key('spread');
      const [a, ...others] = fleet;
      // Every instance serves the key (a breaker exists for it everywhere).
      await Promise.all(fleet.map((i) => i.request({ op: 'record', key: k, outcome: 'success', count: 1 })));
      await new Promise((resolve) => setTimeout(resolve, 2 * SYNC_MS));
      await a!.request({ op: 'record', key: k, outcome: 'failure', count: 10 }); // trips locally
      const openedAt = a!.transition(k, 'open');
      expect(openedAt).toMatchObject({ from: 'closed', reason: 'failure_rate' });
      expect(await until(() => others.every((i) => i.transition(k, 'open') !== undefined), 2_000)).toBe(true);
      for (const instance of others) {
        const seen = instance.transition(k, 'open')!;
        expect(seen.reason).toBe('fleet');
        expect(seen.wall - openedAt!.wall).toBeLessThanOrEqual(2 * SYNC_MS);
      }
      // The open deadline is shared.
      const snapshots = await Promise.all(
        fleet.map((i) => i.request<BreakerSnapshot>({ op: 'state', key: k })),
      );
      expect(new Set(snapshots.map((s) => Math.floor(s.openedAt!))).size).toBe(1);
      expect(snapshots.map((s) => s.openings)).toEqual([1, 1, 1]);
    });

    test('exactly halfOpenMaxCalls probes run fleet-wide under concurrent load; recovery closes everywhere', async () => {
      const k = key('spread'); // open since the previous test, for 600 ms
      const results = await Promise.all(
        fleet.map((i) =>
          i.request<LoadResult>({
            op: 'load',
            key: k,
            durationMs: 1_500,
            concurrency: 10,
            callMs: 150,
            outcome: 'success',
          }),
        ),
      );
      const probes = results.reduce((sum, r) => sum + r.probes, 0);
      expect(probes).toBe(DEFAULTS.halfOpenMaxCalls);
      for (const instance of fleet) {
        expect(instance.transition(k, 'closed')).toBeDefined();
        const snapshot = await instance.request<BreakerSnapshot>({ op: 'state', key: k });
        expect(snapshot.state).toBe('closed');
      }
      expect(results.every((r) => r.admitted > 0)).toBe(true);
    });

    test('a crashed instance never wedges the fleet: its probe leases expire in Redis', async () => {
      const k = key('crash');
      const [a, b, c] = fleet as [Instance, Instance, Instance];
      await Promise.all(fleet.map((i) => i.request({ op: 'record', key: k, outcome: 'success', count: 1 })));
      await a.request({ op: 'record', key: k, outcome: 'failure', count: 10 });
      expect(await until(() => fleet.every((i) => i.transition(k, 'open') !== undefined), 2_000)).toBe(true);
      // c takes every probe slot with calls that hang, then crashes.
      const hung = c.request<LoadResult>({
        op: 'load',
        key: k,
        durationMs: 1_000,
        concurrency: 10,
        callMs: 60_000,
        outcome: 'success',
      });
      expect(await until(() => c.transition(k, 'half_open') !== undefined, 2_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 4 * SYNC_MS));
      await c.kill();
      void hung;
      // a and b keep calling a healthy dependency: the dead leases count as failed probes
      // (re-open), and the next half-open period closes the breaker.
      const closed = await until(async () => {
        await Promise.all(
          [a, b].map((i) =>
            i.request({
              op: 'load',
              key: k,
              durationMs: 200,
              concurrency: 4,
              callMs: 20,
              outcome: 'success',
            }),
          ),
        );
        return [a, b].every((i) => i.events.some((e) => e.key === k && e.to === 'closed'));
      }, 8_000);
      expect(closed).toBe(true);
      const reopened = [a, b].some((i) =>
        i.events.some((e) => e.key === k && e.from === 'half_open' && e.to === 'open'),
      );
      expect(reopened).toBe(true);
    });
  });
});
