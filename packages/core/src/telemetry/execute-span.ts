/**
 * The span of one `execute()` call, when the breaker's telemetry has an explicit
 * `tracerProvider`: started by the tap (hub.ts), made active around `fn` so that the
 * spans `fn` makes are its children, annotated by the tap like any span (name, state,
 * outcome, transition events), and ended here when the call settles.
 *
 * Without an explicit `tracerProvider` none of this runs: `execute()` annotates the
 * active span and starts none.
 *
 * @internal
 */
import { context, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { FAILED, REJECTED, TIMED_OUT } from '../codes.js';
import { errorTypeOf } from './hub.js';
import { TelemetryNames } from './names.js';

/**
 * Calls `fn()` with `span` active (recording or not: an unsampled span still carries
 * the sampling decision to the spans `fn` makes).
 */
export function runInSpan<R>(span: Span, fn: () => R): R {
  return context.with(trace.setSpan(context.active(), span), fn);
}

/**
 * Ends the span of an `execute()` call. A failure, a timeout or a rejection sets the
 * status to ERROR with `error.type` and records the error as an exception event; so
 * does an error of a call that was not reported (an observe-mode would-be rejection
 * that ran). A success or an ignored call (the caller's signal aborted, or `classify`
 * said `ignore`) leaves the status unset.
 *
 * @param kind - the reported kind (codes.ts), REJECTED, or -1 when nothing was reported.
 * @param error - what `execute()` failed with: `fn`'s error, the timeout or the rejection.
 */
export function endExecuteSpan(span: Span, kind: number, error: unknown): void {
  if (
    span.isRecording() &&
    (kind === FAILED || kind === TIMED_OUT || kind === REJECTED || (kind < 0 && error !== undefined))
  ) {
    span.setAttribute(TelemetryNames.attributes.errorType, errorTypeOf(error));
    const message = messageOf(error);
    span.setStatus(
      message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message },
    );
    if (error instanceof Error || typeof error === 'string') span.recordException(error);
  }
  span.end();
}

function messageOf(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}
