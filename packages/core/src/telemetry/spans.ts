/**
 * Which span a request's breaker annotates. The Express and Koa instrumentations make a
 * short `middleware - …` span active while a middleware runs, so the active span there
 * is not the request's: the HTTP instrumentation keeps its server span in the context
 * as RPC metadata (`setRPCMetadata` in `@opentelemetry/core`, under a key made with
 * `createContextKey`, which is `Symbol.for`-based, so the API alone can read it).
 *
 * @internal
 */
import { type Context, context, createContextKey, ROOT_CONTEXT, type Span, trace } from '@opentelemetry/api';

const RPC_METADATA = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');
const PROBE = createContextKey('@breakwater/core/telemetry/probe');
/** Requests between two checks for a context manager. */
const PROBE_EVERY = 256;

/** Whether a context manager is registered: without one no span is ever active. */
export function hasContextManager(): boolean {
  const probe = ROOT_CONTEXT.setValue(PROBE, true);
  return context.with(probe, isActive, undefined, probe);
}

function isActive(probe: Context): boolean {
  return context.active() === probe;
}

/**
 * Finds requests' server spans, for one middleware. Checks for a context manager on
 * the first request and every 256th after it; in between, with no SDK, a request costs
 * a decrement.
 *
 * @internal
 */
export class RequestSpans {
  #left = 0;
  #on = false;

  /**
   * The server span of the request being handled (the HTTP instrumentation's, else the
   * active span), when it is recording; `null` otherwise. Call at middleware entry.
   */
  capture(): Span | null {
    if (--this.#left < 0) {
      this.#left = PROBE_EVERY - 1;
      this.#on = hasContextManager();
    }
    if (!this.#on) return null;
    const active = context.active();
    const metadata = active.getValue(RPC_METADATA) as { span?: Span } | undefined;
    const span = metadata?.span ?? trace.getSpan(active);
    return span?.isRecording() ? span : null;
  }
}

/**
 * Calls `fn(a, b, c, d)` with `span` active, so that the breaker's telemetry annotates
 * it (and a transition the call causes lands on it as an event). Calls it directly, with
 * nothing allocated, when there is no span, when it no longer records, or when it is
 * already the active span.
 *
 * @internal
 */
export function withSpan<A, B, C, D, R>(
  span: Span | null,
  fn: (a: A, b: B, c: C, d: D) => R,
  a: A,
  b: B,
  c: C,
  d: D,
): R {
  if (span === null || !span.isRecording()) return fn(a, b, c, d);
  const active = context.active();
  if (trace.getSpan(active) === span) return fn(a, b, c, d);
  return context.with(trace.setSpan(active, span), fn, undefined, a, b, c, d);
}
