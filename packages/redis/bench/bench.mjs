// Fleet-mode benchmark: `pnpm bench:redis` (builds core and redis first) or
// `node packages/redis/bench/bench.mjs [--quick]`.
//
// 1. Healthy-path cost per call with a RedisStore attached vs local-only: a
//    `tryAcquire()` + `success()` pair on a closed breaker of a registry, interleaved
//    rounds, median ns per call. The store's part on this path is the fleet tap (a few
//    typed-array increments) and the fleet window added to each evaluation.
// 2. Redis commands per second at 10,000 calls/s over 100 keys, for ioredis and
//    node-redis: one sync per interval, one script call per key, batched in one
//    pipeline; read from the server's INFO.
//
// Needs redis-server (apt-get install -y redis-server); starts its own on a free
// loopback port and stops it.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const QUICK = process.argv.includes('--quick');
const { BreakerRegistry } = await import(pathToFileURL(resolve(here, '../../core/dist/esm/index.js')).href);
const { RedisStore } = await import(pathToFileURL(resolve(here, '../dist/esm/index.js')).href);
const { Redis } = require('ioredis');
const { createClient } = require('redis');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((res, rej) => {
    child.once('error', () => rej(new Error('redis-server not found: apt-get install -y redis-server')));
    child.once('spawn', res);
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  client.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await client.connect();
      break;
    } catch {
      await sleep(20);
    }
  }
  return { port, admin: client, stop: () => child.kill('SIGTERM') };
}

const OPTIONS = { window: { kind: 'time', durationMs: 10_000, buckets: 10 }, minimumCalls: 100 };

// ---------------------------------------------------------------- hot path
function loop(breaker, n) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const p = breaker.tryAcquire();
    p.success();
  }
  return Number(process.hrtime.bigint() - t) / n;
}

async function hotPath(port) {
  const client = new Redis({ port, host: '127.0.0.1' });
  const store = new RedisStore({ client, syncIntervalMs: 100 });
  const local = new BreakerRegistry({ defaults: OPTIONS }).get('GET /x');
  const fleet = new BreakerRegistry({ defaults: OPTIONS, store }).get('GET /x');
  while (store.status().state !== 'ready') await sleep(10);
  const n = QUICK ? 200_000 : 1_000_000;
  const rounds = QUICK ? 5 : 11;
  const results = { local: [], fleet: [] };
  for (let r = 0; r < 2; r++) {
    loop(local, n);
    loop(fleet, n);
  } // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['local', 'fleet'] : ['fleet', 'local'];
    for (const name of order) {
      results[name].push(loop(name === 'local' ? local : fleet, n));
      await sleep(20); // let the store sync between samples, as in production
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const l = median(results.local);
  const f = median(results.fleet);
  await store.shutdown();
  client.disconnect();
  return {
    localNs: l,
    fleetNs: f,
    ratio: f / l,
    localMinNs: Math.min(...results.local),
    fleetMinNs: Math.min(...results.fleet),
  };
}

// ------------------------------------------------------------- Redis load
async function info(admin) {
  const text = await admin.info();
  const field = (name) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? 0);
  const stats = await admin.info('commandstats');
  const evalsha = Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  return {
    commands: field('total_commands_processed'),
    input: field('total_net_input_bytes'),
    output: field('total_net_output_bytes'),
    evalsha,
  };
}

async function load(port, admin, kind, seconds) {
  const client =
    kind === 'ioredis'
      ? new Redis({ port, host: '127.0.0.1' })
      : await createClient({ socket: { host: '127.0.0.1', port } }).connect();
  const store = new RedisStore({ client, syncIntervalMs: 1_000, prefix: `bench:${kind}:` });
  const registry = new BreakerRegistry({ defaults: OPTIONS, store });
  const keys = Array.from({ length: 100 }, (_, i) => `GET /route/${i}`);
  for (const key of keys) registry.get(key);
  while (store.status().state !== 'ready') await sleep(10);
  await sleep(1_100);
  const before = await info(admin);
  const start = Date.now();
  let calls = 0;
  // 10,000 calls/s, spread over the keys, paced against the clock.
  while (Date.now() - start < seconds * 1_000) {
    const due = Math.floor((Date.now() - start) * 10);
    while (calls < due) {
      const p = registry.get(keys[calls % keys.length]).tryAcquire();
      if (p.permitted) p.success();
      calls++;
    }
    await sleep(5);
  }
  const elapsed = (Date.now() - start) / 1_000;
  const after = await info(admin);
  await store.shutdown();
  if (kind === 'ioredis') client.disconnect();
  else client.destroy();
  const per = (k) => (after[k] - before[k]) / elapsed;
  return {
    kind,
    callsPerSecond: Math.round(calls / elapsed),
    // Redis counts the commands a script runs too: EVALSHA is what crosses the network.
    scriptCallsPerSecond: Math.round(per('evalsha')),
    commandsPerSecond: Math.round(per('commands')),
    inKiBPerSecond: Math.round(per('input') / 1024),
    outKiBPerSecond: Math.round(per('output') / 1024),
    store: store.status(),
  };
}

const redis = await startRedis();
try {
  console.log(`# @breakwater/redis bench (node ${process.version}${QUICK ? ', quick' : ''})\n`);
  const hot = await hotPath(redis.port);
  console.log(
    'healthy path, tryAcquire() + success() on a closed breaker (ns/call, median and best of rounds):',
  );
  console.log(`  local-only      ${hot.localNs.toFixed(1)} ns (best ${hot.localMinNs.toFixed(1)})`);
  console.log(
    `  with RedisStore ${hot.fleetNs.toFixed(1)} ns (best ${hot.fleetMinNs.toFixed(1)})  ` +
      `median ${((hot.ratio - 1) * 100).toFixed(1)}%, best ${((hot.fleetMinNs / hot.localMinNs - 1) * 100).toFixed(1)}%\n`,
  );
  console.log('Redis load at 10,000 calls/s over 100 keys (syncIntervalMs 1,000):');
  for (const kind of ['ioredis', 'node-redis']) {
    const r = await load(redis.port, redis.admin, kind, QUICK ? 3 : 10);
    console.log(
      `  ${kind.padEnd(10)} ${r.callsPerSecond} calls/s -> ${r.scriptCallsPerSecond} EVALSHA/s in ` +
        `${r.store.syncs} pipelined syncs (${r.commandsPerSecond} commands/s counting those the script runs), ` +
        `in ${r.inKiBPerSecond} KiB/s, out ${r.outKiBPerSecond} KiB/s, failed syncs ${r.store.failures}`,
    );
  }
} finally {
  redis.admin.disconnect();
  redis.stop();
}
