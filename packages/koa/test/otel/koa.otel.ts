/**
 * Breakwater's telemetry through the real HTTP and Koa instrumentations, on Koa 2 and 3
 * with @koa/router: each request yields exactly one server span carrying
 * `circuit_breaker.*` and `http.route`, with the right outcome on success, failure,
 * rejection and timeout (not only on the short `middleware - …` span the Koa
 * instrumentation makes active); a transition adds its span event and counts in
 * `circuit_breaker.transitions`.
 *
 * Run by `../otel.test.ts` under `node --test` (see scripts/otel-harness.cjs for why
 * not Jest).
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { BreakerRegistry, TelemetryNames } from '@breakwater/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type Koa from 'koa';
import { byStart, installOtel } from '../../../../scripts/otel-harness.cjs';
import { circuitBreaker } from '../../src/index.js';

// The SDK and the instrumentations first; Koa and the router are required below, after them.
const { closeServers, collectMetrics, finishedSpans, resetSpans, serve, serverSpans, shutdown } = installOtel(
  [new KoaInstrumentation()],
);

const A = TelemetryNames.attributes;
const M = TelemetryNames.metrics;
/** A request that fails the test instead of hanging it. */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5_000) });

type KoaClass = typeof Koa;
type RouterClass = typeof import('@koa/router').default;
const Router = require('@koa/router') as RouterClass;
const versions = [
  ['koa 2', require('koa2') as KoaClass],
  ['koa 3', require('koa3') as KoaClass],
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

for (const [version, KoaApp] of versions) {
  describe(`${version}: the server span`, () => {
    /** An app with Breakwater mounted globally (route keys) before the router. */
    async function app(name: string, options: Parameters<typeof circuitBreaker>[0] = {}) {
      const registry = new BreakerRegistry({ name, defaults: trip });
      const a = new KoaApp();
      a.silent = true;
      const router = new Router();
      a.use(circuitBreaker({ registry, ...options }));
      router.get('/users/:id', (ctx) => {
        ctx.body = { ok: true };
      });
      router.get('/boom/:id', (ctx) => {
        ctx.status = 500;
        ctx.body = { ok: false };
      });
      router.get('/throws', () => {
        throw new TypeError('broken');
      });
      router.get('/hang', () => new Promise(() => {}));
      a.use(router.routes());
      return { base: await serve(a.callback()), registry };
    }

    const only = (spans: ReadableSpan[]) => {
      assert.equal(spans.length, 1, `exactly one server span, got ${spans.map((s) => s.name).join(', ')}`);
      return spans[0]!;
    };

    test('success: name, admitting state, outcome and http.route', async () => {
      const { base } = await app(`${version} success`);
      assert.equal((await get(`${base}/users/42`)).status, 200);
      const span = only(await serverSpans(1));
      assert.equal(span.attributes[A.name], `${version} success`);
      assert.equal(span.attributes[A.state], 'closed');
      assert.equal(span.attributes[A.outcome], 'success');
      assert.equal(span.attributes[A.httpRoute], '/users/:id');
      // The Koa instrumentation's own middleware span exists: the attributes are not (only) there.
      const middleware = finishedSpans().find((s) => s.name === 'middleware - circuitBreaker');
      assert.ok(middleware, 'the Koa instrumentation made a middleware span');
      assert.equal(middleware.attributes[A.outcome], undefined);
    });

    test('failure: a 500 and a thrown error', async () => {
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
      assert.equal((await get(`${base}/boom/3`)).status, 503);
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
      assert.equal((await get(`${base}/hang`)).status, 503);
      const span = only(await serverSpans(1));
      assert.equal(span.attributes[A.outcome], 'timeout');
      assert.equal(span.attributes[A.state], 'closed');
      assert.equal(span.attributes[A.httpRoute], '/hang');
    });

    test('telemetry.tracerProvider: the server span is still annotated, and ctx.state.breakwater.execute() starts its own span', async () => {
      const a = new KoaApp();
      a.silent = true;
      const router = new Router();
      a.use(circuitBreaker({ telemetry: { tracerProvider: trace.getTracerProvider() } }));
      router.get('/quote', async (ctx) => {
        ctx.body = await ctx.state.breakwater?.execute('pricing', async () => ({ price: 1 }));
      });
      a.use(router.routes());
      assert.equal((await get(`${await serve(a.callback())}/quote`)).status, 200);
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
