// Half-open probe slots between instances in this process, each with its own client.
import type { RegistryBreakerOptions } from '@breakwater/core';
import { CLIENT_KINDS, type ClientKind } from './support/clients.js';
import { until } from './support/fleet.js';
import { type LocalInstance, localInstance } from './support/local.js';
import { describeRedis, RedisServer } from './support/redis-server.js';

const SYNC_MS = 50;
const DEFAULTS: RegistryBreakerOptions = {
  window: { kind: 'time', durationMs: 5_000, buckets: 10 },
  minimumCalls: 10,
  openDurationMs: 300,
  halfOpenMaxCalls: 2,
};

jest.setTimeout(20_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeRedis('probe slots across instances (real Redis)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  describe.each(CLIENT_KINDS)('with %s', (kind: ClientKind) => {
    let a: LocalInstance;
    let b: LocalInstance;

    beforeEach(async () => {
      const prefix = `bw:probes:${kind}:${Date.now()}:`;
      const start = () =>
        localInstance(kind, redis.port, {
          defaults: DEFAULTS,
          syncIntervalMs: SYNC_MS,
          timeoutMs: 500,
          prefix,
        });
      [a, b] = await Promise.all([start(), start()]);
      a.record('k', 'success', 1);
      b.record('k', 'success', 1);
      await until(() => [a, b].every((i) => i.store.status().state === 'ready'), 5_000);
      expect(a.record('k', 'failure', 10)).toBe('open');
      await until(() => b.registry.get('k').state === 'open', 2_000);
    });

    afterEach(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    /** One call per instance every `everyMs`, reported at once; counts probes admitted. */
    async function trickle(instances: LocalInstance[], everyMs: number, untilMs: number): Promise<number> {
      let probes = 0;
      const end = Date.now() + untilMs;
      while (Date.now() < end) {
        for (const instance of instances) {
          const permit = instance.registry.get('k').tryAcquire();
          if (permit.permitted) {
            if (permit.state === 'half_open') probes++;
            permit.success();
          }
        }
        if (instances.every((i) => i.events.some((e) => e.key === 'k' && e.to === 'closed'))) break;
        await sleep(everyMs);
      }
      return probes;
    }

    test('regression: low per-instance traffic gets probe slots (idle slots were given back before use)', async () => {
      // One call per instance every 6 sync intervals: a slot claimed after a refusal sits
      // idle for several syncs before the next call comes.
      const probes = await trickle([a, b], 6 * SYNC_MS, 5_000);
      expect(a.events.some((e) => e.to === 'closed')).toBe(true);
      expect(b.events.some((e) => e.to === 'closed')).toBe(true);
      expect(probes).toBeLessThanOrEqual(DEFAULTS.halfOpenMaxCalls!);
    });

    test('idle slots go back when another instance is refused: the fleet still recovers', async () => {
      // a is refused once (demand), claims both slots, then receives no more calls.
      await until(() => a.registry.get('k').state === 'half_open', 2_000);
      expect(a.registry.get('k').tryAcquire()).toMatchObject({ permitted: false, reason: 'half_open_full' });
      await sleep(4 * SYNC_MS);
      // b has callers: refused at first, then a's idle slots come back to the fleet.
      const probes = await trickle([b], 10, 3_000);
      expect(b.events.some((e) => e.to === 'closed' && e.reason === 'probes_passed')).toBe(true);
      expect(await until(() => a.registry.get('k').state === 'closed', 2_000)).toBe(true);
      expect(probes).toBeLessThanOrEqual(DEFAULTS.halfOpenMaxCalls!);
    });
  });
});
