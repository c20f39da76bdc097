// Redis Cluster: a one-node cluster holding every slot. Each script call names only
// keys of one breaker, which share a hash tag: Redis itself would refuse anything else
// (CROSSSLOT), so a clean run proves it.
import { BreakerRegistry, type StateChangeEvent } from '@breakwater/core';
import { RedisStore } from '../src/index.js';
import {
  CLIENT_KINDS,
  type ClientKind,
  connect,
  connectCluster,
  type TestClient,
} from './support/clients.js';
import { until } from './support/fleet.js';
import { describeRedis, RedisServer } from './support/redis-server.js';

jest.setTimeout(20_000);

describeRedis('Redis Cluster (real one-node cluster)', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start({ cluster: true });
    const admin = await connect('ioredis', redis.port);
    try {
      await admin.command('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      const ok = await until(
        async () => String(await admin.command('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        5_000,
      );
      if (!ok) throw new Error('the one-node cluster did not become ok');
    } finally {
      await admin.close();
    }
  });

  afterAll(async () => {
    await redis?.dispose();
  });

  test.each(CLIENT_KINDS)('fleet mode works over a %s cluster client', async (kind: ClientKind) => {
    const clients: TestClient[] = [];
    const stores: RedisStore[] = [];
    try {
      const instances = await Promise.all(
        [0, 1].map(async () => {
          const client = await connectCluster(kind, redis.port);
          clients.push(client);
          const store = new RedisStore({ client: client.client, syncIntervalMs: 50, prefix: `bw:${kind}:` });
          stores.push(store);
          const registry = new BreakerRegistry({
            defaults: { minimumCalls: 10, window: { kind: 'count', size: 20 }, openDurationMs: 200 },
            store,
          });
          const events: StateChangeEvent[] = [];
          registry.onStateChange((e) => events.push(e));
          return { registry, events };
        }),
      );
      const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
      // Several keys: different slots, one batch.
      for (const key of ['k', 'GET /users/:id', 'POST /orders']) {
        a.registry.get(key);
        b.registry.get(key);
      }
      expect(await until(() => stores.every((s) => s.status().state === 'ready'), 5_000)).toBe(true);
      // 5 + 5 failures: fleet-wide detection over a count window.
      for (const registry of [a.registry, b.registry]) {
        const breaker = registry.get('k');
        for (let i = 0; i < 5; i++) {
          const permit = breaker.tryAcquire();
          if (permit.permitted) permit.failure(new Error('down'));
        }
      }
      expect(
        await until(
          () => a.registry.get('k').state !== 'closed' && b.registry.get('k').state !== 'closed',
          3_000,
        ),
      ).toBe(true);
      // Half-open and recovery through the probe script.
      const recovered = await until(() => {
        for (const registry of [a.registry, b.registry]) {
          const permit = registry.get('k').tryAcquire();
          if (permit.permitted) permit.success();
        }
        return a.events.some((e) => e.to === 'closed') && b.events.some((e) => e.to === 'closed');
      }, 5_000);
      expect(recovered).toBe(true);
      for (const store of stores) expect(store.status()).toMatchObject({ state: 'ready', failures: 0 });
    } finally {
      await Promise.all(stores.map((s) => s.shutdown()));
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
