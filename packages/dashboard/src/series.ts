/**
 * A bounded history of one dashboard group: call, failure, slow-call and rejection
 * counts per slot over the last minutes, and a latency histogram over the last two
 * slots. Preallocated typed arrays; recording is O(1) and allocates nothing.
 *
 * @internal
 */

/** The length of one slot, in ms. */
export const SLOT_MS = 5_000;
/** How many slots of history: 60 × 5 s = the last 5 minutes. */
export const SLOTS = 60;

const CALLS = 0;
const FAILURES = 1;
const SLOW = 2;
const REJECTED = 3;
const FIELDS = 4;

/** Latency buckets: upper bounds 0.25 ms × 1.25^i, i in [0, 63] (up to about 5 minutes). */
const BUCKETS = 64;
const BASE_MS = 0.25;
const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);
/** The latency histogram keeps the current and the previous slot. */
const HIST_SLOTS = 2;

/** The upper bound of a latency bucket, in ms. */
export function bucketUpperMs(index: number): number {
  return BASE_MS * GROWTH ** index;
}

/** The bucket of a duration in ms. */
export function bucketOf(durationMs: number): number {
  if (!(durationMs > BASE_MS)) return 0;
  const i = Math.ceil(Math.log(durationMs / BASE_MS) / LOG_GROWTH - 1e-9);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** What a series reports over its recent slots. */
export interface RecentStats {
  /** Calls per second (successes, failures and timeouts; rejections excluded). */
  callsPerSec: number;
  rejectionsPerSec: number;
  /** Failures / calls over the recent slots, `null` without calls. */
  failureRate: number | null;
  slowCallRate: number | null;
  /** Approximate latency percentiles in ms (the bucket's upper bound: within 25%), `null` without calls. */
  p50: number | null;
  p99: number | null;
}

/** Sparkline points, oldest first, one per slot: rates in per-mille (-1: no calls), counts as is. */
export interface Sparklines {
  f: number[];
  s: number[];
  c: number[];
  r: number[];
}

export class Series {
  readonly #counts = new Float64Array(SLOTS * FIELDS);
  readonly #hist = new Uint32Array(HIST_SLOTS * BUCKETS);
  /** The absolute slot number (floor(now / SLOT_MS)) the ring is at. */
  #slot: number;
  /** When recording started, to compute rates over less than two slots. */
  readonly #since: number;

  constructor(now: number) {
    this.#slot = Math.floor(now / SLOT_MS);
    this.#since = now;
  }

  /** Moves the ring to `now`, zeroing the slots it passes (at most SLOTS of them). */
  #advance(now: number): void {
    const slot = Math.floor(now / SLOT_MS);
    const gap = slot - this.#slot;
    if (gap <= 0) return;
    const steps = Math.min(gap, SLOTS);
    for (let s = 1; s <= steps; s++) {
      const ring = ((this.#slot + s) % SLOTS) * FIELDS;
      this.#counts.fill(0, ring, ring + FIELDS);
    }
    const histSteps = Math.min(gap, HIST_SLOTS);
    for (let s = 1; s <= histSteps; s++) {
      const ring = ((this.#slot + s) % HIST_SLOTS) * BUCKETS;
      this.#hist.fill(0, ring, ring + BUCKETS);
    }
    this.#slot = slot;
  }

  /** Records a finished call (success, failure or timeout). */
  call(now: number, failed: boolean, slow: boolean, durationMs: number): void {
    this.#advance(now);
    const i = (this.#slot % SLOTS) * FIELDS;
    const c = this.#counts;
    c[i + CALLS]! += 1;
    if (failed) c[i + FAILURES]! += 1;
    if (slow) c[i + SLOW]! += 1;
    this.#hist[(this.#slot % HIST_SLOTS) * BUCKETS + bucketOf(durationMs)]! += 1;
  }

  /** Records a rejection. */
  rejection(now: number): void {
    this.#advance(now);
    this.#counts[(this.#slot % SLOTS) * FIELDS + REJECTED]! += 1;
  }

  /** Rates and latencies over the current and the previous slot. */
  recent(now: number): RecentStats {
    this.#advance(now);
    const c = this.#counts;
    const cur = (this.#slot % SLOTS) * FIELDS;
    const prev = ((this.#slot + SLOTS - 1) % SLOTS) * FIELDS;
    const calls = c[cur + CALLS]! + c[prev + CALLS]!;
    const failures = c[cur + FAILURES]! + c[prev + FAILURES]!;
    const slow = c[cur + SLOW]! + c[prev + SLOW]!;
    const rejected = c[cur + REJECTED]! + c[prev + REJECTED]!;
    const covered = Math.max(1, Math.min(SLOT_MS + (now - this.#slot * SLOT_MS), now - this.#since));
    let p50: number | null = null;
    let p99: number | null = null;
    let total = 0;
    const h = this.#hist;
    for (let b = 0; b < BUCKETS; b++) total += h[b]! + h[BUCKETS + b]!;
    if (total > 0) {
      const at50 = Math.ceil(total * 0.5);
      const at99 = Math.ceil(total * 0.99);
      let seen = 0;
      for (let b = 0; b < BUCKETS && p99 === null; b++) {
        seen += h[b]! + h[BUCKETS + b]!;
        if (p50 === null && seen >= at50) p50 = bucketUpperMs(b);
        if (seen >= at99) p99 = bucketUpperMs(b);
      }
    }
    return {
      callsPerSec: (calls * 1000) / covered,
      rejectionsPerSec: (rejected * 1000) / covered,
      failureRate: calls > 0 ? failures / calls : null,
      slowCallRate: calls > 0 ? slow / calls : null,
      p50,
      p99,
    };
  }

  /** One point per slot, oldest first, the current slot last. */
  sparklines(now: number): Sparklines {
    this.#advance(now);
    const c = this.#counts;
    const out: Sparklines = { f: [], s: [], c: [], r: [] };
    for (let s = SLOTS - 1; s >= 0; s--) {
      const i = ((this.#slot - s + SLOTS * 2) % SLOTS) * FIELDS;
      const calls = c[i + CALLS]!;
      out.c.push(calls);
      out.r.push(c[i + REJECTED]!);
      out.f.push(calls > 0 ? Math.round((c[i + FAILURES]! * 1000) / calls) : -1);
      out.s.push(calls > 0 ? Math.round((c[i + SLOW]! * 1000) / calls) : -1);
    }
    return out;
  }
}
