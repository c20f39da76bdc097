// pnpm bench:http — throughput of Express 5 and Koa 3 on loopback, bare, with
// Breakwater, and with an opossum breaker per route, alternating in one run.
//
// Each server runs in its own process; autocannon runs here. Contenders take
// turns in rotated order over several rounds and the median req/s is reported
// with its ratio to the bare server of the same framework. Bounded: every run
// has a fixed duration, the whole bench a fixed number of runs.
//
// Flags: --quick (1 s runs, 2 rounds), --rounds=N, --duration=S, --connections=N,
//        --only=express|koa
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
const quick = args.has('quick');
const CONFIG = {
  rounds: Number(args.get('rounds') ?? (quick ? 2 : 3)),
  duration: Number(args.get('duration') ?? (quick ? 1 : 3)),
  connections: Number(args.get('connections') ?? 50),
  frameworks: args.has('only') ? [args.get('only')] : ['express', 'koa'],
};

const GUARDS = [
  { guard: 'bare', label: 'bare', expect: 200 },
  { guard: 'breakwater', label: '+ Breakwater (healthy)', expect: 200 },
  { guard: 'opossum', label: '+ opossum per route (healthy)', expect: 200 },
  { guard: 'open', label: '+ Breakwater, route open (503)', expect: 503 },
];

function startServer(variant) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'server.mjs'), variant], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${variant}: no port within 20 s`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, port: Number(line) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('\n')) reject(new Error(`${variant} exited with ${code}`));
    });
  });
}

function load(port, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/users/42`,
        connections: CONFIG.connections,
        duration,
        pipelining: 1,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const contenders = [];
for (const framework of CONFIG.frameworks) {
  for (const g of GUARDS) contenders.push({ framework, ...g, variant: `${framework}-${g.guard}`, runs: [] });
}

console.log(
  `Breakwater HTTP benchmark — node ${process.version}, ${availableParallelism()} cpus (${cpus()[0]?.model ?? '?'})`,
);
console.log(
  `autocannon: ${CONFIG.connections} connections, ${CONFIG.duration} s per run, ${CONFIG.rounds} rounds, GET /users/:id on 127.0.0.1\n`,
);

try {
  for (const c of contenders) Object.assign(c, await startServer(c.variant));
  // Warm-up: one short run each, not counted; checks each server answers as expected.
  for (const c of contenders) {
    const r = await load(c.port, 1);
    const ok = c.expect === 200 ? r['2xx'] : r.non2xx;
    if (ok === 0 || r.errors > 0) throw new Error(`${c.variant}: unexpected answers during warm-up`);
  }
  for (let round = 0; round < CONFIG.rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const c of order) {
      const r = await load(c.port, CONFIG.duration);
      const expected = c.expect === 200 ? r['2xx'] : r.non2xx;
      c.runs.push({
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        unexpected: r.requests.total - expected + r.errors,
      });
    }
    process.stdout.write(`round ${round + 1}/${CONFIG.rounds} done\n`);
  }
} finally {
  for (const c of contenders) c.child?.kill('SIGTERM');
}

const pad = (s, n) => String(s).padEnd(n);
const num = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const results = {};
for (const framework of CONFIG.frameworks) {
  const rows = contenders.filter((c) => c.framework === framework);
  const bare = median(rows.find((c) => c.guard === 'bare').runs.map((r) => r.rps));
  const name = framework === 'express' ? 'Express 5' : 'Koa 3';
  console.log(`\n${name}`);
  console.log(
    `  ${pad('contender', 44)}${pad('req/s', 10)}${pad('x bare', 8)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}unexpected`,
  );
  for (const c of rows) {
    const rps = median(c.runs.map((r) => r.rps));
    const p50 = median(c.runs.map((r) => r.p50));
    const p99 = median(c.runs.map((r) => r.p99));
    const unexpected = c.runs.reduce((a, r) => a + r.unexpected, 0);
    results[c.variant] = { rps, ratio: rps / bare, p50, p99, unexpected };
    console.log(
      `  ${pad(`${name} ${c.label}`, 44)}${pad(num(rps), 10)}${pad(`${num(rps / bare, 2)}x`, 8)}${pad(p50, 8)}${pad(p99, 8)}${unexpected}`,
    );
  }
}

console.log('\nTargets');
for (const framework of CONFIG.frameworks) {
  const healthy = results[`${framework}-breakwater`].ratio;
  const open = results[`${framework}-open`].ratio;
  console.log(
    `  ${pad(`${framework}: healthy throughput / bare`, 44)}${pad(`${num(healthy, 2)}x`, 8)}>= 0.95  ${healthy >= 0.95 ? 'ok' : 'MISS'}`,
  );
  console.log(
    `  ${pad(`${framework}: open route / bare hello-world`, 44)}${pad(`${num(open, 2)}x`, 8)}>= 1.00  ${open >= 1 ? 'ok' : 'MISS'}`,
  );
}
const load1 = loadavg()[0];
if (load1 > availableParallelism() / 2) {
  console.log(
    `\nwarning: load average ${num(load1, 2)} on ${availableParallelism()} cpus: figures are noisy, compare within one run.`,
  );
}
