/**
 * Public types of `@breakwater/core`.
 *
 * States, outcomes and reasons are string literals so they read well in logs,
 * JSON and span attributes.
 */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/**
 * The state of a breaker.
 *
 * - `closed`: calls flow and are recorded.
 * - `open`: calls are rejected until the open period ends.
 * - `half_open`: a fixed number of probes test the dependency.
 * - `forced_open`: rejected by hand until {@link CircuitBreakerApi.reset}.
 * - `disabled`: everything passes, nothing is recorded, until `reset()`.
 */
export type BreakerState = 'closed' | 'open' | 'half_open' | 'forced_open' | 'disabled';

/**
 * How a breaker acts on its decisions.
 *
 * - `enforce`: rejects when open (the default).
 * - `observe`: records, evaluates, transitions and reports everything, but never
 *   rejects: a would-be rejection is counted and reported, and the call proceeds.
 * - `off`: calls pass straight through, unrecorded.
 */
export type BreakerMode = 'enforce' | 'observe' | 'off';

/** What happened to one call, as reported by `onCall` and counted in `totals`. */
export type CallOutcome = 'success' | 'failure' | 'ignored' | 'rejected' | 'timeout';

/** Why a call was rejected. */
export type RejectionReason = 'open' | 'half_open_full' | 'ramp_up' | 'forced_open';

/** What a classifier decides about a finished call. */
export type Classification = 'success' | 'failure' | 'ignore';

/** Why a breaker changed state. */
export type TransitionReason =
  /** The failure rate reached `failureRateThreshold` (in CLOSED or over the half-open probes). */
  | 'failure_rate'
  /** The slow-call rate reached `slowCallRateThreshold` (in CLOSED or over the half-open probes). */
  | 'slow_call_rate'
  /** `consecutiveFailures` failures in a row while CLOSED. */
  | 'consecutive_failures'
  /** The open period ended: OPEN → HALF_OPEN. */
  | 'open_elapsed'
  /** The half-open probes passed: HALF_OPEN → CLOSED. */
  | 'probes_passed'
  /** `forceOpen()` was called. */
  | 'forced_open'
  /** `disable()` was called. */
  | 'disabled'
  /** `reset()` was called. */
  | 'reset'
  /** A decision taken by another instance of the fleet, adopted through a store. */
  | 'fleet';

/**
 * A count window holds the outcomes of the last `size` calls (an integer in
 * [1, 100,000]). A time window holds the outcomes of the last `durationMs`, in
 * `buckets` buckets of `durationMs / buckets` each (an integer in [1, 1,000],
 * default 10).
 */
export type WindowOptions =
  | { kind: 'count'; size: number }
  | { kind: 'time'; durationMs: number; buckets?: number };

/** A source of time in milliseconds. Only differences matter; epoch milliseconds read best in snapshots. */
export interface Clock {
  now(): number;
}

/** The context a {@link Backoff} receives. */
export interface BackoffContext {
  /** The breaker's random source, a number in [0, 1). */
  random: () => number;
  /** The duration returned for the previous opening in this run of openings, 0 for the first. */
  previousMs: number;
}

/**
 * Computes how long the breaker stays open.
 *
 * @param attempt - 1-based index over consecutive openings; restarts after the breaker closes or is reset.
 * @returns milliseconds, a finite number >= 0.
 */
export type Backoff = (attempt: number, context: BackoffContext) => number;

/** Jitter strategies for {@link ExponentialBackoffOptions.jitter}. */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** Options of `exponentialBackoff()`. */
export interface ExponentialBackoffOptions {
  /**
   * The first open duration, in ms (> 0). With `'decorrelated'` jitter, the lower bound of
   * every draw: the first is random in `[initialMs, initialMs · multiplier]`.
   */
  initialMs: number;
  /** The longest open duration, in ms (>= initialMs). Default: no maximum. */
  maxMs?: number;
  /** The growth factor between openings (>= 1). Default 2. */
  multiplier?: number;
  /** Default `'none'`. */
  jitter?: Jitter;
}

/** What a classifier receives about a finished call. */
export interface ClassifyInput {
  /** The error the call threw or rejected with, when it did. */
  error?: unknown;
  /** The value the call resolved with, when it did. */
  result?: unknown;
  /** How long the call took, in ms. */
  durationMs: number;
}

/**
 * Options of a {@link CircuitBreakerApi}. Every option is validated at construction
 * and in `reconfigure()`; unknown names are errors.
 */
export interface CircuitBreakerOptions {
  /** The breaker's name, used in errors, events, snapshots and telemetry. Default `'default'`. */
  name?: string;
  /**
   * The key of this breaker inside a keyed registry (a route, a client). Defaults to `name`.
   * Cannot be reconfigured.
   */
  key?: string;
  /** The sliding window. Default `{ kind: 'count', size: 100 }`. */
  window?: WindowOptions;
  /** Trip when the failure rate is at least this ratio, in (0, 1]. Default 0.5. */
  failureRateThreshold?: number;
  /** A call is slow when it takes strictly longer than this, in ms (>= 0). Default 60,000. */
  slowCallDurationMs?: number;
  /** Trip when the slow-call rate is at least this ratio, in (0, 1]. Default 1. */
  slowCallRateThreshold?: number;
  /**
   * No rate exists below this many recorded calls (integer >= 1). Default 100, or the
   * count window's size when that is smaller.
   */
  minimumCalls?: number;
  /** Also trip on this many failures in a row while closed (integer >= 1). Default: off. */
  consecutiveFailures?: number | undefined;
  /** How long the breaker stays open, in ms (>= 0), or a {@link Backoff}. Default 60,000. */
  openDurationMs?: number | Backoff;
  /** How many probes HALF_OPEN admits (integer >= 1). Default 10. */
  halfOpenMaxCalls?: number;
  /**
   * A probe that has not reported within this many ms counts as a failed probe (> 0, at
   * most `MAX_TIMER_MS`, 2,147,483,647). Default 60,000.
   */
  halfOpenMaxWaitMs?: number;
  /** After closing from HALF_OPEN, admit a share of calls growing linearly from 0 to 1 over this many ms (>= 0). Default 0. */
  rampUpMs?: number;
  /** Per-call timeout for `execute()`, in ms (> 0, at most `MAX_TIMER_MS`, 2,147,483,647). Default: none. */
  timeoutMs?: number | undefined;
  /** Decides how `execute()` records a finished call. Default: errors fail, results succeed. */
  classify?: ((input: ClassifyInput) => Classification) | undefined;
  /** Default `'enforce'`. */
  mode?: BreakerMode;
  /** The clock. Default: a process-wide coarse clock (see the README). */
  clock?: Clock | undefined;
  /** The random source, returning a number in [0, 1). Default `Math.random`. */
  random?: (() => number) | undefined;
  /** State saved with `toJSON()`, to carry a breaker across restarts. */
  initialState?: BreakerJSON | undefined;
  /**
   * OpenTelemetry: `false` turns it off; `true` or an object of {@link TelemetryOptions}
   * turns it on. Default on: metrics go to the global meter provider and the active
   * span is annotated, at no measurable cost while no SDK is registered. Cannot be
   * reconfigured. A registry sets it for its breakers (`new BreakerRegistry({ telemetry })`).
   */
  telemetry?: boolean | TelemetryOptions | undefined;
}

/**
 * How a breaker (or a registry's breakers) reports to OpenTelemetry. Breakwater never
 * creates a provider, exporter or context manager: it annotates the spans the app's
 * instrumentation made (and, with an explicit `tracerProvider`, starts `execute()` spans
 * from it) and records metrics through the app's meter provider.
 */
export interface TelemetryOptions {
  /**
   * Given explicitly, `execute()` starts a span of its own per call from this provider's
   * tracer (scope: the package's name and version): INTERNAL, named
   * `circuit_breaker.execute <name>`, a child of the active span and active around `fn`,
   * with the `circuit_breaker.*` attributes and transition events, ended when the call
   * settles; a failure, timeout or rejection sets status ERROR, `error.type` and an
   * exception event. Default: none, and no span is started: the span active when a call
   * is reported (for the HTTP adapters, the request's server span) is annotated,
   * whichever provider started it. Permits (`tryAcquire()`, and so the HTTP adapters)
   * never start a span.
   *
   * @example
   * ```ts
   * const breaker = new CircuitBreaker({ name: 'payments', telemetry: { tracerProvider } });
   * await breaker.execute(() => charge()); // span "circuit_breaker.execute payments"
   * ```
   */
  tracerProvider?: TracerProvider | undefined;
  /** Where the metrics go. Default: the global meter provider (looked up again at most once a second until one is registered). */
  meterProvider?: MeterProvider | undefined;
  /**
   * Whether spans carry `circuit_breaker.key`. A key may be a client address or a tenant
   * (personal data): `true` puts it as is, a function puts what it returns (say, a
   * keyed hash), computed once per breaker. Default `false`. Keys never go on metrics.
   */
  recordKey?: boolean | ((key: string) => string) | undefined;
  /**
   * Buckets keys into a low-cardinality `circuit_breaker.key` metric attribute, computed
   * once per breaker, e.g. `(key) => key` for route keys or `(key) => tenantTier(key)`.
   * Past `metricKeyLimit` distinct values, further ones read `_other`. Default: none,
   * metrics carry the breaker name only.
   */
  metricKey?: ((key: string) => string) | undefined;
  /** The most distinct `metricKey` values (integer in [1, 1000]). Default 100. */
  metricKeyLimit?: number | undefined;
}

/** The options `reconfigure()` accepts: everything but `name`, `key`, `clock`, `random`, `initialState` and `telemetry`. */
export type ReconfigurableOptions = Omit<
  CircuitBreakerOptions,
  'name' | 'key' | 'clock' | 'random' | 'initialState' | 'telemetry'
>;

/** A state change, as delivered to `onStateChange` listeners. */
export interface StateChangeEvent {
  name: string;
  key: string;
  from: BreakerState;
  to: BreakerState;
  reason: TransitionReason;
  /** When the transition took effect (for lazy transitions, their due time), on the breaker's clock. */
  at: number;
}

/** One reported call, as delivered to `onCall` listeners. */
export interface CallEvent {
  name: string;
  key: string;
  outcome: CallOutcome;
  /** The call's duration in ms; 0 for rejections. */
  durationMs: number;
  /** The breaker's state when the call was reported (after processing it). */
  state: BreakerState;
  /** For `rejected`: why. In `observe` mode the call went ahead anyway. */
  reason?: RejectionReason;
  /** For `failure`: the error reported, if any. */
  error?: unknown;
  /** True when the call was admitted by an older state generation: it counted in totals only. */
  stale: boolean;
}

/** The last transition, as shown in snapshots. */
export interface TransitionInfo {
  from: BreakerState;
  to: BreakerState;
  reason: TransitionReason;
  at: number;
}

/** Cumulative counters; `reset()` keeps them. A timeout is not also a failure. */
export interface BreakerTotals {
  successes: number;
  failures: number;
  ignored: number;
  rejected: number;
  timeouts: number;
}

/** A plain-JSON view of a breaker. */
export interface BreakerSnapshot {
  name: string;
  key: string;
  state: BreakerState;
  mode: BreakerMode;
  /** Failures / recorded calls in the shown sample, or `null` below `minimumCalls` (in HALF_OPEN: from the first probe). */
  failureRate: number | null;
  /** Slow calls / recorded calls, with the same rule as `failureRate`. */
  slowCallRate: number | null;
  /** The shown sample: the window in CLOSED, the probes in HALF_OPEN, the tripping sample in OPEN. */
  window: { kind: 'count' | 'time'; calls: number; failures: number; slowCalls: number };
  totals: BreakerTotals;
  consecutiveFailures: number;
  /** When the current open period started; a number only in `open`. */
  openedAt: number | null;
  /** Time left in the open period; a number only in `open`. */
  retryAfterMs: number | null;
  /** Consecutive openings so far (the backoff attempt of the current or last opening). */
  openings: number;
  /** In HALF_OPEN: probes in flight and the sample size; else null. */
  halfOpen: { inFlight: number; recorded: number; maxCalls: number } | null;
  /** While ramping up after closing: the share of calls admitted, in [0, 1); else null. */
  rampUpShare: number | null;
  lastTransition: TransitionInfo | null;
}

/** Serialised breaker state, from `toJSON()`, accepted as `initialState`. */
export interface BreakerJSON {
  version: 1;
  state: BreakerState;
  windowKind: 'count' | 'time';
  /** Count window: outcomes oldest first, 0 success, 1 failure, 2 slow success, 3 slow failure. */
  outcomes?: number[];
  /** Time window: the bucket length, and non-empty buckets by index `floor(t / length)`. */
  bucketMs?: number;
  buckets?: Array<{ index: number; calls: number; failures: number; slowCalls: number }>;
  probes: { calls: number; failures: number; slowCalls: number };
  consecutiveFailures: number;
  openings: number;
  previousOpenMs: number;
  openedAt: number | null;
  openUntil: number | null;
  closedAt: number | null;
  rampUntil: number | null;
  /** The sample shown in OPEN, FORCED_OPEN and DISABLED, with the rates it showed. */
  tripSample: {
    calls: number;
    failures: number;
    slowCalls: number;
    failureRate: number | null;
    slowCallRate: number | null;
  } | null;
  totals: BreakerTotals;
  lastTransition: TransitionInfo | null;
}

/** A permit that let a call through. Report its outcome exactly once; later reports are ignored. */
export interface AdmittedPermit {
  readonly permitted: true;
  /** The state that admitted the call. */
  readonly state: BreakerState;
  /** In `observe` mode: the reason the call would have been rejected in `enforce`, else null. */
  readonly wouldReject: RejectionReason | null;
  /**
   * Report a success. `durationMs` (finite, >= 0) overrides the breaker's measurement
   * from `tryAcquire`.
   * @throws TypeError when `durationMs` is negative or not finite.
   */
  success(durationMs?: number): void;
  /** Report a failure, with the error if there is one. */
  failure(error?: unknown, durationMs?: number): void;
  /** Report a call that should not count: hands a half-open probe slot back. */
  ignore(durationMs?: number): void;
  /** Report a timeout: recorded as a failure in the window, counted as `timeouts` in totals. */
  timeout(durationMs?: number): void;
}

/** A permit that refused a call. */
export interface RejectedPermit {
  readonly permitted: false;
  readonly state: BreakerState;
  readonly reason: RejectionReason;
  /** When to try again, in ms; `null` for `forced_open`. */
  readonly retryAfterMs: number | null;
}

/** The result of `tryAcquire()`. */
export type Permit = AdmittedPermit | RejectedPermit;

/** Options of one `execute()` call. */
export interface ExecuteOptions<T> {
  /** The caller's signal: aborting it aborts the call, whose outcome is then ignored. */
  signal?: AbortSignal | undefined;
  /**
   * Answers instead of a rejection, a timeout or a failure. If it throws, `execute`
   * rejects with that error, its `cause` set to the original error.
   */
  fallback?: ((error: unknown) => T | PromiseLike<T>) | undefined;
}

/** Outcome counts, as stores exchange them. */
export interface FleetSample {
  calls: number;
  failures: number;
  slowCalls: number;
}

/**
 * What a store learned from the rest of the fleet, handed to `fleetSync()`.
 * Every field is optional; `null` clears it (back to local-only behaviour).
 */
export interface FleetSyncInput {
  /** Outcomes the other instances recorded in the current window (this instance's excluded). */
  others?: FleetSample | null;
  /** Probe outcomes the other instances recorded in the current half-open period. */
  probeOthers?: FleetSample | null;
  /** How many probes this instance may admit in the current half-open period (claimed from the fleet). */
  probeQuota?: number | null;
}

/** A state the fleet reached elsewhere, handed to `fleetAdopt()`. */
export type FleetRemoteState =
  | { state: 'open'; at: number; openUntil: number; openings: number }
  | { state: 'closed'; at: number };

/**
 * Called for every outcome a breaker records (not for stale, ignored or unrecorded
 * ones), before it is evaluated. Positional arguments: nothing is allocated per call.
 */
export type FleetTap = (failed: boolean, slow: boolean, probe: boolean, at: number) => void;
