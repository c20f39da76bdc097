import { CircuitBreaker, isBreakerConfigError, MAX_TIMER_MS } from '@breakwater/core';
import { Cluster, Redis } from 'ioredis';
import { createClient, createCluster } from 'redis';
import { adaptClient, isNoScript } from '../src/adapter.js';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';
import { breakerKeys, isValidPrefix } from '../src/keys.js';
import { SYNC_SCRIPT } from '../src/scripts.js';

// Real clients that never connect: only their shape is used here.
const ioredis = new Redis({ lazyConnect: true });
const nodeRedis = createClient();

afterAll(() => {
  ioredis.disconnect();
});

function configError(fn: () => unknown): { code: string; option: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(isBreakerConfigError(error)).toBe(true);
    return error as { code: string; option: string; message: string };
  }
  throw new Error('expected a BreakerConfigError');
}

describe('RedisStore options', () => {
  test.each([
    [{ client: {} }, 'client', /^client must be an ioredis client .* got an object$/],
    [{ client: null }, 'client', /got null$/],
    [{ client: ioredis, prefix: 'a{b}' }, 'prefix', /^prefix must be a string of at most 64/],
    [{ client: ioredis, prefix: 'has space' }, 'prefix', /got "has space"$/],
    [{ client: ioredis, prefix: 'x'.repeat(65) }, 'prefix', /at most 64/],
    [
      { client: ioredis, syncIntervalMs: 5 },
      'syncIntervalMs',
      /^syncIntervalMs must be an integer in \[10, 2147483647\], got 5$/,
    ],
    [{ client: ioredis, syncIntervalMs: 1.5 }, 'syncIntervalMs', /got 1.5$/],
    [
      { client: ioredis, timeoutMs: 0 },
      'timeoutMs',
      /^timeoutMs must be an integer in \[1, 2147483647\], got 0$/,
    ],
    [{ client: ioredis, countWindowMs: 1_005 }, 'countWindowMs', /a multiple of 10, got 1005$/],
  ])('rejects %p (option %s)', (options, option, message) => {
    const error = configError(() => new RedisStore(options as unknown as RedisStoreOptions));
    expect(error.code).toBe('ERR_BREAKWATER_INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  // Node runs a delay above 2^31 - 1 ms after 1 ms: 3e9 made the sync timer a busy loop.
  test.each([
    ['syncIntervalMs', 3e9],
    ['syncIntervalMs', 2 ** 31],
    ['timeoutMs', 3e9],
    ['timeoutMs', 2 ** 31],
  ])('regression: %s above 2^31 - 1 ms (%p) is refused, not turned into a 1 ms timer', (option, value) => {
    const error = configError(() => new RedisStore({ client: ioredis, [option]: value }));
    expect(error.code).toBe('ERR_BREAKWATER_INVALID_OPTION');
    expect(error.option).toBe(option);
    expect(error.message).toBe(
      `${option} must be an integer in [${option === 'timeoutMs' ? 1 : 10}, 2147483647], got ${value}`,
    );
  });

  test('2^31 - 1 ms is the longest syncIntervalMs and timeoutMs', async () => {
    const store = new RedisStore({ client: ioredis, syncIntervalMs: MAX_TIMER_MS, timeoutMs: MAX_TIMER_MS });
    expect(store).toMatchObject({ syncIntervalMs: 2_147_483_647, timeoutMs: 2_147_483_647 });
    await store.shutdown();
  });

  test('unknown option names are errors', () => {
    const error = configError(
      () => new RedisStore({ client: ioredis, syncInterval: 100 } as unknown as RedisStoreOptions),
    );
    expect(error).toMatchObject({ code: 'ERR_BREAKWATER_UNKNOWN_OPTION', option: 'syncInterval' });
  });

  test('defaults', async () => {
    const store = new RedisStore({ client: ioredis });
    expect(store).toMatchObject({ prefix: 'bw:', syncIntervalMs: 1_000, timeoutMs: 1_000 });
    expect(store.status()).toMatchObject({
      kind: 'redis',
      client: 'ioredis',
      state: 'connecting',
      error: null,
      lastSyncAt: null,
      bound: 0,
    });
    await store.shutdown();
    expect(store.status().state).toBe('closed');
  });

  test('bind checks its argument and returns an idempotent unbind', async () => {
    const store = new RedisStore({ client: nodeRedis, syncIntervalMs: 10_000 });
    expect(() => store.bind({} as CircuitBreaker)).toThrow(/^bind expects a CircuitBreaker, got an object$/);
    const breaker = new CircuitBreaker({ name: 'b' });
    const unbind = store.bind(breaker);
    expect(store.bind(breaker)).toEqual(expect.any(Function));
    expect(store.status().bound).toBe(1);
    unbind();
    unbind();
    expect(store.status().bound).toBe(0);
    await store.shutdown();
  });
});

describe('client detection by shape', () => {
  test('ioredis Redis and Cluster, node-redis client and cluster', () => {
    expect(adaptClient(ioredis)?.kind).toBe('ioredis');
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    expect(adaptClient(cluster)?.kind).toBe('ioredis');
    cluster.disconnect();
    expect(adaptClient(nodeRedis)?.kind).toBe('node-redis');
    expect(adaptClient(createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }))?.kind).toBe(
      'node-redis',
    );
    expect(adaptClient({ get() {} })).toBeNull();
    expect(adaptClient('redis://localhost')).toBeNull();
  });

  test('an unconnected client is not ready: the store stays on local rules', () => {
    expect(adaptClient(nodeRedis)?.ready()).toBe(false);
  });

  test('NOSCRIPT is recognised from the reply text', () => {
    expect(isNoScript(new Error('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true);
    expect(isNoScript(new Error('ERR unknown command'))).toBe(false);
    expect(isNoScript('NOSCRIPT')).toBe(false);
  });
});

describe('keys', () => {
  test('one hash tag per breaker, fixed length whatever the key', () => {
    const hostile = `GET /${'x'.repeat(10_000)}}{\r\n*3\r\n$3\r\nDEL`;
    const keys = breakerKeys('bw:svc:', hostile);
    expect(keys.state).toMatch(/^bw:svc:\{[0-9a-f]{32}\}:s$/);
    expect(keys.probes).toBe(keys.state.replace(/:s$/, ':p'));
    expect(keys.counters(1_000)).toBe(keys.state.replace(/:s$/, ':c:1000'));
    expect(keys.state.length).toBe('bw:svc:'.length + 36);
    expect(breakerKeys('bw:', 'a').tag).not.toBe(breakerKeys('bw:', 'b').tag);
    expect(breakerKeys('bw:', 'a').tag).toBe(breakerKeys('other:', 'a').tag);
  });

  test('prefixes', () => {
    expect(isValidPrefix('')).toBe(true);
    expect(isValidPrefix('bw:checkout:v2|eu-west~1')).toBe(true);
    for (const bad of ['{', '}', ' ', '\n', 'é', 'x'.repeat(65)]) expect(isValidPrefix(bad)).toBe(false);
  });

  test('the script text is a constant: user input only ever reaches Redis as KEYS and ARGV', () => {
    expect(SYNC_SCRIPT.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(SYNC_SCRIPT.source).not.toMatch(/loadstring|\.\.\s*ARGV\[\d+\]\s*\)/);
  });
});
