import { createHash } from 'node:crypto';

/** The longest `prefix`, in characters. */
export const MAX_PREFIX_LENGTH = 64;

/** Printable ASCII except space and the hash-tag braces `{` `}`. */
const PREFIX_PATTERN = /^[\x21-\x7a\x7c\x7e]*$/;

/** The Redis keys of one breaker. All share one hash tag, so they live in one Cluster slot. */
export interface BreakerKeys {
  /** The hash tag, `{…}` included. */
  readonly tag: string;
  /** Fleet state: `st` (0 closed, 1 open), `ep` (episode id), `at`, `un` (open until), `op` (openings). */
  readonly state: string;
  /** Probe period: claimed slots, recorded probes, and per-holder leases. */
  readonly probes: string;
  /** Time-bucketed outcome counters; the bucket length is part of the name. */
  counters(bucketMs: number): string;
}

/**
 * Checks a key prefix: at most 64 printable ASCII characters, no space, no `{` or `}`
 * (they would change the Cluster hash tag). The empty prefix is allowed.
 *
 * @internal
 */
export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === 'string' && prefix.length <= MAX_PREFIX_LENGTH && PREFIX_PATTERN.test(prefix);
}

/**
 * The keys of the breaker with key `breakerKey`: `<prefix>{<hash>}:s`, `…:p` and
 * `…:c:<bucketMs>`, where `<hash>` is 32 hex digits (128 bits) of the SHA-256 of the
 * breaker key. The breaker key (a route, a client address…) never reaches Redis as
 * is: key names have a fixed length whatever the input.
 *
 * @internal
 */
export function breakerKeys(prefix: string, breakerKey: string): BreakerKeys {
  const hash = createHash('sha256').update(breakerKey).digest('hex').slice(0, 32);
  const tag = `{${hash}}`;
  const base = `${prefix}${tag}`;
  return {
    tag,
    state: `${base}:s`,
    probes: `${base}:p`,
    counters: (bucketMs) => `${base}:c:${bucketMs}`,
  };
}
