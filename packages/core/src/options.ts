import { coarseClock } from './clock.js';
import { describeValue } from './describe.js';
import { BreakerConfigError, type ErrorCode, ErrorCodes, invalidOption } from './errors.js';
import { checkTimerMs, MAX_COUNT_WINDOW_SIZE, MAX_TIME_WINDOW_BUCKETS } from './limits.js';
import { normalizeTelemetry } from './telemetry/options.js';
import type {
  Backoff,
  BreakerMode,
  CircuitBreakerOptions,
  Classification,
  ClassifyInput,
  Clock,
  WindowOptions,
} from './types.js';

/** Defaults, as resilience4j's where it has one. */
export const DEFAULTS = {
  name: 'default',
  window: { kind: 'count', size: 100 } as WindowOptions,
  failureRateThreshold: 0.5,
  slowCallDurationMs: 60_000,
  slowCallRateThreshold: 1,
  minimumCalls: 100,
  openDurationMs: 60_000,
  halfOpenMaxCalls: 10,
  halfOpenMaxWaitMs: 60_000,
  rampUpMs: 0,
  mode: 'enforce' as BreakerMode,
  timeWindowBuckets: 10,
} as const;

const OPTION_NAMES = [
  'name',
  'key',
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
  'classify',
  'mode',
  'clock',
  'random',
  'initialState',
  'telemetry',
] as const;

const KNOWN = new Set<string>(OPTION_NAMES);
/** Options that `reconfigure()` refuses. */
export const FIXED_OPTIONS = new Set<string>(['name', 'key', 'clock', 'random', 'initialState', 'telemetry']);
const MODES: readonly BreakerMode[] = ['enforce', 'observe', 'off'];

/** The options a breaker runs with, every default applied. @internal */
export interface ResolvedOptions {
  name: string;
  key: string;
  window: { kind: 'count'; size: number } | { kind: 'time'; durationMs: number; buckets: number };
  failureRateThreshold: number;
  slowCallDurationMs: number;
  slowCallRateThreshold: number;
  minimumCalls: number;
  /** 0 when off. */
  consecutiveFailures: number;
  openDuration: number | Backoff;
  halfOpenMaxCalls: number;
  halfOpenMaxWaitMs: number;
  rampUpMs: number;
  /** 0 when none. */
  timeoutMs: number;
  classify: ((input: ClassifyInput) => Classification) | undefined;
  mode: BreakerMode;
  clock: Clock;
  random: () => number;
}

function throwInvalid(option: string, value: unknown, expected: string): never {
  throw invalidOption(option, value, expected);
}

function fail(code: ErrorCode, option: string, value: unknown, message: string): never {
  throw new BreakerConfigError(code, option, value, message);
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function ratio(path: string, value: unknown): void {
  if (!isNumber(value) || value <= 0 || value > 1) throwInvalid(path, value, 'a number in (0, 1]');
}

function positiveInteger(path: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) throwInvalid(path, value, 'an integer >= 1');
}

/** An integer in [1, max]: sizes that allocate. */
function boundedInteger(path: string, value: unknown, max: number): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throwInvalid(path, value, `an integer in [1, ${max}]`);
  }
}

function nonNegative(path: string, value: unknown): void {
  if (!isNumber(value) || value < 0) throwInvalid(path, value, 'a finite number >= 0');
}

function positive(path: string, value: unknown): void {
  if (!isNumber(value) || value <= 0) throwInvalid(path, value, 'a finite number > 0');
}

function validateWindow(path: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throwInvalid(path, value, "an object { kind: 'count', size } or { kind: 'time', durationMs, buckets? }");
  }
  const w = value as Record<string, unknown>;
  if (w['kind'] === 'count') {
    for (const k of Object.keys(w)) {
      if (k !== 'kind' && k !== 'size') {
        fail(
          ErrorCodes.UNKNOWN_OPTION,
          `${path}.${k}`,
          w[k],
          `${path} has no option "${k}" for kind 'count' (known: kind, size)`,
        );
      }
    }
    boundedInteger(`${path}.size`, w['size'], MAX_COUNT_WINDOW_SIZE);
    return;
  }
  if (w['kind'] === 'time') {
    for (const k of Object.keys(w)) {
      if (k !== 'kind' && k !== 'durationMs' && k !== 'buckets') {
        fail(
          ErrorCodes.UNKNOWN_OPTION,
          `${path}.${k}`,
          w[k],
          `${path} has no option "${k}" for kind 'time' (known: kind, durationMs, buckets)`,
        );
      }
    }
    positive(`${path}.durationMs`, w['durationMs']);
    const buckets = w['buckets'] ?? DEFAULTS.timeWindowBuckets;
    boundedInteger(`${path}.buckets`, buckets, MAX_TIME_WINDOW_BUCKETS);
    if ((w['durationMs'] as number) % (buckets as number) !== 0) {
      fail(
        ErrorCodes.CONFLICTING_OPTIONS,
        `${path}.durationMs`,
        w['durationMs'],
        `${path}.durationMs must be divisible by ${path}.buckets (${buckets}), got ${describeValue(w['durationMs'])}`,
      );
    }
    return;
  }
  throwInvalid(`${path}.kind`, w['kind'], "'count' or 'time'");
}

/**
 * Validates breaker options, throwing a {@link BreakerConfigError} that names the
 * option (prefixed by `context.path`) and the value. Unknown names are errors.
 * With `context.reconfigure`, options that cannot change at runtime are refused.
 *
 * @throws BreakerConfigError
 * @internal
 */
export function validateOptions(
  input: unknown,
  context: { reconfigure?: boolean; path?: string } = {},
): void {
  const prefix = context.path ? `${context.path}.` : '';
  if (input === undefined) return;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throwInvalid(context.path ?? 'options', input, 'an object');
  }
  const o = input as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!KNOWN.has(name)) {
      fail(
        ErrorCodes.UNKNOWN_OPTION,
        `${prefix}${name}`,
        o[name],
        `Unknown option "${prefix}${name}" (got ${describeValue(o[name])}); known options: ${OPTION_NAMES.join(', ')}`,
      );
    }
    if (context.reconfigure && FIXED_OPTIONS.has(name)) {
      fail(
        ErrorCodes.NOT_RECONFIGURABLE,
        `${prefix}${name}`,
        o[name],
        `${prefix}${name} cannot be reconfigured (got ${describeValue(o[name])})`,
      );
    }
  }
  const p = (name: string) => `${prefix}${name}`;
  const has = (name: string) => o[name] !== undefined;
  if (has('name') && (typeof o['name'] !== 'string' || o['name'] === '')) {
    throwInvalid(p('name'), o['name'], 'a non-empty string');
  }
  if (has('key') && typeof o['key'] !== 'string') throwInvalid(p('key'), o['key'], 'a string');
  if (has('window')) validateWindow(p('window'), o['window']);
  if (has('failureRateThreshold')) ratio(p('failureRateThreshold'), o['failureRateThreshold']);
  if (has('slowCallRateThreshold')) ratio(p('slowCallRateThreshold'), o['slowCallRateThreshold']);
  if (has('slowCallDurationMs')) nonNegative(p('slowCallDurationMs'), o['slowCallDurationMs']);
  if (has('minimumCalls')) positiveInteger(p('minimumCalls'), o['minimumCalls']);
  if (has('consecutiveFailures')) positiveInteger(p('consecutiveFailures'), o['consecutiveFailures']);
  if (has('openDurationMs') && typeof o['openDurationMs'] !== 'function') {
    if (!isNumber(o['openDurationMs']) || (o['openDurationMs'] as number) < 0) {
      throwInvalid(p('openDurationMs'), o['openDurationMs'], 'a finite number >= 0 or a backoff function');
    }
  }
  if (has('halfOpenMaxCalls')) positiveInteger(p('halfOpenMaxCalls'), o['halfOpenMaxCalls']);
  if (has('halfOpenMaxWaitMs')) checkTimerMs(p('halfOpenMaxWaitMs'), o['halfOpenMaxWaitMs']);
  if (has('rampUpMs')) nonNegative(p('rampUpMs'), o['rampUpMs']);
  if (has('timeoutMs')) checkTimerMs(p('timeoutMs'), o['timeoutMs']);
  if (has('classify') && typeof o['classify'] !== 'function')
    throwInvalid(p('classify'), o['classify'], 'a function');
  if (has('mode') && !MODES.includes(o['mode'] as BreakerMode)) {
    throwInvalid(p('mode'), o['mode'], "'enforce', 'observe' or 'off'");
  }
  if (has('clock')) {
    const clock = o['clock'] as { now?: unknown } | null;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throwInvalid(p('clock'), o['clock'], 'an object with a now() method');
    }
  }
  if (has('random') && typeof o['random'] !== 'function')
    throwInvalid(p('random'), o['random'], 'a function');
  if (has('initialState') && (typeof o['initialState'] !== 'object' || o['initialState'] === null)) {
    throwInvalid(p('initialState'), o['initialState'], 'an object from toJSON()');
  }
  if (has('telemetry')) normalizeTelemetry(o['telemetry'], p('telemetry'));
  const window = o['window'] as WindowOptions | undefined;
  if (has('minimumCalls') && window?.kind === 'count' && (o['minimumCalls'] as number) > window.size) {
    fail(
      ErrorCodes.CONFLICTING_OPTIONS,
      p('minimumCalls'),
      o['minimumCalls'],
      `${p('minimumCalls')} must be <= ${p('window.size')} (${window.size}) for a count window, got ${o['minimumCalls']}`,
    );
  }
}

/**
 * Applies defaults to validated options. `minimumCalls` defaults to 100, or to the
 * count window's size when that is smaller.
 *
 * @internal
 */
export function resolveOptions(o: CircuitBreakerOptions): ResolvedOptions {
  const w = o.window ?? DEFAULTS.window;
  const window: ResolvedOptions['window'] =
    w.kind === 'count'
      ? { kind: 'count', size: w.size }
      : { kind: 'time', durationMs: w.durationMs, buckets: w.buckets ?? DEFAULTS.timeWindowBuckets };
  const minimumCalls =
    o.minimumCalls ??
    (window.kind === 'count' ? Math.min(DEFAULTS.minimumCalls, window.size) : DEFAULTS.minimumCalls);
  if (window.kind === 'count' && minimumCalls > window.size) {
    fail(
      ErrorCodes.CONFLICTING_OPTIONS,
      'minimumCalls',
      minimumCalls,
      `minimumCalls must be <= window.size (${window.size}) for a count window, got ${minimumCalls}`,
    );
  }
  const name = o.name ?? DEFAULTS.name;
  return {
    name,
    key: o.key ?? name,
    window,
    failureRateThreshold: o.failureRateThreshold ?? DEFAULTS.failureRateThreshold,
    slowCallDurationMs: o.slowCallDurationMs ?? DEFAULTS.slowCallDurationMs,
    slowCallRateThreshold: o.slowCallRateThreshold ?? DEFAULTS.slowCallRateThreshold,
    minimumCalls,
    consecutiveFailures: o.consecutiveFailures ?? 0,
    openDuration: o.openDurationMs ?? DEFAULTS.openDurationMs,
    halfOpenMaxCalls: o.halfOpenMaxCalls ?? DEFAULTS.halfOpenMaxCalls,
    halfOpenMaxWaitMs: o.halfOpenMaxWaitMs ?? DEFAULTS.halfOpenMaxWaitMs,
    rampUpMs: o.rampUpMs ?? DEFAULTS.rampUpMs,
    timeoutMs: o.timeoutMs ?? 0,
    classify: o.classify,
    mode: o.mode ?? DEFAULTS.mode,
    clock: o.clock ?? coarseClock,
    random: o.random ?? Math.random,
  };
}
