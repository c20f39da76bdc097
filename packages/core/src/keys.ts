import { createHash } from 'node:crypto';
import { describeValue } from './describe.js';

/**
 * The longest key, in UTF-16 code units, that {@link boundKey} keeps verbatim.
 * Longer keys are replaced by a readable prefix and a hash.
 *
 * @example
 * ```ts
 * if (key.length > MAX_KEY_LENGTH) metrics.increment('hashed_keys');
 * ```
 */
export const MAX_KEY_LENGTH = 256;

/** How much of an over-long key stays readable. */
const READABLE_PREFIX = 64;
/** Hex digits of the SHA-256 digest kept: 128 bits, collisions are not a practical concern. */
const HASH_HEX_DIGITS = 32;
/** V8 shares the memory of its parent with any slice of 13 characters or more. */
const SLICE_SHARE_MIN = 13;

/**
 * Bounds a breaker key so that it never carries unbounded user input into memory,
 * snapshots or telemetry.
 *
 * A key of at most {@link MAX_KEY_LENGTH} (256) UTF-16 code units is returned
 * unchanged (no allocation). A longer key becomes its first 64 characters, `~sha256:`
 * and 32 hex digits of the SHA-256 digest of the whole key (104 characters in all),
 * so distinct long keys stay distinct and the result still reads well in logs. A
 * surrogate pair is never cut in half. Adapters that derive keys from requests
 * should pass them through this function (the registry does it for every key).
 *
 * @param key - any string.
 * @returns the key itself, or its bounded form.
 * @throws TypeError when `key` is not a string.
 *
 * @example
 * ```ts
 * boundKey('GET /users/:id');      // 'GET /users/:id'
 * boundKey(`GET /${'x'.repeat(1_000)}`);
 * // 'GET /xxxx…xxx~sha256:3f1c…' (104 characters)
 * ```
 */
export function boundKey(key: string): string {
  if (typeof key !== 'string') {
    throw new TypeError(`key must be a string, got ${describeValue(key)}`);
  }
  if (key.length <= MAX_KEY_LENGTH) return key;
  let end = READABLE_PREFIX;
  const last = key.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  const digest = createHash('sha256').update(key).digest('hex').slice(0, HASH_HEX_DIGITS);
  return detachString(`${key.slice(0, end)}~sha256:${digest}`);
}

/**
 * Returns a copy of `value` that shares no memory with a larger string it may have
 * been sliced from (V8 keeps the parent of a slice alive). Used once per stored key.
 *
 * @internal
 */
export function detachString(value: string): string {
  if (value.length < SLICE_SHARE_MIN) return value;
  // Concatenating then slicing makes V8 copy the characters into a new flat string
  // (one character longer) that the result slices: the parent is no longer referenced.
  return ` ${value}`.slice(1);
}

const LITERAL = 0;
const ANY_RUN = 1;
const ANY_ONE = 2;

/**
 * Compiles a glob into a matcher over whole keys.
 *
 * - `*` matches any run of characters, including none and including `/`;
 * - `?` matches exactly one character (one UTF-16 code unit);
 * - `\` escapes the next character (`\*`, `\?`, `\\`);
 * - everything else matches itself, case-sensitively;
 * - the pattern is anchored at both ends: `GET /search` matches only that key,
 *   `GET /search*` matches `GET /search` and `GET /search/advanced`.
 *
 * Matching is iterative, O(key length × pattern length) at worst, with no
 * backtracking blow-up, so a hostile key cannot stall it.
 *
 * @param pattern - the glob.
 * @returns a function telling whether a key matches.
 * @throws TypeError when `pattern` is not a string.
 *
 * @example
 * ```ts
 * const isPayment = compileGlob('POST /payments*');
 * isPayment('POST /payments/refunds'); // true
 * isPayment('GET /payments');          // false
 * ```
 */
export function compileGlob(pattern: string): (key: string) => boolean {
  if (typeof pattern !== 'string') {
    throw new TypeError(`pattern must be a string, got ${describeValue(pattern)}`);
  }
  const kinds: number[] = [];
  const chars: string[] = [];
  let hasWildcard = false;
  let literal = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      kinds.push(LITERAL);
      chars.push(pattern[i] as string);
      literal += pattern[i];
    } else if (c === '*') {
      hasWildcard = true;
      // Consecutive stars are one star.
      if (kinds[kinds.length - 1] !== ANY_RUN) {
        kinds.push(ANY_RUN);
        chars.push('');
      }
    } else if (c === '?') {
      hasWildcard = true;
      kinds.push(ANY_ONE);
      chars.push('');
    } else {
      kinds.push(LITERAL);
      chars.push(c);
      literal += c;
    }
  }
  if (!hasWildcard) return (key) => key === literal;
  if (kinds.length === 1 && kinds[0] === ANY_RUN) return () => true;
  const k = Uint8Array.from(kinds);
  return (key) => matchTokens(k, chars, key);
}

function matchTokens(kinds: Uint8Array, chars: readonly string[], key: string): boolean {
  const n = kinds.length;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < key.length) {
    const kind = p < n ? kinds[p] : -1;
    if (kind === ANY_ONE || (kind === LITERAL && chars[p] === key[i])) {
      p += 1;
      i += 1;
    } else if (kind === ANY_RUN) {
      starP = p;
      starI = i;
      p += 1;
    } else if (starP !== -1) {
      // Let the last star swallow one more character and retry from there.
      starI += 1;
      i = starI;
      p = starP + 1;
    } else {
      return false;
    }
  }
  while (p < n && kinds[p] === ANY_RUN) p += 1;
  return p === n;
}
