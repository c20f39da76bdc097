/**
 * Model-based property test of `CircuitBreaker` (issue 2, "Tests"): random
 * sequences of acquires, reports (explicit, measured, slow and invalid
 * durations; repeated reports), clock jumps (small, large, and to exact
 * boundaries), manual controls, `reconfigure()` and restarts from `toJSON()`
 * run against the breaker and against the reference model in `model.ts`, over
 * count and time windows, all three modes, constant and backoff open durations
 * and an injected random source; after every step
 * the state, the last permit, the snapshot (totals, window, rates, streak,
 * open period, probes, ramp-up, last transition), the emitted events, the
 * backoff calls and the number of random draws must agree.
 *
 * More runs: BREAKWATER_PROPERTY_RUNS=5000 pnpm jest packages/core/test/breaker.property.test.ts
 */
import fc from 'fast-check';
import { CircuitBreaker } from '../src/breaker.js';
import type {
  AdmittedPermit,
  CallEvent,
  CircuitBreakerOptions,
  Permit,
  StateChangeEvent,
} from '../src/types.js';
import {
  BreakerModel,
  type ExpectedCall,
  type ExpectedPermit,
  type ExpectedSnapshot,
  type ModelConfig,
  type ModelReconfigure,
  type OpenDurationSpec,
  openDurationFor,
  type ReportKind,
  SequenceRandom,
} from './model.js';

const NUM_RUNS = Number(process.env['BREAKWATER_PROPERTY_RUNS'] ?? 200);
const MAX_COMMANDS = 60;

// ---- configurations ----

interface Setup {
  config: ModelConfig;
  /** Whether `minimumCalls` is left to its default (count windows only). */
  defaultMinimumCalls: boolean;
  /** Whether `window.buckets` is left to its default of 10 (time windows only). */
  defaultBuckets: boolean;
  start: number;
  randomValues: number[];
}

// Thresholds include values where `failures / calls >= t` and `failures >= t * calls`
// disagree in floating point (0.3, 0.6, 0.7): the spec compares the rate.
const thresholdArb = fc.constantFrom(0.2, 0.25, 0.3, 0.5, 0.6, 0.7, 1);

const windowArb = fc.oneof(
  fc.record({ kind: fc.constant('count' as const), size: fc.integer({ min: 1, max: 10 }) }),
  fc.record({
    kind: fc.constant('time' as const),
    bucketMs: fc.constantFrom(1, 10, 25, 100),
    buckets: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  }),
);

const openDurationArb: fc.Arbitrary<OpenDurationSpec> = fc.oneof(
  fc.record({ kind: fc.constant('constant' as const), ms: fc.constantFrom(0, 5, 100, 1_000) }),
  fc.record({
    kind: fc.constant('backoff' as const),
    table: fc.array(fc.constantFrom(0, 10, 50, 200, 1_000), { minLength: 1, maxLength: 4 }),
    jitter: fc.constantFrom(0, 0, 40),
  }),
);

// Random values (2k + 1) / 128 never equal a ramp-up share (now - closedAt) / rampUpMs
// for the ramp-up lengths below, so rounding cannot flip an admission.
const randomValuesArb = fc
  .array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 16 })
  .map((ks) => ks.map((k) => (2 * k + 1) / 128));

const setupArb: fc.Arbitrary<Setup> = fc
  .record({
    window: windowArb,
    failureRateThreshold: thresholdArb,
    slowCallRateThreshold: fc.constantFrom(0.3, 0.5, 1),
    slowCallDurationMs: fc.constantFrom(0, 10, 50),
    minimumCallsSeed: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    consecutiveFailures: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    openDuration: openDurationArb,
    halfOpenMaxCalls: fc.integer({ min: 1, max: 4 }),
    halfOpenMaxWaitMs: fc.constantFrom(1, 20, 200, 1_000),
    rampUpMs: fc.constantFrom(0, 0, 50, 100, 1_000),
    mode: fc.constantFrom<ModelConfig['mode']>(
      'enforce',
      'enforce',
      'enforce',
      'enforce',
      'observe',
      'observe',
      'off',
    ),
    start: fc.constantFrom(0, 1_000_000, 1_234_567),
    randomValues: randomValuesArb,
  })
  .map((g): Setup => {
    const w = g.window;
    const window: ModelConfig['window'] =
      w.kind === 'count'
        ? { kind: 'count', size: w.size }
        : { kind: 'time', durationMs: w.bucketMs * (w.buckets ?? 10), buckets: w.buckets ?? 10 };
    const defaultMinimumCalls = w.kind === 'count' && g.minimumCallsSeed === undefined;
    const minimumCalls =
      w.kind === 'count'
        ? defaultMinimumCalls
          ? Math.min(100, w.size)
          : Math.min(g.minimumCallsSeed ?? 1, w.size)
        : Math.min(g.minimumCallsSeed ?? 1, 6);
    return {
      config: {
        name: 'model',
        window,
        failureRateThreshold: g.failureRateThreshold,
        slowCallRateThreshold: g.slowCallRateThreshold,
        slowCallDurationMs: g.slowCallDurationMs,
        minimumCalls,
        consecutiveFailures: g.consecutiveFailures,
        openDuration: g.openDuration,
        halfOpenMaxCalls: g.halfOpenMaxCalls,
        halfOpenMaxWaitMs: g.halfOpenMaxWaitMs,
        rampUpMs: g.rampUpMs,
        mode: g.mode,
      },
      defaultMinimumCalls,
      defaultBuckets: w.kind === 'time' && w.buckets === undefined,
      start: g.start,
      randomValues: g.randomValues,
    };
  });

// ---- the two systems ----

interface ModelSide {
  m: BreakerModel;
  /** Ids of admitted permits, reported or not. */
  pool: number[];
}

interface RealSide {
  b: CircuitBreaker;
  options: CircuitBreakerOptions;
  clock: { t: number };
  random: SequenceRandom;
  permits: Map<number, AdmittedPermit>;
  transitions: StateChangeEvent[];
  calls: CallEvent[];
  backoffCalls: Array<{ attempt: number; previousMs: number }>;
}

/** A constant, or a backoff that logs its calls so the test can check `attempt` and `previousMs`. */
function openDurationOption(
  spec: OpenDurationSpec,
  log: RealSide['backoffCalls'],
): NonNullable<CircuitBreakerOptions['openDurationMs']> {
  if (spec.kind === 'constant') return spec.ms;
  return (attempt, context) => {
    log.push({ attempt, previousMs: context.previousMs });
    return openDurationFor(spec, attempt, context.random);
  };
}

function build(setup: Setup): { model: ModelSide; real: RealSide } {
  const c = setup.config;
  const clock = { t: setup.start };
  const random = new SequenceRandom(setup.randomValues);
  const backoffCalls: RealSide['backoffCalls'] = [];
  const options: CircuitBreakerOptions = {
    name: c.name,
    window:
      c.window.kind === 'count'
        ? { kind: 'count', size: c.window.size }
        : setup.defaultBuckets
          ? { kind: 'time', durationMs: c.window.durationMs }
          : { kind: 'time', durationMs: c.window.durationMs, buckets: c.window.buckets },
    failureRateThreshold: c.failureRateThreshold,
    slowCallRateThreshold: c.slowCallRateThreshold,
    slowCallDurationMs: c.slowCallDurationMs,
    ...(setup.defaultMinimumCalls ? {} : { minimumCalls: c.minimumCalls }),
    consecutiveFailures: c.consecutiveFailures,
    openDurationMs: openDurationOption(c.openDuration, backoffCalls),
    halfOpenMaxCalls: c.halfOpenMaxCalls,
    halfOpenMaxWaitMs: c.halfOpenMaxWaitMs,
    rampUpMs: c.rampUpMs,
    mode: c.mode,
    clock: { now: () => clock.t },
    random: random.next,
  };
  const real: RealSide = {
    b: new CircuitBreaker(options),
    options,
    clock,
    random,
    permits: new Map(),
    transitions: [],
    calls: [],
    backoffCalls,
  };
  listen(real);
  return { model: { m: new BreakerModel(c, setup.start, setup.randomValues), pool: [] }, real };
}

function listen(real: RealSide): void {
  real.b.onStateChange((event) => real.transitions.push(event));
  real.b.onCall((event) => real.calls.push(event));
}

// ---- comparison after every step ----

class Mismatch extends Error {
  constructor(what: string, expected: unknown, actual: unknown) {
    super(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) < 1e-9;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function expectSame(what: string, expected: unknown, actual: unknown): void {
  if (!same(expected, actual)) throw new Mismatch(what, expected, actual);
}

function expectOneOf(what: string, expected: readonly unknown[], actual: unknown): void {
  if (!expected.some((e) => same(e, actual))) throw new Mismatch(`${what} (any of)`, expected, actual);
}

function comparePermit(expected: ExpectedPermit, actual: Permit): void {
  if (expected.permitted) {
    expectSame(
      'admitted permit',
      { permitted: true, state: expected.state, wouldReject: expected.wouldReject },
      {
        permitted: actual.permitted,
        state: actual.state,
        wouldReject: actual.permitted ? actual.wouldReject : null,
      },
    );
  } else {
    expectSame(
      'rejected permit',
      expected,
      actual.permitted
        ? { permitted: true, state: actual.state }
        : {
            permitted: false,
            state: actual.state,
            reason: actual.reason,
            retryAfterMs: actual.retryAfterMs,
          },
    );
  }
}

function compareSnapshot(expected: ExpectedSnapshot, real: RealSide): void {
  const state = real.b.state;
  expectSame('state', expected.state, state);
  const s = real.b.snapshot();
  expectSame('snapshot.state', expected.state, s.state);
  expectSame('snapshot.totals', expected.totals, s.totals);
  expectSame('snapshot.window', expected.window, {
    calls: s.window.calls,
    failures: s.window.failures,
    slowCalls: s.window.slowCalls,
  });
  expectSame('snapshot.failureRate', expected.failureRate, s.failureRate);
  expectSame('snapshot.slowCallRate', expected.slowCallRate, s.slowCallRate);
  expectOneOf('snapshot.consecutiveFailures', expected.consecutiveFailures, s.consecutiveFailures);
  expectSame('snapshot.openedAt', expected.openedAt, s.openedAt);
  expectSame('snapshot.retryAfterMs', expected.retryAfterMs, s.retryAfterMs);
  expectSame('snapshot.openings', expected.openings, s.openings);
  expectSame('snapshot.halfOpen', expected.halfOpen, s.halfOpen);
  expectSame('snapshot.rampUpShare', expected.rampUpShare, s.rampUpShare);
  expectOneOf('snapshot.lastTransition', expected.lastTransition, s.lastTransition);
}

function compareTransitions(model: BreakerModel, real: RealSide): void {
  const expected = model.transitions;
  const actual = real.transitions;
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    const what = `onStateChange event #${i}`;
    if (e === undefined || a === undefined) throw new Mismatch(what, e ?? 'none', a ?? 'none');
    expectSame(what, { from: e.from, to: e.to, at: e.at }, { from: a.from, to: a.to, at: a.at });
    expectOneOf(`${what} reason`, e.reasons, a.reason);
  }
}

function callMatches(e: ExpectedCall, a: CallEvent): boolean {
  return (
    e.outcome === a.outcome &&
    same(e.durationMs, a.durationMs) &&
    e.state.includes(a.state) &&
    e.stale.includes(a.stale) &&
    (e.reason === undefined || e.reason === a.reason)
  );
}

function compareCalls(model: BreakerModel, real: RealSide): void {
  for (let i = 0; i < Math.max(model.calls.length, real.calls.length); i++) {
    const e = model.calls[i];
    const a = real.calls[i];
    if (e === undefined || a === undefined || !callMatches(e, a)) {
      throw new Mismatch(
        `onCall event #${i}`,
        e ?? 'none',
        a === undefined ? 'none' : { ...a, error: undefined },
      );
    }
  }
}

function compareAll(model: BreakerModel, real: RealSide): void {
  const expected = model.snapshot();
  compareSnapshot(expected, real);
  compareTransitions(model, real);
  compareCalls(model, real);
  expectSame('backoff calls', model.backoffCalls, real.backoffCalls);
  expectSame('random() draws', model.random.draws, real.random.draws);
}

// ---- commands ----

type Cmd = fc.Command<ModelSide, RealSide>;

class AcquireCommand implements Cmd {
  private note = '';
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    const { id, expected } = model.m.acquire();
    const actual = real.b.tryAcquire();
    this.note = id === null ? ` -> rejected` : ` -> #${id}`;
    comparePermit(expected, actual);
    if (id !== null && actual.permitted) {
      model.pool.push(id);
      real.permits.set(id, actual);
    }
    compareAll(model.m, real);
  }
  toString(): string {
    return `acquire${this.note}`;
  }
}

type DurationChoice = 'measured' | 'zero' | 'atSlow' | 'overSlow' | 'long' | number;

function resolveDuration(choice: DurationChoice, slowMs: number): number | undefined {
  switch (choice) {
    case 'measured':
      return undefined;
    case 'zero':
      return 0;
    case 'atSlow':
      return slowMs;
    case 'overSlow':
      return slowMs + 1;
    case 'long':
      return slowMs + 500;
    default:
      return choice;
  }
}

function callReport(permit: AdmittedPermit, kind: ReportKind, durationMs: number | undefined): void {
  switch (kind) {
    case 'success':
      permit.success(durationMs);
      break;
    case 'failure':
      permit.failure(new Error('boom'), durationMs);
      break;
    case 'ignore':
      permit.ignore(durationMs);
      break;
    case 'timeout':
      permit.timeout(durationMs);
      break;
  }
}

/** Reports a held permit: usually one not reported yet, sometimes any (a second report is ignored). */
class ReportCommand implements Cmd {
  private note = '';
  constructor(
    private readonly pick: number,
    private readonly fresh: boolean,
    private readonly kind: ReportKind,
    private readonly duration: DurationChoice,
  ) {}
  check(model: Readonly<ModelSide>): boolean {
    return model.pool.length > 0;
  }
  run(model: ModelSide, real: RealSide): void {
    const unreported = model.pool.filter((id) => !model.m.isReported(id));
    const from = this.fresh && unreported.length > 0 ? unreported : model.pool;
    const id = from[this.pick % from.length] as number;
    const durationMs = resolveDuration(this.duration, model.m.config.slowCallDurationMs);
    this.note = ` #${id}${model.m.isReported(id) ? ' (again)' : ''} ${durationMs ?? 'measured '}ms`;
    model.m.report(id, this.kind, durationMs);
    callReport(real.permits.get(id) as AdmittedPermit, this.kind, durationMs);
    compareAll(model.m, real);
  }
  toString(): string {
    return `${this.kind}${this.note}`;
  }
}

/** One call: acquire, and when admitted report at once (after `elapsedMs` on the clock). */
class CallCommand implements Cmd {
  private note = '';
  constructor(
    private readonly kind: ReportKind,
    private readonly duration: DurationChoice,
    private readonly elapsedMs: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    const { id, expected } = model.m.acquire();
    const actual = real.b.tryAcquire();
    comparePermit(expected, actual);
    if (id === null || !actual.permitted) {
      this.note = ' -> rejected';
      compareAll(model.m, real);
      return;
    }
    model.pool.push(id);
    real.permits.set(id, actual);
    model.m.advance(this.elapsedMs);
    real.clock.t += this.elapsedMs;
    const durationMs = resolveDuration(this.duration, model.m.config.slowCallDurationMs);
    this.note = ` -> #${id}, ${this.kind} ${durationMs ?? 'measured '}ms`;
    model.m.report(id, this.kind, durationMs);
    callReport(actual, this.kind, durationMs);
    compareAll(model.m, real);
  }
  toString(): string {
    return `call (+${this.elapsedMs}ms)${this.note}`;
  }
}

class BadDurationCommand implements Cmd {
  private note = '';
  constructor(
    private readonly pick: number,
    private readonly kind: ReportKind,
    private readonly durationMs: number,
  ) {}
  check(model: Readonly<ModelSide>): boolean {
    return model.pool.some((id) => !model.m.isReported(id));
  }
  run(model: ModelSide, real: RealSide): void {
    const fresh = model.pool.filter((id) => !model.m.isReported(id));
    const id = fresh[this.pick % fresh.length] as number;
    this.note = ` #${id}`;
    let thrown: unknown;
    try {
      callReport(real.permits.get(id) as AdmittedPermit, this.kind, this.durationMs);
    } catch (error) {
      thrown = error;
    }
    if (!(thrown instanceof TypeError)) throw new Mismatch('bad duration', 'a TypeError', String(thrown));
    compareAll(model.m, real);
  }
  toString(): string {
    return `${this.kind}${this.note} with durationMs ${this.durationMs} (TypeError)`;
  }
}

class AdvanceCommand implements Cmd {
  constructor(private readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    model.m.advance(this.ms);
    real.clock.t += this.ms;
    compareAll(model.m, real);
  }
  toString(): string {
    return `advance ${this.ms}ms`;
  }
}

type Boundary = 'openEnd' | 'firstLeaseEnd' | 'lastLeaseEnd' | 'rampEnd' | 'nextBucket' | 'oldestLeaves';

/** Jumps to an exact boundary (plus `delta`), when that is ahead of the clock. */
class AdvanceToCommand implements Cmd {
  private note = '';
  constructor(
    private readonly boundary: Boundary,
    private readonly delta: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    const m = model.m;
    const leases = m.leaseEnds();
    const edges = m.bucketEdges();
    const target = {
      openEnd: m.openEnd(),
      firstLeaseEnd: leases[0] ?? null,
      lastLeaseEnd: leases.at(-1) ?? null,
      rampEnd: m.rampEnd(),
      nextBucket: edges[0] ?? null,
      oldestLeaves: edges[1] ?? null,
    }[this.boundary];
    const ms = target === null ? 0 : Math.max(0, target + this.delta - m.now);
    this.note = ` (+${ms}ms)`;
    m.advance(ms);
    real.clock.t += ms;
    compareAll(m, real);
  }
  toString(): string {
    const d = this.delta === 0 ? '' : this.delta > 0 ? `+${this.delta}` : `${this.delta}`;
    return `advance to ${this.boundary}${d}${this.note}`;
  }
}

class ControlCommand implements Cmd {
  constructor(private readonly control: 'forceOpen' | 'disable' | 'reset') {}
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    model.m[this.control]();
    real.b[this.control]();
    compareAll(model.m, real);
  }
  toString(): string {
    return `${this.control}()`;
  }
}

/** `reconfigure()` of one or two options; the model keeps `minimumCalls` within a count window. */
class ReconfigureCommand implements Cmd {
  private note = '';
  constructor(private readonly patch: ModelReconfigure) {}
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    const patch = { ...this.patch };
    const w = model.m.config.window;
    if (patch.minimumCalls !== undefined && w.kind === 'count') {
      patch.minimumCalls = Math.min(patch.minimumCalls, w.size);
    }
    this.note = ` ${show(patch)}`;
    model.m.reconfigure(patch);
    const { openDuration, ...rest } = patch;
    const options = {
      ...rest,
      ...(openDuration === undefined
        ? {}
        : { openDurationMs: openDurationOption(openDuration, real.backoffCalls) }),
    };
    real.b.reconfigure(options);
    real.options = { ...real.options, ...options };
    compareAll(model.m, real);
  }
  toString(): string {
    return `reconfigure${this.note}`;
  }
}

/** Hands the state across a restart: `new CircuitBreaker({ ...options, initialState: old.toJSON() })`. */
class RestartCommand implements Cmd {
  check(): boolean {
    return true;
  }
  run(model: ModelSide, real: RealSide): void {
    model.m.restart();
    const json = real.b.toJSON();
    expectSame('toJSON() is plain JSON', json, JSON.parse(JSON.stringify(json)));
    real.b = new CircuitBreaker({ ...real.options, initialState: JSON.parse(JSON.stringify(json)) });
    listen(real);
    // Calls in flight report to the old instance: nothing to compare them with.
    model.pool.length = 0;
    real.permits.clear();
    compareAll(model.m, real);
  }
  toString(): string {
    return 'restart from toJSON()';
  }
}

const kindArb = fc.constantFrom<ReportKind>(
  'success',
  'success',
  'success',
  'failure',
  'failure',
  'ignore',
  'timeout',
);
const durationArb: fc.Arbitrary<DurationChoice> = fc.oneof(
  fc.constantFrom<DurationChoice>('measured', 'zero', 'atSlow', 'overSlow', 'long'),
  fc.integer({ min: 0, max: 100 }),
);

const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  // Mostly traffic and time, a little manual control.
  { weight: 25, arbitrary: fc.constant(null).map(() => new AcquireCommand()) },
  {
    weight: 25,
    arbitrary: fc
      .tuple(fc.nat(), fc.boolean(), kindArb, durationArb)
      .map(([pick, anyPermit, kind, duration]) => new ReportCommand(pick, !anyPermit, kind, duration)),
  },
  {
    weight: 20,
    arbitrary: fc
      .tuple(kindArb, durationArb, fc.constantFrom(0, 0, 1, 10))
      .map(([kind, duration, elapsed]) => new CallCommand(kind, duration, elapsed)),
  },
  {
    weight: 15,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5_000 }),
      )
      .map((ms) => new AdvanceCommand(ms)),
  },
  {
    weight: 10,
    arbitrary: fc
      .tuple(
        fc.constantFrom<Boundary>(
          'openEnd',
          'firstLeaseEnd',
          'lastLeaseEnd',
          'rampEnd',
          'nextBucket',
          'oldestLeaves',
        ),
        fc.constantFrom(-1, 0, 0, 1),
      )
      .map(([boundary, delta]) => new AdvanceToCommand(boundary, delta)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), kindArb, fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY))
      .map(([pick, kind, ms]) => new BadDurationCommand(pick, kind, ms)),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('forceOpen' as const, 'disable' as const, 'reset' as const)
      .map((c) => new ControlCommand(c)),
  },
  { weight: 2, arbitrary: fc.constant(null).map(() => new RestartCommand()) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          failureRateThreshold: thresholdArb,
          slowCallRateThreshold: fc.constantFrom(0.3, 0.5, 1),
          slowCallDurationMs: fc.constantFrom(0, 10, 50),
          minimumCalls: fc.integer({ min: 1, max: 6 }),
          consecutiveFailures: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
          openDuration: openDurationArb,
        },
        { requiredKeys: [] },
      )
      .map((patch) => new ReconfigureCommand(patch)),
  },
);

describe('CircuitBreaker against the reference model', () => {
  it('agrees on state, permits, counters, rates and events after every step', () => {
    fc.assert(
      fc.property(
        setupArb,
        fc.commands([commandArb], { maxCommands: MAX_COMMANDS, size: 'max' }),
        (setup, commands) => {
          fc.modelRun(() => build(setup), commands);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
