import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import { describeValue } from '../describe.js';
import { BreakerConfigError, ErrorCodes, invalidOption } from '../errors.js';

/** The `metricKeyLimit` default. */
export const DEFAULT_METRIC_KEY_LIMIT = 100;
/** The hard cap of `metricKeyLimit`. */
export const MAX_METRIC_KEY_LIMIT = 1_000;

const KNOWN = ['tracerProvider', 'meterProvider', 'recordKey', 'metricKey', 'metricKeyLimit'] as const;
const KNOWN_SET = new Set<string>(KNOWN);

/** Validated telemetry options. @internal */
export interface NormalizedTelemetry {
  readonly tracerProvider: TracerProvider | undefined;
  readonly meterProvider: MeterProvider | undefined;
  /** How a key goes on spans; `undefined`: it does not. */
  readonly recordKey: ((key: string) => string) | undefined;
  readonly metricKey: ((key: string) => string) | undefined;
  readonly metricKeyLimit: number;
}

/** Telemetry on, every default. @internal */
export const DEFAULT_TELEMETRY: NormalizedTelemetry = Object.freeze({
  tracerProvider: undefined,
  meterProvider: undefined,
  recordKey: undefined,
  metricKey: undefined,
  metricKeyLimit: DEFAULT_METRIC_KEY_LIMIT,
});

function asIs(key: string): string {
  return key;
}

/**
 * Validates a `telemetry` option (of a breaker, a registry or a middleware).
 *
 * @param value - `undefined` or `true` (on, defaults), `false` (off), or {@link TelemetryOptions}.
 * @param path - the option's name in messages, e.g. `telemetry`.
 * @returns the normalised options, or `null` when telemetry is off.
 * @throws BreakerConfigError naming the option and the value.
 * @internal
 */
export function normalizeTelemetry(value: unknown, path = 'telemetry'): NormalizedTelemetry | null {
  if (value === undefined || value === true) return DEFAULT_TELEMETRY;
  if (value === false) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(path, value, 'true, false or an object of telemetry options');
  }
  const o = value as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!KNOWN_SET.has(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        `${path}.${name}`,
        o[name],
        `Unknown option "${path}.${name}" (got ${describeValue(o[name])}); known options: ${KNOWN.join(', ')}`,
      );
    }
  }
  const tracerProvider = o['tracerProvider'];
  if (tracerProvider !== undefined && !hasMethod(tracerProvider, 'getTracer')) {
    throw invalidOption(
      `${path}.tracerProvider`,
      tracerProvider,
      'a TracerProvider (an object with getTracer())',
    );
  }
  const meterProvider = o['meterProvider'];
  if (meterProvider !== undefined && !hasMethod(meterProvider, 'getMeter')) {
    throw invalidOption(
      `${path}.meterProvider`,
      meterProvider,
      'a MeterProvider (an object with getMeter())',
    );
  }
  const recordKey = o['recordKey'];
  if (recordKey !== undefined && typeof recordKey !== 'boolean' && typeof recordKey !== 'function') {
    throw invalidOption(`${path}.recordKey`, recordKey, 'a boolean or a function (key) => string');
  }
  const metricKey = o['metricKey'];
  if (metricKey !== undefined && typeof metricKey !== 'function') {
    throw invalidOption(`${path}.metricKey`, metricKey, 'a function (key) => string');
  }
  const limit = o['metricKeyLimit'] ?? DEFAULT_METRIC_KEY_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_METRIC_KEY_LIMIT) {
    throw invalidOption(`${path}.metricKeyLimit`, limit, `an integer in [1, ${MAX_METRIC_KEY_LIMIT}]`);
  }
  return {
    tracerProvider: tracerProvider as TracerProvider | undefined,
    meterProvider: meterProvider as MeterProvider | undefined,
    recordKey:
      recordKey === true
        ? asIs
        : typeof recordKey === 'function'
          ? (recordKey as (key: string) => string)
          : undefined,
    metricKey: metricKey as ((key: string) => string) | undefined,
    metricKeyLimit: limit,
  };
}

function hasMethod(value: unknown, method: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  );
}
