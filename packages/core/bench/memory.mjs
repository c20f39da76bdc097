// Bytes per breaker with the default options: idle, after use, and tripped.
//
//   pnpm --filter @breakwater/core build
//   node --expose-gc packages/core/bench/memory.mjs [count]
//
// Builds `count` (default 10,000) breakers with the default options and reads the
// heap (plus external memory: typed arrays over 64 bytes keep their bytes outside the
// V8 heap) after full collections, before and after each step. The figures are in the
// core README ("Memory"). BREAKWATER_CORE=<path to an index.js> measures another build.

import { createRequire } from 'node:module';
import { resolve } from 'node:path';

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(1);
}

const require = createRequire(import.meta.url);
const entry = process.env.BREAKWATER_CORE
  ? resolve(process.env.BREAKWATER_CORE)
  : new URL('../dist/cjs/index.js', import.meta.url).pathname;
const { CircuitBreaker } = require(entry);

const count = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(count) || count < 1) {
  console.error(`count must be an integer >= 1, got ${process.argv[2]}`);
  process.exit(1);
}

function settle() {
  for (let i = 0; i < 3; i++) globalThis.gc();
}

function memory() {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, total: m.heapUsed + m.external };
}

/** Fills the default 100-call window: 95 successes, 5 failures (stays closed). */
function use(b) {
  for (let i = 0; i < 100; i++) {
    const p = b.tryAcquire();
    if (i % 20 === 0) p.failure(new Error('x'), 1);
    else p.success(1);
  }
}

/** Trips a breaker: 100 failures open it (failure rate 1 over minimumCalls 100). */
function trip(b) {
  for (let i = 0; i < 100 && b.state === 'closed'; i++) b.tryAcquire().failure(undefined, 1);
  if (b.state !== 'open') throw new Error('expected the breaker to open');
}

// Warm up: let lazily compiled code and shared structures exist before the baseline.
for (let i = 0; i < 100; i++) {
  const b = new CircuitBreaker({ name: `warm-${i}` });
  use(b);
  trip(b);
  b.snapshot();
}
const names = Array.from({ length: count }, (_, i) => `breaker-${i}`);
await new Promise((r) => setImmediate(r));
settle();

const rows = [];
const keep = new Array(count).fill(null);
const before = memory();
for (let i = 0; i < count; i++) keep[i] = new CircuitBreaker({ name: names[i] });
settle();
const idle = memory();
rows.push(['idle (new, no call)', idle, before]);
for (const b of keep) use(b);
settle();
const used = memory();
rows.push(['after use (100 calls recorded, closed)', used, before]);
for (const b of keep) trip(b);
settle();
const open = memory();
rows.push(['tripped (open)', open, before]);

const perBreaker = (a, b, k) => Math.round((a[k] - b[k]) / count);
console.log(`${count.toLocaleString('en-US')} breakers, default options, Node ${process.version}`);
console.log('state                                    heapUsed/breaker  heap+external/breaker');
for (const [label, after, base] of rows) {
  console.log(
    `${label.padEnd(40)} ${`${perBreaker(after, base, 'heap')} B`.padStart(16)}  ${`${perBreaker(after, base, 'total')} B`.padStart(21)}`,
  );
}
if (keep.length !== count) throw new Error('unreachable: keeps the breakers alive');
