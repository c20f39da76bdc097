import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  BreakerConfigError,
  BreakerRegistry,
  type BreakerRegistryOptions,
  boundKey,
  type CircuitBreaker,
  ErrorCodes,
  type EvictionEvent,
  type StateChangeEvent,
} from '../src/index.js';
import { admitted, FakeClock, record } from './helpers.js';

/** Small windows so a few failures trip a breaker. */
const FAST = {
  window: { kind: 'count', size: 4 },
  minimumCalls: 2,
  openDurationMs: 1_000,
  halfOpenMaxCalls: 1,
} as const;

function registry(options: BreakerRegistryOptions = {}, clock = new FakeClock(1_000)) {
  const r = new BreakerRegistry({ clock, defaults: FAST, ...options });
  return { r, clock };
}

function trip(breaker: CircuitBreaker): void {
  for (let i = 0; i < 10 && breaker.state === 'closed'; i++) record(breaker, 1, 'failure');
  expect(breaker.state).toBe('open');
}

/** A deterministic stream of pseudo-random keys (xorshift32). */
function randomKeys(seed: number): () => string {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return `client-${(x >>> 0).toString(36)}`;
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BreakerConfigError);
    return (error as BreakerConfigError).code;
  }
  throw new Error('expected a BreakerConfigError');
}

let warn: jest.SpyInstance;
beforeEach(() => {
  warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe('get', () => {
  test('creates one breaker per key and returns the same one afterwards', () => {
    const { r } = registry();
    const a = r.get('GET /a');
    expect(r.get('GET /a')).toBe(a);
    expect(r.get('GET /b')).not.toBe(a);
    expect(r.size).toBe(2);
    expect(a.key).toBe('GET /a');
  });

  test('names a breaker options.name ?? defaults.name ?? key', () => {
    const { r } = registry();
    expect(r.get('GET /a').name).toBe('GET /a');
    expect(r.get('GET /b', { name: 'bee' }).name).toBe('bee');
    const { r: named } = registry({ defaults: { ...FAST, name: 'gateway' } });
    expect(named.get('GET /a').name).toBe('gateway');
    expect(named.get('GET /a').key).toBe('GET /a');
  });

  test('applies defaults, then every matching override in order, then get() options', () => {
    const { r } = registry({
      defaults: { ...FAST, timeoutMs: 5_000, slowCallDurationMs: 1_000 },
      overrides: [
        { match: 'POST *', options: { timeoutMs: 3_000, failureRateThreshold: 0.2 } },
        { match: 'POST /payments*', options: { timeoutMs: 2_000 } },
        { match: /^GET \/search/g, options: { slowCallDurationMs: 300 } },
        { match: (key) => key.endsWith('/health'), options: { mode: 'off' } },
      ],
    });
    expect(r.get('POST /payments/refunds').options).toMatchObject({
      timeoutMs: 2_000,
      failureRateThreshold: 0.2,
      slowCallDurationMs: 1_000,
    });
    expect(r.get('POST /orders').options).toMatchObject({ timeoutMs: 3_000, failureRateThreshold: 0.2 });
    expect(r.get('GET /payments').options).toMatchObject({ timeoutMs: 5_000, failureRateThreshold: 0.5 });
    // A global RegExp is not stateful across keys.
    expect(r.get('GET /search').options.slowCallDurationMs).toBe(300);
    expect(r.get('GET /search/advanced').options.slowCallDurationMs).toBe(300);
    expect(r.get('GET /health').mode).toBe('off');
    expect(r.get('POST /orders/x', { timeoutMs: 100 }).options.timeoutMs).toBe(100);
  });

  test('ignores options for a key that already has a breaker', () => {
    const { r } = registry();
    const a = r.get('k', { timeoutMs: 100 });
    expect(r.get('k', { timeoutMs: 999 })).toBe(a);
    expect(a.options.timeoutMs).toBe(100);
  });

  test('an override predicate that throws matches nothing and warns once', () => {
    const { r } = registry({
      overrides: [
        {
          match: () => {
            throw new Error('bad predicate');
          },
          options: { timeoutMs: 1 },
        },
      ],
    });
    expect(r.get('a').options.timeoutMs).toBe(0);
    r.get('b');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toEqual({
      type: 'BreakwaterWarning',
      code: 'BREAKWATER_OVERRIDE_MATCH_ERROR',
    });
  });

  test('rejects bad options when it creates a breaker, and key, clock or random', () => {
    const { r } = registry();
    expect(codeOf(() => r.get('a', { failureRateThreshold: 2 }))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => r.get('a', { key: 'b' } as never))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => r.get('a', { clock: { now: () => 0 } } as never))).toBe(ErrorCodes.INVALID_OPTION);
    expect(r.has('a')).toBe(false);
    expect(() => r.get(7 as unknown as string)).toThrow(TypeError);
  });

  test('restores a breaker from initialState, pinned at once when it is not closed', () => {
    const { r, clock } = registry({ maxKeys: 1 });
    const saved = (() => {
      const { r: other } = registry({}, clock);
      const b = other.get('k');
      trip(b);
      return b.toJSON();
    })();
    const restored = r.get('k', { initialState: saved });
    expect(restored.state).toBe('open');
    r.get('flood-1');
    r.get('flood-2');
    expect(r.get('k')).toBe(restored);
  });
});

describe('keys', () => {
  test('a key over 256 characters is bounded: readable prefix and hash, in the breaker and snapshot', () => {
    const { r } = registry();
    const long = `GET /search?q=${'x'.repeat(100_000)}`;
    const b = r.get(long);
    expect(b.key).toBe(boundKey(long));
    expect(b.key.length).toBeLessThanOrEqual(256);
    expect(b.name).toBe(b.key);
    expect(r.get(long)).toBe(b);
    expect(r.has(long)).toBe(true);
    expect([...r.keys()]).toEqual([b.key]);
    expect(JSON.stringify(r.snapshot()).length).toBeLessThan(5_000);
  });

  test('a key sliced from a large string does not keep that string in memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { r } = registry();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50; i++) {
      const body = `${i}`.padEnd(1_000_000, 'y');
      r.get(body.slice(0, 40));
    }
    gc();
    expect(r.size).toBe(50);
    // 50 MB of bodies would stay reachable through sliced keys.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10_000_000);
  });

  test('overrides match the bounded key', () => {
    const { r } = registry({ overrides: [{ match: 'GET /search*', options: { timeoutMs: 50 } }] });
    expect(r.get(`GET /search?q=${'x'.repeat(1_000)}`).options.timeoutMs).toBe(50);
  });
});

describe('validation at construction', () => {
  test.each<[string, unknown, string, string]>([
    ['unknown option', { maxkeys: 10 }, ErrorCodes.UNKNOWN_OPTION, 'maxkeys'],
    ['maxKeys 0', { maxKeys: 0 }, ErrorCodes.INVALID_OPTION, 'maxKeys'],
    ['maxKeys 1.5', { maxKeys: 1.5 }, ErrorCodes.INVALID_OPTION, 'maxKeys'],
    ['maxPinnedKeys 0', { maxPinnedKeys: 0 }, ErrorCodes.INVALID_OPTION, 'maxPinnedKeys'],
    ['negative idleTtlMs', { idleTtlMs: -1 }, ErrorCodes.INVALID_OPTION, 'idleTtlMs'],
    ['empty name', { name: '' }, ErrorCodes.INVALID_OPTION, 'name'],
    ['clock without now', { clock: {} }, ErrorCodes.INVALID_OPTION, 'clock'],
    ['random not a function', { random: 0.5 }, ErrorCodes.INVALID_OPTION, 'random'],
    [
      'bad default',
      { defaults: { failureRateThreshold: 1.5 } },
      ErrorCodes.INVALID_OPTION,
      'defaults.failureRateThreshold',
    ],
    [
      'unknown default',
      { defaults: { failureThreshold: 0.5 } },
      ErrorCodes.UNKNOWN_OPTION,
      'defaults.failureThreshold',
    ],
    [
      'clock in defaults',
      { defaults: { clock: { now: () => 0 } } },
      ErrorCodes.INVALID_OPTION,
      'defaults.clock',
    ],
    ['key in defaults', { defaults: { key: 'k' } }, ErrorCodes.INVALID_OPTION, 'defaults.key'],
    ['overrides not an array', { overrides: {} }, ErrorCodes.INVALID_OPTION, 'overrides'],
    [
      'override without match',
      { overrides: [{ options: { timeoutMs: 1 } }] },
      ErrorCodes.INVALID_OPTION,
      'overrides[0].match',
    ],
    [
      'override with a bad match',
      { overrides: [{ match: 42, options: {} }] },
      ErrorCodes.INVALID_OPTION,
      'overrides[0].match',
    ],
    [
      'override with an unknown field',
      { overrides: [{ match: '*', options: {}, priority: 1 }] },
      ErrorCodes.UNKNOWN_OPTION,
      'overrides[0].priority',
    ],
    [
      'override with a bad option',
      {
        overrides: [
          { match: '*', options: {} },
          { match: 'x', options: { timeoutMs: -5 } },
        ],
      },
      ErrorCodes.INVALID_OPTION,
      'overrides[1].options.timeoutMs',
    ],
    [
      'override conflicting with defaults',
      {
        defaults: { window: { kind: 'count', size: 10 } },
        overrides: [{ match: '*', options: { minimumCalls: 20 } }],
      },
      ErrorCodes.CONFLICTING_OPTIONS,
      'overrides[0].options.minimumCalls',
    ],
  ])('%s', (_label, options, code, option) => {
    let error: unknown;
    try {
      new BreakerRegistry(options as BreakerRegistryOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BreakerConfigError);
    expect(error).toMatchObject({ code, option });
    expect((error as Error).message).toContain(option);
  });

  test('messages name the option and the value', () => {
    expect(() => new BreakerRegistry({ maxKeys: -3 })).toThrow(
      'maxKeys must be an integer in [1, 16777216], got -3',
    );
  });
});

describe('eviction', () => {
  test('a new key evicts the least recently used closed breaker, reported with reason lru', () => {
    const { r, clock } = registry({ maxKeys: 2 });
    const evicted = jest.fn<void, [EvictionEvent]>();
    r.onEvict(evicted);
    const a = r.get('a');
    r.get('b');
    r.get('a'); // a is now the most recently used
    r.get('c');
    expect(evicted).toHaveBeenCalledTimes(1);
    expect(evicted).toHaveBeenCalledWith({
      key: 'b',
      name: 'b',
      state: 'closed',
      reason: 'lru',
      at: clock.t,
    });
    expect(r.has('b')).toBe(false);
    expect(r.get('a')).toBe(a);
    expect(r.size).toBe(2);
  });

  test('a key unused for more than idleTtlMs expires: the next get starts a fresh breaker', () => {
    const { r, clock } = registry({ idleTtlMs: 1_000 });
    const evicted = jest.fn<void, [EvictionEvent]>();
    r.onEvict(evicted);
    const a = r.get('a');
    record(a, 1, 'failure');
    clock.advance(1_000);
    expect(r.get('a')).toBe(a); // exactly idleTtlMs: still there, and the use renews it
    clock.advance(1_000);
    expect(r.get('a')).toBe(a);
    clock.advance(1_001);
    expect(r.has('a')).toBe(false);
    const fresh = r.get('a');
    expect(fresh).not.toBe(a);
    expect(fresh.snapshot().totals.failures).toBe(0);
    expect(evicted).toHaveBeenCalledWith(
      expect.objectContaining({ key: 'a', reason: 'idle', state: 'closed' }),
    );
  });

  test('idleTtlMs 0: keys never expire', () => {
    const { r, clock } = registry({ idleTtlMs: 0 });
    const a = r.get('a');
    clock.advance(1e12);
    expect(r.get('a')).toBe(a);
  });

  test('purgeStale() expires idle keys at once', () => {
    const { r, clock } = registry({ idleTtlMs: 100 });
    r.get('a');
    r.get('b');
    clock.advance(50);
    r.get('b');
    clock.advance(51);
    expect(r.purgeStale()).toBe(1);
    expect([...r.keys()]).toEqual(['b']);
  });

  test('an evicted breaker no longer reports to the registry', () => {
    const { r } = registry({ maxKeys: 1 });
    const changes = jest.fn();
    r.onStateChange(changes);
    const a = r.get('a');
    r.get('b');
    trip(a);
    expect(changes).not.toHaveBeenCalled();
  });
});

describe('protection of tripped breakers', () => {
  test('an open breaker survives a flood of new keys, and is evictable again once it closes', () => {
    const { r, clock } = registry({ maxKeys: 10 });
    const evicted = jest.fn<void, [EvictionEvent]>();
    r.onEvict(evicted);
    const victim = r.get('GET /payments');
    trip(victim);
    for (let i = 0; i < 1_000; i++) r.get(`flood-${i}`);
    expect(r.get('GET /payments')).toBe(victim);
    expect(victim.state).toBe('open');
    expect(r.size).toBe(11);
    expect(evicted.mock.calls.every(([e]) => e.state === 'closed' && e.reason === 'lru')).toBe(true);

    // Open period over, one probe passes: closed again, back in the LRU as most recent.
    clock.advance(1_000);
    admitted(r.get('GET /payments').tryAcquire()).success(1);
    expect(victim.state).toBe('closed');
    r.get('flood-new-1');
    expect(r.peek('GET /payments')).toBe(victim);
    for (let i = 0; i < 10; i++) r.get(`flood-again-${i}`);
    expect(r.has('GET /payments')).toBe(false);
    expect(evicted).toHaveBeenLastCalledWith(
      expect.objectContaining({
        key: expect.stringMatching(/^flood-new-1$|^GET \/payments$/),
        reason: 'lru',
      }),
    );
  });

  test('half-open, forced-open and disabled breakers are protected too', () => {
    const { r, clock } = registry({ maxKeys: 2, maxPinnedKeys: 3 });
    const halfOpen = r.get('half');
    trip(halfOpen);
    clock.advance(1_000);
    expect(halfOpen.state).toBe('half_open');
    const forced = r.get('forced');
    forced.forceOpen();
    const disabled = r.get('disabled');
    disabled.disable();
    for (let i = 0; i < 100; i++) r.get(`flood-${i}`);
    expect(r.get('half')).toBe(halfOpen);
    expect(r.get('forced')).toBe(forced);
    expect(r.get('disabled')).toBe(disabled);
  });

  test('1,000,000 random keys: size stays bounded and an open breaker stays in place', () => {
    const { r } = registry({
      maxKeys: 1_000,
      maxPinnedKeys: 10,
      defaults: { ...FAST, window: { kind: 'count', size: 2 } },
    });
    let evictions = 0;
    r.onEvict(() => {
      evictions += 1;
    });
    const victim = r.get('GET /payments');
    trip(victim);
    const next = randomKeys(0x9e3779b9);
    let maxSize = 0;
    for (let i = 0; i < 1_000_000; i++) {
      r.get(next());
      if ((i & 1023) === 0) maxSize = Math.max(maxSize, r.size);
    }
    expect(maxSize).toBeLessThanOrEqual(1_010);
    expect(r.size).toBeLessThanOrEqual(1_010);
    expect(r.get('GET /payments')).toBe(victim);
    expect(victim.state).toBe('open');
    expect(evictions).toBeGreaterThan(990_000);
  });

  test('when the pinned set is full, idle half-open breakers make room', () => {
    const { r, clock } = registry({ maxKeys: 5, maxPinnedKeys: 1, idleTtlMs: 10_000 });
    const evicted = jest.fn<void, [EvictionEvent]>();
    r.onEvict(evicted);
    const old = r.get('old');
    trip(old);
    clock.advance(10_001); // open period over (half-open) and idle
    const fresh = r.get('fresh');
    trip(fresh);
    expect(evicted).toHaveBeenCalledWith(
      expect.objectContaining({ key: 'old', state: 'half_open', reason: 'idle' }),
    );
    for (let i = 0; i < 20; i++) r.get(`flood-${i}`);
    expect(r.get('fresh')).toBe(fresh);
    expect(warn).not.toHaveBeenCalled();
  });

  test('when the pinned set is full of breakers still in their open period, a new trip stays evictable and warns once', () => {
    const { r } = registry({ maxKeys: 3, maxPinnedKeys: 1 });
    const first = r.get('first');
    trip(first);
    const second = r.get('second');
    trip(second);
    const third = r.get('third');
    trip(third);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[1]).toEqual({ type: 'BreakwaterWarning', code: 'BREAKWATER_PINNED_FULL' });
    for (let i = 0; i < 10; i++) r.get(`flood-${i}`);
    expect(r.get('first')).toBe(first);
    expect(r.has('second')).toBe(false);
    expect(r.size).toBeLessThanOrEqual(4);
  });
});

describe('events', () => {
  test('onStateChange: one subscription for every key, present and future, with the key', () => {
    const { r, clock } = registry();
    const changes = jest.fn<void, [StateChangeEvent]>();
    const off = r.onStateChange(changes);
    const a = r.get('a');
    trip(a);
    const b = r.get('b');
    b.forceOpen();
    expect(changes.mock.calls.map(([e]) => [e.key, e.from, e.to, e.reason, e.at])).toEqual([
      ['a', 'closed', 'open', 'failure_rate', clock.t],
      ['b', 'closed', 'forced_open', 'forced_open', clock.t],
    ]);
    off();
    b.reset();
    expect(changes).toHaveBeenCalledTimes(2);
  });

  test('a listener that throws breaks neither the call nor the registry', () => {
    const { r } = registry({ maxKeys: 1 });
    r.onStateChange(() => {
      throw new Error('listener bug');
    });
    r.onEvict(() => {
      throw new Error('listener bug');
    });
    const a = r.get('a');
    expect(() => trip(a)).not.toThrow();
    r.get('b');
    expect(r.get('a')).toBe(a);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('listener bug'), {
      type: 'BreakwaterWarning',
      code: 'BREAKWATER_LISTENER_ERROR',
    });
  });

  test('a listener may use the registry', () => {
    const { r } = registry({ maxKeys: 2 });
    const seen: string[] = [];
    r.onEvict(({ key }) => {
      seen.push(`${key}:${r.has(key)}`);
      r.get('from-listener');
    });
    r.get('a');
    r.get('b');
    r.get('c');
    expect(seen[0]).toBe('a:false');
    expect(r.size).toBeLessThanOrEqual(2);
  });
});

describe('reconfigure', () => {
  test('changes a live breaker and keeps its state, window and totals', () => {
    const { r } = registry();
    const a = r.get('GET /search');
    trip(a);
    const before = a.snapshot();
    expect(r.reconfigure('GET /search', { slowCallDurationMs: 500 })).toBe(true);
    expect(a.options.slowCallDurationMs).toBe(500);
    expect(a.state).toBe('open');
    expect(a.snapshot().totals).toEqual(before.totals);
    expect(r.get('GET /search')).toBe(a);
  });

  test('is kept for the key: a breaker created later, or re-created after eviction, gets it', () => {
    const { r } = registry({ maxKeys: 1 });
    expect(r.reconfigure('later', { timeoutMs: 250 })).toBe(false);
    expect(r.get('later', { timeoutMs: 1 }).options.timeoutMs).toBe(250);
    r.get('other'); // evicts 'later'
    expect(r.get('later').options.timeoutMs).toBe(250);
    r.reconfigure('later', { slowCallDurationMs: 9 });
    expect(r.get('later').options).toMatchObject({ timeoutMs: 250, slowCallDurationMs: 9 });
  });

  test('validates before changing anything', () => {
    const { r } = registry();
    const a = r.get('a');
    expect(codeOf(() => r.reconfigure('a', { name: 'x' } as never))).toBe(ErrorCodes.NOT_RECONFIGURABLE);
    expect(codeOf(() => r.reconfigure('a', { failureRateThreshold: 0 }))).toBe(ErrorCodes.INVALID_OPTION);
    expect(codeOf(() => r.reconfigure('a', { minimumCalls: 50 }))).toBe(ErrorCodes.CONFLICTING_OPTIONS);
    expect(codeOf(() => r.reconfigure('b', { minimumCalls: 50 }))).toBe(ErrorCodes.CONFLICTING_OPTIONS);
    expect(a.options.minimumCalls).toBe(2);
    expect(r.get('b').options.minimumCalls).toBe(2);
  });

  test('reconfigureDefaults changes every live breaker where nothing more specific is set', () => {
    const { r } = registry({
      overrides: [{ match: 'POST *', options: { failureRateThreshold: 0.2 } }],
    });
    const get = r.get('GET /a');
    const post = r.get('POST /a');
    const own = r.get('GET /own', { failureRateThreshold: 0.9 });
    trip(get);
    r.reconfigureDefaults({ failureRateThreshold: 0.4, timeoutMs: 700 });
    expect(get.options).toMatchObject({ failureRateThreshold: 0.4, timeoutMs: 700 });
    expect(get.state).toBe('open');
    expect(post.options).toMatchObject({ failureRateThreshold: 0.2, timeoutMs: 700 });
    expect(own.options).toMatchObject({ failureRateThreshold: 0.9, timeoutMs: 700 });
    expect(r.get('GET /new').options).toMatchObject({ failureRateThreshold: 0.4, timeoutMs: 700 });
  });

  test('reconfigureDefaults is all or nothing', () => {
    const { r } = registry();
    const a = r.get('a');
    r.get('b', { window: { kind: 'count', size: 100 }, minimumCalls: 100 });
    expect(codeOf(() => r.reconfigureDefaults({ minimumCalls: 50 }))).toBe(ErrorCodes.CONFLICTING_OPTIONS);
    expect(codeOf(() => r.reconfigureDefaults({ key: 'x' } as never))).toBe(ErrorCodes.NOT_RECONFIGURABLE);
    expect(a.options.minimumCalls).toBe(2);
  });
});

describe('inspection and removal', () => {
  test('snapshot() is plain JSON, tripped breakers first, bounded by limit', () => {
    const { r } = registry();
    r.get('a');
    r.get('b');
    trip(r.get('c'));
    const snap = r.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap).toMatchObject({
      name: 'default',
      size: 3,
      pinned: 1,
      maxKeys: 10_000,
      maxPinnedKeys: 1_000,
    });
    expect(snap.breakers.map((b) => [b.key, b.state])).toEqual([
      ['c', 'open'],
      ['b', 'closed'],
      ['a', 'closed'],
    ]);
    const limited = r.snapshot({ limit: 1 });
    expect(limited.breakers.map((b) => b.key)).toEqual(['c']);
    expect(limited.omitted).toBe(2);
    expect(codeOf(() => r.snapshot({ limit: -1 }))).toBe(ErrorCodes.INVALID_OPTION);
  });

  test('has, peek, keys and entries do not count as a use', () => {
    const { r } = registry({ maxKeys: 2 });
    const a = r.get('a');
    r.get('b');
    expect(r.has('a')).toBe(true);
    expect(r.peek('a')).toBe(a);
    expect([...r.entries()].map(([k]) => k)).toEqual(['b', 'a']);
    expect([...r].length).toBe(2);
    r.get('c');
    expect(r.has('a')).toBe(false);
    expect(r.peek('a')).toBeUndefined();
  });

  test('delete and clear remove breakers and report it', () => {
    const { r } = registry();
    const evicted = jest.fn<void, [EvictionEvent]>();
    r.onEvict(evicted);
    const a = r.get('a');
    trip(r.get('open'));
    r.get('x');
    expect(r.delete('a')).toBe(true);
    expect(r.delete('a')).toBe(false);
    expect(r.delete('open')).toBe(true);
    expect(r.get('a')).not.toBe(a);
    r.clear();
    expect(r.size).toBe(0);
    expect(evicted.mock.calls.map(([e]) => [e.key, e.reason])).toEqual([
      ['a', 'delete'],
      ['open', 'delete'],
      ['x', 'clear'],
      ['a', 'clear'],
    ]);
  });
});
