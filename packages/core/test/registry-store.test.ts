import {
  BreakerRegistry,
  type BreakerStore,
  type CircuitBreaker,
  isBreakerConfigError,
  isBreakerStore,
  type StoreStatus,
} from '../src/index.js';

/** A store that records what the registry asks of it (no backend: the contract only). */
function recordingStore() {
  const bound = new Map<string, CircuitBreaker>();
  const unbound: string[] = [];
  const status: StoreStatus = {
    kind: 'test',
    state: 'ready',
    since: 0,
    error: null,
    lastSyncAt: null,
    bound: 0,
  };
  const store: BreakerStore = {
    bind(breaker) {
      bound.set(breaker.key, breaker);
      return () => {
        bound.delete(breaker.key);
        unbound.push(breaker.key);
      };
    },
    status: () => ({ ...status, bound: bound.size }),
    onStatus: () => () => {},
    shutdown: async () => {},
  };
  return { store, bound, unbound };
}

describe('BreakerRegistry with a store', () => {
  test('binds every breaker it creates, once', () => {
    const { store, bound } = recordingStore();
    const registry = new BreakerRegistry({ store });
    const a = registry.get('GET /a');
    registry.get('GET /a');
    registry.get('GET /b');
    expect([...bound.keys()]).toEqual(['GET /a', 'GET /b']);
    expect(bound.get('GET /a')).toBe(a);
    expect(registry.store).toBe(store);
  });

  test('unbinds on delete, clear, LRU eviction and idle expiry', () => {
    let t = 1_000;
    const { store, bound, unbound } = recordingStore();
    const registry = new BreakerRegistry({ store, maxKeys: 2, idleTtlMs: 100, clock: { now: () => t } });
    registry.get('a');
    registry.get('b');
    registry.get('c'); // evicts a
    expect(unbound).toEqual(['a']);
    registry.delete('b');
    expect(unbound).toEqual(['a', 'b']);
    t += 1_000;
    registry.purgeStale(); // c idles out
    expect(unbound).toEqual(['a', 'b', 'c']);
    registry.get('d');
    registry.get('e');
    registry.clear();
    expect(unbound).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(bound.size).toBe(0);
  });

  test('the snapshot shows the store status, null without a store', () => {
    const { store } = recordingStore();
    const registry = new BreakerRegistry({ store });
    registry.get('k');
    expect(registry.snapshot().store).toEqual({
      kind: 'test',
      state: 'ready',
      since: 0,
      error: null,
      lastSyncAt: null,
      bound: 1,
    });
    expect(new BreakerRegistry().snapshot().store).toBeNull();
  });

  test('a store that throws leaves breakers working on local rules', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const { store } = recordingStore();
      store.bind = () => {
        throw new Error('boom');
      };
      store.status = () => {
        throw new Error('boom');
      };
      const registry = new BreakerRegistry({ store });
      const breaker = registry.get('k');
      expect(breaker.tryAcquire().permitted).toBe(true);
      expect(registry.snapshot().store).toBeNull();
      expect(registry.delete('k')).toBe(true);
      expect(warn.mock.calls.map((c) => (c[1] as { code: string }).code)).toEqual([
        'BREAKWATER_STORE_BIND_ERROR',
        'BREAKWATER_STORE_STATUS_ERROR',
      ]);
    } finally {
      warn.mockRestore();
    }
  });

  test('rejects a value that is not a store, naming the option', () => {
    expect(() => new BreakerRegistry({ store: {} as BreakerStore })).toThrow(
      expect.objectContaining({ code: 'ERR_BREAKWATER_INVALID_OPTION', option: 'store' }),
    );
    try {
      new BreakerRegistry({ store: { bind() {} } as unknown as BreakerStore });
    } catch (error) {
      expect(isBreakerConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^store must be a BreakerStore/);
    }
    expect(isBreakerStore(recordingStore().store)).toBe(true);
    expect(isBreakerStore(null)).toBe(false);
  });
});
