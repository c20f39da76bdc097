import { describeValue as describe } from './describe.js';
import { BreakerConfigError, ErrorCodes, isBreakerConfigError } from './errors.js';
import { compileGlob } from './keys.js';
import {
  type BreakerOverride,
  type BreakerRegistryOptions,
  normalizeRegistryOptions,
  type RegistryBreakerOptions,
} from './registry.js';
import type { BreakerMode, WindowOptions } from './types.js';

/** Options of {@link fromEnv}. */
export interface FromEnvOptions {
  /** The prefix of the variables read. Letters, digits and `_`. Default `'BREAKWATER_'`. */
  prefix?: string;
  /**
   * Variables under the prefix that are not Breakwater options and must not be
   * reported as unknown (globs over the full name, e.g. `'BREAKWATER_REDIS_*'`).
   */
  ignore?: readonly string[];
}

/** What {@link fromEnv} returns: registry options, ready for `new BreakerRegistry(...)`. */
export interface EnvRegistryOptions {
  defaults: RegistryBreakerOptions;
  overrides: BreakerOverride[];
  maxKeys?: number;
  maxPinnedKeys?: number;
  idleTtlMs?: number;
}

type Parsed = { ok: true; value: unknown } | { ok: false; expected: string };
type Parser = (raw: string) => Parsed;

const NUMBER = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d+)?$/;

const parseNumber: Parser = (raw) => {
  const text = raw.trim();
  if (!NUMBER.test(text)) return { ok: false, expected: 'a number' };
  return { ok: true, value: Number(text.replaceAll('_', '')) };
};

const parseNumberOrNone: Parser = (raw) => {
  if (raw.trim().toLowerCase() === 'none') return { ok: true, value: undefined };
  const parsed = parseNumber(raw);
  return parsed.ok ? parsed : { ok: false, expected: 'a number or "none"' };
};

const MODES: readonly BreakerMode[] = ['enforce', 'observe', 'off'];
const parseMode: Parser = (raw) => {
  const mode = raw.trim().toLowerCase();
  return (MODES as readonly string[]).includes(mode)
    ? { ok: true, value: mode }
    : { ok: false, expected: `one of ${MODES.join(', ')}` };
};

const WINDOW_EXPECTED = '"count:<size>", "time:<durationMs>" or "time:<durationMs>:<buckets>"';
const parseWindow: Parser = (raw) => {
  const parts = raw.trim().split(':');
  const kind = parts[0]?.toLowerCase();
  const numbers = parts.slice(1).map(parseNumber);
  if (numbers.some((n) => !n.ok)) return { ok: false, expected: WINDOW_EXPECTED };
  const [first, second] = numbers.map((n) => (n as { value: number }).value);
  let window: WindowOptions;
  if (kind === 'count' && parts.length === 2) window = { kind: 'count', size: first as number };
  else if (kind === 'time' && parts.length === 2) window = { kind: 'time', durationMs: first as number };
  else if (kind === 'time' && parts.length === 3) {
    window = { kind: 'time', durationMs: first as number, buckets: second as number };
  } else return { ok: false, expected: WINDOW_EXPECTED };
  return { ok: true, value: window };
};

/** Breaker options, by variable suffix; valid for defaults and overrides alike. */
const OPTION_VARIABLES: Readonly<Record<string, { option: keyof RegistryBreakerOptions; parse: Parser }>> = {
  FAILURE_RATE_THRESHOLD: { option: 'failureRateThreshold', parse: parseNumber },
  SLOW_CALL_RATE_THRESHOLD: { option: 'slowCallRateThreshold', parse: parseNumber },
  SLOW_CALL_DURATION_MS: { option: 'slowCallDurationMs', parse: parseNumber },
  MINIMUM_CALLS: { option: 'minimumCalls', parse: parseNumber },
  CONSECUTIVE_FAILURES: { option: 'consecutiveFailures', parse: parseNumberOrNone },
  OPEN_DURATION_MS: { option: 'openDurationMs', parse: parseNumber },
  HALF_OPEN_MAX_CALLS: { option: 'halfOpenMaxCalls', parse: parseNumber },
  HALF_OPEN_MAX_WAIT_MS: { option: 'halfOpenMaxWaitMs', parse: parseNumber },
  RAMP_UP_MS: { option: 'rampUpMs', parse: parseNumber },
  TIMEOUT_MS: { option: 'timeoutMs', parse: parseNumberOrNone },
  MODE: { option: 'mode', parse: parseMode },
  WINDOW: { option: 'window', parse: parseWindow },
};

/** Registry options, by variable suffix; not valid in overrides. */
const REGISTRY_VARIABLES: Readonly<Record<string, 'maxKeys' | 'maxPinnedKeys' | 'idleTtlMs'>> = {
  MAX_KEYS: 'maxKeys',
  MAX_PINNED_KEYS: 'maxPinnedKeys',
  IDLE_TTL_MS: 'idleTtlMs',
};

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/;
const OVERRIDE = /^OVERRIDE__(0|[1-9]\d{0,8})__([A-Z0-9_]+)$/;
const KNOWN_FROM_ENV_OPTIONS = new Set(['prefix', 'ignore']);

interface Origin {
  /** The option path the variable sets, as registry validation names it. */
  path: string;
  variable: string;
  raw: string;
}

/**
 * Reads registry options from environment variables, so thresholds change without
 * touching code. Every value is checked: a bad value or an unknown variable under the
 * prefix (a typo) throws, naming the variable.
 *
 * **Defaults** (every breaker), with the default prefix `BREAKWATER_`:
 *
 * | Variable | Option | Value |
 * | --- | --- | --- |
 * | `BREAKWATER_FAILURE_RATE_THRESHOLD` | `failureRateThreshold` | ratio in (0, 1], e.g. `0.3` |
 * | `BREAKWATER_SLOW_CALL_RATE_THRESHOLD` | `slowCallRateThreshold` | ratio in (0, 1] |
 * | `BREAKWATER_SLOW_CALL_DURATION_MS` | `slowCallDurationMs` | ms |
 * | `BREAKWATER_MINIMUM_CALLS` | `minimumCalls` | integer |
 * | `BREAKWATER_CONSECUTIVE_FAILURES` | `consecutiveFailures` | integer, or `none` |
 * | `BREAKWATER_OPEN_DURATION_MS` | `openDurationMs` | ms |
 * | `BREAKWATER_HALF_OPEN_MAX_CALLS` | `halfOpenMaxCalls` | integer |
 * | `BREAKWATER_HALF_OPEN_MAX_WAIT_MS` | `halfOpenMaxWaitMs` | ms, at most 2147483647 |
 * | `BREAKWATER_RAMP_UP_MS` | `rampUpMs` | ms |
 * | `BREAKWATER_TIMEOUT_MS` | `timeoutMs` | ms (at most 2147483647), or `none` |
 * | `BREAKWATER_MODE` | `mode` | `enforce`, `observe` or `off` |
 * | `BREAKWATER_WINDOW` | `window` | `count:100`, `time:10000` or `time:10000:10` (duration, buckets); size at most 100000, buckets at most 1000 |
 * | `BREAKWATER_MAX_KEYS` | registry `maxKeys` | integer |
 * | `BREAKWATER_MAX_PINNED_KEYS` | registry `maxPinnedKeys` | integer |
 * | `BREAKWATER_IDLE_TTL_MS` | registry `idleTtlMs` | ms, `0` never |
 *
 * Numbers may use `_` between digits (`600_000`). `none` unsets an option (useful in an
 * override to remove a default timeout).
 *
 * **Per-key overrides**: `BREAKWATER_OVERRIDE__<N>__MATCH` is a glob over the key
 * (`*` any run of characters, `?` one character, `\` escapes; anchored), and
 * `BREAKWATER_OVERRIDE__<N>__<OPTION>` sets any option of the table above but the
 * registry ones, for the keys that match. `<N>` is a number without leading zeros;
 * overrides apply in ascending `<N>` order, every matching one, a later one winning.
 * Each `<N>` needs a `MATCH` and at least one option.
 *
 * Empty values are errors, not "unset". Variables under the prefix that belong to
 * something else can be skipped with `ignore`.
 *
 * @param env - the variables; default `process.env`.
 * @param options - `prefix` (default `'BREAKWATER_'`) and `ignore` globs.
 * @returns `{ defaults, overrides }` and the registry limits that are set.
 * @throws BreakerConfigError naming the variable and its value: `ERR_BREAKWATER_UNKNOWN_OPTION`
 *   for an unknown variable, `ERR_BREAKWATER_INVALID_OPTION` for a bad value,
 *   `ERR_BREAKWATER_CONFLICTING_OPTIONS` for values that do not fit together, and
 *   `ERR_BREAKWATER_CONFIG` for an override without `MATCH` or without options.
 *
 * @example
 * ```ts
 * // BREAKWATER_FAILURE_RATE_THRESHOLD=0.3
 * // BREAKWATER_WINDOW=time:10000:10
 * // BREAKWATER_OVERRIDE__1__MATCH='GET /search*'
 * // BREAKWATER_OVERRIDE__1__SLOW_CALL_DURATION_MS=500
 * const registry = new BreakerRegistry({ ...fromEnv(), name: 'gateway' });
 *
 * // Code defaults, with the environment winning:
 * const env = fromEnv(process.env);
 * new BreakerRegistry({
 *   ...env,
 *   defaults: { timeoutMs: 5_000, ...env.defaults },
 *   overrides: [{ match: 'POST /payments*', options: { timeoutMs: 2_000 } }, ...env.overrides],
 * });
 * ```
 */
export function fromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: FromEnvOptions = {},
): EnvRegistryOptions {
  const { prefix, ignore } = checkFromEnvOptions(options);
  if (typeof env !== 'object' || env === null) {
    throw new BreakerConfigError(
      ErrorCodes.INVALID_OPTION,
      'env',
      env,
      `env must be an object, got ${describe(env)}`,
    );
  }

  const defaults: Record<string, unknown> = {};
  const registry: Record<string, unknown> = {};
  const groups = new Map<number, { match?: string; options: Record<string, unknown>; variables: string[] }>();
  const origins: Origin[] = [];

  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(prefix)) continue;
    const raw = env[variable];
    if (raw === undefined || ignore(variable)) continue;
    const suffix = variable.slice(prefix.length);

    const override = OVERRIDE.exec(suffix);
    if (override !== null) {
      const n = Number(override[1]);
      const field = override[2] as string;
      let group = groups.get(n);
      if (group === undefined) {
        group = { options: {}, variables: [] };
        groups.set(n, group);
      }
      group.variables.push(variable);
      if (field === 'MATCH') {
        if (raw.length === 0) throw badValue(variable, raw, 'a non-empty glob');
        group.match = raw;
        continue;
      }
      const spec = OPTION_VARIABLES[field];
      if (spec === undefined)
        throw unknownVariable(variable, raw, overrideNames(prefix, override[1] as string));
      group.options[spec.option] = parse(spec.parse, variable, raw);
      origins.push({ path: `#override${n}.${spec.option}`, variable, raw });
      continue;
    }

    const spec = OPTION_VARIABLES[suffix];
    if (spec !== undefined) {
      defaults[spec.option] = parse(spec.parse, variable, raw);
      origins.push({ path: `defaults.${spec.option}`, variable, raw });
      continue;
    }
    const registryOption = REGISTRY_VARIABLES[suffix];
    if (registryOption !== undefined) {
      registry[registryOption] = parse(parseNumber, variable, raw);
      origins.push({ path: registryOption, variable, raw });
      continue;
    }
    throw unknownVariable(variable, raw, topLevelNames(prefix));
  }

  const overrides: BreakerOverride[] = [];
  for (const n of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(n)!;
    const base = `${prefix}OVERRIDE__${n}__`;
    if (group.match === undefined) {
      throw new BreakerConfigError(
        ErrorCodes.CONFIG,
        `${base}MATCH`,
        undefined,
        `${base}MATCH is required by ${group.variables.join(', ')}`,
      );
    }
    if (Object.keys(group.options).length === 0) {
      throw new BreakerConfigError(
        ErrorCodes.CONFIG,
        `${base}MATCH`,
        group.match,
        `${base}MATCH=${describe(group.match)} has no options: set e.g. ${base}TIMEOUT_MS`,
      );
    }
    for (const origin of origins) {
      if (origin.path.startsWith(`#override${n}.`)) {
        origin.path = `overrides[${overrides.length}].options.${origin.path.slice(origin.path.indexOf('.') + 1)}`;
      }
    }
    overrides.push({ match: group.match, options: group.options as RegistryBreakerOptions });
  }

  const result: EnvRegistryOptions = { defaults: defaults as RegistryBreakerOptions, overrides };
  if (registry['maxKeys'] !== undefined) result.maxKeys = registry['maxKeys'] as number;
  if (registry['maxPinnedKeys'] !== undefined) result.maxPinnedKeys = registry['maxPinnedKeys'] as number;
  if (registry['idleTtlMs'] !== undefined) result.idleTtlMs = registry['idleTtlMs'] as number;

  try {
    normalizeRegistryOptions(result satisfies BreakerRegistryOptions);
  } catch (error) {
    throw blame(error, origins);
  }
  return result;
}

function parse(parser: Parser, variable: string, raw: string): unknown {
  const parsed = parser(raw);
  if (!parsed.ok) throw badValue(variable, raw, parsed.expected);
  return parsed.value;
}

/** Rewrites a validation error to name the variable that set the offending option. */
function blame(error: unknown, origins: readonly Origin[]): unknown {
  if (!isBreakerConfigError(error)) return error;
  const option = error.option;
  let origin: Origin | undefined;
  for (const candidate of origins) {
    if (option === candidate.path || option.startsWith(`${candidate.path}.`)) {
      if (origin === undefined || candidate.path.length > origin.path.length) origin = candidate;
    }
  }
  if (origin === undefined) {
    // An override that conflicts with a default: name the variables of both sides.
    const conflict = /^overrides\[(\d+)\]\.options\.([A-Za-z]+)/.exec(option);
    const related =
      conflict === null
        ? []
        : origins.filter(
            (o) =>
              o.path === `defaults.${conflict[2]}` || o.path.startsWith(`overrides[${conflict[1]}].options.`),
          );
    const first = related[0];
    if (first === undefined) return error;
    const named = related.map((o) => `${o.variable}=${describe(o.raw)}`).join(', ');
    return new BreakerConfigError(
      error.code,
      first.variable,
      first.raw,
      `${named} do not fit together: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return new BreakerConfigError(
    error.code,
    origin.variable,
    origin.raw,
    `${origin.variable}=${describe(origin.raw)} is invalid: ${error.message}`,
    { cause: error },
  );
}

function badValue(variable: string, raw: string, expected: string): BreakerConfigError {
  return new BreakerConfigError(
    ErrorCodes.INVALID_OPTION,
    variable,
    raw,
    `${variable} must be ${expected}, got ${describe(raw)}`,
  );
}

function unknownVariable(variable: string, raw: string, known: readonly string[]): BreakerConfigError {
  const suggestion = closest(variable, known);
  return new BreakerConfigError(
    ErrorCodes.UNKNOWN_OPTION,
    variable,
    raw,
    `${variable} is not a known Breakwater variable${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; ` +
      'pass it in fromEnv(env, { ignore }) if it belongs to something else',
  );
}

function topLevelNames(prefix: string): string[] {
  return [...Object.keys(OPTION_VARIABLES), ...Object.keys(REGISTRY_VARIABLES), 'OVERRIDE__1__MATCH'].map(
    (suffix) => `${prefix}${suffix}`,
  );
}

function overrideNames(prefix: string, n: string): string[] {
  return ['MATCH', ...Object.keys(OPTION_VARIABLES)].map((field) => `${prefix}OVERRIDE__${n}__${field}`);
}

/** The known name nearest to `name`, if it is a plausible typo. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 6)) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function checkFromEnvOptions(options: unknown): { prefix: string; ignore: (variable: string) => boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BreakerConfigError(
      ErrorCodes.INVALID_OPTION,
      'options',
      options,
      `options must be an object, got ${describe(options)}`,
    );
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_FROM_ENV_OPTIONS.has(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        name,
        (options as Record<string, unknown>)[name],
        `${name} is not a known option of fromEnv (known: prefix, ignore)`,
      );
    }
  }
  const { prefix = 'BREAKWATER_', ignore = [] } = options as FromEnvOptions;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new BreakerConfigError(
      ErrorCodes.INVALID_OPTION,
      'prefix',
      prefix,
      `prefix must be a non-empty string of letters, digits and _, got ${describe(prefix)}`,
    );
  }
  if (!Array.isArray(ignore) || ignore.some((glob) => typeof glob !== 'string')) {
    throw new BreakerConfigError(
      ErrorCodes.INVALID_OPTION,
      'ignore',
      ignore,
      `ignore must be an array of glob strings, got ${describe(ignore)}`,
    );
  }
  const matchers = ignore.map((glob: string) => compileGlob(glob));
  return { prefix, ignore: (variable) => matchers.some((m) => m(variable)) };
}
