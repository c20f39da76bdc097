/**
 * The OpenTelemetry SDK as an app sets it up, for the `node --test` suites: a Node
 * tracer provider (AsyncLocalStorage context manager) with an in-memory span exporter,
 * a meter provider with an in-memory metric exporter, and the HTTP and Express
 * instrumentations, registered before Express is loaded. Import it first.
 *
 * Jest's module registry bypasses the instrumentations' `require` hooks (no span, no
 * error), which is why these suites run under Node's own runner
 * (`scripts/node-test-register.cjs`, started by `../otel.test.ts`).
 */
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const spanExporter = new InMemorySpanExporter();
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
tracerProvider.register();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({
  exporter: metricExporter,
  exportIntervalMillis: 3_600_000,
});
const meterProvider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(meterProvider);
registerInstrumentations({
  instrumentations: [
    // Outgoing requests (the test client's) would start the traces: leave them out, so
    // each request is a trace of its own, rooted at its server span.
    new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
    new ExpressInstrumentation(),
  ],
});

/** Ended spans so far. */
export function finishedSpans(): ReadableSpan[] {
  return spanExporter.getFinishedSpans();
}

/** Forgets the spans exported so far. */
export function resetSpans(): void {
  spanExporter.reset();
}

/**
 * Waits until `n` server spans have ended (the HTTP instrumentation ends them when the
 * response closes, after the client has its answer), and fails if they do not.
 */
export async function serverSpans(n: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 400; i++) {
    const found = finishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    if (found.length >= n) return found;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const found = finishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  throw new Error(
    `expected ${n} server span(s), got ${found.length}; spans: ${finishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

/** Collects every metric stream of the meter provider (cumulative since the process started). */
export async function collectMetrics(): Promise<MetricData[]> {
  metricExporter.reset();
  await reader.forceFlush();
  return metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
}

const servers = new Set<http.Server>();

/** Serves a request listener on 127.0.0.1; returns its base URL. */
export async function serve(listener: http.RequestListener): Promise<string> {
  // Required here, after the instrumentations are registered, so that it is patched.
  const { createServer } = require('node:http') as typeof http;
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.add(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes every server `serve` started. */
export async function closeServers(): Promise<void> {
  const closing = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  servers.clear();
  await Promise.all(closing);
}

/** Shuts the SDK down (at the end of the run). */
export async function shutdown(): Promise<void> {
  await closeServers();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
}
