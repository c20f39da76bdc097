// Fleet mode, end to end: three Express gateway instances (separate processes) in front
// of one upstream, sharing breaker state through one Redis, all on 127.0.0.1.
//
//   node examples/fleet/fleet.mjs            the story: one outage trips all three together
//   node examples/fleet/fleet.mjs --local    the same traffic without a store, for contrast
//
// Each gateway sees only 2 requests per second: 8 calls in its 4 s window, below
// minimumCalls (12). Alone, no gateway would ever trip and the dead upstream would keep
// taking every request. With a RedisStore the fleet's window holds 24 calls: the
// breaker opens on all three gateways within one sync interval, probes run at most
// halfOpenMaxCalls (3) times across the fleet, and recovery closes it everywhere.
//
// Needs redis-server on PATH (apt-get install -y redis-server); starts its own on a free
// port and stops it. Builds the packages it uses when their dist/ is missing or stale.
import { fork, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SYNC_MS = 200;
const BREAKER = {
  window: { kind: 'time', durationMs: 4_000, buckets: 8 },
  minimumCalls: 12,
  failureRateThreshold: 0.5,
  openDurationMs: 3_000,
  halfOpenMaxCalls: 3,
};

if (process.argv.includes('--gateway')) await gateway();
else await story(process.argv.includes('--local'));

// ------------------------------------------------------------------- gateway

async function gateway() {
  const require = createRequire(`${ROOT}packages/express/package.json`);
  const express = require('express');
  const { BreakerRegistry } = await import(`${ROOT}packages/core/dist/esm/index.js`);
  const { circuitBreaker } = await import(`${ROOT}packages/express/dist/esm/index.js`);
  const { RedisStore } = await import(`${ROOT}packages/redis/dist/esm/index.js`);
  const { Redis } = createRequire(`${ROOT}packages/redis/package.json`)('ioredis');
  const { NAME, UPSTREAM, REDIS_PORT } = process.env;

  const redis = REDIS_PORT ? new Redis({ host: '127.0.0.1', port: Number(REDIS_PORT) }) : null;
  // ioredis emits 'error' while Redis is unreachable, and logs "[ioredis] Unhandled error
  // event" for each one unless somebody listens. The store already reports the outage
  // (store.status()) and the breakers fall back to local rules, so log it once per spell.
  let redisDown = false;
  redis?.on('error', (error) => {
    if (!redisDown)
      console.error(`${NAME}: Redis unreachable (${error.code ?? error.message}); deciding locally`);
    redisDown = true;
  });
  redis?.on('ready', () => {
    redisDown = false;
  });
  const store = redis
    ? new RedisStore({ client: redis, prefix: 'bw:fleet-example:', syncIntervalMs: SYNC_MS })
    : undefined;
  const registry = new BreakerRegistry({ defaults: BREAKER, ...(store ? { store } : {}) });
  registry.onStateChange(({ key, from, to, reason }) =>
    process.send?.({ type: 'transition', name: NAME, key, from, to, reason, at: Date.now() }),
  );

  const app = express();
  app.use(circuitBreaker({ registry }));
  app.get('/products/:id', async (req, res) => {
    const answer = await fetch(`${UPSTREAM}/products/${req.params.id}`, {
      signal: AbortSignal.timeout(1_000),
    }).catch(() => null);
    if (answer === null || !answer.ok) return res.status(502).json({ error: 'upstream failed' });
    res.json(await answer.json());
  });
  const server = app.listen(0, '127.0.0.1', () =>
    process.send?.({ type: 'ready', port: server.address().port }),
  );
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    server.close();
    await store?.shutdown();
    redis?.disconnect();
    process.disconnect();
  });
}

// --------------------------------------------------------------------- story

async function story(local) {
  const { ensureBuilt } = await import('../demo/build.mjs');
  if (!ensureBuilt(['core', 'dashboard', 'express', 'redis'], (line) => console.log(line))) process.exit(1);
  const { startUpstream } = await import('../upstream/index.js');

  const redis = local ? null : await startRedis();
  const upstream = await startUpstream();
  const t0 = Date.now();
  const clock = () => `t+${((Date.now() - t0) / 1_000).toFixed(1).padStart(4)}s`;
  const transitions = [];
  const gateways = await Promise.all(
    ['gateway-a', 'gateway-b', 'gateway-c'].map(
      (name) =>
        new Promise((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), ['--gateway'], {
            env: {
              ...process.env,
              NAME: name,
              UPSTREAM: upstream.url,
              REDIS_PORT: redis ? String(redis.port) : '',
            },
          });
          child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
          child.on('message', (m) => {
            if (m.type === 'ready') resolve({ name, child, port: m.port, ok: 0, failed: 0, rejected: 0 });
            if (m.type === 'transition') {
              transitions.push(m);
              console.log(`${clock()}  ${m.name}  ${m.key}  ${m.from} -> ${m.to}  (${m.reason})`);
            }
          });
        }),
    ),
  );
  console.log(
    `${local ? 'LOCAL ONLY (no store)' : `fleet mode: Redis on 127.0.0.1:${redis.port}, sync every ${SYNC_MS} ms`}; ` +
      `3 gateways, 2 req/s each; upstream ${upstream.url}\n`,
  );

  // 2 requests per second per gateway, staggered.
  let upstreamBefore = 0;
  const traffic = setInterval(() => {
    for (const g of gateways) {
      fetch(`http://127.0.0.1:${g.port}/products/42`)
        .then((r) => {
          if (r.status === 200) g.ok++;
          else if (r.status === 503) g.rejected++;
          else g.failed++;
          return r.arrayBuffer();
        })
        .catch(() => g.failed++);
    }
  }, 500);
  const report = setInterval(() => {
    const hits = upstream.stats().requests;
    console.log(
      `${clock()}  ` +
        gateways
          .map((g) => `${g.name.slice(-1)}: ${g.ok} ok ${g.failed} failed ${g.rejected} rejected`)
          .join(' | ') +
        `  | upstream +${hits - upstreamBefore} requests`,
    );
    upstreamBefore = hits;
  }, 1_000);

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await sleep(3_000);
  console.log(`${clock()}  --- the upstream goes down (500 on every request) ---`);
  upstream.setMode({ mode: 'failing' });
  await sleep(5_000);
  console.log(`${clock()}  --- the upstream recovers ---`);
  upstream.setMode({ mode: 'healthy' });
  await sleep(local ? 2_000 : 4_500);

  clearInterval(traffic);
  clearInterval(report);
  for (const g of gateways) g.child.send('stop');
  await Promise.all(
    gateways.map((g) => new Promise((r) => (g.child.exitCode !== null ? r() : g.child.once('exit', r)))),
  );
  await upstream.close();
  redis?.stop();

  const opens = transitions.filter((t) => t.to === 'open' && t.from === 'closed');
  const closes = transitions.filter((t) => t.to === 'closed');
  if (local) {
    console.log(
      `\nWithout a store: ${opens.length} of 3 gateways opened; the dead upstream took every request.`,
    );
    return;
  }
  const names = new Set(opens.map((t) => t.name));
  const spread =
    opens.length > 0 ? Math.max(...opens.map((t) => t.at)) - Math.min(...opens.map((t) => t.at)) : 0;
  console.log(
    `\n${names.size} of 3 gateways opened together (within ${spread} ms of each other; sync interval ${SYNC_MS} ms), ` +
      `${new Set(closes.map((t) => t.name)).size} of 3 closed again after recovery.`,
  );
  process.exitCode = names.size === 3 ? 0 : 1;
}

async function startRedis() {
  const port = await new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve) => {
    child.once('spawn', resolve);
    child.once('error', () => {
      console.error('redis-server not found: apt-get install -y redis-server (or run with --local)');
      process.exit(2);
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  return { port, stop: () => child.kill('SIGTERM') };
}
