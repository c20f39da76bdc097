/**
 * The names Breakwater writes to OpenTelemetry, in one place: span attributes and
 * events, metric instruments and their units. Dashboards and tests can import them.
 */

/**
 * Attribute, event and instrument names.
 *
 * @example
 * ```ts
 * import { TelemetryNames } from '@breakwater/core';
 * const outcome = span.attributes[TelemetryNames.attributes.outcome]; // 'rejected'
 * ```
 */
export const TelemetryNames = {
  /** The instrumentation scope: the package's name (its version is the package's). */
  scope: '@breakwater/core',
  attributes: {
    /** The breaker's name; for a registry, the registry's name unless a breaker was named explicitly. */
    name: 'circuit_breaker.name',
    /** The breaker key (spans: only with `recordKey`; metrics: only with `metricKey`, bucketed). */
    key: 'circuit_breaker.key',
    /** The state that admitted or rejected the call; on transitions, the new state. */
    state: 'circuit_breaker.state',
    /** On transitions, the state left. */
    previousState: 'circuit_breaker.previous_state',
    /** `success | failure | ignored | rejected | timeout`. */
    outcome: 'circuit_breaker.outcome',
    /** On the state-change span event: why the breaker changed state. */
    reason: 'circuit_breaker.reason',
    /** On failed calls (metrics): the error's name or code, `_OTHER` when unknown. */
    errorType: 'error.type',
    /** On the HTTP server span: the route template, when known. */
    httpRoute: 'http.route',
  },
  spans: {
    /**
     * With an explicit `tracerProvider`, `execute()` starts an INTERNAL span named
     * `circuit_breaker.execute <name>` (the name as on metrics).
     */
    execute: 'circuit_breaker.execute',
  },
  events: {
    /** Added to the span of the call that caused a transition. */
    stateChange: 'circuit_breaker.state_change',
  },
  metrics: {
    /** Counter, `{call}`: calls reported and rejected. */
    calls: 'circuit_breaker.calls',
    /** Histogram, `s`: how long admitted calls took. */
    callDuration: 'circuit_breaker.call.duration',
    /** Observable up-down counter, `{circuit_breaker}`: breakers (keys) per name and state. */
    count: 'circuit_breaker.count',
    /** Counter, `{transition}`: state changes. */
    transitions: 'circuit_breaker.transitions',
  },
  /** The `circuit_breaker.key` metric value past `metricKeyLimit`, and the name past the name limit. */
  overflow: '_other',
  /** The `error.type` of a failure without a usable error name or code. */
  otherError: '_OTHER',
} as const;

/** Units of the instruments, as UCUM. */
export const TelemetryUnits = {
  calls: '{call}',
  callDuration: 's',
  count: '{circuit_breaker}',
  transitions: '{transition}',
} as const;

/**
 * Bucket boundaries of `circuit_breaker.call.duration`, in seconds: OpenTelemetry's
 * HTTP duration buckets, plus 30 s and 60 s for slow dependencies.
 */
export const CALL_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
]);
