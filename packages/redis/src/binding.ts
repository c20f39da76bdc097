import type { CircuitBreaker, FleetSample, StateChangeEvent } from '@breakwater/core';
import type { ScriptCall } from './adapter.js';
import { type BreakerKeys, breakerKeys } from './keys.js';
import { SYNC_SCRIPT } from './scripts.js';

/** What a binding needs from its store. @internal */
export interface BindingHost {
  readonly prefix: string;
  readonly syncIntervalMs: number;
  readonly timeoutMs: number;
  readonly countWindowMs: number;
  /** Whether breakers currently run on fleet rules. */
  fleetActive(): boolean;
  /** Asks for a sync of this binding soon (a transition to publish, a new binding). */
  kick(binding: Binding): void;
  /** A fresh, fleet-unique episode id. */
  newEpisode(): string;
}

/** The most fleet buckets per window: a finer window is read in coarser buckets. */
const MAX_FLEET_BUCKETS = 120;
/** Buckets of the fleet window of a count-window breaker. */
const COUNT_WINDOW_BUCKETS = 10;

// Publications (local transitions the fleet must learn).
const NONE = 0;
const OPEN = 1;
const CLOSE = 2;
const RESET = 3;
const PUB_NAMES = ['', 'open', 'close', 'reset'] as const;

/** What a request carried for one binding, to read its reply. @internal */
export interface SyncContext {
  readonly binding: Binding;
  readonly pubVersion: number;
  readonly pub: number;
  readonly readCounters: boolean;
  readonly oldest: number;
  readonly buckets: number;
  /** Window size for count windows (others are taken newest first up to it), else 0. */
  readonly countCap: number;
  readonly probeEp: string;
  readonly used: number;
}

/** The reply of SYNC_SCRIPT, parsed. */
interface Reply {
  absent: boolean;
  open: boolean;
  ep: string;
  at: number;
  until: number;
  openings: number;
  probesKnown: boolean;
  probeCalls: number;
  probeFailures: number;
  probeSlow: number;
  held: number;
  recorded: number;
  dead: boolean;
  /** Claims refused for want of slots in this probe period, fleet-wide. */
  denials: number;
}

/** Fixed fields of a reply before the counters. */
const REPLY_FIELDS = 14;

function num(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function parseReply(value: unknown): Reply | null {
  if (!Array.isArray(value) || value.length < REPLY_FIELDS) return null;
  return {
    absent: num(value[0]) === 1,
    open: num(value[1]) === 1,
    ep: value[2] === null || value[2] === undefined ? '' : String(value[2]),
    at: num(value[3]),
    until: num(value[4]),
    openings: num(value[5]),
    probesKnown: num(value[6]) === 1,
    probeCalls: num(value[7]),
    probeFailures: num(value[8]),
    probeSlow: num(value[9]),
    held: num(value[10]),
    recorded: num(value[11]),
    dead: num(value[12]) === 1,
    denials: num(value[13]),
  };
}

/**
 * One breaker bound to a store: accumulates its outcomes per time bucket (the tap,
 * allocation-free), remembers the transitions to publish, and turns each sync reply
 * into fleet inputs for the breaker. @internal
 */
export class Binding {
  readonly keys: BreakerKeys;
  detached = false;

  // Fleet window geometry, re-read from the breaker's options at each sync.
  private bucketMs = 0;
  private buckets = 0;
  private countCap = 0;
  // Pending deltas and what this instance pushed, per bucket: rings indexed by bucket % size.
  private pendIdx = new Float64Array(0);
  private pend = new Float64Array(0);
  private ownIdx = new Float64Array(0);
  private own = new Float64Array(0);
  private pendingAny = false;
  // The tap's current bucket, cached: [curStart, curEnd) on the breaker's clock, at ring offset curBase.
  private curStart = 0;
  private curEnd = -1;
  private curBase = 0;

  /** The fleet episode this instance last agreed with (null: unknown). */
  private epoch: string | null = null;

  // The transition to publish.
  private pub = NONE;
  private pubVersion = 0;
  private pubAt = 0;
  private pubUntil = 0;
  private pubOpenings = 0;
  private pubFrom = '';

  // The open period this instance is in, to republish after Redis lost its data.
  private hasOpen = false;
  private openAt = 0;
  private openUntil = 0;
  private openings = 0;

  // The half-open period: this instance's probes and probe slots.
  private probeEp: string | null = null;
  // Probe outcomes seen by the tap, the part of them already sent, leases that expired
  // locally (failed probes the tap never sees) already sent, and totals pushed.
  private tapCalls = 0;
  private tapFailures = 0;
  private tapSlow = 0;
  private sentTapCalls = 0;
  private sentTapFailures = 0;
  private sentTapSlow = 0;
  private sentExpired = 0;
  private pushedFailures = 0;
  private pushedSlow = 0;
  /** Probe slots this instance holds in the fleet's half-open period (used or not). */
  private held = 0;
  private lastRejected = 0;
  private lastUsed = 0;
  /** Fleet denials seen at the last sync, and whether more came since: someone else wants slots. */
  private denials = 0;
  private contended = false;

  private readonly unsubscribe: () => void;

  constructor(
    readonly breaker: CircuitBreaker,
    readonly holder: string,
    private readonly host: BindingHost,
  ) {
    this.keys = breakerKeys(host.prefix, breaker.key);
    this.geometry();
    breaker.fleetTap(this.tap);
    this.unsubscribe = breaker.onStateChange(this.onState);
    const state = breaker.state;
    if (state === 'open' || state === 'half_open') {
      // Bound while tripped (a restored breaker): share the open period.
      const json = breaker.toJSON();
      if (state === 'open' && json.openedAt !== null && json.openUntil !== null) {
        this.rememberOpen(json.openedAt, json.openUntil, json.openings);
        this.publish(OPEN, json.openedAt, json.openUntil, json.openings);
      }
    }
  }

  /** Stops sharing: the breaker returns to local rules. Pending data stays for one last flush. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.unsubscribe();
    this.breaker.fleetTap(null);
    this.localMode();
  }

  /** Whether a detached binding still has something for Redis. */
  hasPending(): boolean {
    return this.pendingAny || this.pub !== NONE || this.held > 0 || this.tapCalls > this.sentTapCalls;
  }

  /** Local rules until the next successful sync. */
  localMode(): void {
    try {
      this.breaker.fleetSync({ others: null, probeOthers: null, probeQuota: null });
    } catch {
      // A breaker never fails the store.
    }
  }

  // ---------------------------------------------------------------- hot path

  /** The breaker's fleet tap: called for every recorded outcome; allocates nothing. */
  private readonly tap = (failed: boolean, slow: boolean, probe: boolean, at: number): void => {
    if (probe) {
      this.tapCalls++;
      if (failed) this.tapFailures++;
      if (slow) this.tapSlow++;
      return;
    }
    if (at >= this.curEnd || at < this.curStart) {
      if (this.buckets === 0) return;
      this.roll(at);
    }
    const pend = this.pend;
    const base = this.curBase;
    pend[base]!++;
    if (failed) pend[base + 1]!++;
    if (slow) pend[base + 2]!++;
    this.pendingAny = true;
  };

  /** Moves the tap to the bucket holding `at`, clearing its ring slot if it held an older bucket. */
  private roll(at: number): void {
    const bucketMs = this.bucketMs;
    const idx = Math.floor(at / bucketMs);
    const slot = idx % this.buckets;
    const base = slot * 3;
    if (this.pendIdx[slot] !== idx) {
      this.pendIdx[slot] = idx;
      this.pend[base] = 0;
      this.pend[base + 1] = 0;
      this.pend[base + 2] = 0;
    }
    this.curStart = idx * bucketMs;
    this.curEnd = this.curStart + bucketMs;
    this.curBase = base;
  }

  // ----------------------------------------------------------- transitions

  private readonly onState = (event: StateChangeEvent): void => {
    const { to, from, reason, at } = event;
    if (to === 'open') {
      if (reason === 'fleet') return; // adopted: rememberOpen was called by the adopter
      const json = this.breaker.toJSON();
      const until = json.openUntil ?? at;
      this.rememberOpen(at, until, json.openings);
      this.publish(OPEN, at, until, json.openings);
    } else if (to === 'closed') {
      this.hasOpen = false;
      if (reason === 'probes_passed') this.publish(CLOSE, at, 0, 0);
      else if (reason === 'reset' && (from === 'open' || from === 'half_open')) this.publish(RESET, at, 0, 0);
    } else if (to === 'half_open') {
      this.startProbes(this.epoch);
      if (this.host.fleetActive()) this.breaker.fleetSync({ probeQuota: 0 });
    }
  };

  private rememberOpen(at: number, until: number, openings: number): void {
    this.hasOpen = true;
    this.openAt = at;
    this.openUntil = until;
    this.openings = openings;
  }

  private publish(kind: number, at: number, until: number, openings: number): void {
    this.pub = kind;
    this.pubVersion++;
    this.pubAt = Math.floor(at);
    this.pubUntil = Math.ceil(until);
    this.pubOpenings = openings;
    this.pubFrom = this.epoch ?? '';
    this.host.kick(this);
  }

  private startProbes(ep: string | null): void {
    this.probeEp = ep;
    this.tapCalls = 0;
    this.tapFailures = 0;
    this.tapSlow = 0;
    this.sentTapCalls = 0;
    this.sentTapFailures = 0;
    this.sentTapSlow = 0;
    this.sentExpired = 0;
    this.pushedFailures = 0;
    this.pushedSlow = 0;
    this.held = 0;
    this.lastUsed = 0;
    this.denials = 0;
    this.contended = false;
  }

  // ------------------------------------------------------------------ sync

  /** Reads the window geometry from the breaker's options; resets the rings when it changed. */
  private geometry(): void {
    const o = this.breaker.options;
    let bucketMs: number;
    let buckets: number;
    let cap = 0;
    if (o.window.kind === 'time') {
      buckets = o.window.buckets;
      bucketMs = o.window.durationMs / buckets;
      if (buckets > MAX_FLEET_BUCKETS || !Number.isInteger(bucketMs)) {
        buckets = Math.min(buckets, MAX_FLEET_BUCKETS);
        bucketMs = Math.ceil(o.window.durationMs / buckets);
      }
    } else {
      buckets = COUNT_WINDOW_BUCKETS;
      bucketMs = this.host.countWindowMs / COUNT_WINDOW_BUCKETS;
      cap = o.window.size;
    }
    this.countCap = cap;
    if (bucketMs === this.bucketMs && buckets === this.buckets) return;
    this.bucketMs = bucketMs;
    this.buckets = buckets;
    this.pendIdx = new Float64Array(buckets).fill(-1);
    this.pend = new Float64Array(buckets * 3);
    this.ownIdx = new Float64Array(buckets).fill(-1);
    this.own = new Float64Array(buckets * 3);
    this.pendingAny = false;
    this.curStart = 0;
    this.curEnd = -1;
  }

  private clearOwn(): void {
    this.ownIdx.fill(-1);
    this.own.fill(0);
  }

  private setEpoch(ep: string | null): void {
    if (ep !== this.epoch) this.clearOwn();
    this.epoch = ep;
  }

  /** Builds this breaker's script call for one sync. */
  build(): { call: ScriptCall; context: SyncContext } {
    const breaker = this.breaker;
    const o = breaker.options;
    if (!this.detached) this.geometry();
    const now = o.clock.now();
    const state = this.detached ? 'detached' : breaker.state; // applies due transitions (may publish)
    const bucketMs = this.bucketMs;
    const buckets = this.buckets;
    const cur = Math.floor(now / bucketMs);
    const oldest = cur - buckets + 1;

    // Outcome deltas, moved to what this instance pushed.
    const deltas: string[] = [];
    if (this.pendingAny) {
      for (let slot = 0; slot < buckets; slot++) {
        const idx = this.pendIdx[slot]!;
        if (idx < oldest) continue;
        const base = slot * 3;
        const c = this.pend[base]!;
        if (c === 0) continue;
        const f = this.pend[base + 1]!;
        const s = this.pend[base + 2]!;
        deltas.push(String(idx), String(c), String(f), String(s));
        if (this.ownIdx[slot] !== idx) {
          this.ownIdx[slot] = idx;
          this.own[base] = 0;
          this.own[base + 1] = 0;
          this.own[base + 2] = 0;
        }
        this.own[base] = this.own[base]! + c;
        this.own[base + 1] = this.own[base + 1]! + f;
        this.own[base + 2] = this.own[base + 2]! + s;
        this.pend[base] = 0;
        this.pend[base + 1] = 0;
        this.pend[base + 2] = 0;
      }
      this.pendingAny = false;
    }

    // Probes: outcomes, slots to claim or give back.
    let want = 0;
    let release = 0;
    let dc = 0;
    let df = 0;
    let ds = 0;
    let used = 0;
    const probing = this.probeEp !== null && (state === 'half_open' || this.detached);
    if (probing || state === 'open') {
      const snap = breaker.snapshot();
      const rejected = snap.totals.rejected;
      if (probing) {
        const h = snap.halfOpen;
        if (h !== null) {
          used = h.recorded + h.inFlight;
          // Leases that expired locally count as failed probes without passing the tap.
          const expired = Math.max(0, h.recorded - this.tapCalls);
          const newExpired = Math.max(0, expired - this.sentExpired);
          dc = this.tapCalls - this.sentTapCalls + newExpired;
          df = this.tapFailures - this.sentTapFailures + newExpired;
          ds = this.tapSlow - this.sentTapSlow;
          this.sentTapCalls = this.tapCalls;
          this.sentTapFailures = this.tapFailures;
          this.sentTapSlow = this.tapSlow;
          this.sentExpired = Math.max(this.sentExpired, expired);
          this.pushedFailures += df;
          this.pushedSlow += ds;
        }
        const rejectedSince = rejected - this.lastRejected;
        const busy = rejectedSince > 0 || used > this.lastUsed;
        if (this.detached) {
          release = Math.max(0, this.held - used);
        } else if (rejectedSince > 0 && used >= this.held) {
          want = Math.min(o.halfOpenMaxCalls, rejectedSince);
        } else if (this.contended && !busy && this.held > used && this.host.fleetActive()) {
          // Another instance was refused slots while these sat idle: give them back, and
          // admit no more on them meanwhile.
          release = this.held - used;
          breaker.fleetSync({ probeQuota: used });
        }
        this.lastUsed = used;
      }
      this.lastRejected = rejected;
    }

    const pub = this.pub;
    const args: string[] = [
      String(Math.floor(now)),
      String(bucketMs),
      String(buckets),
      String(this.ttlMs()),
      this.epoch ?? '',
      PUB_NAMES[pub]!,
      String(this.pubAt),
      String(this.pubUntil),
      String(this.pubOpenings),
      this.pubFrom,
      pub === NONE ? '' : this.host.newEpisode(),
      this.holder,
      String(o.halfOpenMaxCalls),
      String(want),
      String(release),
      String(dc),
      String(df),
      String(ds),
      probing ? (this.probeEp ?? '') : '',
      String(o.halfOpenMaxWaitMs + 2 * this.host.syncIntervalMs + this.host.timeoutMs),
      state === 'closed' ? '1' : '0',
      String(deltas.length / 4),
      ...deltas,
    ];
    return {
      call: {
        script: SYNC_SCRIPT,
        keys: [this.keys.state, this.keys.counters(bucketMs), this.keys.probes],
        args,
      },
      context: {
        binding: this,
        pubVersion: this.pubVersion,
        pub,
        readCounters: state === 'closed',
        oldest,
        buckets,
        countCap: this.countCap,
        probeEp: probing ? (this.probeEp ?? '') : '',
        used,
      },
    };
  }

  /** How long an idle key lives: the fleet window, a probe lease, and some syncs. */
  private ttlMs(): number {
    const o = this.breaker.options;
    const windowMs = o.window.kind === 'time' ? o.window.durationMs : this.host.countWindowMs;
    return Math.ceil(windowMs + o.halfOpenMaxWaitMs + 10 * this.host.syncIntervalMs);
  }

  /** Applies a sync reply. Returns false when the reply could not be read. */
  apply(context: SyncContext, value: unknown): boolean {
    const reply = parseReply(value);
    if (reply === null) return false;
    if (context.pub !== NONE && context.pubVersion === this.pubVersion) this.pub = NONE;
    if (this.detached) return true;
    // A transition happened after the request left: its publication goes next; until
    // then this reply says nothing about the breaker's current state.
    if (context.pubVersion !== this.pubVersion) return true;
    const breaker = this.breaker;
    const now = breaker.options.clock.now();

    if (reply.absent) {
      // Redis lost this breaker's state (flushed, restarted, expired): rebuild it from ours.
      this.setEpoch(null);
      const state = breaker.state;
      if (this.hasOpen && (state === 'open' || state === 'half_open')) {
        this.publish(OPEN, this.openAt, this.openUntil, this.openings);
        return true;
      }
    } else if (reply.open) {
      if (reply.until > now) {
        this.setEpoch(reply.ep);
        this.adoptOpen(reply.at, reply.until, reply.openings);
      } else if (this.epoch !== reply.ep) {
        // The fleet is half-open in an episode this instance missed: join it.
        this.setEpoch(reply.ep);
        this.adoptOpen(reply.at, Math.max(reply.until, now + 1), reply.openings);
      }
    } else if (this.epoch !== reply.ep) {
      this.setEpoch(reply.ep);
      breaker.fleetAdopt({ state: 'closed', at: Math.max(reply.at, 0) });
    }

    const state = breaker.state;
    if (state === 'closed' && context.readCounters && !reply.open) {
      breaker.fleetSync({ others: this.others(value as unknown[], context) });
    } else if (state === 'half_open' && reply.probesKnown && this.epoch === reply.ep) {
      if (this.probeEp !== reply.ep) {
        // Half-open on local rules since before this episode (an outage): join the
        // fleet's period, with fresh probes if any ran locally meanwhile.
        if (this.held === 0 && this.tapCalls === 0) this.startProbes(reply.ep);
        else this.adoptOpen(reply.at, now + 1, reply.openings);
      }
      if (this.probeEp === reply.ep && context.probeEp === reply.ep) this.applyProbes(reply, context);
    }
    return true;
  }

  private adoptOpen(at: number, until: number, openings: number): void {
    this.rememberOpen(at, until, openings);
    this.breaker.fleetAdopt({ state: 'open', at, openUntil: until, openings });
  }

  private applyProbes(reply: Reply, context: SyncContext): void {
    this.held = reply.held;
    this.contended = reply.denials > this.denials;
    this.denials = reply.denials;
    const quota = reply.dead ? Math.min(reply.held, context.used) : reply.held;
    const calls = Math.max(0, reply.probeCalls - reply.recorded);
    const failures = Math.min(calls, Math.max(0, reply.probeFailures - this.pushedFailures));
    const slowCalls = Math.min(calls, Math.max(0, reply.probeSlow - this.pushedSlow));
    this.breaker.fleetSync({ probeQuota: quota, probeOthers: { calls, failures, slowCalls } });
  }

  /** The other instances' outcomes in the window: the fleet's buckets minus this instance's. */
  private others(values: unknown[], context: SyncContext): FleetSample {
    let calls = 0;
    let failures = 0;
    let slowCalls = 0;
    const size = this.buckets;
    for (let i = context.buckets - 1; i >= 0; i--) {
      const idx = context.oldest + i;
      const at = REPLY_FIELDS + i * 3;
      let c = num(values[at]);
      let f = num(values[at + 1]);
      let s = num(values[at + 2]);
      if (size === context.buckets) {
        const slot = idx % size;
        if (this.ownIdx[slot] === idx) {
          const base = slot * 3;
          c -= this.own[base]!;
          f -= this.own[base + 1]!;
          s -= this.own[base + 2]!;
        }
      }
      c = Math.max(0, c);
      calls += c;
      failures += Math.min(c, Math.max(0, f));
      slowCalls += Math.min(c, Math.max(0, s));
      if (context.countCap > 0 && calls >= context.countCap) break;
    }
    return { calls, failures, slowCalls };
  }
}
