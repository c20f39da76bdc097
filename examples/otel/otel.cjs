// The OpenTelemetry Node SDK, set up the usual way: loaded before the app with
//
//   node --require ./otel.cjs server.cjs
//
// so that the HTTP and Express instrumentations hook `require` before Express is
// loaded. It is what @opentelemetry/sdk-node assembles, composed from its parts: a
// tracer provider with a batch span processor and the OTLP/HTTP trace exporter, a
// meter provider with a periodic reader and the OTLP/HTTP metric exporter, the
// AsyncLocalStorage context manager (registered by NodeTracerProvider.register()).
// The exporters read the standard variables: OTEL_EXPORTER_OTLP_ENDPOINT (default
// http://localhost:4318), OTEL_EXPORTER_OTLP_HEADERS, …
//
// Breakwater needs nothing here: it finds the global providers and the server spans.
const { metrics } = require('@opentelemetry/api');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');

const resource = resourceFromAttributes({
  'service.name': process.env['OTEL_SERVICE_NAME'] || 'breakwater-gateway',
});

const tracerProvider = new NodeTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
tracerProvider.register();

const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter(),
      exportIntervalMillis: Number(process.env['OTEL_METRIC_EXPORT_INTERVAL']) || 10_000,
    }),
  ],
});
metrics.setGlobalMeterProvider(meterProvider);

registerInstrumentations({
  instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
});

// Flush what is buffered before the process goes.
let stopping;
function shutdown() {
  stopping ??= Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
  return stopping;
}
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    shutdown().finally(() => process.exit(0));
  });
}
