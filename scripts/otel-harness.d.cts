import type { RequestListener } from 'node:http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface OtelHarness {
  /** Ended spans so far. */
  finishedSpans(): ReadableSpan[];
  /** Forgets the spans exported so far. */
  resetSpans(): void;
  /** Waits until `n` server spans have ended; throws if they do not (within 2 s). */
  serverSpans(n: number): Promise<ReadableSpan[]>;
  /** Every metric stream, cumulative since the harness was installed. */
  collectMetrics(): Promise<MetricData[]>;
  /** Serves a request listener on 127.0.0.1; resolves with its base URL. */
  serve(listener: RequestListener): Promise<string>;
  closeServers(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Registers a Node tracer provider, a meter provider (in-memory exporters), the HTTP
 * instrumentation and `instrumentations`, globally. Call it before the framework loads.
 */
export function installOtel(instrumentations: Instrumentation[]): OtelHarness;

/** Sorts spans by start time. */
export function byStart(a: ReadableSpan, b: ReadableSpan): number;
