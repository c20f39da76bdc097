/**
 * Sliding windows of call outcomes. Both record and read in O(1) whatever their
 * size, over preallocated typed arrays.
 *
 * An outcome is two bits: 1 = failure, 2 = slow.
 */

/** @internal */
export const FAILURE = 1;
/** @internal */
export const SLOW = 2;

/** @internal The counts a window holds. */
export interface Sample {
  calls: number;
  failures: number;
  slowCalls: number;
}

/** @internal */
export interface OutcomeWindow {
  readonly kind: 'count' | 'time';
  calls: number;
  failures: number;
  slowCalls: number;
  /** Drops what has left the window at `now` (time windows only). */
  advance(now: number): void;
  record(outcome: number, now: number): void;
  clear(): void;
}

/**
 * The last `size` outcomes, as a ring buffer of 2-bit outcomes packed four to a
 * byte (a 100-call window is 25 bytes).
 */
export class CountWindow implements OutcomeWindow {
  readonly kind = 'count' as const;
  readonly size: number;
  calls = 0;
  failures = 0;
  slowCalls = 0;
  private readonly ring: Uint8Array;
  private head = 0;

  constructor(size: number) {
    this.size = size;
    this.ring = new Uint8Array((size + 3) >> 2);
  }

  advance(_now: number): void {}

  record(outcome: number, _now: number): void {
    const ring = this.ring;
    const head = this.head;
    const byte = head >> 2;
    const shift = (head & 3) << 1;
    const packed = ring[byte]!;
    if (this.calls === this.size) {
      const old = (packed >> shift) & 3;
      this.failures -= old & FAILURE;
      this.slowCalls -= (old & SLOW) >> 1;
    } else {
      this.calls++;
    }
    ring[byte] = (packed & ~(3 << shift)) | (outcome << shift);
    this.failures += outcome & FAILURE;
    this.slowCalls += (outcome & SLOW) >> 1;
    this.head = head + 1 === this.size ? 0 : head + 1;
  }

  clear(): void {
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
    this.head = 0;
  }

  /** Outcomes, oldest first. */
  outcomes(): number[] {
    const out: number[] = [];
    const start = this.calls === this.size ? this.head : 0;
    for (let i = 0; i < this.calls; i++) {
      const at = (start + i) % this.size;
      out.push((this.ring[at >> 2]! >> ((at & 3) << 1)) & 3);
    }
    return out;
  }
}

/**
 * The outcomes of the last `durationMs`, in `buckets` buckets of
 * `durationMs / buckets` aligned to multiples of the bucket length. Bucket `k`
 * covers `[k·len, (k+1)·len)` and leaves the window when the clock reaches
 * `(k+N)·len`. Elapsed buckets are cleared lazily.
 */
export class TimeWindow implements OutcomeWindow {
  readonly kind = 'time' as const;
  readonly durationMs: number;
  readonly bucketCount: number;
  readonly bucketMs: number;
  calls = 0;
  failures = 0;
  slowCalls = 0;
  /** calls, failures, slowCalls per slot. */
  private readonly counts: Float64Array;
  /** The bucket index each slot currently holds (NaN when empty). */
  private readonly index: Float64Array;
  /** The newest bucket index that `advance` has seen. */
  private current = Number.NEGATIVE_INFINITY;

  constructor(durationMs: number, buckets: number) {
    this.durationMs = durationMs;
    this.bucketCount = buckets;
    this.bucketMs = durationMs / buckets;
    this.counts = new Float64Array(buckets * 3);
    this.index = new Float64Array(buckets).fill(Number.NaN);
  }

  advance(now: number): void {
    const k = Math.floor(now / this.bucketMs);
    if (k <= this.current) return;
    const n = this.bucketCount;
    if (k - this.current >= n) {
      if (this.calls !== 0) this.clear();
    } else {
      for (let j = this.current + 1; j <= k; j++) this.drop(((j % n) + n) % n);
    }
    this.current = k;
  }

  private drop(slot: number): void {
    const c = this.counts;
    const o = slot * 3;
    this.calls -= c[o]!;
    this.failures -= c[o + 1]!;
    this.slowCalls -= c[o + 2]!;
    c[o] = 0;
    c[o + 1] = 0;
    c[o + 2] = 0;
    this.index[slot] = Number.NaN;
  }

  record(outcome: number, now: number): void {
    this.advance(now);
    // A report timestamped before the newest bucket (a clock that went back)
    // lands in the newest bucket.
    const k = this.current;
    const n = this.bucketCount;
    const slot = ((k % n) + n) % n;
    const o = slot * 3;
    const c = this.counts;
    const failure = outcome & FAILURE;
    const slow = (outcome & SLOW) >> 1;
    c[o] = c[o]! + 1;
    c[o + 1] = c[o + 1]! + failure;
    c[o + 2] = c[o + 2]! + slow;
    this.index[slot] = k;
    this.calls++;
    this.failures += failure;
    this.slowCalls += slow;
  }

  /** Adds counts to the bucket that holds `now` (used when restoring or resizing). */
  add(sample: Sample, bucketIndex: number): void {
    const n = this.bucketCount;
    if (bucketIndex > this.current) this.advance(bucketIndex * this.bucketMs);
    if (bucketIndex <= this.current - n) return;
    const slot = ((bucketIndex % n) + n) % n;
    const o = slot * 3;
    const c = this.counts;
    c[o] = c[o]! + sample.calls;
    c[o + 1] = c[o + 1]! + sample.failures;
    c[o + 2] = c[o + 2]! + sample.slowCalls;
    this.index[slot] = bucketIndex;
    this.calls += sample.calls;
    this.failures += sample.failures;
    this.slowCalls += sample.slowCalls;
  }

  clear(): void {
    this.counts.fill(0);
    this.index.fill(Number.NaN);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  /** Non-empty buckets with their absolute indexes. */
  buckets(): Array<{ index: number } & Sample> {
    const out: Array<{ index: number } & Sample> = [];
    for (let slot = 0; slot < this.bucketCount; slot++) {
      const index = this.index[slot]!;
      const o = slot * 3;
      if (!Number.isNaN(index) && this.counts[o]! > 0) {
        out.push({
          index,
          calls: this.counts[o]!,
          failures: this.counts[o + 1]!,
          slowCalls: this.counts[o + 2]!,
        });
      }
    }
    return out.sort((a, b) => a.index - b.index);
  }
}
