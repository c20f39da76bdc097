import type { Span } from '@opentelemetry/api';
import { GuardedCall, Lease, Rejection } from './calls.js';
import {
  attachCause,
  CLOSED,
  DISABLED,
  FAILED,
  FORCED_OPEN,
  HALF_OPEN,
  IGNORED,
  isPromiseLike,
  NO_LEASES,
  neverAborted,
  OPEN,
  OUTCOMES,
  PASS,
  REASONS,
  REJECT_FORCED_OPEN,
  REJECT_HALF_OPEN_FULL,
  REJECT_OPEN,
  REJECT_RAMP_UP,
  REJECTED,
  rejectLater,
  type Shown,
  STATE_NAMES,
  SUCCESS,
  TIMED_OUT,
} from './codes.js';
import { describeValue } from './describe.js';
import { BreakerConfigError, BreakerTimeoutError, ErrorCodes, rejectionError } from './errors.js';
import { Listeners } from './listeners.js';
import { DEFAULTS, type ResolvedOptions, resolveOptions, validateOptions } from './options.js';
import { endExecuteSpan, runInSpan } from './telemetry/execute-span.js';
import { standaloneTap, TELEMETRY_WARNING, type TelemetryTap } from './telemetry/hub.js';
import { normalizeTelemetry } from './telemetry/options.js';
import type {
  AdmittedPermit,
  BreakerJSON,
  BreakerMode,
  BreakerSnapshot,
  BreakerState,
  BreakerTotals,
  CallEvent,
  CircuitBreakerOptions,
  Classification,
  ExecuteOptions,
  FleetRemoteState,
  FleetSample,
  FleetSyncInput,
  FleetTap,
  Permit,
  ReconfigurableOptions,
  RejectionReason,
  StateChangeEvent,
  TransitionInfo,
  TransitionReason,
} from './types.js';
import { WarnOnce } from './warn-once.js';
import { CountWindow, FAILURE, type OutcomeWindow, SLOW, TimeWindow } from './windows.js';

/**
 * A circuit breaker: guards calls to one dependency and stops calling it while it
 * fails, with resilience4j's semantics (count or time sliding windows, failure-rate
 * and slow-call thresholds, half-open probes) and what its peers miss: probe leases,
 * state generations that keep stale results from deciding, a gradual ramp-up after
 * recovery, an observe-only mode, and no timer of any kind per breaker.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ name: 'payments', failureRateThreshold: 0.5, timeoutMs: 2_000 });
 * const answer = await breaker.execute((signal) => fetch(url, { signal }), { fallback: () => cached });
 * ```
 * @throws BreakerConfigError when an option is invalid or unknown.
 */
export class CircuitBreaker {
  /** The breaker's name (in errors, events, snapshots and telemetry). */
  readonly name: string;
  /** The breaker's key in a registry; equals `name` outside one. */
  readonly key: string;

  private o: ResolvedOptions;
  /** The options as given, merged over by `reconfigure()`, to re-derive defaults. */
  private given: CircuitBreakerOptions;
  private s = CLOSED;
  private gen = 0;
  private window: OutcomeWindow;
  private streak = 0;

  // OPEN
  private openings = 0;
  private previousOpenMs = 0;
  private openedAt = 0;
  private openUntil = 0;
  private shown: Shown | null = null;

  // HALF_OPEN: recorded probes, and outstanding leases in admission order.
  private probeCalls = 0;
  private probeFailures = 0;
  private probeSlow = 0;
  private leaseIds: number[] = NO_LEASES;
  private leaseAt: number[] = NO_LEASES;
  private nextLease = 0;

  // Ramp-up after a half-open close.
  private closedAt = 0;
  private rampUntil: number | null = null;

  private readonly totals: BreakerTotals = {
    successes: 0,
    failures: 0,
    ignored: 0,
    rejected: 0,
    timeouts: 0,
  };
  private lastTransition: TransitionInfo | null = null;
  private stateListeners: Listeners<StateChangeEvent> | null = null;
  private callListeners: Listeners<CallEvent> | null = null;
  private warned: WarnOnce | null = null;
  private passPermits: Array<AdmittedPermit | undefined> | null = null;
  private wouldReject: RejectionReason | null = null;

  // Fleet mode (a store shares state across instances); all null when local-only.
  private fleetOthers: FleetSample | null = null;
  private fleetProbeOthers: FleetSample | null = null;
  private fleetProbeQuota: number | null = null;
  private tap: FleetTap | null = null;
  /** OpenTelemetry (see telemetry/hub.ts); null when off. */
  private ttap: TelemetryTap | null = null;
  /** Whether `execute()` starts a span of its own (an explicit `tracerProvider`). */
  private traced = false;
  /** The span of the traced `execute()` call being admitted or reported, for the tap; set synchronously. */
  private cspan: Span | null = null;

  constructor(options: CircuitBreakerOptions = {}) {
    validateOptions(options);
    this.given = options;
    this.o = resolveOptions(options);
    this.name = this.o.name;
    this.key = this.o.key;
    this.window = this.newWindow();
    if (options.initialState !== undefined) this.restore(options.initialState);
    const telemetry = normalizeTelemetry(options.telemetry);
    if (telemetry !== null) {
      this.ttap = standaloneTap(telemetry);
      this.traced = this.ttap.traces;
    }
  }

  // ---------------------------------------------------------------- reading

  /** The current state. Reads the clock: an open breaker whose time has passed reads `half_open`. */
  get state(): BreakerState {
    if (this.s !== CLOSED || this.rampUntil !== null) this.advance(this.o.clock.now());
    return STATE_NAMES[this.s]!;
  }

  /** The current mode. */
  get mode(): BreakerMode {
    return this.o.mode;
  }

  /** The options in force, defaults applied. */
  get options(): Readonly<ResolvedOptions> {
    return this.o;
  }

  /**
   * A plain-JSON view of the breaker. Reads the clock and applies due transitions first.
   *
   * @example
   * ```ts
   * const { state, failureRate, retryAfterMs } = breaker.snapshot();
   * ```
   */
  snapshot(): BreakerSnapshot {
    const now = this.o.clock.now();
    this.advance(now);
    this.window.advance(now);
    const s = this.s;
    let sample: Shown;
    if (s === CLOSED) sample = this.closedSample();
    else if (s === HALF_OPEN) sample = this.probeSample();
    else sample = this.shown ?? this.closedSample();
    return {
      name: this.name,
      key: this.key,
      state: STATE_NAMES[s]!,
      mode: this.o.mode,
      failureRate: sample.failureRate,
      slowCallRate: sample.slowCallRate,
      window: {
        kind: this.window.kind,
        calls: sample.calls,
        failures: sample.failures,
        slowCalls: sample.slowCalls,
      },
      totals: { ...this.totals },
      consecutiveFailures: this.streak,
      openedAt: s === OPEN ? this.openedAt : null,
      retryAfterMs: s === OPEN ? Math.max(0, this.openUntil - now) : null,
      openings: this.openings,
      halfOpen:
        s === HALF_OPEN
          ? { inFlight: this.leaseIds.length, recorded: this.probeCalls, maxCalls: this.o.halfOpenMaxCalls }
          : null,
      rampUpShare:
        s === CLOSED && this.rampUntil !== null
          ? (now - this.closedAt) / (this.rampUntil - this.closedAt)
          : null,
      lastTransition: this.lastTransition ? { ...this.lastTransition } : null,
    };
  }

  /** The window, plus the rest of the fleet's in fleet mode. */
  private closedSample(): Shown {
    const w = this.window;
    const fleet = this.fleetOthers;
    const calls = w.calls + (fleet === null ? 0 : fleet.calls);
    const failures = w.failures + (fleet === null ? 0 : fleet.failures);
    const slowCalls = w.slowCalls + (fleet === null ? 0 : fleet.slowCalls);
    const rated = calls > 0 && calls >= this.o.minimumCalls;
    return {
      calls,
      failures,
      slowCalls,
      failureRate: rated ? failures / calls : null,
      slowCallRate: rated ? slowCalls / calls : null,
    };
  }

  /** The probes recorded so far, plus the rest of the fleet's in fleet mode. */
  private probeSample(): Shown {
    const others = this.fleetProbeOthers;
    const n = this.probeCalls + (others === null ? 0 : others.calls);
    const failures = this.probeFailures + (others === null ? 0 : others.failures);
    const slowCalls = this.probeSlow + (others === null ? 0 : others.slowCalls);
    return {
      calls: n,
      failures,
      slowCalls,
      failureRate: n > 0 ? failures / n : null,
      slowCallRate: n > 0 ? slowCalls / n : null,
    };
  }

  private currentSample(): Shown {
    if (this.s === CLOSED) return this.closedSample();
    if (this.s === HALF_OPEN) return this.probeSample();
    return this.shown ?? this.closedSample();
  }

  // ------------------------------------------------------------- admission

  /**
   * Asks for a permit: the low-level protocol the HTTP adapters use. An admitted
   * permit must be reported once with `success()`, `failure()`, `ignore()` or
   * `timeout()`; durations are measured from here on the breaker's clock unless
   * given.
   *
   * @example
   * ```ts
   * const permit = breaker.tryAcquire();
   * if (!permit.permitted) return reply503(permit.retryAfterMs);
   * try { permit.success(await work()); } catch (err) { permit.failure(err); throw err; }
   * ```
   */
  tryAcquire(): Permit {
    if (this.o.mode === 'off' || this.s === DISABLED) return this.pass();
    const now = this.o.clock.now();
    const token = this.admit(now);
    if (token < PASS) {
      return new Rejection(STATE_NAMES[this.s]!, REASONS[token]!, this.retryAfter(token, now));
    }
    const wouldReject = token === PASS ? this.wouldReject : null;
    return new Lease(this, token, this.gen, now, STATE_NAMES[this.s]!, wouldReject);
  }

  private pass(): AdmittedPermit {
    if (this.passPermits === null) this.passPermits = [];
    let permit = this.passPermits[this.s];
    if (permit === undefined) {
      permit = new Lease(this, PASS, -1, 0, STATE_NAMES[this.s]!, null);
      this.passPermits[this.s] = permit;
    }
    return permit;
  }

  /** Applies lazy transitions, then admits (token >= PASS) or rejects (token < PASS). */
  private admit(now: number): number {
    if (this.s !== CLOSED || this.rampUntil !== null) this.advance(now);
    let code: number;
    switch (this.s) {
      case CLOSED: {
        if (this.rampUntil === null) return 0;
        const share = (now - this.closedAt) / (this.rampUntil - this.closedAt);
        if (this.o.random() < share) return 0;
        code = REJECT_RAMP_UP;
        break;
      }
      case HALF_OPEN:
        if (this.probeCalls + this.leaseIds.length < (this.fleetProbeQuota ?? this.o.halfOpenMaxCalls)) {
          const lease = ++this.nextLease;
          if (this.leaseIds === NO_LEASES) {
            this.leaseIds = [];
            this.leaseAt = [];
          }
          this.leaseIds.push(lease);
          this.leaseAt.push(now);
          return lease;
        }
        code = REJECT_HALF_OPEN_FULL;
        break;
      case OPEN:
        code = REJECT_OPEN;
        break;
      case FORCED_OPEN:
        code = REJECT_FORCED_OPEN;
        break;
      default:
        return PASS;
    }
    this.totals.rejected++;
    if (this.ttap !== null) this.ttap.call(REJECTED, 0, this.s, undefined, now, this, this.cspan);
    if (this.callListeners !== null && this.callListeners.size > 0) {
      this.emitCall({
        name: this.name,
        key: this.key,
        outcome: 'rejected',
        durationMs: 0,
        state: STATE_NAMES[this.s]!,
        reason: REASONS[code]!,
        stale: false,
      });
    }
    if (this.o.mode === 'observe') {
      this.wouldReject = REASONS[code]!;
      return PASS;
    }
    return code;
  }

  private retryAfter(code: number, now: number): number | null {
    switch (code) {
      case REJECT_OPEN:
        return Math.max(0, this.openUntil - now);
      case REJECT_HALF_OPEN_FULL: {
        const last = this.leaseAt[this.leaseAt.length - 1];
        return last === undefined ? 0 : Math.max(0, last + this.o.halfOpenMaxWaitMs - now);
      }
      case REJECT_RAMP_UP:
        return this.rampUntil === null ? 0 : Math.max(0, this.rampUntil - now);
      default:
        return null;
    }
  }

  // ------------------------------------------------------------- execution

  /**
   * Runs `fn` under the breaker. Rejects with {@link BreakerOpenError} when the
   * breaker refuses the call, with {@link BreakerTimeoutError} past `timeoutMs`
   * (aborting the signal `fn` received), or with `fn`'s own error; `fallback`
   * answers instead of any of these. `classify` decides how the outcome is recorded.
   * A call aborted through `options.signal` is ignored.
   *
   * @example
   * ```ts
   * const user = await breaker.execute((signal) => fetch(url, { signal }).then((r) => r.json()), {
   *   fallback: () => cachedUser,
   * });
   * ```
   * @throws BreakerOpenError, BreakerTimeoutError, or what `fn` or `fallback` threw (as a rejection).
   */
  execute<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, options?: ExecuteOptions<T>): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`execute(fn) expects a function, got ${describeValue(fn)}`));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const o = this.o;
    if (o.mode === 'off' || this.s === DISABLED) return this.passThrough(fn, signal);
    if (this.traced) {
      const span = this.startSpan();
      if (span !== null) return this.tracedExecute(span, fn, options, signal);
    }
    const start = o.clock.now();
    const token = this.admit(start);
    if (token < PASS) {
      const error = rejectionError(
        this.name,
        this.key,
        REASONS[token]!,
        STATE_NAMES[this.s]!,
        this.retryAfter(token, start),
      );
      return options?.fallback ? this.runFallback(options.fallback, error) : rejectLater(error);
    }
    const gen = this.gen;
    if (o.timeoutMs > 0 || signal !== undefined) {
      return new GuardedCall<T>(this, token, gen, start, fn, options, signal).promise;
    }
    let result: T | PromiseLike<T>;
    try {
      result = fn(neverAborted());
    } catch (error) {
      this.settleError(token, gen, start, error, undefined);
      return options?.fallback ? this.runFallback(options.fallback, error) : rejectLater(error);
    }
    const fallback = options?.fallback;
    if (result instanceof Promise && fallback === undefined) return this.track(result, token, gen, start);
    if (!isPromiseLike(result)) {
      this.settleValue(token, gen, start, result);
      return Promise.resolve(result);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.settleValue(token, gen, start, value);
        return value;
      },
      (error: unknown) => {
        this.settleError(token, gen, start, error, undefined);
        if (fallback) return this.runFallback(fallback, error);
        throw error;
      },
    );
  }

  /**
   * Records the outcome of `result` on a side branch and hands the caller `fn`'s own
   * promise: the outcome is recorded before the caller resumes, and the caller waits
   * one hop, not two. A method of its own, so its closures capture only what they use.
   */
  private track<T>(result: Promise<T>, token: number, gen: number, start: number): Promise<T> {
    result.then(
      (value: T) => this.settleValue(token, gen, start, value, null),
      (error: unknown) => this.settleError(token, gen, start, error, undefined, null),
    );
    return result;
  }

  /** The span of a traced `execute()` call; `null` (and warned once) when the provider throws. */
  private startSpan(): Span | null {
    try {
      return (this.ttap as TelemetryTap).startSpan(this);
    } catch (thrown) {
      this.warn(
        TELEMETRY_WARNING,
        `Starting the span of a call through breaker "${this.name}" threw; the call runs without one`,
        thrown,
      );
      return null;
    }
  }

  /**
   * `execute()` with an explicit `tracerProvider`: admits with `span` as the call's span
   * (a rejection or a lazy transition lands on it), then runs the call through a
   * {@link GuardedCall} with `span` active, which reports with it and ends it.
   */
  private tracedExecute<T>(
    span: Span,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options: ExecuteOptions<T> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const start = this.o.clock.now();
    const outer = this.cspan;
    this.cspan = span;
    let token: number;
    try {
      token = this.admit(start);
    } finally {
      this.cspan = outer;
    }
    if (token < PASS) {
      const error = rejectionError(
        this.name,
        this.key,
        REASONS[token]!,
        STATE_NAMES[this.s]!,
        this.retryAfter(token, start),
      );
      this.endCallSpan(span, REJECTED, error);
      return options?.fallback ? this.runFallback(options.fallback, error) : rejectLater(error);
    }
    const gen = this.gen;
    return runInSpan(
      span,
      () => new GuardedCall<T>(this, token, gen, start, fn, options, signal, span).promise,
    );
  }

  /** @internal Ends the span of a traced `execute()` call (telemetry/execute-span.ts). */
  endCallSpan(span: Span, kind: number, error: unknown): void {
    try {
      endExecuteSpan(span, kind, error);
    } catch (thrown) {
      this.warn(TELEMETRY_WARNING, `Ending the span of a call through breaker "${this.name}" threw`, thrown);
    }
  }

  private passThrough<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>, signal: AbortSignal | undefined) {
    try {
      return Promise.resolve(fn(signal ?? neverAborted()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @internal */
  runFallback<T>(fallback: (error: unknown) => T | PromiseLike<T>, error: unknown): Promise<T> {
    let answer: T | PromiseLike<T>;
    try {
      answer = fallback(error);
    } catch (thrown) {
      attachCause(thrown, error);
      this.warn('BREAKWATER_FALLBACK_THREW', `The fallback of breaker "${this.name}" threw`, thrown);
      return Promise.reject(thrown);
    }
    if (!isPromiseLike(answer)) return Promise.resolve(answer);
    return Promise.resolve(answer).then(undefined, (thrown: unknown) => {
      attachCause(thrown, error);
      this.warn('BREAKWATER_FALLBACK_THREW', `The fallback of breaker "${this.name}" threw`, thrown);
      throw thrown;
    });
  }

  private classify(input: {
    error?: unknown;
    result?: unknown;
    durationMs: number;
  }): Classification | undefined {
    const classify = this.o.classify;
    if (classify === undefined) return undefined;
    try {
      const verdict = classify(input);
      if (verdict === 'success' || verdict === 'failure' || verdict === 'ignore') return verdict;
      this.warn(
        'BREAKWATER_CLASSIFY_INVALID',
        `classify of breaker "${this.name}" returned ${describeValue(verdict)}; expected 'success', 'failure' or 'ignore'`,
      );
    } catch (error) {
      this.warn('BREAKWATER_CLASSIFY_THREW', `classify of breaker "${this.name}" threw`, error);
    }
    return undefined;
  }

  /**
   * @internal `span`: the call's own span (traced `execute()`), else `null`.
   * @returns the kind reported, or PASS when nothing was (an observe-mode pass).
   */
  settleValue(token: number, gen: number, start: number, value: unknown, span: Span | null = null): number {
    if (token === PASS) return PASS;
    const now = this.o.clock.now();
    const durationMs = now > start ? now - start : 0;
    const verdict = this.o.classify === undefined ? undefined : this.classify({ result: value, durationMs });
    const kind = verdict === 'failure' ? FAILED : verdict === 'ignore' ? IGNORED : SUCCESS;
    this.report(token, gen, kind, durationMs, undefined, now, span);
    return kind;
  }

  /** @internal As {@link settleValue}. */
  settleError(
    token: number,
    gen: number,
    start: number,
    error: unknown,
    signal: AbortSignal | undefined,
    span: Span | null = null,
  ): number {
    if (token === PASS) return PASS;
    const now = this.o.clock.now();
    const durationMs = now > start ? now - start : 0;
    if (signal?.aborted) {
      this.report(token, gen, IGNORED, durationMs, undefined, now, span);
      return IGNORED;
    }
    const verdict = this.o.classify === undefined ? undefined : this.classify({ error, durationMs });
    const kind = verdict === 'success' ? SUCCESS : verdict === 'ignore' ? IGNORED : FAILED;
    this.report(token, gen, kind, durationMs, error, now, span);
    return kind;
  }

  /** @internal As {@link settleValue}. */
  settleTimeout(token: number, gen: number, start: number, span: Span | null = null): number {
    if (token === PASS) return PASS;
    const now = this.o.clock.now();
    this.report(token, gen, TIMED_OUT, now > start ? now - start : 0, undefined, now, span);
    return TIMED_OUT;
  }

  // ------------------------------------------------------------- recording

  /**
   * @internal Records one reported call at `now`; `durationMs` is already measured.
   * `span`: the call's own span (traced `execute()`), which the tap annotates, and the
   * transitions the call causes land on, instead of the active span.
   */
  report(
    token: number,
    gen: number,
    kind: number,
    durationMs: number,
    error: unknown,
    now: number,
    span: Span | null = null,
  ): void {
    if (span !== null) {
      const outer = this.cspan;
      this.cspan = span;
      try {
        this.report(token, gen, kind, durationMs, error, now);
      } finally {
        this.cspan = outer;
      }
      return;
    }
    if (this.s !== CLOSED || this.rampUntil !== null) this.advance(now);
    const totals = this.totals;
    if (kind === SUCCESS) totals.successes++;
    else if (kind === FAILED) totals.failures++;
    else if (kind === IGNORED) totals.ignored++;
    else totals.timeouts++;

    let stale = gen !== this.gen;
    if (!stale && token > 0) {
      const i = this.leaseIds.indexOf(token);
      if (i < 0) {
        stale = true;
      } else {
        this.leaseIds.splice(i, 1);
        this.leaseAt.splice(i, 1);
      }
    }
    if (!stale && kind !== IGNORED) {
      const failed = kind === FAILED || kind === TIMED_OUT;
      const slow = durationMs > this.o.slowCallDurationMs;
      if (this.tap !== null && (this.s === CLOSED || this.s === HALF_OPEN)) {
        this.tap(failed, slow, this.s === HALF_OPEN, now);
      }
      if (this.s === CLOSED) this.recordClosed(failed, slow, now);
      else if (this.s === HALF_OPEN) this.recordProbe(failed, slow, now);
    }
    // The state that admitted the call: a lease id (> 0) is a half-open probe's.
    if (this.ttap !== null)
      this.ttap.call(kind, durationMs, token > 0 ? HALF_OPEN : CLOSED, error, now, this, this.cspan);
    if (this.callListeners !== null && this.callListeners.size > 0) {
      const event: CallEvent = {
        name: this.name,
        key: this.key,
        outcome: OUTCOMES[kind]!,
        durationMs,
        state: STATE_NAMES[this.s]!,
        stale,
      };
      if (kind === FAILED && error !== undefined) event.error = error;
      this.emitCall(event);
    }
  }

  private recordClosed(failed: boolean, slow: boolean, now: number): void {
    const w = this.window;
    w.record((failed ? FAILURE : 0) | (slow ? SLOW : 0), now);
    if (failed) this.streak++;
    else this.streak = 0;
    if (this.evaluateClosed(now)) return;
    const o = this.o;
    if (failed && o.consecutiveFailures > 0 && this.streak >= o.consecutiveFailures) {
      this.toOpen('consecutive_failures', now, this.closedSample());
    }
  }

  /** Trips on the rates over the window (plus the rest of the fleet's, in fleet mode). */
  private evaluateClosed(now: number): boolean {
    const w = this.window;
    const o = this.o;
    let calls = w.calls;
    let failures = w.failures;
    let slowCalls = w.slowCalls;
    const fleet = this.fleetOthers;
    if (fleet !== null) {
      calls += fleet.calls;
      failures += fleet.failures;
      slowCalls += fleet.slowCalls;
    }
    // The healthy steady state: nothing failed or was slow, nothing to divide.
    if (calls < o.minimumCalls || calls === 0 || (failures === 0 && slowCalls === 0)) return false;
    if (failures / calls >= o.failureRateThreshold) {
      this.toOpen('failure_rate', now, this.closedSample());
      return true;
    }
    if (slowCalls / calls >= o.slowCallRateThreshold) {
      this.toOpen('slow_call_rate', now, this.closedSample());
      return true;
    }
    return false;
  }

  private recordProbe(failed: boolean, slow: boolean, now: number): void {
    this.probeCalls++;
    if (failed) {
      this.probeFailures++;
      this.streak++;
    } else {
      this.streak = 0;
    }
    if (slow) this.probeSlow++;
    this.decideProbes(now);
  }

  /** Re-opens or closes as soon as the half-open verdict is certain. */
  private decideProbes(at: number): void {
    const o = this.o;
    const n = o.halfOpenMaxCalls;
    const others = this.fleetProbeOthers;
    const f = this.probeFailures + (others === null ? 0 : others.failures);
    const s = this.probeSlow + (others === null ? 0 : others.slowCalls);
    const recorded = this.probeCalls + (others === null ? 0 : others.calls);
    if (f / n >= o.failureRateThreshold) {
      this.toOpen('failure_rate', at, this.probeSample());
    } else if (s / n >= o.slowCallRateThreshold) {
      this.toOpen('slow_call_rate', at, this.probeSample());
    } else {
      const r = Math.max(0, n - recorded);
      if ((f + r) / n < o.failureRateThreshold && (s + r) / n < o.slowCallRateThreshold) {
        this.toClosed(at);
      }
    }
  }

  // ----------------------------------------------------------- transitions

  /** Applies every transition that is due at `now`, each at its due time. */
  private advance(now: number): void {
    for (;;) {
      if (this.s === OPEN) {
        if (now < this.openUntil) return;
        this.toHalfOpen(this.openUntil);
      } else if (this.s === HALF_OPEN) {
        const first = this.leaseAt[0];
        if (first === undefined) return;
        const expiry = first + this.o.halfOpenMaxWaitMs;
        if (now < expiry) return;
        // A hung probe: its lease ends, and it counts as one failed, non-slow probe.
        this.leaseIds.shift();
        this.leaseAt.shift();
        this.probeCalls++;
        this.probeFailures++;
        this.decideProbes(expiry);
      } else if (this.s === CLOSED) {
        if (this.rampUntil !== null && now >= this.rampUntil) this.rampUntil = null;
        return;
      } else {
        return;
      }
    }
  }

  private openDuration(): number {
    const d = this.o.openDuration;
    if (typeof d === 'number') return d;
    try {
      const ms = d(this.openings, { random: this.o.random, previousMs: this.previousOpenMs });
      if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
      this.warn(
        'BREAKWATER_BACKOFF_INVALID',
        `The backoff of breaker "${this.name}" returned ${describeValue(ms)}; using ${DEFAULTS.openDurationMs} ms`,
      );
    } catch (error) {
      this.warn(
        'BREAKWATER_BACKOFF_THREW',
        `The backoff of breaker "${this.name}" threw; using ${DEFAULTS.openDurationMs} ms`,
        error,
      );
    }
    return DEFAULTS.openDurationMs;
  }

  private toOpen(reason: TransitionReason, at: number, sample: Shown): void {
    const from = this.s;
    this.openings++;
    const d = this.openDuration();
    this.previousOpenMs = d;
    this.openedAt = at;
    this.openUntil = at + d;
    this.shown = sample;
    this.clearProbes();
    this.enter(OPEN, from, reason, at);
  }

  private toHalfOpen(at: number): void {
    this.clearProbes();
    this.streak = 0;
    this.enter(HALF_OPEN, OPEN, 'open_elapsed', at);
  }

  private toClosed(at: number, reason: TransitionReason = 'probes_passed'): void {
    const from = this.s;
    this.window.clear();
    this.fleetOthers = null;
    this.clearProbes();
    this.streak = 0;
    this.openings = 0;
    this.previousOpenMs = 0;
    this.shown = null;
    this.closedAt = at;
    this.rampUntil = this.o.rampUpMs > 0 ? at + this.o.rampUpMs : null;
    this.enter(CLOSED, from, reason, at);
  }

  private clearProbes(): void {
    this.fleetProbeOthers = null;
    this.fleetProbeQuota = null;
    this.probeCalls = 0;
    this.probeFailures = 0;
    this.probeSlow = 0;
    this.leaseIds = NO_LEASES;
    this.leaseAt = NO_LEASES;
  }

  private enter(to: number, from: number, reason: TransitionReason, at: number): void {
    this.s = to;
    this.gen++;
    const fromName = STATE_NAMES[from]!;
    const toName = STATE_NAMES[to]!;
    this.lastTransition = { from: fromName, to: toName, reason, at };
    if (this.ttap !== null) this.ttap.transition(from, to, reason, at, this, this.cspan);
    if (this.stateListeners !== null && this.stateListeners.size > 0) {
      this.stateListeners.emit(
        { name: this.name, key: this.key, from: fromName, to: toName, reason, at },
        (error) =>
          this.warn(
            'BREAKWATER_LISTENER_THREW',
            `An onStateChange listener of breaker "${this.name}" threw`,
            error,
          ),
      );
    }
  }

  // --------------------------------------------------------------- controls

  /**
   * Rejects every call (reason `forced_open`, no retry-after) until `reset()`.
   * Not an opening: the backoff attempt does not advance.
   */
  forceOpen(): void {
    this.manual(FORCED_OPEN, 'forced_open');
  }

  /** Lets every call through unrecorded until `reset()` or `forceOpen()`. */
  disable(): void {
    this.manual(DISABLED, 'disabled');
  }

  private manual(to: number, reason: TransitionReason): void {
    const now = this.o.clock.now();
    this.advance(now);
    if (this.s === to) return;
    this.window.advance(now);
    this.shown = this.currentSample();
    this.clearProbes();
    this.rampUntil = null;
    this.enter(to, this.s, reason, now);
  }

  /**
   * Returns to CLOSED with an empty window, no streak, no backoff history and no
   * ramp-up. Totals are kept. From CLOSED it emits nothing but still starts a new
   * generation, so calls in flight no longer count.
   */
  reset(): void {
    const now = this.o.clock.now();
    this.advance(now);
    const from = this.s;
    this.window.clear();
    this.clearProbes();
    this.streak = 0;
    this.openings = 0;
    this.previousOpenMs = 0;
    this.shown = null;
    this.rampUntil = null;
    if (from === CLOSED) this.gen++;
    else this.enter(CLOSED, from, 'reset', now);
  }

  /**
   * Changes options at runtime without a transition: the window is kept while its
   * kind is unchanged (resized, keeping the newest outcomes), a running open period
   * keeps its duration. `name`, `key`, `clock`, `random` and `initialState` are fixed.
   *
   * @example
   * ```ts
   * breaker.reconfigure({ failureRateThreshold: 0.3, slowCallDurationMs: 500 });
   * ```
   * @throws BreakerConfigError when an option is invalid, unknown or fixed; nothing changes then.
   */
  reconfigure(options: ReconfigurableOptions): void {
    validateOptions(options, { reconfigure: true });
    const given: CircuitBreakerOptions = { ...this.given };
    for (const [k, v] of Object.entries(options)) {
      (given as Record<string, unknown>)[k] = v;
    }
    if (options.window !== undefined && this.given.minimumCalls === undefined) {
      delete given.minimumCalls;
    }
    const next = resolveOptions({ ...given, initialState: undefined });
    const before = this.o.window;
    this.o = next;
    this.given = given;
    const w = next.window;
    if (
      w.kind !== before.kind ||
      (w.kind === 'count' && before.kind === 'count' && w.size !== before.size) ||
      (w.kind === 'time' &&
        before.kind === 'time' &&
        (w.durationMs !== before.durationMs || w.buckets !== before.buckets))
    ) {
      this.window = this.resizedWindow(this.window);
    }
  }

  private newWindow(): OutcomeWindow {
    const w = this.o.window;
    return w.kind === 'count' ? new CountWindow(w.size) : new TimeWindow(w.durationMs, w.buckets);
  }

  private resizedWindow(old: OutcomeWindow): OutcomeWindow {
    const next = this.newWindow();
    if (old instanceof CountWindow && next instanceof CountWindow) {
      const outcomes = old.outcomes();
      for (const outcome of outcomes.slice(Math.max(0, outcomes.length - next.size))) next.record(outcome, 0);
    } else if (old instanceof TimeWindow && next instanceof TimeWindow) {
      const now = this.o.clock.now();
      old.advance(now);
      next.advance(now);
      const current = Math.floor(now / next.bucketMs);
      for (const bucket of old.buckets()) {
        // Same bucket length: buckets keep their place. Otherwise the counts are
        // folded into the bucket that holds their start, or the current one.
        const index =
          old.bucketMs === next.bucketMs
            ? bucket.index
            : Math.min(current, Math.floor((bucket.index * old.bucketMs) / next.bucketMs));
        next.add(bucket, index);
      }
    }
    return next;
  }

  // ------------------------------------------------------------------ fleet

  /**
   * For stores: subscribes the one tap that sees every recorded outcome (to push
   * the fleet's shared counters). Replaces any previous tap; `null` removes it.
   */
  fleetTap(tap: FleetTap | null): void {
    if (tap !== null && typeof tap !== 'function') {
      throw new TypeError(`fleetTap expects a function or null, got ${describeValue(tap)}`);
    }
    this.tap = tap;
  }

  /**
   * For the registry's telemetry: replaces the breaker's telemetry tap (`null` turns
   * telemetry off for this breaker).
   *
   * @internal
   */
  telemetryTap(tap: TelemetryTap | null): void {
    this.ttap = tap;
    this.traced = tap?.traces === true;
  }

  /**
   * For stores: hands the breaker what the rest of the fleet recorded. In CLOSED,
   * rates are evaluated over the local window plus `others` (and evaluated at once);
   * in HALF_OPEN the verdict is taken over the local probes plus `probeOthers`, and
   * at most `probeQuota` probes are admitted locally. `null` returns to local rules,
   * which is what a store does when it loses its connection.
   */
  fleetSync(input: FleetSyncInput): void {
    const now = this.o.clock.now();
    this.advance(now);
    if (input.others !== undefined) this.fleetOthers = input.others === null ? null : { ...input.others };
    if (this.s === HALF_OPEN) {
      if (input.probeQuota !== undefined) this.fleetProbeQuota = input.probeQuota;
      if (input.probeOthers !== undefined) {
        this.fleetProbeOthers = input.probeOthers === null ? null : { ...input.probeOthers };
        this.decideProbes(now);
      }
    } else if (this.s === CLOSED && this.fleetOthers !== null) {
      this.window.advance(now);
      this.evaluateClosed(now);
    }
  }

  /**
   * For stores: adopts a state the fleet reached on another instance. `open` opens
   * (or extends the open period) with the fleet's deadline and backoff attempt;
   * `closed` closes a half-open or open breaker (ramp-up applies). Manual states
   * (`forced_open`, `disabled`) are local and win.
   */
  fleetAdopt(remote: FleetRemoteState): void {
    const now = this.o.clock.now();
    this.advance(now);
    const s = this.s;
    if (remote.state === 'open') {
      if (s === OPEN) {
        if (remote.openUntil > this.openUntil) {
          this.openUntil = remote.openUntil;
          this.openings = Math.max(this.openings, remote.openings);
        }
      } else if (s === CLOSED || s === HALF_OPEN) {
        if (remote.openUntil <= now) return; // already over: half-open follows locally
        this.openings = remote.openings;
        this.previousOpenMs = Math.max(0, remote.openUntil - remote.at);
        this.openedAt = remote.at;
        this.openUntil = remote.openUntil;
        this.window.advance(now);
        this.shown = this.currentSample();
        this.clearProbes();
        this.enter(OPEN, s, 'fleet', remote.at);
      }
    } else if (s === HALF_OPEN || s === OPEN) {
      this.toClosed(Math.max(remote.at, s === OPEN ? this.openedAt : remote.at), 'fleet');
    }
  }

  // ----------------------------------------------------------------- events

  /**
   * Subscribes to state changes. Lazy transitions are delivered on the next touch
   * (`tryAcquire`, `state`, `snapshot()`), with `at` their due time.
   *
   * @returns a function that unsubscribes.
   * @example
   * ```ts
   * const off = breaker.onStateChange(({ from, to, reason }) => log.warn({ from, to, reason }));
   * off();
   * ```
   */
  onStateChange(listener: (event: StateChangeEvent) => void): () => void {
    if (this.stateListeners === null) this.stateListeners = new Listeners();
    return this.stateListeners.add(listener, 'onStateChange');
  }

  /**
   * Subscribes to every reported call and rejection, after it has been processed.
   *
   * @returns a function that unsubscribes.
   * @example
   * ```ts
   * breaker.onCall(({ outcome, durationMs }) => histogram.record(durationMs, { outcome }));
   * ```
   */
  onCall(listener: (event: CallEvent) => void): () => void {
    if (this.callListeners === null) this.callListeners = new Listeners();
    return this.callListeners.add(listener, 'onCall');
  }

  private emitCall(event: CallEvent): void {
    this.callListeners?.emit(event, (error) =>
      this.warn('BREAKWATER_LISTENER_THREW', `An onCall listener of breaker "${this.name}" threw`, error),
    );
  }

  /** Warns once per code per breaker; the `WarnOnce` is made on the first warning, so idle breakers stay small. */
  private warn(code: string, message: string, error?: unknown): void {
    if (this.warned === null) this.warned = new WarnOnce();
    this.warned.warn(code, message, error);
  }

  // ------------------------------------------------------------ persistence

  /**
   * Serialises the breaker's state (window, probe sample, streak, backoff, open
   * period, ramp-up, totals, last transition) for `new CircuitBreaker({ initialState })`.
   * In-flight probes are dropped: a restored half-open breaker has free slots.
   */
  toJSON(): BreakerJSON {
    const now = this.o.clock.now();
    this.advance(now);
    this.window.advance(now);
    const w = this.window;
    const json: BreakerJSON = {
      version: 1,
      state: STATE_NAMES[this.s]!,
      windowKind: w.kind,
      probes: { calls: this.probeCalls, failures: this.probeFailures, slowCalls: this.probeSlow },
      consecutiveFailures: this.streak,
      openings: this.openings,
      previousOpenMs: this.previousOpenMs,
      openedAt: this.s === OPEN ? this.openedAt : null,
      openUntil: this.s === OPEN ? this.openUntil : null,
      closedAt: this.rampUntil !== null ? this.closedAt : null,
      rampUntil: this.rampUntil,
      tripSample: this.shown ? { ...this.shown } : null,
      totals: { ...this.totals },
      lastTransition: this.lastTransition ? { ...this.lastTransition } : null,
    };
    if (w instanceof CountWindow) json.outcomes = w.outcomes();
    else if (w instanceof TimeWindow) {
      json.bucketMs = w.bucketMs;
      json.buckets = w.buckets();
    }
    return json;
  }

  private restore(json: BreakerJSON): void {
    const bad = (why: string): never => {
      throw new BreakerConfigError(
        ErrorCodes.INVALID_STATE,
        'initialState',
        json,
        `initialState must be an object from toJSON() (version 1): ${why}`,
      );
    };
    if (json.version !== 1) bad(`unsupported version ${describeValue(json.version)}`);
    const state = STATE_NAMES.indexOf(json.state);
    if (state < 0) bad(`unknown state ${describeValue(json.state)}`);
    const count = (v: unknown, what: string) => {
      if (!Number.isInteger(v) || (v as number) < 0)
        bad(`${what} must be an integer >= 0, got ${describeValue(v)}`);
      return v as number;
    };
    const time = (v: unknown, what: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        bad(`${what} must be a finite number, got ${describeValue(v)}`);
      return v as number;
    };
    const rate = (v: unknown, what: string) => {
      if (v === null) return null;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        bad(`${what} must be null or a number in [0, 1], got ${describeValue(v)}`);
      return v as number;
    };
    const t = json.totals ?? bad('totals is missing');
    this.totals.successes = count(t.successes, 'totals.successes');
    this.totals.failures = count(t.failures, 'totals.failures');
    this.totals.ignored = count(t.ignored, 'totals.ignored');
    this.totals.rejected = count(t.rejected, 'totals.rejected');
    this.totals.timeouts = count(t.timeouts, 'totals.timeouts');
    if (json.windowKind === this.window.kind) {
      const w = this.window;
      if (w instanceof CountWindow && Array.isArray(json.outcomes)) {
        for (const outcome of json.outcomes.slice(Math.max(0, json.outcomes.length - w.size))) {
          w.record(count(outcome, 'outcomes[]') & (FAILURE | SLOW), 0);
        }
      } else if (w instanceof TimeWindow && Array.isArray(json.buckets) && json.bucketMs === w.bucketMs) {
        const bucketIndex = (v: unknown) => {
          if (!Number.isInteger(v)) bad(`buckets[].index must be an integer, got ${describeValue(v)}`);
          return v as number;
        };
        for (const b of json.buckets) {
          w.add(
            {
              calls: count(b.calls, 'buckets[].calls'),
              failures: count(b.failures, 'buckets[].failures'),
              slowCalls: count(b.slowCalls, 'buckets[].slowCalls'),
            },
            bucketIndex(b.index),
          );
        }
      }
    }
    this.streak = count(json.consecutiveFailures, 'consecutiveFailures');
    this.openings = count(json.openings, 'openings');
    const previousOpenMs = json.previousOpenMs ?? 0;
    if (!(typeof previousOpenMs === 'number' && Number.isFinite(previousOpenMs) && previousOpenMs >= 0)) {
      bad(`previousOpenMs must be a finite number >= 0, got ${describeValue(previousOpenMs)}`);
    }
    this.previousOpenMs = previousOpenMs;
    if (json.tripSample) {
      const ts = json.tripSample;
      const calls = count(ts.calls, 'tripSample.calls');
      this.shown = {
        calls,
        failures: count(ts.failures, 'tripSample.failures'),
        slowCalls: count(ts.slowCalls, 'tripSample.slowCalls'),
        failureRate: rate(ts.failureRate, 'tripSample.failureRate'),
        slowCallRate: rate(ts.slowCallRate, 'tripSample.slowCallRate'),
      };
    }
    if (state === OPEN) {
      if (json.openedAt == null || json.openUntil == null) bad('an open state needs openedAt and openUntil');
      this.openedAt = time(json.openedAt, 'openedAt');
      this.openUntil = time(json.openUntil, 'openUntil');
    }
    if (state === HALF_OPEN && json.probes) {
      this.probeCalls = count(json.probes.calls, 'probes.calls');
      this.probeFailures = count(json.probes.failures, 'probes.failures');
      this.probeSlow = count(json.probes.slowCalls, 'probes.slowCalls');
    }
    if (state === CLOSED && json.rampUntil != null) {
      this.closedAt = time(json.closedAt, 'closedAt');
      this.rampUntil = time(json.rampUntil, 'rampUntil');
    }
    this.lastTransition = json.lastTransition ? { ...json.lastTransition } : null;
    this.s = state;
  }
}
