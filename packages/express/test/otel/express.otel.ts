/**
 * Breakwater's telemetry through the real HTTP and Express instrumentations, on Express
 * 4 and 5: each request yields exactly one server span carrying `circuit_breaker.*` and
 * `http.route`, with the right outcome on success, failure, rejection and timeout; a
 * transition adds its span event and counts in `circuit_breaker.transitions`; the
 * metric streams have the documented names, units and attribute sets.
 *
 * Run by `../otel.test.ts` under `node --test` (see scripts/otel-harness.cjs for why
 * not Jest).
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { BreakerRegistry, TelemetryNames } from '@breakwater/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Express } from 'express';
import { byStart, installOtel } from '../../../../scripts/otel-harness.cjs';
import { circuitBreaker } from '../../src/index.js';

// The SDK and the instrumentations first; Express is required below, after them.
const { closeServers, collectMetrics, finishedSpans, resetSpans, serve, serverSpans, shutdown } = installOtel(
  [new ExpressInstrumentation()],
);

const A = TelemetryNames.attributes;
const M = TelemetryNames.metrics;
/** A request that fails the test instead of hanging it. */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5_000) });

const versions = [
  ['express 4', require('express4') as () => Express],
  ['express 5', require('express5') as () => Express],
] as const;

/** Opens after two failures out of two, for a minute. */
const trip = {
  window: { kind: 'count' as const, size: 4 },
  minimumCalls: 2,
  failureRateThreshold: 0.5,
  openDurationMs: 60_000,
};

after(shutdown);
beforeEach(resetSpans);
afterEach(closeServers);

for (const [version, express] of versions) {
  describe(`${version}: the server span`, () => {
    /** An app with Breakwater mounted globally (route keys), and its registry named after the test. */
    async function app(name: string, options: Parameters<typeof circuitBreaker>[0] = {}) {
      const registry = new BreakerRegistry({ name, defaults: trip });
      const a = express();
      a.use(circuitBreaker({ registry, ...options }));
      a.get('/users/:id', (_req, res) => {
        res.json({ ok: true });
      });
      a.get('/boom/:id', (_req, res) => {
        res.status(500).json({ ok: false });
      });
      a.get('/throws', (_req, _res, next) => {
        next(new TypeError('broken'));
      });
      a.get('/hang', () => {});
      return { base: await serve(a), registry };
    }

    const only = (spans: ReadableSpan[]) => {
      assert.equal(spans.length, 1, `exactly one server span, got ${spans.map((s) => s.name).join(', ')}`);
      return spans[0]!;
    };

    test('success: name, admitting state, outcome and http.route', async () => {
      const { base } = await app(`${version} success`);
      const res = await get(`${base}/users/42`);
      assert.equal(res.status, 200);
      const span = only(await serverSpans(1));
      assert.equal(span.attributes[A.name], `${version} success`);
      assert.equal(span.attributes[A.state], 'closed');
      assert.equal(span.attributes[A.outcome], 'success');
      assert.equal(span.attributes[A.httpRoute], '/users/:id');
      assert.equal(span.attributes[A.key], undefined, 'no key without recordKey');
      // The instrumentation's own middleware span exists: the attributes are not (only) there.
      const middleware = finishedSpans().find((s) => s.name === 'middleware - circuitBreaker');
      assert.ok(middleware, 'the Express instrumentation made a middleware span');
      assert.equal(middleware.attributes[A.outcome], undefined);
    });

    test('failure: a 500 and an error passed to next(err)', async () => {
      const { base } = await app(`${version} failure`, { failureRateThreshold: 1, minimumCalls: 4 });
      assert.equal((await get(`${base}/boom/1`)).status, 500);
      assert.equal((await get(`${base}/throws`)).status, 500);
      const spans = await serverSpans(2);
      assert.equal(spans.length, 2);
      for (const span of spans) {
        assert.equal(span.attributes[A.outcome], 'failure');
        assert.equal(span.attributes[A.state], 'closed');
      }
      assert.deepEqual(spans.map((s) => s.attributes[A.httpRoute]).sort(), ['/boom/:id', '/throws']);
    });

    test('rejection: the request that opened the breaker has the event, the next one is rejected', async () => {
      const name = `${version} rejection`;
      const { base } = await app(name);
      await get(`${base}/boom/1`);
      await get(`${base}/boom/2`); // the second failure opens GET /boom/:id
      const rejected = await get(`${base}/boom/3`);
      assert.equal(rejected.status, 503);
      const spans = await serverSpans(3);
      assert.equal(spans.length, 3);
      const [first, second, third] = [...spans].sort(byStart) as [ReadableSpan, ReadableSpan, ReadableSpan];
      assert.deepEqual(first.events, []);
      assert.deepEqual(
        second.events.map((e) => [e.name, e.attributes]),
        [
          [
            TelemetryNames.events.stateChange,
            { [A.name]: name, [A.state]: 'open', [A.previousState]: 'closed', [A.reason]: 'failure_rate' },
          ],
        ],
      );
      assert.equal(third.attributes[A.outcome], 'rejected');
      assert.equal(third.attributes[A.state], 'open');
      assert.equal(third.attributes[A.httpRoute], '/boom/:id');

      const transitions = (await collectMetrics()).find((m) => m.descriptor.name === M.transitions);
      const point = transitions?.dataPoints.find((p) => p.attributes[A.name] === name);
      assert.deepEqual(point?.attributes, { [A.name]: name, [A.state]: 'open', [A.previousState]: 'closed' });
      assert.equal(point?.value, 1);
    });

    test('timeout: the degraded answer, outcome timeout', async () => {
      const { base } = await app(`${version} timeout`, { timeoutMs: 30 });
      const res = await get(`${base}/hang`);
      assert.equal(res.status, 503);
      const span = only(await serverSpans(1));
      assert.equal(span.attributes[A.outcome], 'timeout');
      assert.equal(span.attributes[A.state], 'closed');
      assert.equal(span.attributes[A.httpRoute], '/hang');
    });

    test('recordKey puts the (hashed) key on the span; telemetry: false leaves it alone', async () => {
      const hashed = express();
      hashed.use(
        circuitBreaker({
          registry: new BreakerRegistry({ telemetry: { recordKey: (key) => `len:${key.length}` } }),
          key: 'client',
        }),
      );
      hashed.get('/x', (_req, res) => {
        res.send('ok');
      });
      const off = express();
      off.use(circuitBreaker({ telemetry: false }));
      off.get('/y', (_req, res) => {
        res.send('ok');
      });
      await get(`${await serve(hashed)}/x`);
      await get(`${await serve(off)}/y`);
      const spans = await serverSpans(2);
      const byRoute = (route: string) => spans.find((s) => s.name === `GET ${route}`);
      assert.equal(byRoute('/x')?.attributes[A.key], 'len:9'); // 127.0.0.1
      assert.equal(byRoute('/x')?.attributes[A.outcome], 'success');
      assert.equal(byRoute('/y')?.attributes[A.outcome], undefined);
      assert.equal(byRoute('/y')?.attributes[A.name], undefined);
    });

    test('telemetry.tracerProvider: the server span is still annotated, and req.breakwater.execute() starts its own span', async () => {
      const a = express();
      a.use(circuitBreaker({ telemetry: { tracerProvider: trace.getTracerProvider() } }));
      a.get('/quote', async (req, res, next) => {
        try {
          res.json(await req.breakwater?.execute('pricing', async () => ({ price: 1 })));
        } catch (error) {
          next(error);
        }
      });
      assert.equal((await get(`${await serve(a)}/quote`)).status, 200);
      const server = only(await serverSpans(1));
      assert.equal(server.attributes[A.outcome], 'success');
      assert.equal(server.attributes[A.httpRoute], '/quote');
      const own = finishedSpans().filter((s) => s.name === `${TelemetryNames.spans.execute} default`);
      assert.equal(own.length, 1, 'one span for the execute() call, none for the request');
      assert.equal(own[0]!.kind, SpanKind.INTERNAL);
      assert.equal(own[0]!.spanContext().traceId, server.spanContext().traceId);
      assert.deepEqual(own[0]!.attributes, {
        [A.name]: 'default',
        [A.state]: 'closed',
        [A.outcome]: 'success',
      });
    });
  });
}

describe('metric streams: names, units and attribute sets', () => {
  test('calls, call.duration, count and transitions, with the raw keys nowhere', async () => {
    const [, express] = versions[1];
    const registry = new BreakerRegistry({ name: 'metrics-app', defaults: trip });
    const app = express();
    app.use(circuitBreaker({ registry, key: 'route+client' }));
    app.get('/ok/:id', (_req, res) => {
      res.send('ok');
    });
    const base = await serve(app);
    for (let i = 0; i < 5; i++) assert.equal((await get(`${base}/ok/${i}`)).status, 200);
    await serverSpans(5);
    const all = (await collectMetrics()).filter((m) =>
      m.dataPoints.some((p) => p.attributes[A.name] === 'metrics-app'),
    );
    const byName = Object.fromEntries(all.map((m) => [m.descriptor.name, m]));
    assert.deepEqual(Object.keys(byName).sort(), [M.calls, M.callDuration, M.count].sort());
    assert.equal(byName[M.calls]?.descriptor.unit, '{call}');
    assert.equal(byName[M.callDuration]?.descriptor.unit, 's');
    assert.equal(byName[M.count]?.descriptor.unit, '{circuit_breaker}');
    const calls = byName[M.calls]!.dataPoints.filter((p) => p.attributes[A.name] === 'metrics-app');
    assert.deepEqual(
      calls.map((p) => [p.attributes, p.value]),
      [[{ [A.name]: 'metrics-app', [A.outcome]: 'success', [A.state]: 'closed' }, 5]],
    );
    const count = byName[M.count]!.dataPoints.filter((p) => p.attributes[A.name] === 'metrics-app');
    assert.equal(count.length, 5, 'one point per state');
    // The route+client key, and the registry's fallback key for unmatched requests.
    assert.equal(count.find((p) => p.attributes[A.state] === 'closed')?.value, registry.size);
    assert.equal(count.find((p) => p.attributes[A.state] === 'open')?.value, 0);
    const text = JSON.stringify(all.map((m) => m.dataPoints.map((p) => p.attributes)));
    assert.ok(!text.includes('127.0.0.1'), 'no client address on metrics');
    assert.ok(!text.includes('GET /ok/:id'), 'no key on metrics without metricKey');
  });
});
