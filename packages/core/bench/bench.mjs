// Breakwater benchmark: `pnpm bench` (full, about a minute) or `pnpm bench --quick`.
//
// Compares, in one process and one run, the cost per call of a bare `await fn()`,
// Breakwater's built package (packages/core/dist), opossum and cockatiel
// (ConsecutiveBreaker and SamplingBreaker) on the success path, the failure path
// while closed and the rejection path while open; Breakwater's synchronous
// `tryAcquire()` + `success()` pair; Breakwater's cost across window sizes; and the
// memory and timers of 10,000 idle breakers; and the cost of OpenTelemetry: on (the
// default) with no SDK registered vs `telemetry: false`, and, in a child process that
// registers an SDK (a tracer provider whose sampler records nothing, an unsampled span
// active around the calls, with and without a meter provider), vs off.
//
// Method: every contender is warmed up and calibrated to about `sampleMs` per
// sample, then the contenders are interleaved over several rounds (a different
// order each round, a gc before each sample) and the median ns per call is
// reported. Each contender's loop is compiled separately (`loop()` below) so the
// call sites of one contender never see another's functions.
//
// Options: --quick (short run), --json [file] (also write the results as JSON,
// default ./bench-results.json), --only=<groups> (comma-separated: success,
// failure, open, permit, window, telemetry, memory), --help. BREAKWATER_BENCH_MODULE=<path to an ESM
// build's index.js> measures another build instead of packages/core/dist.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import Opossum from 'opossum';
import { countLiveTimers, countRefedTimers, settle, sleepTick, trackTimers } from './timers.mjs';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: node --expose-gc packages/core/bench/bench.mjs [--quick] [--json [file]] ' +
      '[--only=success,failure,open,permit,window,telemetry,memory]',
  );
  process.exit(0);
}

// The memory figures need a real gc: re-run under --expose-gc when started without it.
if (typeof globalThis.gc !== 'function') {
  const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

const QUICK = args.includes('--quick');
/** Internal: the child process that measures telemetry with an SDK registered. */
const SDK_CHILD = args.includes('--telemetry-sdk-child');
const ONLY = parseOnly(args);
const jsonPath = parseJsonPath(args);
const CONFIG = QUICK
  ? { rounds: 3, sampleMs: 15, warmupMs: 40, breakers: 10_000 }
  : { rounds: 7, sampleMs: 250, warmupMs: 400, breakers: 10_000 };

// ---------------------------------------------------------------------------
// The functions under protection. The failure is preallocated so that every
// contender pays for the breaker, not for the dependency's own stack trace.

const VALUE = { ok: true };
const FAILURE = new Error('dependency failed');
async function ok() {
  return VALUE;
}
async function fail() {
  throw FAILURE;
}

// ---------------------------------------------------------------------------
// Contenders.

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;

/** Compiles a separate loop function per contender, so each has its own type feedback. */
function loop(body, sync = false) {
  const source = `for (let i = 0; i < n; i++) {\n${body}\n}`;
  return sync ? new Function('ctx', 'n', source) : new AsyncFunction('ctx', 'n', source);
}

const FAILURE_RESET_EVERY = 99;

/**
 * Each contender: `make()` returns the context its `body` runs against (`ctx.ok`,
 * `ctx.fail` and the breaker), `check(ctx)` returns a problem or null after each
 * sample (a failure-path breaker that opened, an open one that closed).
 */
function contenders(bw) {
  const list = [];
  const add = (group, id, label, body, make, check = () => null, sync = false) =>
    list.push({ group, id, label, body, make, check, sync, fn: loop(body, sync) });

  // Baselines.
  add('success', 'bare', 'bare await fn()', 'await ctx.ok();', () => ({ ok }));
  add('failure', 'bare', 'bare await fn() (throws)', 'try { await ctx.fail(); } catch {}', () => ({ fail }));

  // Breakwater.
  if (bw) {
    const { CircuitBreaker } = bw;
    const closed = (ctx) => (ctx.b.state === 'closed' ? null : `state is ${ctx.b.state}, expected closed`);
    add(
      'success',
      'breakwater',
      'Breakwater execute',
      'await ctx.b.execute(ctx.ok);',
      () => ({ ok, b: new CircuitBreaker({ name: 'bench', ...BW_DEFAULTS }) }),
      closed,
    );
    // minimumCalls cannot exceed a count window, and a window full of failures has
    // a failure rate of 1, which reaches any threshold: so the breaker is reset
    // every 99 calls, before it could trip. The reset is inside the timed loop.
    add(
      'failure',
      'breakwater',
      `Breakwater execute (reset every ${FAILURE_RESET_EVERY})`,
      `try { await ctx.b.execute(ctx.fail); } catch {}\nif (++ctx.k === ${FAILURE_RESET_EVERY}) { ctx.k = 0; ctx.b.reset(); }`,
      () => ({
        fail,
        k: 0,
        b: new CircuitBreaker({ name: 'bench', ...BW_DEFAULTS, failureRateThreshold: 1 }),
      }),
      closed,
    );
    add(
      'open',
      'breakwater',
      'Breakwater execute',
      'try { await ctx.b.execute(ctx.ok); } catch {}',
      async () => {
        const b = new CircuitBreaker({
          name: 'bench',
          ...BW_DEFAULTS,
          minimumCalls: 1,
          openDurationMs: OPEN_FOREVER_MS,
        });
        await tripBy(
          () => b.execute(fail),
          () => b.state === 'open',
        );
        const tripped = b.state === 'open';
        if (!tripped) b.forceOpen();
        notes.push(
          tripped
            ? 'Breakwater open path: tripped by real failures (reason open), openDurationMs 1e9.'
            : `Breakwater open path: did not trip (state ${b.state}), measured forceOpen() instead.`,
        );
        return { ok, b, expected: b.state };
      },
      (ctx) => (ctx.b.state === ctx.expected ? null : `state is ${ctx.b.state}, expected ${ctx.expected}`),
    );
    add(
      'permit',
      'breakwater',
      'Breakwater tryAcquire() + success()',
      'const p = ctx.b.tryAcquire();\np.success();',
      () => ({ b: new CircuitBreaker({ name: 'bench', ...BW_DEFAULTS }) }),
      closed,
      true,
    );
    for (const size of [10, 10_000]) {
      add(
        'window',
        `window-${size}`,
        `Breakwater execute, count window ${size.toLocaleString('en-US')}`,
        'await ctx.b.execute(ctx.ok);',
        () => ({
          ok,
          b: new CircuitBreaker({
            name: 'bench',
            ...BW_DEFAULTS,
            window: { kind: 'count', size },
            minimumCalls: 10,
          }),
        }),
        closed,
      );
    }
  }

  // OpenTelemetry, on by default: with no SDK registered it must cost nothing measurable.
  if (bw) {
    const { CircuitBreaker } = bw;
    const closed = (ctx) => (ctx.b.state === 'closed' ? null : `state is ${ctx.b.state}, expected closed`);
    for (const [id, label, telemetry] of [
      ['telemetry-off', 'telemetry: false', false],
      ['telemetry-on', 'telemetry on, no SDK', undefined],
    ]) {
      const make = () => ({ ok, b: new CircuitBreaker({ name: 'bench', ...BW_DEFAULTS, telemetry }) });
      add('telemetry', id, `execute, ${label}`, 'await ctx.b.execute(ctx.ok);', make, closed);
      add(
        'telemetry',
        `permit-${id}`,
        `tryAcquire() + success(), ${label}`,
        'const p = ctx.b.tryAcquire();\np.success();',
        make,
        closed,
        true,
      );
    }
  }

  // opossum, with its defaults (a 10 s per-call timeout timer included).
  const opossumClosed = (ctx) => (ctx.b.closed ? null : 'opossum breaker left closed state');
  add(
    'success',
    'opossum',
    'opossum fire()',
    'await ctx.b.fire();',
    () => ({ b: track(new Opossum(ok, { name: 'bench' })) }),
    opossumClosed,
  );
  add(
    'failure',
    'opossum',
    'opossum fire() (errorThresholdPercentage 100)',
    'try { await ctx.b.fire(); } catch {}',
    () => ({ b: track(new Opossum(fail, { name: 'bench', errorThresholdPercentage: 100 })) }),
    opossumClosed,
  );
  // opossum's defaults keep every latency of the last 10 s and sort them on each
  // failure (rollingPercentilesEnabled), so that row grows with the call rate;
  // the second row turns percentiles off for a figure that does not.
  add(
    'failure',
    'opossum-no-percentiles',
    'opossum fire() (same, rollingPercentilesEnabled false)',
    'try { await ctx.b.fire(); } catch {}',
    () => ({
      b: track(
        new Opossum(fail, { name: 'bench', errorThresholdPercentage: 100, rollingPercentilesEnabled: false }),
      ),
    }),
    opossumClosed,
  );
  add(
    'open',
    'opossum',
    'opossum fire()',
    'try { await ctx.b.fire(); } catch {}',
    () => {
      const b = track(new Opossum(ok, { name: 'bench', resetTimeout: OPEN_FOREVER_MS }));
      b.open();
      return { b };
    },
    (ctx) => (ctx.b.opened ? null : 'opossum breaker left open state'),
  );

  // cockatiel, ConsecutiveBreaker(5) and SamplingBreaker.
  const cockatielClosed = (ctx) =>
    ctx.p.state === CircuitState.Closed ? null : 'cockatiel policy left closed';
  const cockatielOpen = (ctx) => (ctx.p.state === CircuitState.Open ? null : 'cockatiel policy left open');
  const cockatiels = [
    ['cockatiel-consecutive', 'cockatiel Consecutive(5)', () => new ConsecutiveBreaker(5)],
    ['cockatiel-sampling', 'cockatiel Sampling(0.5, 10 s)', () => new SamplingBreaker(SAMPLING)],
  ];
  const neverTrips = {
    'cockatiel-consecutive': ['Consecutive(∞)', () => new ConsecutiveBreaker(Number.POSITIVE_INFINITY)],
    'cockatiel-sampling': [
      'Sampling, minimumRps ∞',
      () => new SamplingBreaker({ ...SAMPLING, minimumRps: Number.MAX_SAFE_INTEGER }),
    ],
  };
  for (const [id, label, breaker] of cockatiels) {
    const policy = (b) => circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: b });
    add(
      'success',
      id,
      `${label} execute`,
      'await ctx.p.execute(ctx.ok);',
      () => ({ ok, p: policy(breaker()) }),
      cockatielClosed,
    );
    const [neverLabel, neverBreaker] = neverTrips[id];
    add(
      'failure',
      id,
      `cockatiel ${neverLabel} execute`,
      'try { await ctx.p.execute(ctx.fail); } catch {}',
      () => ({ fail, p: policy(neverBreaker()) }),
      cockatielClosed,
    );
    add(
      'open',
      id,
      `${label} execute`,
      'try { await ctx.p.execute(ctx.ok); } catch {}',
      async () => {
        const p = circuitBreaker(handleAll, { halfOpenAfter: OPEN_FOREVER_MS, breaker: breaker() });
        await tripBy(
          () => p.execute(fail),
          () => p.state === CircuitState.Open,
        );
        return { ok, p };
      },
      cockatielOpen,
    );
  }
  return list;
}

/**
 * The telemetry contenders of the SDK child process: the process registers a tracer
 * provider that samples nothing (AlwaysOffSampler), the AsyncLocalStorage context
 * manager and a meter provider, and runs every sample inside an unsampled span, as a
 * request of an unsampled trace would.
 */
function sdkContenders(bw, noopMeterProvider) {
  const list = [];
  const { CircuitBreaker } = bw;
  const closed = (ctx) => (ctx.b.state === 'closed' ? null : `state is ${ctx.b.state}, expected closed`);
  for (const [id, label, telemetry] of [
    ['sdk-off', 'telemetry: false', false],
    ['sdk-traces', 'telemetry on, unsampled span, no meter provider', { meterProvider: noopMeterProvider }],
    ['sdk-all', 'telemetry on, unsampled span, metrics SDK', undefined],
  ]) {
    const make = () => ({ ok, b: new CircuitBreaker({ name: 'bench', ...BW_DEFAULTS, telemetry }) });
    for (const [kind, body, sync] of [
      ['execute', 'await ctx.b.execute(ctx.ok);', false],
      ['tryAcquire() + success()', 'const p = ctx.b.tryAcquire();\np.success();', true],
    ]) {
      list.push({
        group: 'telemetry-sdk',
        id: sync ? `permit-${id}` : id,
        label: `${kind}, ${label}`,
        body,
        make,
        check: closed,
        sync,
        fn: loop(body, sync),
      });
    }
  }
  return list;
}

/** Runs the SDK contenders in a child process (globals registered there only); their results. */
function measureWithSdk() {
  const out = resolve(os.tmpdir(), `breakwater-bench-sdk-${process.pid}.json`);
  const run = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--telemetry-sdk-child',
      `--json=${out}`,
      ...(QUICK ? ['--quick'] : []),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: process.env },
  );
  if (run.status !== 0) {
    skipped.push(`telemetry with an SDK: the child process exited with ${run.status}`);
    return [];
  }
  try {
    return JSON.parse(readFileSync(out, 'utf8')).timings.map((t) => ({
      ...t,
      group: 'telemetry-sdk',
      median: t.medianNs,
      min: t.minNs,
      max: t.maxNs,
      samples: t.samplesNs,
      n: t.iterationsPerSample,
    }));
  } finally {
    rmSync(out, { force: true });
  }
}

async function sdkChild(bw) {
  const { context, createNoopMeter, metrics, ROOT_CONTEXT, trace } = await import('@opentelemetry/api');
  const { AlwaysOffSampler } = await import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const tracerProvider = new NodeTracerProvider({ sampler: new AlwaysOffSampler() });
  tracerProvider.register();
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  const span = trace.getTracer('bench').startSpan('unsampled request');
  if (span.isRecording()) throw new Error('the bench span should not be recording');
  const results = await context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
    runTimings(sdkContenders(bw, { getMeter: () => createNoopMeter() })),
  );
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  return results;
}

const BW_DEFAULTS = {
  window: { kind: 'count', size: 100 },
  failureRateThreshold: 0.5,
  minimumCalls: 100,
  openDurationMs: 60_000,
};
const SAMPLING = { threshold: 0.5, duration: 10_000 };
// Long enough that nothing half-opens during the run, short enough for setTimeout (< 2^31 ms).
const OPEN_FOREVER_MS = 1_000_000_000;

async function tripBy(call, isOpen) {
  for (let i = 0; i < 1000 && !isOpen(); i++) {
    try {
      await call();
    } catch {}
  }
}

const opossums = [];
const notes = [];
function track(breaker) {
  opossums.push(breaker);
  return breaker;
}

// ---------------------------------------------------------------------------
// Timing.

async function timeSample(c, n) {
  const t0 = process.hrtime.bigint();
  await c.fn(c.ctx, n);
  return Number(process.hrtime.bigint() - t0) / n;
}

async function warmUp(c) {
  const deadline = performance.now() + CONFIG.warmupMs;
  let n = 100;
  let ns = await timeSample(c, n);
  while (performance.now() < deadline) {
    n = Math.min(n * 2, 100_000);
    ns = await timeSample(c, n);
  }
  c.n = iterationsFor(ns);
}

function iterationsFor(nsPerCall) {
  return Math.max(200, Math.round((CONFIG.sampleMs * 1e6) / Math.max(nsPerCall, 0.5)));
}

async function runTimings(list) {
  const ready = [];
  for (const c of list) {
    try {
      c.ctx = await c.make();
      await warmUp(c);
      const problem = c.check(c.ctx);
      if (problem) throw new Error(problem);
      c.samples = [];
      c.problems = [];
      ready.push(c);
    } catch (err) {
      c.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      skipped.push(`${c.group}/${c.label}: ${c.error}`);
      console.error(`  skipped ${c.group}/${c.label}: ${c.error}`);
    }
  }
  for (let round = 0; round < CONFIG.rounds; round++) {
    // Rotate and alternate the order, so no contender always runs first or after the same one.
    const shift = (round * 5) % ready.length;
    const order = [...ready.slice(shift), ...ready.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    for (const c of order) {
      settle();
      const ns = await timeSample(c, c.n);
      c.samples.push(ns);
      // Re-aim at sampleMs: a contender whose cost grows during the run (opossum's
      // failure path) must not stretch the whole bench.
      c.n = iterationsFor(ns);
      const problem = c.check(c.ctx);
      if (problem && !c.problems.includes(problem)) c.problems.push(problem);
    }
    process.stderr.write(`  round ${round + 1}/${CONFIG.rounds} done\n`);
  }
  for (const c of ready) {
    const sorted = [...c.samples].sort((a, b) => a - b);
    c.median = median(sorted);
    c.min = sorted[0];
    c.max = sorted[sorted.length - 1];
  }
  return ready;
}

function median(sorted) {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------------------
// Memory and timers of idle breakers.

function memoryContenders(bw) {
  const list = [];
  if (bw) {
    const { CircuitBreaker } = bw;
    list.push({
      id: 'breakwater',
      label: 'Breakwater (count window 100)',
      create: (name) => new CircuitBreaker({ name, ...BW_DEFAULTS }),
      call: (b) => b.execute(ok),
      dispose: () => {},
    });
  }
  list.push(
    {
      id: 'opossum',
      label: 'opossum (defaults)',
      create: (name) => new Opossum(ok, { name }),
      call: (b) => b.fire(),
      dispose: (b) => b.shutdown(),
    },
    {
      id: 'cockatiel-consecutive',
      label: 'cockatiel Consecutive(5)',
      create: () => circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(5) }),
      call: (p) => p.execute(ok),
      dispose: () => {},
    },
    {
      id: 'cockatiel-sampling',
      label: 'cockatiel Sampling(0.5, 10 s)',
      create: () =>
        circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new SamplingBreaker(SAMPLING) }),
      call: (p) => p.execute(ok),
      dispose: () => {},
    },
  );
  return list;
}

/** Heap plus external memory: typed arrays over 64 bytes keep their bytes outside the V8 heap. */
function memoryNow() {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function measureMemory(m, count) {
  const names = Array.from({ length: count }, (_, i) => `breaker-${i}`);
  const keep = new Array(count).fill(null);
  // Let lazily compiled code and shared structures exist before the baseline.
  for (let i = 0; i < 100; i++) {
    const b = m.create(names[i]);
    await m.call(b);
    m.dispose(b);
  }
  await sleepTick();
  settle();
  const before = memoryNow();
  for (let i = 0; i < count; i++) keep[i] = m.create(names[i]);
  settle();
  const idle = memoryNow();
  for (let i = 0; i < count; i++) await m.call(keep[i]);
  settle();
  const used = memoryNow();
  for (const b of keep) m.dispose(b);
  keep.fill(null);

  // Timers in a second pass: the async_hooks that see unref()'d timers also touch every promise.
  const tracker = trackTimers();
  const liveBefore = countLiveTimers(tracker);
  const refedBefore = countRefedTimers();
  for (let i = 0; i < count; i++) keep[i] = m.create(names[i]);
  const timers = countLiveTimers(tracker) - liveBefore;
  const refedTimers = countRefedTimers() - refedBefore;
  for (const b of keep) m.dispose(b);
  keep.fill(null);
  await sleepTick();
  const leftover = countLiveTimers(tracker) - liveBefore;
  tracker.disable();
  settle();
  return {
    id: m.id,
    label: m.label,
    breakers: count,
    bytesPerIdleBreaker: (idle - before) / count,
    bytesPerBreakerAfterOneCall: (used - before) / count,
    timers,
    refedTimers,
    timersLeftAfterDispose: leftover,
  };
}

// ---------------------------------------------------------------------------
// Report.

const GROUPS = {
  success: 'Success path: await breaker(fn), fn resolves',
  failure: 'Failure path while closed: fn rejects, the rejection is caught; nothing opens',
  open: 'Rejection path while open: the breaker rejects, the rejection is caught',
  permit: 'Permit pair, synchronous (no await) vs a bare await',
  window: 'Window size, success path (count window; cost should be flat)',
  telemetry: 'OpenTelemetry on (the default) with no SDK registered, vs off',
  'telemetry-sdk': 'OpenTelemetry with an SDK registered, in a separate process, vs off in that process',
};

const FOOTNOTES = {
  success: [
    'Breakwater: count window 100, failureRateThreshold 0.5, minimumCalls 100. opossum: its defaults, so a',
    '10 s timeout timer per call. cockatiel: handleAll, halfOpenAfter 60 s.',
  ],
  failure: [
    `Kept closed: Breakwater reset() every ${FAILURE_RESET_EVERY} calls (a count window full of failures reaches any`,
    'threshold), inside the timed loop; opossum errorThresholdPercentage 100; cockatiel thresholds out of reach.',
    "opossum's defaults sort every latency of the last 10 s on each failure: that row grows with call rate and run length.",
  ],
  open: [
    'x bare: against a bare await of a function that throws (Node tracks a promise rejected before anyone',
    'awaits it: about 1.5 us, which is most of the bare figure).',
  ],
  telemetry: ['x off: against the same call with telemetry: false. Target: no measurable difference.'],
  'telemetry-sdk': [
    'NodeTracerProvider with AlwaysOffSampler (nothing recorded), AsyncLocalStorage context manager, an',
    'unsampled span active; "metrics SDK": a MeterProvider with a reader, so every call is counted and timed.',
  ],
};

function fmtNs(ns) {
  if (ns === undefined) return '-';
  return ns >= 100 ? ns.toFixed(0) : ns.toFixed(1);
}
function fmtRatio(r) {
  if (r === undefined || !Number.isFinite(r)) return '-';
  return r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}
function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((cell, i) =>
        align[i] === 'l' ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)]
    .map((l) => `  ${l}`)
    .join('\n');
}

function groupTable(results, group, bare, bwRow) {
  if (group === 'telemetry' || group === 'telemetry-sdk') return telemetryTable(results, group, bare);
  const windowGroup = group === 'window';
  const rows = results.filter((c) => c.group === group);
  if (group === 'permit' || group === 'window') rows.unshift({ ...bare, label: 'bare await fn()' });
  else if (bare) rows.sort((a, b) => (a.id === 'bare' ? -1 : b.id === 'bare' ? 1 : 0));
  const data = rows.map((c) => [
    c.label,
    fmtNs(c.median),
    fmtNs(c.min),
    `${(((c.max - c.min) / c.median) * 100).toFixed(0)}%`,
    bare ? fmtRatio(c.median / bare.median) : '-',
    bwRow ? fmtRatio(windowGroup ? c.median / bwRow.median : bwRow.median / c.median) : '-',
  ]);
  return table(
    ['contender', 'ns/call', 'min', 'spread', 'x bare', windowGroup ? 'x window 10' : 'Breakwater / this'],
    data,
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** Each row against its own `telemetry: false` row (same call, same process). */
function telemetryTable(results, group, bare) {
  const rows = results.filter((c) => c.group === group);
  const offOf = (c) =>
    rows.find(
      (r) =>
        r.id ===
        (c.id.startsWith('permit-') ? 'permit-' : '') + (group === 'telemetry' ? 'telemetry-off' : 'sdk-off'),
    );
  return table(
    ['contender', 'ns/call', 'min', 'spread', group === 'telemetry' ? 'x bare' : '', 'x off'],
    rows.map((c) => [
      c.label,
      fmtNs(c.median),
      fmtNs(c.min),
      `${(((c.max - c.min) / c.median) * 100).toFixed(0)}%`,
      group === 'telemetry' && bare ? fmtRatio(c.median / bare.median) : '',
      offOf(c) ? fmtRatio(c.median / offOf(c).median) : '-',
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
}

function targets(results, memory) {
  const find = (group, id) => results.find((c) => c.group === group && c.id === id);
  const ratio = (a, b) => (a && b ? a.median / b.median : undefined);
  const out = [];
  const add = (what, value, limit, shown, pass) => out.push({ what, value, limit, shown, pass });
  const bwSuccess = find('success', 'breakwater');
  add(
    'execute success / cockatiel Consecutive',
    ratio(bwSuccess, find('success', 'cockatiel-consecutive')),
    0.7,
    '<= 0.70x',
  );
  add('execute success / opossum', ratio(bwSuccess, find('success', 'opossum')), 0.12, '<= 0.12x');
  add(
    'permit pair / bare await',
    ratio(find('permit', 'breakwater'), find('success', 'bare')),
    1,
    '<= 1.00x',
  );
  for (const peer of ['opossum', 'cockatiel-consecutive', 'cockatiel-sampling']) {
    const p = find('open', peer);
    add(
      `open rejection / ${p ? p.label.replace(/ (execute|fire\(\))$/, '') : peer}`,
      ratio(find('open', 'breakwater'), p),
      0.3,
      '<= 0.30x',
    );
  }
  add(
    'window 10,000 / window 10',
    ratio(find('window', 'window-10000'), find('window', 'window-10')),
    1.15,
    '<= 1.15x (flat)',
  );
  add(
    'execute, telemetry on (no SDK) / off',
    ratio(find('telemetry', 'telemetry-on'), find('telemetry', 'telemetry-off')),
    1.05,
    '<= 1.05x (noise)',
  );
  const bwMem = memory.find((m) => m.id === 'breakwater');
  out.push({
    what: `timers, ${CONFIG.breakers.toLocaleString('en-US')} idle breakers`,
    value: bwMem?.timers,
    shown: '= 0',
    pass: bwMem ? bwMem.timers === 0 : undefined,
    text: bwMem ? String(bwMem.timers) : '-',
  });
  out.push({
    what: 'bytes per idle breaker',
    value: bwMem?.bytesPerIdleBreaker,
    shown: '< 1024 B',
    pass: bwMem ? bwMem.bytesPerIdleBreaker < 1024 : undefined,
    text: bwMem ? `${Math.round(bwMem.bytesPerIdleBreaker)} B` : '-',
  });
  for (const t of out) {
    if (t.pass === undefined && t.limit !== undefined && t.value !== undefined) t.pass = t.value <= t.limit;
    if (t.text === undefined) t.text = fmtRatio(t.value);
  }
  return out;
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cpus: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** `--only success,window,memory`: measure only these groups (handy before and after a change). */
function parseOnly(argv) {
  const arg = argv.find((a) => a.startsWith('--only='));
  if (!arg) return null;
  const groups = new Set(arg.slice('--only='.length).split(','));
  const known = ['success', 'failure', 'open', 'permit', 'window', 'telemetry', 'memory'];
  for (const g of groups) {
    if (!known.includes(g)) {
      console.error(`--only: unknown group ${g}; known: ${known.join(', ')}`);
      process.exit(2);
    }
  }
  return groups;
}

function parseJsonPath(argv) {
  const i = argv.findIndex((a) => a === '--json' || a.startsWith('--json='));
  if (i < 0) return null;
  if (argv[i].startsWith('--json=')) return argv[i].slice('--json='.length);
  const next = argv[i + 1];
  return next && !next.startsWith('--') ? next : 'bench-results.json';
}

// ---------------------------------------------------------------------------
// Main.

function printMemory(memory) {
  console.log(
    `Memory and timers: ${CONFIG.breakers.toLocaleString('en-US')} breakers, after gc (heap + external)`,
  );
  const bwMem = memory.find((m) => m.id === 'breakwater');
  console.log(
    table(
      [
        'contender',
        'B/idle breaker',
        'B/breaker after 1 call',
        'timers',
        "ref'd timers",
        'Breakwater / this',
      ],
      memory.map((m) => [
        m.label,
        Math.round(m.bytesPerIdleBreaker),
        Math.round(m.bytesPerBreakerAfterOneCall),
        m.timers,
        m.refedTimers,
        bwMem ? fmtRatio(bwMem.bytesPerIdleBreaker / m.bytesPerIdleBreaker) : '-',
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(
    "  timers: live Timeout objects (async_hooks), unref()'d ones included; ref'd: process.getActiveResourcesInfo().",
  );
  console.log();
}

async function loadBreakwater() {
  // BREAKWATER_BENCH_MODULE points at another build (say, of the previous commit) to compare.
  const override = process.env.BREAKWATER_BENCH_MODULE;
  const url = override ? pathToFileURL(resolve(override)) : new URL('../dist/esm/index.js', import.meta.url);
  try {
    const mod = await import(url.href);
    if (typeof mod.CircuitBreaker !== 'function')
      return { error: `${url.pathname} exports no CircuitBreaker` };
    return { mod };
  } catch (err) {
    return { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

async function main() {
  const started = performance.now();
  const info = machine();
  const { mod: bw, error: bwError } = await loadBreakwater();
  if (SDK_CHILD) {
    if (!bw) throw new Error(`Breakwater not built: ${bwError}`);
    const results = await sdkChild(bw);
    writeFileSync(jsonPath, `${JSON.stringify({ timings: results.map(timingJson) })}\n`);
    return;
  }
  console.log(
    `Breakwater bench${QUICK ? ' (--quick)' : ''}: node ${info.node} (V8 ${info.v8}), ${info.platform}, ` +
      `${info.cpus} x ${info.cpu}, load ${info.loadavg.join(' ')}`,
  );
  console.log(
    `  ${CONFIG.rounds} interleaved rounds of ~${CONFIG.sampleMs} ms per contender after ${CONFIG.warmupMs} ms warm-up; ` +
      'median ns per call; spread = (max - min) / median.',
  );
  if (!bw) {
    console.log(
      `  Breakwater not measured: ${bwError}.\n  Build it first: pnpm --filter @breakwater/core build`,
    );
  }

  console.error('memory...');
  const memory = [];
  if (!ONLY || ONLY.has('memory')) {
    for (const m of memoryContenders(bw)) memory.push(await measureMemory(m, CONFIG.breakers));
  }

  console.error('timing...');
  // The bare baselines are always measured: every ratio needs them.
  const wanted = contenders(bw).filter((c) => !ONLY || ONLY.has(c.group) || c.id === 'bare');
  const results = await runTimings(wanted);
  if (bw && (!ONLY || ONLY.has('telemetry'))) {
    console.error('timing telemetry with an SDK (child process)...');
    results.push(...measureWithSdk());
  }

  console.log();
  const bareOf = {
    success: 'success',
    failure: 'failure',
    open: 'failure',
    permit: 'success',
    window: 'success',
    telemetry: 'success',
    'telemetry-sdk': 'success',
  };
  for (const [group, title] of Object.entries(GROUPS)) {
    if (!results.some((c) => c.group === group && c.id !== 'bare')) continue;
    const bare = results.find((c) => c.group === bareOf[group] && c.id === 'bare');
    const bwRow = results.find((c) => c.group === group && (c.id === 'breakwater' || c.id === 'window-10'));
    console.log(title);
    console.log(groupTable(results, group, bare, bwRow));
    for (const line of FOOTNOTES[group] ?? []) console.log(`  ${line}`);
    console.log();
  }

  if (memory.length) printMemory(memory);

  const goals = targets(results, memory).filter((t) => !ONLY || t.pass !== undefined);
  console.log('Targets');
  console.log(
    table(
      ['target', 'measured', 'goal', ''],
      goals.map((t) => [t.what, t.text, t.shown, t.pass === undefined ? 'n/a' : t.pass ? 'ok' : 'MISS']),
      ['l', 'r', 'l', 'l'],
    ),
  );
  const problems = results.filter((c) => c.problems?.length);
  for (const c of problems) console.log(`  warning: ${c.group}/${c.label}: ${c.problems.join('; ')}`);
  for (const s of skipped) console.log(`  skipped: ${s}`);
  for (const n of notes) console.log(`  note: ${n}`);
  const load = Math.max(info.loadavg[0], os.loadavg()[0]);
  if (load > info.cpus / 2) {
    console.log(
      `  warning: load average ${load.toFixed(2)} on ${info.cpus} cpus: other processes compete for the CPU, ` +
        'so figures are noisy; compare within one run only, or re-run on a quiet machine.',
    );
  }
  console.log(`\n  total ${((performance.now() - started) / 1000).toFixed(1)} s`);

  if (jsonPath) {
    const json = {
      machine: info,
      config: { ...CONFIG, quick: QUICK },
      breakwater: bw ? 'measured' : `not measured: ${bwError}`,
      timings: results.map(timingJson),
      memory,
      notes,
      targets: goals.map(({ what, value, limit, shown, pass }) => ({
        what,
        value,
        limit,
        goal: shown,
        pass,
      })),
    };
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`  results written to ${jsonPath}`);
  }

  for (const b of opossums) b.shutdown();
}

function timingJson({ group, id, label, body, n, samples, median: med, min, max, problems: p }) {
  return {
    group,
    id,
    label,
    body,
    iterationsPerSample: n,
    samplesNs: samples,
    medianNs: med,
    minNs: min,
    maxNs: max,
    problems: p,
  };
}

const skipped = [];

await main();
