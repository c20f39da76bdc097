/**
 * A real OpenTelemetry SDK for tests: a tracer provider with an in-memory span exporter,
 * a meter provider with an in-memory metric exporter, and the AsyncLocalStorage context
 * manager, registered globally (or not) and torn down after each test.
 */
import { context, metrics, type Span, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Otel {
  readonly tracer: Tracer;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Every ended span so far. */
  spans(): ReadableSpan[];
  /** Collects and returns every metric stream (cumulative). */
  collect(): Promise<MetricData[]>;
  /** Runs `fn` with `span` active. */
  within<T>(span: Span, fn: () => T): T;
  shutdown(): Promise<void>;
}

export interface OtelOptions {
  /** Register the providers and a context manager globally. Default true. */
  global?: boolean;
  /** The tracer provider's sampler. Default: always on. */
  sampler?: Sampler;
}

export function installOtel(options: OtelOptions = {}): Otel {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const global = options.global ?? true;
  let contextManager: AsyncLocalStorageContextManager | undefined;
  if (global) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
  }
  return {
    tracer: tracerProvider.getTracer('test'),
    tracerProvider,
    meterProvider,
    spans: () => spanExporter.getFinishedSpans(),
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      const exported = metricExporter.getMetrics();
      return exported.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    },
    within: (span, fn) => context.with(trace.setSpan(context.active(), span), fn),
    async shutdown() {
      if (global) {
        trace.disable();
        metrics.disable();
        context.disable();
        contextManager?.disable();
      }
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

export const nonRecording = (): Sampler => new AlwaysOffSampler();

/** The stream named `name`, or a failure that lists the streams there are. */
export function stream(all: MetricData[], name: string): MetricData {
  const found = all.filter((m) => m.descriptor.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one stream ${name}, got ${found.length} (${all.map((m) => m.descriptor.name).join(', ')})`,
    );
  }
  return found[0]!;
}

/** Data points as `{ attributes, value }`, the value a number (sums) or `{ count, sum }` (histograms). */
export function points(metric: MetricData): Array<{ attributes: Record<string, unknown>; value: unknown }> {
  return (metric.dataPoints as Array<DataPoint<unknown>>).map((p) => ({
    attributes: { ...p.attributes },
    value: p.value,
  }));
}

/** The value of the point whose attributes equal `attributes`, or undefined. */
export function pointValue(metric: MetricData, attributes: Record<string, unknown>): unknown {
  const want = JSON.stringify(sortKeys(attributes));
  return points(metric).find((p) => JSON.stringify(sortKeys(p.attributes)) === want)?.value;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
