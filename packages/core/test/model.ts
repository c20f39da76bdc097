/**
 * A reference model of `CircuitBreaker`, written straight from the spec's
 * "Semantics" and "Precise rules" (issue 2) for the model-based property test.
 *
 * Deliberately naive: the window is an array of outcomes recomputed on every
 * read, time is a number that only moves forward, and every lazy transition is
 * replayed in due-time order on each touch. Speed does not matter here, being
 * obviously right does.
 *
 * Where the spec leaves room and the lead has not decided, the model accepts
 * each reading it can defend (`reasons`, `stale`, `state` and
 * `consecutiveFailures` alternatives) instead of guessing one.
 */
import type {
  BreakerState,
  BreakerTotals,
  CallOutcome,
  RejectionReason,
  TransitionInfo,
  TransitionReason,
} from '../src/types.js';

/** How a permit is reported. */
export type ReportKind = 'success' | 'failure' | 'ignore' | 'timeout';

/** How long the breaker stays open. */
export type OpenDurationSpec =
  | { kind: 'constant'; ms: number }
  /** `table[min(attempt, table.length) - 1]`, plus `floor(random() * jitter)` when `jitter > 0`. */
  | { kind: 'backoff'; table: number[]; jitter: number };

/** The model's configuration: every option resolved (no defaults left to apply). */
export interface ModelConfig {
  name: string;
  window: { kind: 'count'; size: number } | { kind: 'time'; durationMs: number; buckets: number };
  failureRateThreshold: number;
  slowCallRateThreshold: number;
  slowCallDurationMs: number;
  minimumCalls: number;
  consecutiveFailures: number | undefined;
  openDuration: OpenDurationSpec;
  halfOpenMaxCalls: number;
  halfOpenMaxWaitMs: number;
  rampUpMs: number;
  mode: 'enforce' | 'observe' | 'off';
}

/** The options the property test changes with `reconfigure()`: those whose effect the spec settles. */
export type ModelReconfigure = Partial<
  Pick<
    ModelConfig,
    | 'failureRateThreshold'
    | 'slowCallRateThreshold'
    | 'slowCallDurationMs'
    | 'minimumCalls'
    | 'consecutiveFailures'
    | 'openDuration'
  >
>;

/** A deterministic random source: cycles through `values`, counting draws. */
export class SequenceRandom {
  draws = 0;
  constructor(private readonly values: readonly number[]) {}
  next = (): number => {
    const value = this.values[this.draws % this.values.length] ?? 0.5;
    this.draws += 1;
    return value;
  };
}

/** The duration an open-duration spec yields; the same code drives the real breaker's backoff. */
export function openDurationFor(spec: OpenDurationSpec, attempt: number, random: () => number): number {
  if (spec.kind === 'constant') return spec.ms;
  const base = spec.table[Math.min(attempt, spec.table.length) - 1] ?? 0;
  return spec.jitter > 0 ? base + Math.floor(random() * spec.jitter) : base;
}

/** What `tryAcquire()` should return. */
export type ExpectedPermit =
  | { permitted: true; state: BreakerState; wouldReject: RejectionReason | null }
  | { permitted: false; state: BreakerState; reason: RejectionReason; retryAfterMs: number | null };

/** A state change the breaker should emit; any of `reasons` is acceptable. */
export interface ExpectedTransition {
  from: BreakerState;
  to: BreakerState;
  reasons: TransitionReason[];
  at: number;
}

/** An `onCall` event the breaker should emit. */
export interface ExpectedCall {
  outcome: CallOutcome;
  durationMs: number;
  /** Acceptable values of `state`. */
  state: BreakerState[];
  /** Acceptable values of `stale`. */
  stale: boolean[];
  reason?: RejectionReason;
}

/** The part of `snapshot()` the model predicts. Arrays list acceptable alternatives. */
export interface ExpectedSnapshot {
  state: BreakerState;
  window: { calls: number; failures: number; slowCalls: number };
  failureRate: number | null;
  slowCallRate: number | null;
  totals: BreakerTotals;
  consecutiveFailures: number[];
  openedAt: number | null;
  retryAfterMs: number | null;
  openings: number;
  halfOpen: { inFlight: number; recorded: number; maxCalls: number } | null;
  rampUpShare: number | null;
  /** Acceptable values of `lastTransition` (with a single reason each). */
  lastTransition: Array<TransitionInfo | null>;
}

/** How a permit was admitted, which decides what its report does. */
type PermitKind =
  /** Admitted by CLOSED: its report is recorded in the window. */
  | 'call'
  /** Admitted by HALF_OPEN: a probe with a lease. */
  | 'probe'
  /** `observe` mode, would have been rejected: its report records nothing. */
  | 'shadow'
  /** Admitted by DISABLED: passes unrecorded, no totals, no events. */
  | 'unrecorded';

interface ModelPermit {
  generation: number;
  kind: PermitKind;
  acquiredAt: number;
  reported: boolean;
}

interface Outcome {
  at: number;
  failure: boolean;
  slow: boolean;
}

interface Sample {
  calls: number;
  failures: number;
  slowCalls: number;
}

interface View {
  window: Sample;
  failureRate: number | null;
  slowCallRate: number | null;
}

interface LastTransition {
  from: BreakerState;
  to: BreakerState;
  reasons: TransitionReason[];
  at: number;
}

const emptyTotals = (): BreakerTotals => ({
  successes: 0,
  failures: 0,
  ignored: 0,
  rejected: 0,
  timeouts: 0,
});

/** The reference breaker. Time only moves through {@link advance}. */
export class BreakerModel {
  now: number;
  state: BreakerState = 'closed';
  readonly totals = emptyTotals();
  readonly transitions: ExpectedTransition[] = [];
  readonly calls: ExpectedCall[] = [];
  /** Expected backoff invocations, in order. */
  readonly backoffCalls: Array<{ attempt: number; previousMs: number }> = [];
  readonly random: SequenceRandom;

  private generation = 0;
  private nextPermitId = 0;
  private readonly permits = new Map<number, ModelPermit>();
  /** CLOSED: recorded outcomes, oldest first (count windows keep the last `size`). */
  private outcomes: Outcome[] = [];
  /** HALF_OPEN: the probe sample of the current generation. */
  private probes: Sample = { calls: 0, failures: 0, slowCalls: 0 };
  /** HALF_OPEN: in-flight probe leases of the current generation, permit id → lease end. */
  private readonly leases = new Map<number, number>();
  /** The failure streak; `streakWithExpiries` also counts expired leases as failures. */
  private streak = 0;
  private streakWithExpiries = 0;
  private openings = 0;
  private previousMs = 0;
  private openedAt = 0;
  private openUntil = 0;
  private closedAt = 0;
  private rampUntil: number | null = null;
  /** What OPEN, FORCED_OPEN and DISABLED show: fixed on entering. */
  private frozen: View | null = null;
  private last: LastTransition | null = null;
  /** A `reset()` while CLOSED may leave `lastTransition` alone or record closed → closed. */
  private lastAlternative: LastTransition | null | undefined = undefined;

  constructor(
    public config: ModelConfig,
    start: number,
    randomValues: readonly number[],
  ) {
    this.now = start;
    this.random = new SequenceRandom(randomValues);
  }

  advance(ms: number): void {
    this.now += ms;
  }

  // ---- interesting instants, for clock jumps to exact boundaries ----

  /** The end of the current open period, when OPEN. */
  openEnd(): number | null {
    this.settle();
    return this.state === 'open' ? this.openUntil : null;
  }

  /** The earliest and latest lease ends of in-flight probes, when HALF_OPEN. */
  leaseEnds(): number[] {
    this.settle();
    return [...this.leases.values()].sort((a, b) => a - b);
  }

  /** The end of ramp-up, while ramping. */
  rampEnd(): number | null {
    this.settle();
    return this.state === 'closed' && this.rampUntil !== null && this.now < this.rampUntil
      ? this.rampUntil
      : null;
  }

  /** The next bucket boundary (time windows), and when the oldest recorded outcome leaves the window. */
  bucketEdges(): number[] {
    const w = this.config.window;
    if (w.kind !== 'time') return [];
    const len = w.durationMs / w.buckets;
    const edges = [(Math.floor(this.now / len) + 1) * len];
    const oldest = this.outcomes[0];
    if (oldest !== undefined) edges.push((Math.floor(oldest.at / len) + w.buckets) * len);
    return edges;
  }

  // ---- the API ----

  /** Ids of permits handed out by `tryAcquire`, admitted ones only. */
  acquire(): { id: number | null; expected: ExpectedPermit } {
    // `off` passes calls straight through: unrecorded, no totals, no events, no draws.
    if (this.config.mode === 'off') return this.admit('unrecorded', null);
    this.settle();
    const state = this.state;
    switch (state) {
      case 'disabled':
        return this.admit('unrecorded', null);
      case 'forced_open':
        return this.reject('forced_open', null);
      case 'open':
        return this.reject('open', this.openUntil - this.now);
      case 'half_open': {
        if (this.leases.size + this.probes.calls >= this.config.halfOpenMaxCalls) {
          if (this.leases.size === 0) throw new Error('model: half-open full with no probe in flight');
          return this.reject('half_open_full', Math.max(...this.leases.values()) - this.now);
        }
        const admitted = this.admit('probe', null);
        this.leases.set(admitted.id as number, this.now + this.config.halfOpenMaxWaitMs);
        return admitted;
      }
      case 'closed': {
        if (this.rampUntil !== null && this.now < this.rampUntil) {
          const share = (this.now - this.closedAt) / this.config.rampUpMs;
          if (!(this.random.next() < share)) return this.reject('ramp_up', this.rampUntil - this.now);
        }
        return this.admit('call', null);
      }
    }
  }

  /** Whether a report on this permit must throw a TypeError (bad duration on a fresh permit). */
  static isBadDuration(durationMs: number | undefined): boolean {
    return durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0);
  }

  /** Whether the permit has reported already. */
  isReported(id: number): boolean {
    return this.permits.get(id)?.reported ?? true;
  }

  /** Reports a permit's outcome. The caller checks bad durations separately. */
  report(id: number, kind: ReportKind, durationMs: number | undefined): void {
    const permit = this.permits.get(id);
    if (permit === undefined || permit.reported) return;
    this.settle();
    permit.reported = true;
    const duration = durationMs ?? this.now - permit.acquiredAt;
    const outcome: CallOutcome = kind === 'ignore' ? 'ignored' : kind;
    // DISABLED passes calls unrecorded; in `observe`, a would-be rejection's report "records nothing".
    if (permit.kind === 'unrecorded' || permit.kind === 'shadow') return;

    switch (outcome) {
      case 'success':
        this.totals.successes += 1;
        break;
      case 'failure':
        this.totals.failures += 1;
        break;
      case 'ignored':
        this.totals.ignored += 1;
        break;
      default:
        this.totals.timeouts += 1;
    }

    const stale = permit.generation !== this.generation;
    const expired = !stale && permit.kind === 'probe' && !this.leases.has(id);
    if (!stale && !expired) {
      const failure = kind === 'failure' || kind === 'timeout';
      const slow = duration > this.config.slowCallDurationMs;
      if (permit.kind === 'probe') {
        this.leases.delete(id);
        if (kind !== 'ignore') {
          this.probes = {
            calls: this.probes.calls + 1,
            failures: this.probes.failures + (failure ? 1 : 0),
            slowCalls: this.probes.slowCalls + (slow ? 1 : 0),
          };
          this.countStreak(failure);
          this.decideProbes(this.now);
        }
      } else if (kind !== 'ignore') {
        this.outcomes.push({ at: this.now, failure, slow });
        const w = this.config.window;
        if (w.kind === 'count' && this.outcomes.length > w.size) this.outcomes.shift();
        this.countStreak(failure);
        this.evaluateClosed();
      }
    }
    this.calls.push({
      outcome,
      durationMs: duration,
      state: this.reportState(),
      stale: stale ? [true] : expired ? [true, false] : [false],
    });
  }

  forceOpen(): void {
    this.settle();
    if (this.state === 'forced_open') return;
    this.frozen = this.view();
    this.transition('forced_open', ['forced_open'], this.now);
  }

  disable(): void {
    this.settle();
    if (this.state === 'disabled') return;
    this.frozen = this.view();
    this.transition('disabled', ['disabled'], this.now);
  }

  reset(): void {
    this.settle();
    if (this.state === 'closed') {
      this.generation += 1;
      this.lastAlternative = { from: 'closed', to: 'closed', reasons: ['reset'], at: this.now };
    } else {
      this.transition('closed', ['reset'], this.now);
    }
    this.enterClosed(null);
  }

  /**
   * `reconfigure()`: never transitions by itself, keeps the window (same kind),
   * and a running open period keeps its duration; new values apply from the next
   * evaluation (and, for `minimumCalls`, to the rates shown in CLOSED).
   */
  reconfigure(patch: ModelReconfigure): void {
    this.settle();
    this.config = { ...this.config, ...patch };
  }

  /**
   * `new CircuitBreaker({ ...options, initialState: old.toJSON() })`: everything
   * carries over but in-flight calls, which report to the old instance; in-flight
   * probes are dropped, so a restored half-open breaker has free slots.
   */
  restart(): void {
    this.settle();
    this.leases.clear();
    for (const permit of this.permits.values()) permit.reported = true;
  }

  snapshot(): ExpectedSnapshot {
    this.settle();
    const view = this.view();
    const ramping = this.state === 'closed' && this.rampUntil !== null && this.now < this.rampUntil;
    const lastTransition: Array<TransitionInfo | null> = [];
    const pushLast = (t: LastTransition | null) => {
      if (t === null) lastTransition.push(null);
      else for (const reason of t.reasons) lastTransition.push({ from: t.from, to: t.to, reason, at: t.at });
    };
    pushLast(this.last);
    if (this.lastAlternative !== undefined) pushLast(this.lastAlternative);
    return {
      state: this.state,
      window: view.window,
      failureRate: view.failureRate,
      slowCallRate: view.slowCallRate,
      totals: { ...this.totals },
      consecutiveFailures: [...new Set([this.streak, this.streakWithExpiries])],
      openedAt: this.state === 'open' ? this.openedAt : null,
      retryAfterMs: this.state === 'open' ? this.openUntil - this.now : null,
      openings: this.openings,
      halfOpen:
        this.state === 'half_open'
          ? {
              inFlight: this.leases.size,
              recorded: this.probes.calls,
              maxCalls: this.config.halfOpenMaxCalls,
            }
          : null,
      rampUpShare: ramping ? (this.now - this.closedAt) / this.config.rampUpMs : null,
      lastTransition,
    };
  }

  // ---- internals ----

  private admit(
    kind: PermitKind,
    wouldReject: RejectionReason | null,
  ): { id: number; expected: ExpectedPermit } {
    const id = this.nextPermitId++;
    this.permits.set(id, { generation: this.generation, kind, acquiredAt: this.now, reported: false });
    return { id, expected: { permitted: true, state: this.state, wouldReject } };
  }

  private reject(
    reason: RejectionReason,
    retryAfterMs: number | null,
  ): { id: number | null; expected: ExpectedPermit } {
    this.totals.rejected += 1;
    this.calls.push({
      outcome: 'rejected',
      durationMs: 0,
      state: [this.state],
      stale: [false],
      reason,
    });
    if (this.config.mode === 'observe') return this.admit('shadow', reason);
    return { id: null, expected: { permitted: false, state: this.state, reason, retryAfterMs } };
  }

  /** Replays every lazy transition due by now, in due-time order. */
  private settle(): void {
    for (;;) {
      if (this.state === 'open' && this.now >= this.openUntil) {
        this.transition('half_open', ['open_elapsed'], this.openUntil);
        this.probes = { calls: 0, failures: 0, slowCalls: 0 };
        this.leases.clear();
        this.streak = 0;
        this.streakWithExpiries = 0;
        continue;
      }
      if (this.state === 'half_open') {
        let first: [number, number] | null = null;
        for (const [id, end] of this.leases) if (first === null || end < first[1]) first = [id, end];
        if (first !== null && first[1] <= this.now) {
          this.leases.delete(first[0]);
          this.probes = {
            calls: this.probes.calls + 1,
            failures: this.probes.failures + 1,
            slowCalls: this.probes.slowCalls,
          };
          this.streakWithExpiries += 1;
          this.decideProbes(first[1]);
          continue;
        }
      }
      return;
    }
  }

  private countStreak(failure: boolean): void {
    if (failure) {
      this.streak += 1;
      this.streakWithExpiries += 1;
    } else {
      this.streak = 0;
      this.streakWithExpiries = 0;
    }
  }

  /**
   * The state an `onCall` event may carry: after a trip whose open period is
   * already over (open duration 0), reading the state lazily gives `half_open`.
   */
  private reportState(): BreakerState[] {
    return this.state === 'open' && this.now >= this.openUntil ? ['open', 'half_open'] : [this.state];
  }

  /** The outcomes a time window still holds: bucket k leaves when the clock reaches (k + N)·len. */
  private windowOutcomes(): Outcome[] {
    const w = this.config.window;
    if (w.kind === 'count') return this.outcomes;
    const len = w.durationMs / w.buckets;
    const current = Math.floor(this.now / len);
    return this.outcomes.filter((o) => Math.floor(o.at / len) > current - w.buckets);
  }

  private closedView(): View {
    const held = this.windowOutcomes();
    const window = {
      calls: held.length,
      failures: held.filter((o) => o.failure).length,
      slowCalls: held.filter((o) => o.slow).length,
    };
    const rated = window.calls >= this.config.minimumCalls && window.calls > 0;
    return {
      window,
      failureRate: rated ? window.failures / window.calls : null,
      slowCallRate: rated ? window.slowCalls / window.calls : null,
    };
  }

  private probeView(): View {
    const window = { ...this.probes };
    return {
      window,
      failureRate: window.calls > 0 ? window.failures / window.calls : null,
      slowCallRate: window.calls > 0 ? window.slowCalls / window.calls : null,
    };
  }

  private view(): View {
    switch (this.state) {
      case 'closed':
        return this.closedView();
      case 'half_open':
        return this.probeView();
      default:
        return this.frozen as View;
    }
  }

  /** CLOSED: every recorded outcome is evaluated at once. */
  private evaluateClosed(): void {
    const { window, failureRate, slowCallRate } = this.closedView();
    const reasons: TransitionReason[] = [];
    if (failureRate !== null && window.failures / window.calls >= this.config.failureRateThreshold) {
      reasons.push('failure_rate');
    } else if (
      slowCallRate !== null &&
      window.slowCalls / window.calls >= this.config.slowCallRateThreshold
    ) {
      reasons.push('slow_call_rate');
    }
    const cf = this.config.consecutiveFailures;
    if (cf !== undefined && this.streak >= cf) reasons.push('consecutive_failures');
    if (reasons.length > 0) this.open(reasons, this.now, this.closedView());
  }

  /** HALF_OPEN: decide as soon as the verdict is certain either way. */
  private decideProbes(at: number): void {
    const n = this.config.halfOpenMaxCalls;
    const { calls, failures: f, slowCalls: s } = this.probes;
    const r = n - calls;
    const { failureRateThreshold: ft, slowCallRateThreshold: st } = this.config;
    if (f / n >= ft || s / n >= st) {
      this.open([f / n >= ft ? 'failure_rate' : 'slow_call_rate'], at, this.probeView());
    } else if ((f + r) / n < ft && (s + r) / n < st) {
      this.transition('closed', ['probes_passed'], at);
      this.enterClosed(at);
    }
  }

  private open(reasons: TransitionReason[], at: number, sample: View): void {
    this.frozen = sample;
    this.openings += 1;
    const attempt = this.openings;
    const spec = this.config.openDuration;
    if (spec.kind === 'backoff') this.backoffCalls.push({ attempt, previousMs: this.previousMs });
    const duration = openDurationFor(spec, attempt, this.random.next);
    this.previousMs = duration;
    this.openedAt = at;
    this.openUntil = at + duration;
    this.transition('open', reasons, at);
  }

  /** Enters CLOSED with an empty window; `closedAt` is set after a half-open close (ramp-up), null on reset. */
  private enterClosed(closedAt: number | null): void {
    this.outcomes = [];
    this.probes = { calls: 0, failures: 0, slowCalls: 0 };
    this.leases.clear();
    this.streak = 0;
    this.streakWithExpiries = 0;
    this.openings = 0;
    this.previousMs = 0;
    this.frozen = null;
    if (closedAt === null) {
      this.rampUntil = null;
    } else {
      this.closedAt = closedAt;
      this.rampUntil = closedAt + this.config.rampUpMs;
    }
  }

  private transition(to: BreakerState, reasons: TransitionReason[], at: number): void {
    this.transitions.push({ from: this.state, to, reasons, at });
    this.last = { from: this.state, to, reasons, at };
    this.lastAlternative = undefined;
    this.state = to;
    this.generation += 1;
  }
}
