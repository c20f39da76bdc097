import { checkIpv6Subnet } from './client-key.js';
import { describeValue } from './describe.js';
import { BreakerConfigError, ErrorCodes, invalidOption, isBreakerConfigError } from './errors.js';
import type { HttpGuardOptions, HttpOutcome, KeyMode } from './http-types.js';
import { checkTimerMs } from './limits.js';
import { validateOptions } from './options.js';
import { BreakerRegistry, type RegistryGetOptions } from './registry.js';
import type { CircuitBreakerOptions, Clock } from './types.js';

/** The default of `degradedTimeoutMs`. */
export const DEFAULT_DEGRADED_TIMEOUT_MS = 1_000;

/** Options only the middleware understands. */
const OWN_OPTIONS = [
  'key',
  'registry',
  'routes',
  'isFailure',
  'degraded',
  'skip',
  'ipv6Subnet',
  'degradedTimeoutMs',
] as const;

/** `CircuitBreaker` options the middleware applies to each key's breaker. */
const BREAKER_OPTIONS = [
  'window',
  'failureRateThreshold',
  'slowCallDurationMs',
  'slowCallRateThreshold',
  'minimumCalls',
  'consecutiveFailures',
  'openDurationMs',
  'halfOpenMaxCalls',
  'halfOpenMaxWaitMs',
  'rampUpMs',
  'timeoutMs',
  'mode',
] as const satisfies ReadonlyArray<keyof CircuitBreakerOptions>;

/** Options that go to the registry the middleware creates. */
const REGISTRY_RUNTIME = ['clock', 'random', 'telemetry'] as const;

/** Breaker options that make no sense on a middleware, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  name: 'breakers are named after their key',
  classify: 'HTTP outcomes are classified by isFailure',
  initialState: 'restore a key with registry.get(key, { initialState }) on a registry you pass as registry',
};

const KEY_MODES: readonly KeyMode[] = ['route', 'client', 'route+client'];
const KNOWN = new Set<string>([...OWN_OPTIONS, ...BREAKER_OPTIONS, ...REGISTRY_RUNTIME]);
const ROUTE_KNOWN = new Set<string>([...BREAKER_OPTIONS, 'degraded']);

/** One `routes` entry, validated and merged over the middleware's breaker options. @internal */
export interface NormalizedRoute<Degraded> {
  /** The options a breaker for this route is created with. */
  readonly options: RegistryGetOptions;
  readonly degraded: Degraded | undefined;
}

/** Validated middleware options. @internal */
export interface NormalizedHttpOptions<Ctx, Degraded> {
  readonly keyMode: KeyMode | 'function';
  readonly keyFunction: ((ctx: Ctx) => string) | undefined;
  readonly registry: BreakerRegistry;
  /** True when the middleware created the registry. */
  readonly ownRegistry: boolean;
  /** The clock of the registry the middleware created, if it set one. */
  readonly clock: Clock | undefined;
  /** The options every key's breaker is created with. */
  readonly breakerOptions: RegistryGetOptions;
  readonly routes: ReadonlyMap<string, NormalizedRoute<Degraded>>;
  readonly isFailure: ((outcome: HttpOutcome) => boolean) | undefined;
  readonly degraded: Degraded | undefined;
  readonly skip: ((ctx: Ctx) => boolean) | undefined;
  readonly ipv6Subnet: number | false;
  readonly degradedTimeoutMs: number;
}

/** How the adapter names things in messages. */
export interface OptionsContext {
  /** The adapter's middleware factory, e.g. `circuitBreaker`. */
  readonly factory?: string;
  /** What the adapter's callbacks receive, e.g. `req` or `ctx`. */
  readonly param?: string;
}

/**
 * Validates the options of an HTTP breaker middleware at construction, so a mistake
 * fails at `circuitBreaker(...)` and not at the first request: every own option
 * (`key`, `registry`, `routes`, `isFailure`, `degraded`, `skip`, `ipv6Subnet`,
 * `degradedTimeoutMs`), every breaker option (with the core's own checks, including
 * each `routes` entry merged over them), and unknown names. Creates the registry when
 * none is given.
 *
 * @param input - the options as the user passed them.
 * @param context - names for messages.
 * @returns the normalised options.
 * @throws BreakerConfigError naming the option and the value: `ERR_BREAKWATER_UNKNOWN_OPTION`
 *   for an unknown name, `ERR_BREAKWATER_INVALID_OPTION` for a bad value (e.g.
 *   `timeoutMs must be a finite number > 0, got -1`), `ERR_BREAKWATER_CONFLICTING_OPTIONS`
 *   for options that are valid alone but not together.
 *
 * @example
 * ```ts
 * const options = normalizeHttpOptions({ key: 'route', timeoutMs: 5_000 }, { factory: 'circuitBreaker', param: 'ctx' });
 * ```
 */
export function normalizeHttpOptions<Ctx, Degraded>(
  input: HttpGuardOptions<Ctx, Degraded> | undefined,
  context: OptionsContext = {},
): NormalizedHttpOptions<Ctx, Degraded> {
  const param = context.param ?? 'req';
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidOption('options', input, 'an object');
  }
  const o = input as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (Object.hasOwn(REFUSED, name)) {
      throw new BreakerConfigError(
        ErrorCodes.INVALID_OPTION,
        name,
        o[name],
        `${name} cannot be set on ${context.factory ?? 'the middleware'}(): ${REFUSED[name]}`,
      );
    }
    if (!KNOWN.has(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        name,
        o[name],
        `Unknown option "${name}" (got ${describeValue(o[name])}); known options: ${[...KNOWN].join(', ')}`,
      );
    }
  }

  const key = o['key'] ?? 'route';
  let keyMode: KeyMode | 'function';
  if (typeof key === 'function') keyMode = 'function';
  else if (KEY_MODES.includes(key as KeyMode)) keyMode = key as KeyMode;
  else
    throw invalidOption('key', key, `'route', 'client', 'route+client' or a function (${param}) => string`);

  for (const name of ['isFailure', 'skip'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function')
      throw invalidOption(name, o[name], 'a function');
  }
  if (o['degraded'] !== undefined && typeof o['degraded'] !== 'function') {
    throw invalidOption('degraded', o['degraded'], 'a function');
  }
  const ipv6Subnet = checkIpv6Subnet(o['ipv6Subnet']);
  const degradedTimeoutMs = o['degradedTimeoutMs'] ?? DEFAULT_DEGRADED_TIMEOUT_MS;
  checkTimerMs('degradedTimeoutMs', degradedTimeoutMs);

  const breakerOptions: Record<string, unknown> = {};
  for (const name of BREAKER_OPTIONS) if (o[name] !== undefined) breakerOptions[name] = o[name];
  validateOptions(breakerOptions);

  const given = o['registry'];
  let registry: BreakerRegistry;
  let clock: Clock | undefined;
  if (given !== undefined) {
    if (!isRegistry(given)) {
      throw invalidOption('registry', given, 'a BreakerRegistry');
    }
    for (const name of REGISTRY_RUNTIME) {
      if (o[name] !== undefined) {
        throw new BreakerConfigError(
          ErrorCodes.CONFLICTING_OPTIONS,
          name,
          o[name],
          `${name} cannot be set together with registry: pass it to the registry (new BreakerRegistry({ ${name} }))`,
        );
      }
    }
    registry = given;
  } else {
    const runtime: Record<string, unknown> = {};
    for (const name of REGISTRY_RUNTIME) if (o[name] !== undefined) runtime[name] = o[name];
    registry = new BreakerRegistry(runtime);
    clock = runtime['clock'] as Clock | undefined;
  }

  const routes = normalizeRoutes<Degraded>(o['routes'], breakerOptions, keyMode);

  return {
    keyMode,
    keyFunction: keyMode === 'function' ? (key as (ctx: Ctx) => string) : undefined,
    registry,
    ownRegistry: given === undefined,
    clock,
    breakerOptions: breakerOptions as RegistryGetOptions,
    routes,
    isFailure: o['isFailure'] as ((outcome: HttpOutcome) => boolean) | undefined,
    degraded: o['degraded'] as Degraded | undefined,
    skip: o['skip'] as ((ctx: Ctx) => boolean) | undefined,
    ipv6Subnet,
    degradedTimeoutMs,
  };
}

function normalizeRoutes<Degraded>(
  value: unknown,
  breakerOptions: Record<string, unknown>,
  keyMode: KeyMode | 'function',
): Map<string, NormalizedRoute<Degraded>> {
  const routes = new Map<string, NormalizedRoute<Degraded>>();
  if (value === undefined) return routes;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(
      'routes',
      value,
      "an object of per-route options, e.g. { 'GET /search': { timeoutMs: 500 } }",
    );
  }
  if (keyMode !== 'route' && keyMode !== 'route+client' && Object.keys(value).length > 0) {
    throw new BreakerConfigError(
      ErrorCodes.CONFLICTING_OPTIONS,
      'routes',
      value,
      `routes needs key 'route' or 'route+client', got key ${keyMode === 'function' ? 'a function' : `'${keyMode}'`}`,
    );
  }
  for (const [route, raw] of Object.entries(value)) {
    const path = `routes[${JSON.stringify(route)}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalidOption(path, raw, 'an object of breaker options and degraded');
    }
    const entry = raw as Record<string, unknown>;
    const options: Record<string, unknown> = {};
    for (const name of Object.keys(entry)) {
      if (!ROUTE_KNOWN.has(name)) {
        throw new BreakerConfigError(
          ErrorCodes.UNKNOWN_OPTION,
          `${path}.${name}`,
          entry[name],
          `Unknown option "${path}.${name}" (got ${describeValue(entry[name])}); known options: ${[...ROUTE_KNOWN].join(', ')}`,
        );
      }
      if (name !== 'degraded' && entry[name] !== undefined) options[name] = entry[name];
    }
    if (entry['degraded'] !== undefined && typeof entry['degraded'] !== 'function') {
      throw invalidOption(`${path}.degraded`, entry['degraded'], 'a function');
    }
    validateOptions(options, { path });
    const merged = { ...breakerOptions, ...options };
    try {
      validateOptions(merged, { path });
    } catch (error) {
      if (!isBreakerConfigError(error)) throw error;
      throw new BreakerConfigError(
        ErrorCodes.CONFLICTING_OPTIONS,
        error.option,
        error.value,
        `${path} conflicts with the middleware's options: ${error.message}`,
        { cause: error },
      );
    }
    routes.set(route, { options: merged as RegistryGetOptions, degraded: entry['degraded'] as Degraded });
  }
  return routes;
}

/** Any copy of `BreakerRegistry` (two copies of the package may be loaded). */
function isRegistry(value: unknown): value is BreakerRegistry {
  if (value instanceof BreakerRegistry) return true;
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['get'] === 'function' && typeof r['snapshot'] === 'function' && typeof r['peek'] === 'function'
  );
}
