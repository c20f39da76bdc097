import { BreakerConfigError, describeValue, ErrorCodes, invalidOption, MAX_TIMER_MS } from '@breakwater/core';
import { adaptClient, type RedisAdapter } from './adapter.js';
import { isValidPrefix, MAX_PREFIX_LENGTH } from './keys.js';
import type { RedisStoreOptions } from './types.js';

/** The options a store runs with, defaults applied. @internal */
export interface ResolvedStoreOptions {
  adapter: RedisAdapter;
  prefix: string;
  syncIntervalMs: number;
  timeoutMs: number;
  countWindowMs: number;
}

const KNOWN = ['client', 'prefix', 'syncIntervalMs', 'timeoutMs', 'countWindowMs'];

/** A short, safe description of a value for error messages (never serialises a client). */
export const describe = describeValue;

function invalid(option: string, value: unknown, expected: string): never {
  throw invalidOption(option, value, expected);
}

function integer(options: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    invalid(name, value, `an integer >= ${min}`);
  }
  return value;
}

/** An integer option that ends in a timer: at most {@link MAX_TIMER_MS} (Node runs longer delays after 1 ms). */
function timerMs(options: Record<string, unknown>, name: string, fallback: number, min: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > MAX_TIMER_MS) {
    invalid(name, value, `an integer in [${min}, ${MAX_TIMER_MS}]`);
  }
  return value;
}

/**
 * Validates {@link RedisStoreOptions} and applies defaults.
 *
 * @throws BreakerConfigError naming the option and the value.
 * @internal
 */
export function resolveStoreOptions(input: RedisStoreOptions): ResolvedStoreOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    invalid('options', input, 'an object with at least { client }');
  }
  const options = input as unknown as Record<string, unknown>;
  for (const name of Object.keys(options)) {
    if (!KNOWN.includes(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        name,
        options[name],
        `${name} is not a known option (known: ${KNOWN.join(', ')})`,
      );
    }
  }
  const adapter = adaptClient(options['client']);
  if (adapter === null) {
    invalid(
      'client',
      options['client'],
      'an ioredis client (Redis or Cluster) or a node-redis client (createClient or createCluster)',
    );
  }
  const prefix = options['prefix'] ?? 'bw:';
  if (!isValidPrefix(prefix)) {
    invalid(
      'prefix',
      prefix,
      `a string of at most ${MAX_PREFIX_LENGTH} printable ASCII characters without spaces, { or }`,
    );
  }
  const syncIntervalMs = timerMs(options, 'syncIntervalMs', 1_000, 10);
  const timeoutMs = timerMs(options, 'timeoutMs', syncIntervalMs, 1);
  const countWindowMs = integer(options, 'countWindowMs', 60_000, 10);
  if (countWindowMs % 10 !== 0) invalid('countWindowMs', countWindowMs, 'a multiple of 10');
  return { adapter, prefix, syncIntervalMs, timeoutMs, countWindowMs };
}
