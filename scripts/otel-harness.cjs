// The OpenTelemetry SDK as an app sets it up, for the `node --test` suites of the HTTP
// adapters (packages/*/test/otel): a Node tracer provider (AsyncLocalStorage context
// manager) with an in-memory span exporter, a meter provider with an in-memory metric
// exporter, and the instrumentations the suite passes, registered before the framework
// is loaded. Jest's module registry bypasses the instrumentations' `require` hooks (no
// span, no error), which is why these suites run under Node's own runner
// (with ./node-test-register.cjs). Types: ./otel-harness.d.cts.
const { once } = require('node:events');
const { metrics, SpanKind } = require('@opentelemetry/api');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} = require('@opentelemetry/sdk-metrics');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');

function installOtel(instrumentations) {
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
      // Outgoing requests would start the traces: leave them out, so each request is a
      // trace of its own, rooted at its server span.
      new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
      ...instrumentations,
    ],
  });

  const servers = new Set();
  const finishedSpans = () => spanExporter.getFinishedSpans();
  const serverSpansNow = () => finishedSpans().filter((s) => s.kind === SpanKind.SERVER);
  const closeServers = async () => {
    const closing = [...servers].map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    servers.clear();
    await Promise.all(closing);
  };
  return {
    finishedSpans,
    resetSpans: () => spanExporter.reset(),
    async serverSpans(n) {
      // The HTTP instrumentation ends a server span when the response closes, a little
      // after the client has its answer.
      for (let i = 0; i < 400 && serverSpansNow().length < n; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const found = serverSpansNow();
      if (found.length < n) {
        const names = finishedSpans().map((s) => s.name);
        throw new Error(`expected ${n} server span(s), got ${found.length}; spans: ${names.join(', ')}`);
      }
      return found;
    },
    async collectMetrics() {
      metricExporter.reset();
      await reader.forceFlush();
      return metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    },
    async serve(listener) {
      // Required here, after the instrumentations are registered, so that it is patched.
      const { createServer } = require('node:http');
      const server = createServer(listener);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      servers.add(server);
      return `http://127.0.0.1:${server.address().port}`;
    },
    closeServers,
    async shutdown() {
      await closeServers();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Sorts spans by start time. */
function byStart(a, b) {
  return a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
}

module.exports = { installOtel, byStart };
