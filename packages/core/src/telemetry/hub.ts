/**
 * OpenTelemetry for breakers: one {@link TelemetryHub} per registry (or per standalone
 * breaker) and one {@link BreakerTap} per breaker, which the breaker calls with
 * positional arguments for every reported call, rejection and transition.
 *
 * Cost model:
 * - The hub looks up the global meter provider and whether a context manager is
 *   registered at most once a second (on the breaker's clock) or every 1,024 calls. In
 *   between, a call costs two field reads when no SDK is registered.
 * - Metric attribute objects are cached per (name, outcome, state) and reused: a call
 *   allocates nothing of Breakwater's (the SDK's own recording may).
 * - Spans: only the active span, only when it is recording; nothing is allocated
 *   otherwise. With an explicit `tracerProvider`, `execute()` starts a span of its own
 *   (see execute-span.ts) and the breaker hands it over: that span is annotated
 *   instead of the active one.
 *
 * @internal
 */
import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableResult,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { FAILED, OUTCOMES, REJECTED, STATE_NAMES } from '../codes.js';
import type { BreakerState, TransitionReason } from '../types.js';
import { WarnOnce } from '../warn-once.js';
import { CALL_DURATION_BUCKETS, TelemetryNames, TelemetryUnits } from './names.js';
import { DEFAULT_TELEMETRY, type NormalizedTelemetry } from './options.js';
import { SCOPE_NAME, SCOPE_VERSION } from './scope.js';
import { hasContextManager } from './spans.js';

const A = TelemetryNames.attributes;
const M = TelemetryNames.metrics;
const STATES = STATE_NAMES.length;
/** Distinct names a hub puts on metrics; more read `_other`. */
export const MAX_NAMES = 1_000;
/** Distinct `error.type` values per name; more read `_OTHER`. */
export const MAX_ERROR_TYPES = 32;
const CALL_SLOTS = OUTCOMES.length * STATES;
const SLOTS = 2 * CALL_SLOTS + STATES * STATES + STATES;
const REFRESH_MS = 1_000;
const SWEEP_AT = 1_024;
const REFRESH_CALLS = 1_024;
const ERROR_TYPE = /^[A-Za-z_][\w.-]{0,63}$/;

/** Warning code of problems in telemetry (an SDK or a `recordKey`/`metricKey` function that throws). */
export const TELEMETRY_WARNING = 'BREAKWATER_TELEMETRY_ERROR';

/**
 * What a breaker calls. Positional arguments, codes from `codes.ts`: nothing is
 * allocated per call. `span` is the span `execute()` started for the call (explicit
 * `tracerProvider` only), annotated instead of the active span; `null` otherwise.
 *
 * @internal
 */
export interface TelemetryTap {
  /** Whether `execute()` starts a span of its own (an explicit `tracerProvider` was given). */
  readonly traces: boolean;
  /**
   * A reported call (`kind` SUCCESS, FAILED, IGNORED, TIMED_OUT) or a rejection
   * (REJECTED); `state` admitted or rejected it; `breaker` is the caller.
   */
  call(
    kind: number,
    durationMs: number,
    state: number,
    error: unknown,
    now: number,
    breaker: TappedBreaker,
    span: Span | null,
  ): void;
  /** A transition, at its (due) time. */
  transition(
    from: number,
    to: number,
    reason: TransitionReason,
    at: number,
    breaker: TappedBreaker,
    span: Span | null,
  ): void;
  /**
   * Starts the INTERNAL span of one `execute()` call (only when `traces`), a child of
   * the active context, from the explicit provider's tracer. May throw (a provider
   * that throws): the caller then runs the call without a span.
   */
  startSpan(breaker: TappedBreaker): Span;
}

/** What a breaker offers its tap. */
export interface TappedBreaker {
  readonly key: string;
  readonly name: string;
  readonly state: BreakerState;
  telemetryTap(tap: TelemetryTap | null): void;
}

/** Something whose breakers are counted by `circuit_breaker.count`; the protocol shared by copies of the package. */
interface CountSource {
  observeCount(emit: (id: string, attributes: Attributes, value: number) => void): void;
}

/** Instruments of one meter, shared by every hub that records through it. */
interface Instruments {
  readonly calls: Counter;
  readonly duration: Histogram;
  readonly transitions: Counter;
  readonly sources: Set<WeakRef<CountSource>>;
  /** When `sources` reaches this size, references to collected hubs are swept (a meter nobody collects never sweeps them). */
  sweepAt: number;
}

/**
 * Where a meter's instruments are kept, so that every hub (of any copy of this version of
 * the package) records through the same ones and `circuit_breaker.count` has one callback
 * that sums every registry's breakers: two callbacks observing the same attributes would
 * overwrite each other.
 */
const SHARED = Symbol.for('@breakwater/core/telemetry/instruments@1');

function instrumentsFor(meter: Meter): Instruments {
  const holder = meter as unknown as Record<symbol, Instruments | undefined>;
  const existing = holder[SHARED];
  if (existing !== undefined) return existing;
  const sources = new Set<WeakRef<CountSource>>();
  const instruments: Instruments = {
    calls: meter.createCounter(M.calls, {
      unit: TelemetryUnits.calls,
      description:
        'Calls through circuit breakers, by outcome and by the state that admitted or rejected them.',
    }),
    duration: meter.createHistogram(M.callDuration, {
      unit: TelemetryUnits.callDuration,
      description: 'Duration of the calls circuit breakers admitted.',
      advice: { explicitBucketBoundaries: [...CALL_DURATION_BUCKETS] },
    }),
    transitions: meter.createCounter(M.transitions, {
      unit: TelemetryUnits.transitions,
      description: 'Circuit breaker state changes.',
    }),
    sources,
    sweepAt: SWEEP_AT,
  };
  const count = meter.createObservableUpDownCounter(M.count, {
    unit: TelemetryUnits.count,
    description: 'Circuit breakers (keys) of each name in each state.',
  });
  count.addCallback((result) => observeAll(sources, result));
  try {
    Object.defineProperty(meter, SHARED, { value: instruments, configurable: true });
  } catch {
    // A frozen meter: this hub keeps its own instruments.
  }
  return instruments;
}

function addSource(instruments: Instruments, ref: WeakRef<CountSource>): void {
  const sources = instruments.sources;
  sources.add(ref);
  if (sources.size < instruments.sweepAt) return;
  for (const r of sources) if (r.deref() === undefined) sources.delete(r);
  instruments.sweepAt = Math.max(SWEEP_AT, sources.size * 2);
}

function observeAll(sources: Set<WeakRef<CountSource>>, result: ObservableResult): void {
  const totals = new Map<string, { attributes: Attributes; value: number }>();
  const emit = (id: string, attributes: Attributes, value: number) => {
    const total = totals.get(id);
    if (total === undefined) totals.set(id, { attributes, value });
    else total.value += value;
  };
  for (const ref of sources) {
    const source = ref.deref();
    if (source === undefined) {
      sources.delete(ref);
      continue;
    }
    try {
      source.observeCount(emit);
    } catch {
      // One source failing must not hide the others.
    }
  }
  for (const { attributes, value } of totals.values()) result.observe(value, attributes);
}

/** A low-cardinality `error.type`: the error's name, or its code for plain `Error`s (`ECONNREFUSED`). */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { name, code } = error as { name?: unknown; code?: unknown };
    if (typeof name === 'string' && name !== 'Error' && ERROR_TYPE.test(name)) return name;
    if (typeof code === 'string' && ERROR_TYPE.test(code)) return code;
    if (typeof name === 'string' && ERROR_TYPE.test(name)) return name;
  }
  return TelemetryNames.otherError;
}

/**
 * The attribute sets of one metric series (a name, and a key bucket with `metricKey`),
 * built once and reused for every call.
 *
 * @internal
 */
export class Series {
  readonly id: string;
  readonly name: string;
  readonly bucket: string | undefined;
  /** Attribute sets built so far: calls, then spans, then transitions, then counts. */
  #slots: Array<Attributes | undefined> | null = null;
  /** Failure attribute sets by `error.type`, then state. */
  #failures: Map<string, Array<Attributes | undefined>> | null = null;
  #errorTypes: Set<string> | null = null;
  /** The name of the spans `execute()` starts (explicit `tracerProvider`), built on first use. */
  #spanName: string | null = null;

  constructor(id: string, name: string, bucket: string | undefined) {
    this.id = id;
    this.name = name;
    this.bucket = bucket;
  }

  /** `circuit_breaker.execute <name>`: low cardinality, the name as on metrics. */
  get spanName(): string {
    if (this.#spanName === null) this.#spanName = `${TelemetryNames.spans.execute} ${this.name}`;
    return this.#spanName;
  }

  #base(): Record<string, string> {
    const a: Record<string, string> = { [A.name]: this.name };
    if (this.bucket !== undefined) a[A.key] = this.bucket;
    return a;
  }

  /** The attribute set in `slot`, built once: the name (and key bucket, `keyed`), then what is given. */
  #cached(
    slot: number,
    keyed: boolean,
    outcome: string | undefined,
    state: string,
    previous: string | undefined,
  ): Attributes {
    if (this.#slots === null) this.#slots = new Array<Attributes | undefined>(SLOTS).fill(undefined);
    let a = this.#slots[slot];
    if (a === undefined) {
      const o = keyed ? this.#base() : { [A.name]: this.name };
      if (outcome !== undefined) o[A.outcome] = outcome;
      o[A.state] = state;
      if (previous !== undefined) o[A.previousState] = previous;
      a = Object.freeze(o);
      this.#slots[slot] = a;
    }
    return a;
  }

  /** Metric attributes of a call that did not fail. */
  call(kind: number, state: number): Attributes {
    return this.#cached(kind * STATES + state, true, OUTCOMES[kind], STATE_NAMES[state]!, undefined);
  }

  /** Metric attributes of a failure, with `error.type`. */
  failure(state: number, error: unknown): Attributes {
    let type = errorTypeOf(error);
    if (this.#errorTypes === null) this.#errorTypes = new Set();
    if (!this.#errorTypes.has(type)) {
      if (this.#errorTypes.size < MAX_ERROR_TYPES) this.#errorTypes.add(type);
      else type = TelemetryNames.otherError;
    }
    if (this.#failures === null) this.#failures = new Map();
    let byState = this.#failures.get(type);
    if (byState === undefined) {
      byState = new Array<Attributes | undefined>(STATES).fill(undefined);
      this.#failures.set(type, byState);
    }
    let a = byState[state];
    if (a === undefined) {
      const base = this.#base();
      base[A.outcome] = 'failure';
      base[A.state] = STATE_NAMES[state]!;
      base[A.errorType] = type;
      a = Object.freeze(base);
      byState[state] = a;
    }
    return a;
  }

  /** Span attributes of a call: name, state, outcome (never the key bucket, never `error.type`). */
  span(kind: number, state: number): Attributes {
    return this.#cached(
      CALL_SLOTS + kind * STATES + state,
      false,
      OUTCOMES[kind],
      STATE_NAMES[state]!,
      undefined,
    );
  }

  /** Metric attributes of a transition. */
  transition(from: number, to: number): Attributes {
    return this.#cached(
      2 * CALL_SLOTS + from * STATES + to,
      true,
      undefined,
      STATE_NAMES[to]!,
      STATE_NAMES[from],
    );
  }

  /** Metric attributes of `circuit_breaker.count` for one state. */
  count(state: number): Attributes {
    return this.#cached(
      2 * CALL_SLOTS + STATES * STATES + state,
      true,
      undefined,
      STATE_NAMES[state]!,
      undefined,
    );
  }
}

/**
 * One breaker's link to its hub: the breaker calls it, it hands the call to the hub
 * with the breaker's series and key.
 *
 * @internal
 */
export class BreakerTap implements TelemetryTap {
  readonly hub: TelemetryHub;
  readonly series: Series;
  readonly key: string;
  #spanKey: string | null | undefined = undefined;

  constructor(hub: TelemetryHub, series: Series, key: string) {
    this.hub = hub;
    this.series = series;
    this.key = key;
  }

  get traces(): boolean {
    return this.hub.traces;
  }

  call(
    kind: number,
    durationMs: number,
    state: number,
    error: unknown,
    now: number,
    _breaker?: TappedBreaker,
    span: Span | null = null,
  ): void {
    const hub = this.hub;
    // No SDK: return before anything else, until the hub looks again (never idle with a tracerProvider).
    if (hub.idle && now < hub.nextCheck && --hub.budget >= 0) return;
    try {
      hub.call(this, kind, durationMs, state, error, now, span);
    } catch (thrown) {
      this.hub.warn('Recording a circuit breaker call in OpenTelemetry threw', thrown);
    }
  }

  transition(
    from: number,
    to: number,
    reason: TransitionReason,
    at: number,
    _breaker?: TappedBreaker,
    span: Span | null = null,
  ): void {
    try {
      this.hub.transition(this, from, to, reason, at, span);
    } catch (thrown) {
      this.hub.warn('Recording a circuit breaker transition in OpenTelemetry threw', thrown);
    }
  }

  startSpan(): Span {
    return this.hub.startSpan(this);
  }

  /** The key as it goes on spans (`recordKey`), computed once; `null` when it does not. */
  spanKey(): string | null {
    if (this.#spanKey === undefined) {
      this.#spanKey = null;
      const recordKey = this.hub.recordKey;
      if (recordKey !== undefined) {
        try {
          const value = recordKey(this.key);
          if (typeof value === 'string') this.#spanKey = value;
        } catch (thrown) {
          this.hub.warn('The telemetry recordKey function threw; the key was left off the span', thrown);
        }
      }
    }
    return this.#spanKey;
  }
}

function seriesId(name: string, bucket: string | undefined): string {
  return bucket === undefined ? name : `${name}\u0000${bucket}`;
}

/** Visits every breaker a hub counts, with its tap and state. */
export type TapVisitor = (visit: (tap: BreakerTap, state: BreakerState) => void) => void;

/**
 * The telemetry of a registry or of a standalone breaker: resolves the meter provider
 * and whether spans can be active, caches attribute sets per series, and counts its
 * breakers per state for `circuit_breaker.count`.
 *
 * @internal
 */
export class TelemetryHub implements CountSource {
  readonly #cfg: NormalizedTelemetry;
  readonly #visit: TapVisitor;
  #warn: WarnOnce | null = null;
  #provider: MeterProvider | undefined = undefined;
  #instruments: Instruments | null = null;
  #tracing = false;
  /** The explicit tracerProvider's tracer, made on the first span. */
  #tracer: Tracer | null = null;
  /**
   * True while there is nothing to record to (no meter, no context manager): taps return
   * at once until `nextCheck` (on the breakers' clock) or `budget` calls. Read by
   * {@link BreakerTap.call} on every call.
   */
  idle = false;
  nextCheck = Number.NEGATIVE_INFINITY;
  budget = 0;
  #ref: WeakRef<CountSource> | null = null;
  /** The first series; the map holds every series once there are two (most hubs have one). */
  #first: Series | null = null;
  #series: Map<string, Series> | null = null;
  #names: Set<string> | null = null;
  #buckets: Set<string> | null = null;

  constructor(config: NormalizedTelemetry, visit: TapVisitor) {
    this.#cfg = config;
    this.#visit = visit;
  }

  /** How keys go on spans, if they do. */
  get recordKey(): ((key: string) => string) | undefined {
    return this.#cfg.recordKey;
  }

  /** Whether `execute()` starts spans of its own: a `tracerProvider` was given. */
  get traces(): boolean {
    return this.#cfg.tracerProvider !== undefined;
  }

  /**
   * Starts the INTERNAL span of one `execute()` call from the explicit provider's tracer
   * (scope: the package's name and version), a child of the active context.
   */
  startSpan(tap: BreakerTap): Span {
    const provider = this.#cfg.tracerProvider;
    if (provider === undefined) throw new Error('startSpan without a tracerProvider');
    if (this.#tracer === null) this.#tracer = provider.getTracer(SCOPE_NAME, SCOPE_VERSION);
    const series = tap.series;
    // A fresh attributes object: some SDKs merge the sampler's attributes into it.
    return this.#tracer.startSpan(series.spanName, {
      kind: SpanKind.INTERNAL,
      attributes: { [A.name]: series.name },
    });
  }

  /**
   * A tap for a breaker.
   *
   * @param key - the breaker's key (bucketed with `metricKey` for metrics).
   * @param name - the name it has on metrics and spans.
   */
  tap(key: string, name: string): BreakerTap {
    const bucket = this.#bucketOf(key);
    const first = this.#first;
    if (first === null) {
      this.#first = new Series(seriesId(name, bucket), name, bucket);
      return new BreakerTap(this, this.#first, key);
    }
    if (first.name === name && first.bucket === bucket) return new BreakerTap(this, first, key);
    const metricName = this.#admitName(name);
    const id = seriesId(metricName, bucket);
    if (this.#series === null) this.#series = new Map([[first.id, first]]);
    let series = this.#series.get(id);
    if (series === undefined) {
      series = new Series(id, metricName, bucket);
      this.#series.set(id, series);
    }
    return new BreakerTap(this, series, key);
  }

  call(
    tap: BreakerTap,
    kind: number,
    durationMs: number,
    state: number,
    error: unknown,
    now: number,
    own: Span | null,
  ): void {
    if (now >= this.nextCheck || --this.budget < 0) this.#refresh(now);
    const instruments = this.#instruments;
    if (instruments !== null) {
      const series = tap.series;
      const attributes = kind === FAILED ? series.failure(state, error) : series.call(kind, state);
      instruments.calls.add(1, attributes);
      if (kind !== REJECTED) instruments.duration.record(durationMs / 1_000, attributes);
    }
    // The call's own span (explicit tracerProvider), else the active one.
    const span = own ?? (this.#tracing ? trace.getActiveSpan() : undefined);
    if (span?.isRecording()) {
      span.setAttributes(tap.series.span(kind, state));
      if (this.#cfg.recordKey !== undefined) {
        const key = tap.spanKey();
        if (key !== null) span.setAttribute(A.key, key);
      }
    }
  }

  transition(
    tap: BreakerTap,
    from: number,
    to: number,
    reason: TransitionReason,
    at: number,
    own: Span | null,
  ): void {
    if (at >= this.nextCheck || --this.budget < 0) this.#refresh(at);
    this.#instruments?.transitions.add(1, tap.series.transition(from, to));
    const span = own ?? (this.#tracing ? trace.getActiveSpan() : undefined);
    if (!span?.isRecording()) return;
    const attributes: Record<string, string> = {
      [A.name]: tap.series.name,
      [A.state]: STATE_NAMES[to]!,
      [A.previousState]: STATE_NAMES[from]!,
      [A.reason]: reason,
    };
    if (this.#cfg.recordKey !== undefined) {
      const key = tap.spanKey();
      if (key !== null) attributes[A.key] = key;
    }
    span.addEvent(TelemetryNames.events.stateChange, attributes);
  }

  /** For `circuit_breaker.count`: every series this hub has made, with its breakers per state (zeros included). */
  observeCount(emit: (id: string, attributes: Attributes, value: number) => void): void {
    const first = this.#first;
    if (first === null) return;
    const counts = new Map<Series, number[]>();
    for (const series of this.#series?.values() ?? [first])
      counts.set(series, new Array<number>(STATES).fill(0));
    this.#visit((tap, state) => {
      const c = counts.get(tap.series);
      const i = STATE_NAMES.indexOf(state);
      if (c !== undefined && i >= 0) c[i]! += 1;
    });
    for (const [series, c] of counts) {
      for (let i = 0; i < STATES; i++) emit(`${series.id}\u0000${i}`, series.count(i), c[i]!);
    }
  }

  /** Looks the providers up again now (a new breaker, or the period passed). */
  refreshIfDue(now: number): void {
    if (now >= this.nextCheck || this.budget <= 0) this.#refresh(now);
  }

  warn(message: string, error: unknown): void {
    if (this.#warn === null) this.#warn = new WarnOnce();
    this.#warn.warn(TELEMETRY_WARNING, message, error);
  }

  #refresh(now: number): void {
    this.nextCheck = Number.isFinite(now) ? now + REFRESH_MS : Number.POSITIVE_INFINITY;
    this.budget = REFRESH_CALLS;
    const provider = this.#cfg.meterProvider ?? metrics.getMeterProvider();
    if (provider !== this.#provider) {
      this.#provider = provider;
      const previous = this.#instruments;
      if (previous !== null && this.#ref !== null) previous.sources.delete(this.#ref);
      this.#instruments = null;
      const meter = provider.getMeter(SCOPE_NAME, SCOPE_VERSION);
      if (meter !== createNoopMeter()) {
        const instruments = instrumentsFor(meter);
        if (this.#ref === null) this.#ref = new WeakRef<CountSource>(this);
        addSource(instruments, this.#ref);
        this.#instruments = instruments;
      }
    }
    this.#tracing = hasContextManager();
    // An explicit tracerProvider: `execute()` spans are annotated with or without a context manager.
    this.idle = this.#instruments === null && !this.#tracing && this.#cfg.tracerProvider === undefined;
  }

  #admitName(name: string): string {
    if (this.#names === null) this.#names = new Set([(this.#first as Series).name]);
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_NAMES) return TelemetryNames.overflow;
    this.#names.add(name);
    return name;
  }

  #bucketOf(key: string): string | undefined {
    const metricKey = this.#cfg.metricKey;
    if (metricKey === undefined) return undefined;
    let bucket: unknown;
    try {
      bucket = metricKey(key);
    } catch (thrown) {
      this.warn(
        `The telemetry metricKey function threw; the key counts as ${TelemetryNames.overflow}`,
        thrown,
      );
      return TelemetryNames.overflow;
    }
    if (typeof bucket !== 'string' || bucket === TelemetryNames.overflow) return TelemetryNames.overflow;
    if (this.#buckets === null) this.#buckets = new Set();
    if (this.#buckets.has(bucket)) return bucket;
    if (this.#buckets.size >= this.#cfg.metricKeyLimit) return TelemetryNames.overflow;
    this.#buckets.add(bucket);
    return bucket;
  }
}

/**
 * The tap of a breaker outside any registry, until its first call or transition: then
 * it gives the breaker a hub of its own (which counts that one breaker) and steps
 * aside. Stateless, so breakers with the default options share one: an idle breaker
 * pays nothing for telemetry.
 *
 * @internal
 */
class PendingTap implements TelemetryTap {
  readonly #config: NormalizedTelemetry;

  constructor(config: NormalizedTelemetry) {
    this.#config = config;
  }

  get traces(): boolean {
    return this.#config.tracerProvider !== undefined;
  }

  call(
    kind: number,
    durationMs: number,
    state: number,
    error: unknown,
    now: number,
    breaker: TappedBreaker,
    span: Span | null,
  ): void {
    this.#start(breaker).call(kind, durationMs, state, error, now, breaker, span);
  }

  transition(
    from: number,
    to: number,
    reason: TransitionReason,
    at: number,
    breaker: TappedBreaker,
    span: Span | null,
  ): void {
    this.#start(breaker).transition(from, to, reason, at, breaker, span);
  }

  startSpan(breaker: TappedBreaker): Span {
    return this.#start(breaker).startSpan();
  }

  #start(breaker: TappedBreaker): BreakerTap {
    let tap: BreakerTap | null = null;
    const hub = new TelemetryHub(this.#config, (visit) => {
      if (tap !== null) visit(tap, breaker.state);
    });
    tap = hub.tap(breaker.key, breaker.name);
    breaker.telemetryTap(tap);
    return tap;
  }
}

const PENDING_DEFAULT = new PendingTap(DEFAULT_TELEMETRY);

/**
 * The telemetry tap of a breaker outside any registry.
 *
 * @internal
 */
export function standaloneTap(config: NormalizedTelemetry): TelemetryTap {
  return config === DEFAULT_TELEMETRY ? PENDING_DEFAULT : new PendingTap(config);
}
