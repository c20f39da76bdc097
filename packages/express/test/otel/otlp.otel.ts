/**
 * End to end through a real OTLP pipeline: an Express 5 app with the OpenTelemetry SDK,
 * the HTTP and Express instrumentations and the real OTLP/HTTP trace and metric
 * exporters, sending to a real OTLP receiver (@elastic/mockotlpserver) on 127.0.0.1.
 * The received server spans and metrics must carry Breakwater's data.
 *
 * A file of its own: `node --test` runs each file in its own process, and this one
 * registers its SDK with OTLP exporters instead of ./harness.ts's in-memory ones.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { BreakerRegistry, TelemetryNames } from '@breakwater/core';
import { MockOtlpServer, normalizeMetrics, normalizeTrace } from '@elastic/mockotlpserver';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Express } from 'express';
import { circuitBreaker } from '../../src/index.js';

const A = TelemetryNames.attributes;
const M = TelemetryNames.metrics;
/** A request that fails the test instead of hanging it. */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5_000) });

type Attributes = Record<string, unknown>;
interface ReceivedSpan {
  name: string;
  kind: string;
  attributes: Attributes;
  events?: Array<{ name: string; attributes?: Attributes }>;
}
interface ReceivedPoint {
  attributes?: Attributes;
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
}
interface ReceivedMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: ReceivedPoint[] };
  histogram?: { dataPoints: ReceivedPoint[] };
}

const spans: ReceivedSpan[] = [];
const received: ReceivedMetric[][] = [];
let otlp: MockOtlpServer;
let tracerProvider: NodeTracerProvider;
let meterProvider: MeterProvider;
let server: http.Server | undefined;

before(async () => {
  otlp = new MockOtlpServer({
    services: ['http'],
    httpHostname: '127.0.0.1',
    httpPort: 0,
    logLevel: 'warn',
    onTrace: (trace: unknown) => {
      const normalized = normalizeTrace(trace) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }>;
      };
      for (const r of normalized.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
    },
    onMetrics: (raw: unknown) => {
      const normalized = normalizeMetrics(raw) as {
        resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: ReceivedMetric[] }> }>;
      };
      received.push(normalized.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)));
    },
  });
  await otlp.start();
  const url = new URL(otlp.httpUrl ?? '');
  const resource = resourceFromAttributes({ 'service.name': 'breakwater-otlp-test' });
  tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: new URL('/v1/traces', url).href }))],
  });
  tracerProvider.register();
  meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: new URL('/v1/metrics', url).href }),
        exportIntervalMillis: 3_600_000,
      }),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreOutgoingRequestHook: () => true,
        // The receiver's own HTTP server runs in this process too.
        ignoreIncomingRequestHook: (req) => req.url?.startsWith('/v1/') === true,
      }),
      new ExpressInstrumentation(),
    ],
  });
});

after(async () => {
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
  await tracerProvider?.shutdown();
  await meterProvider?.shutdown();
  await otlp?.close();
});

test('the received server spans and metrics carry Breakwater’s data', async () => {
  // Required after the instrumentations are registered, so that they patch it.
  const express = require('express5') as () => Express;
  const { createServer } = require('node:http') as typeof http;
  const registry = new BreakerRegistry({
    name: 'gateway',
    defaults: { window: { kind: 'count', size: 4 }, minimumCalls: 2, openDurationMs: 60_000 },
  });
  const app = express();
  app.set('env', 'test');
  app.use(circuitBreaker({ registry }));
  app.get('/quotes/:id', (req, res) => {
    res.status(req.params['id'] === 'bad' ? 502 : 200).json({ id: req.params['id'] });
  });
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  assert.equal((await get(`${base}/quotes/1`)).status, 200);
  assert.equal((await get(`${base}/quotes/bad`)).status, 502); // 1 of 2 failed: opens
  assert.equal((await get(`${base}/quotes/2`)).status, 503); // rejected

  // The HTTP instrumentation ends server spans when responses close, a little after the
  // client has its answer: flush until all three arrived (or give up, and fail below).
  for (let i = 0; i < 100 && serverSpans().length < 3; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await tracerProvider.forceFlush();
  }
  await meterProvider.forceFlush();
  for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));

  const server3 = serverSpans();
  assert.equal(server3.length, 3, `three server spans received, got ${spans.map((s) => s.name).join(', ')}`);
  const outcomes = server3.map((s) => [
    s.attributes[A.outcome],
    s.attributes[A.state],
    s.attributes[A.httpRoute],
  ]);
  assert.deepEqual(outcomes.sort(), [
    ['failure', 'closed', '/quotes/:id'],
    ['rejected', 'open', '/quotes/:id'],
    ['success', 'closed', '/quotes/:id'],
  ]);
  for (const s of server3) assert.equal(s.attributes[A.name], 'gateway');
  const opened = server3.find((s) => s.attributes[A.outcome] === 'failure');
  assert.deepEqual(
    opened?.events?.map((e) => [e.name, e.attributes?.[A.state], e.attributes?.[A.previousState]]),
    [[TelemetryNames.events.stateChange, 'open', 'closed']],
  );

  const last = received.at(-1) ?? [];
  const metric = (name: string) => {
    const found = last.find((m) => m.name === name);
    assert.ok(found, `metric ${name} received (got ${last.map((m) => m.name).join(', ')})`);
    return found;
  };
  const calls = metric(M.calls);
  assert.equal(calls.unit, '{call}');
  const callPoints = (calls.sum?.dataPoints ?? []).map((p) => [
    p.attributes?.[A.outcome],
    p.attributes?.[A.state],
    Number(p.asInt ?? p.asDouble),
  ]);
  assert.deepEqual(callPoints.sort(), [
    ['failure', 'closed', 1],
    ['rejected', 'open', 1],
    ['success', 'closed', 1],
  ]);
  const failure = calls.sum?.dataPoints.find((p) => p.attributes?.[A.outcome] === 'failure');
  assert.equal(failure?.attributes?.[A.errorType], TelemetryNames.otherError);
  assert.equal(metric(M.callDuration).unit, 's');
  const durations = metric(M.callDuration).histogram?.dataPoints ?? [];
  assert.equal(
    durations.reduce((n, p) => n + Number(p.count), 0),
    2,
    'two admitted calls timed (the rejection is not)',
  );
  const transitions = metric(M.transitions);
  assert.deepEqual(
    transitions.sum?.dataPoints.map((p) => p.attributes),
    [{ [A.name]: 'gateway', [A.state]: 'open', [A.previousState]: 'closed' }],
  );
  const count = metric(M.count);
  assert.equal(count.unit, '{circuit_breaker}');
  const open = count.sum?.dataPoints.find((p) => p.attributes?.[A.state] === 'open');
  assert.equal(Number(open?.asInt ?? open?.asDouble), 1);
});

function serverSpans(): ReceivedSpan[] {
  return spans.filter((s) => s.kind === 'SPAN_KIND_SERVER');
}
