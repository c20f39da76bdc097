import { BreakerRegistry, type RegistryBreakerOptions, type StateChangeEvent } from '@breakwater/core';
import { RedisStore, type RedisStoreStatus } from '../../src/index.js';
import { type ClientKind, connect, type TestClient } from './clients.js';

/** One instance of a service in this process: its own client, store and registry. */
export interface LocalInstance {
  readonly redis: TestClient;
  readonly store: RedisStore;
  readonly registry: BreakerRegistry;
  readonly events: StateChangeEvent[];
  readonly statuses: RedisStoreStatus[];
  /** Records `count` outcomes on `key`'s breaker; returns its state after. */
  record(key: string, outcome: 'success' | 'failure', count: number): string;
  close(): Promise<void>;
}

export async function localInstance(
  kind: ClientKind,
  port: number,
  options: { defaults: RegistryBreakerOptions; syncIntervalMs: number; timeoutMs: number; prefix?: string },
): Promise<LocalInstance> {
  const redis = await connect(kind, port);
  const store = new RedisStore({
    client: redis.client,
    syncIntervalMs: options.syncIntervalMs,
    timeoutMs: options.timeoutMs,
    prefix: options.prefix ?? 'bw:t:',
  });
  const registry = new BreakerRegistry({ defaults: options.defaults, store });
  const events: StateChangeEvent[] = [];
  const statuses: RedisStoreStatus[] = [];
  registry.onStateChange((event) => events.push(event));
  store.onStatus((status) => statuses.push(status));
  return {
    redis,
    store,
    registry,
    events,
    statuses,
    record(key, outcome, count) {
      const breaker = registry.get(key);
      for (let i = 0; i < count; i++) {
        const permit = breaker.tryAcquire();
        if (!permit.permitted) continue;
        if (outcome === 'success') permit.success();
        else permit.failure(new Error('upstream down'));
      }
      return breaker.state;
    },
    async close() {
      await store.shutdown();
      await redis.close();
    },
  };
}
