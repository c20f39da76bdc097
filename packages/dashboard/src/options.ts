/**
 * Validation of the dashboard's options, at construction: every problem is a
 * `BreakerConfigError` naming the option and the value.
 *
 * @internal
 */
import {
  BreakerConfigError,
  type BreakerRegistry,
  type Clock,
  coarseClock,
  describeValue as describe,
  ErrorCodes,
  invalidOption as invalid,
} from '@breakwater/core';
import { defaultGroup } from './grouping.js';
import type { AuthorizeResult, DashboardOptions } from './types.js';

export interface NormalizedOptions<Ctx> {
  registry: BreakerRegistry;
  authorize: ((ctx: Ctx) => AuthorizeResult | PromiseLike<AuthorizeResult>) | undefined;
  path: string | undefined;
  group: (key: string, name: string) => string;
  maxGroups: number;
  intervalMs: number;
  maxMessageBytes: number;
  maxConnections: number;
  maxStreamMs: number;
  secret: string | Uint8Array | undefined;
  tokenTtlMs: number;
  trustedOrigins: string[];
  clock: Clock;
}

const KNOWN = [
  'registry',
  'authorize',
  'path',
  'group',
  'maxGroups',
  'intervalMs',
  'maxMessageBytes',
  'maxConnections',
  'maxStreamMs',
  'secret',
  'tokenTtlMs',
  'trustedOrigins',
  'clock',
];

export function normalizeOptions<Ctx>(input: DashboardOptions<Ctx>, factory: string): NormalizedOptions<Ctx> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('options', input, 'an object { registry, authorize }');
  }
  const o = input as unknown as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!KNOWN.includes(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        name,
        o[name],
        `Unknown option "${name}" of ${factory}() (got ${describe(o[name])}); known options: ${KNOWN.join(', ')}`,
      );
    }
  }
  const registry = o['registry'] as Record<string, unknown> | undefined;
  if (
    typeof registry !== 'object' ||
    registry === null ||
    typeof registry['entries'] !== 'function' ||
    typeof registry['onStateChange'] !== 'function' ||
    typeof registry['peek'] !== 'function'
  ) {
    throw invalid('registry', registry, 'a BreakerRegistry (for example circuitBreaker(...).registry)');
  }
  const authorize = o['authorize'];
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw invalid('authorize', authorize, "a function returning 'none', 'view' or 'control'");
  }
  const path = o['path'];
  if (
    path !== undefined &&
    (typeof path !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$/.test(path) || path.length > 512)
  ) {
    throw invalid('path', path, "a URL path starting with '/' (e.g. '/breakers')");
  }
  const group = o['group'] ?? defaultGroup;
  if (typeof group !== 'function') throw invalid('group', group, 'a function (key, name) => string');
  const secret = o['secret'];
  if (secret !== undefined) {
    const bytes =
      typeof secret === 'string'
        ? Buffer.byteLength(secret)
        : secret instanceof Uint8Array
          ? secret.length
          : -1;
    if (bytes < 32) throw invalid('secret', '(hidden)', 'a string or Uint8Array of at least 32 bytes');
  }
  const trusted = o['trustedOrigins'] ?? [];
  if (
    !Array.isArray(trusted) ||
    trusted.some((t) => typeof t !== 'string' || !/^https?:\/\/[^/\s]+$/i.test(t))
  ) {
    throw invalid('trustedOrigins', trusted, "an array of origins such as 'https://ops.example.com'");
  }
  const clock = o['clock'] ?? coarseClock;
  if (typeof clock !== 'object' || clock === null || typeof (clock as Clock).now !== 'function') {
    throw invalid('clock', clock, 'an object with a now() method');
  }
  return {
    registry: registry as unknown as BreakerRegistry,
    authorize: authorize as NormalizedOptions<Ctx>['authorize'],
    path: path === undefined ? undefined : (path as string).replace(/\/+$/, ''),
    group: group as (key: string, name: string) => string,
    maxGroups: integer(o, 'maxGroups', 1_000, 1, 1_000_000),
    intervalMs: integer(o, 'intervalMs', 1_000, 50, 60_000),
    maxMessageBytes: integer(o, 'maxMessageBytes', 131_072, 16_384, 16_777_216),
    maxConnections: integer(o, 'maxConnections', 32, 1, 10_000),
    maxStreamMs: integer(o, 'maxStreamMs', 600_000, 1_000, 86_400_000),
    secret: secret as string | Uint8Array | undefined,
    tokenTtlMs: integer(o, 'tokenTtlMs', 43_200_000, 60_000, 2_592_000_000),
    trustedOrigins: trusted as string[],
    clock: clock as Clock,
  };
}

function integer(
  o: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = o[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(name, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}
