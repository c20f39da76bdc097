// Redis killed, restarted, slow, erroring and flushed under instances in this process,
// each with its own real client: calls never wait, breakers fall back to local rules,
// the store reports it, and state converges once Redis is back.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RegistryBreakerOptions } from '@breakwater/core';
import { breakerKeys } from '../src/keys.js';
import { CLIENT_KINDS, type ClientKind, connect, type TestClient } from './support/clients.js';
import { until } from './support/fleet.js';
import { type LocalInstance, localInstance } from './support/local.js';
import { describeRedis, RedisServer } from './support/redis-server.js';
import { transpiled, transpileSources } from './support/transpile.js';

const SYNC_MS = 50;
const TIMEOUT_MS = 150;
const DEFAULTS: RegistryBreakerOptions = {
  window: { kind: 'time', durationMs: 5_000, buckets: 10 },
  minimumCalls: 10,
  openDurationMs: 30_000,
  halfOpenMaxCalls: 2,
};

jest.setTimeout(20_000);

describeRedis('faults (real Redis)', () => {
  let redis: RedisServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    redis = await RedisServer.start();
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await redis?.dispose();
  });

  describe.each(CLIENT_KINDS)('with %s', (kind: ClientKind) => {
    let a: LocalInstance;
    let b: LocalInstance;
    let admin: TestClient;
    const start = () =>
      localInstance(kind, redis.port, { defaults: DEFAULTS, syncIntervalMs: SYNC_MS, timeoutMs: TIMEOUT_MS });
    const ready = (...instances: LocalInstance[]) =>
      until(() => instances.every((i) => i.store.status().state === 'ready'), 5_000);

    beforeEach(async () => {
      if (!redis.running) await redis.restart();
      admin = await connect(kind, redis.port);
      await admin.command('FLUSHALL');
      [a, b] = await Promise.all([start(), start()]);
      unhandled.length = 0;
    });

    afterEach(async () => {
      await Promise.all([a.close(), b.close(), admin.close()]);
    });

    test('Redis killed mid-run: calls flow on local rules, reported; restarted: the fleet resyncs', async () => {
      a.record('k', 'success', 1);
      b.record('k', 'success', 1);
      expect(await ready(a, b)).toBe(true);

      await redis.kill();
      // Calls never wait on Redis: every decision is local and synchronous.
      const breaker = a.registry.get('other');
      let slowest = 0;
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await breaker.execute(async () => 'ok');
        slowest = Math.max(slowest, performance.now() - t);
      }
      expect(slowest).toBeLessThan(TIMEOUT_MS);
      expect(await until(() => a.store.status().state === 'unavailable', 2_000)).toBe(true);
      expect(a.statuses.at(-1)).toMatchObject({ state: 'unavailable', error: expect.any(String) });
      expect(a.registry.snapshot().store).toMatchObject({ kind: 'redis', state: 'unavailable' });

      // Local rules while Redis is down: 10 local failures trip a's breaker on their own.
      expect(a.record('k', 'failure', 10)).toBe('open');
      expect(b.registry.get('k').state).toBe('closed');

      await redis.restart(); // empty: no state, no scripts
      expect(await ready(a, b)).toBe(true);
      // a's open is republished; b adopts it with a's deadline.
      expect(await until(() => b.registry.get('k').state === 'open', 2_000)).toBe(true);
      expect(b.events.at(-1)).toMatchObject({ key: 'k', to: 'open', reason: 'fleet' });
      expect(Math.floor(b.registry.get('k').snapshot().openedAt!)).toBe(
        Math.floor(a.registry.get('k').snapshot().openedAt!),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    });

    test('Redis slow (commands delayed past the timeout): local rules until it answers again', async () => {
      a.record('k', 'success', 1);
      b.record('k', 'success', 1);
      expect(await ready(a, b)).toBe(true);
      const sleeper = await connect(kind, redis.port);
      const sleeping = sleeper.command('DEBUG', 'SLEEP', '0.8');
      try {
        expect(await until(() => a.store.status().state === 'unavailable', 1_000)).toBe(true);
        expect(a.store.status().error).toMatch(/timeoutMs \(150 ms\)/);
        // Decided at once, on local rules.
        expect(a.record('k', 'failure', 10)).toBe('open');
        await sleeping;
      } finally {
        await sleeper.close();
      }
      expect(await ready(a, b)).toBe(true);
      expect(await until(() => b.registry.get('k').state === 'open', 2_000)).toBe(true);
      expect(unhandled).toEqual([]);
    });

    test('Redis erroring (a key of the wrong type): that breaker runs locally, reported, then recovers', async () => {
      a.record('k', 'success', 1);
      expect(await ready(a)).toBe(true);
      const keys = breakerKeys('bw:t:', 'k');
      await admin.command('DEL', keys.state);
      await admin.command('SET', keys.state, 'not a hash');
      expect(await until(() => a.store.status().state === 'unavailable', 2_000)).toBe(true);
      expect(a.store.status().error).toMatch(/WRONGTYPE/);
      expect(a.record('k', 'failure', 10)).toBe('open'); // local rules
      await admin.command('DEL', keys.state);
      expect(await ready(a)).toBe(true);
      b.record('k', 'success', 1);
      expect(await until(() => b.registry.get('k').state === 'open', 2_000)).toBe(true);
    });

    test('Redis flushed (keys and scripts): scripts reloaded, state rebuilt', async () => {
      a.record('k', 'success', 1);
      b.record('k', 'success', 1);
      expect(await ready(a, b)).toBe(true);
      expect(a.record('k', 'failure', 10)).toBe('open');
      expect(await until(() => b.registry.get('k').state === 'open', 2_000)).toBe(true);
      const failures = a.store.status().failures;

      await admin.command('FLUSHALL');
      await admin.command('SCRIPT', 'FLUSH');
      const state = breakerKeys('bw:t:', 'k').state;
      expect(await until(async () => (await admin.command('HGET', state, 'st')) === '1', 2_000)).toBe(true);
      // NOSCRIPT was handled inside the syncs (EVAL reloaded the script): no failed sync.
      expect(a.store.status()).toMatchObject({ state: 'ready', failures });
      expect(String(await admin.command('INFO', 'commandstats'))).toMatch(/cmdstat_eval:calls=[1-9]/);
      // A new instance learns the rebuilt state.
      const c = await start();
      try {
        c.registry.get('k');
        expect(await until(() => c.registry.get('k').state === 'open', 2_000)).toBe(true);
      } finally {
        await c.close();
      }
    });

    test('shutdown flushes pending outcomes, hands breakers back to local rules, and is idempotent', async () => {
      a.record('k', 'success', 1);
      expect(await ready(a)).toBe(true);
      a.record('k', 'failure', 3);
      await Promise.all([a.store.shutdown(), a.store.shutdown()]);
      expect(a.store.status()).toMatchObject({ state: 'closed', bound: 0 });
      expect(a.statuses.at(-1)?.state).toBe('closed');
      const counters = (await admin.command('HGETALL', breakerKeys('bw:t:', 'k').counters(500))) as
        | string[]
        | Record<string, string>;
      const entries = Array.isArray(counters)
        ? Array.from({ length: counters.length / 2 }, (_, i) => [counters[2 * i]!, counters[2 * i + 1]!])
        : Object.entries(counters);
      const sum = (prefix: string) =>
        entries.filter(([f]) => f?.startsWith(prefix)).reduce((n, [, v]) => n + Number(v), 0);
      expect({ calls: sum('c'), failures: sum('f') }).toEqual({ calls: 4, failures: 3 });
      // Local rules from now on; a later bind stays local.
      expect(a.record('k', 'failure', 10)).toBe('open');
      expect(typeof a.store.bind(b.registry.get('other'))).toBe('function');
      expect(a.store.status().bound).toBe(0);
    });

    test('every key is bounded, hash-tagged per breaker and expires', async () => {
      const hostile = `GET /${'x'.repeat(5_000)}{tag}\r\nEVAL`;
      a.record(hostile, 'failure', 3);
      a.record('k', 'success', 3);
      expect(await ready(a)).toBe(true);
      a.record('k', 'failure', 10); // trips: a state key too
      await until(async () => ((await admin.command('KEYS', 'bw:t:*')) as string[]).length >= 3, 2_000);
      const keys = (await admin.command('KEYS', '*')) as string[];
      expect(keys.length).toBeGreaterThanOrEqual(3);
      for (const key of keys) {
        expect(key).toMatch(/^bw:t:\{[0-9a-f]{32}\}:(s|p|c:\d+)$/);
        expect(Number(await admin.command('PTTL', key))).toBeGreaterThan(0);
      }
      // One breaker's keys share one hash tag (one Cluster slot).
      const tags = new Set(keys.map((key) => key.slice(5, 39)));
      expect(tags.size).toBe(2);
    });

    test('a process with a store exits by itself once the app closes', async () => {
      const child = spawn(
        process.execPath,
        ['-r', transpileSources().hook, transpiled(join(__dirname, 'support/exit-worker.ts'))],
        {
          env: { ...process.env, BW_CLIENT: kind, BW_PORT: String(redis.port) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      child.stdout.on('data', (data: Buffer) => {
        out += data.toString();
      });
      const exit = await new Promise<{ code: number | null; at: number }>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, at: Date.now() });
        });
      });
      expect(exit.code).toBe(0);
      const closedAt = Number(/closed (\d+)/.exec(out)?.[1]);
      expect(exit.at - closedAt).toBeLessThan(2_000);
    });
  });
});
