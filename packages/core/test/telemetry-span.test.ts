/**
 * `telemetry.tracerProvider`: with an explicit provider, `execute()` starts an INTERNAL
 * span of its own from that provider's tracer, annotates it instead of the active span,
 * makes it active around `fn`, and ends it when the call settles. Without one, no span
 * is started. Real SDK, in-memory exporter (otel-harness.ts).
 */
import { type Span, SpanKind, SpanStatusCode, type TracerProvider, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  BreakerRegistry,
  CircuitBreaker,
  HttpGuard,
  isBreakerConfigError,
  TelemetryNames,
} from '../src/index.js';
import { SCOPE_NAME, SCOPE_VERSION } from '../src/telemetry/scope.js';
import { admitted, FakeClock } from './helpers.js';
import { installOtel, nonRecording, type Otel } from './otel-harness.js';

const A = TelemetryNames.attributes;
const tripOptions = {
  window: { kind: 'count' as const, size: 4 },
  minimumCalls: 2,
  openDurationMs: 30_000,
  halfOpenMaxCalls: 1,
};

const opened: Otel[] = [];
function sdk(options: Parameters<typeof installOtel>[0] = {}): Otel {
  const otel = installOtel(options);
  opened.push(otel);
  return otel;
}
afterEach(async () => {
  for (const otel of opened.splice(0)) await otel.shutdown();
  jest.restoreAllMocks();
});

function captureWarnings() {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  return () => spy.mock.calls.map((c) => (c[1] as { code: string }).code);
}

/** The one ended span named `name`. */
function only(otel: Otel, name: string): ReadableSpan {
  const found = otel.spans().filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span ${name}, got ${
        otel
          .spans()
          .map((s) => s.name)
          .join(', ') || 'none'
      }`,
    );
  }
  return found[0]!;
}

/** The messages of the span's exception events. */
const exceptions = (span: ReadableSpan) =>
  span.events.filter((e) => e.name === 'exception').map((e) => e.attributes?.['exception.message']);

describe('with an explicit tracerProvider, execute() starts a span of its own', () => {
  test('a child of the active span, INTERNAL, from the provider’s tracer (scope: package name and version), annotated instead of the parent, active around fn', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({
      name: 'payments',
      minimumCalls: 100,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    const parent = otel.tracer.startSpan('checkout');
    let inner: Span | undefined;
    await otel.within(parent, () =>
      b.execute(async () => {
        inner = otel.tracer.startSpan('POST /charge');
        inner.end();
        return 'ok';
      }),
    );
    parent.end();

    const own = only(otel, 'circuit_breaker.execute payments');
    expect(own.kind).toBe(SpanKind.INTERNAL);
    expect(own.instrumentationScope).toMatchObject({ name: SCOPE_NAME, version: SCOPE_VERSION });
    expect(own.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(own.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(own.attributes).toEqual({ [A.name]: 'payments', [A.state]: 'closed', [A.outcome]: 'success' });
    expect(own.status.code).toBe(SpanStatusCode.UNSET);
    expect(own.ended).toBe(true);
    // fn ran with the breaker's span active; the parent is left alone.
    expect(only(otel, 'POST /charge').parentSpanContext?.spanId).toBe(own.spanContext().spanId);
    expect(only(otel, 'checkout').attributes).toEqual({});
    expect(TelemetryNames.spans.execute).toBe('circuit_breaker.execute');
  });

  test('a failure: status ERROR, error.type, the exception recorded, and the transition it caused as an event', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({
      name: 'flaky',
      ...tripOptions,
      clock: new FakeClock(0),
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    for (let i = 0; i < 2; i++) {
      await expect(
        b.execute(async () => {
          throw new TypeError(`bad ${i}`);
        }),
      ).rejects.toThrow(`bad ${i}`);
    }
    expect(b.state).toBe('open');
    const [first, second] = otel.spans();
    for (const span of [first!, second!]) {
      expect(span.name).toBe('circuit_breaker.execute flaky');
      expect(span.attributes).toEqual({
        [A.name]: 'flaky',
        [A.state]: 'closed',
        [A.outcome]: 'failure',
        [A.errorType]: 'TypeError',
      });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(exceptions(first!)).toEqual(['bad 0']);
    expect(exceptions(second!)).toEqual(['bad 1']);
    expect(first!.status.message).toBe('bad 0');
    expect(first!.events.map((e) => e.name)).toEqual(['exception']);
    expect(second!.events.find((e) => e.name === TelemetryNames.events.stateChange)?.attributes).toEqual({
      [A.name]: 'flaky',
      [A.state]: 'open',
      [A.previousState]: 'closed',
      [A.reason]: 'failure_rate',
    });
  });

  test('a rejection: a span with outcome rejected and the rejecting state, ERROR, ended at once (also with a fallback)', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({ name: 'down', telemetry: { tracerProvider: otel.tracerProvider } });
    b.forceOpen();
    const fn = jest.fn(async () => 'never');
    await expect(b.execute(fn)).rejects.toMatchObject({ name: 'BreakerOpenError' });
    await expect(b.execute(fn, { fallback: () => 'cached' })).resolves.toBe('cached');
    expect(fn).not.toHaveBeenCalled();
    const spans = otel.spans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.name).toBe('circuit_breaker.execute down');
      expect(span.attributes).toEqual({
        [A.name]: 'down',
        [A.state]: 'forced_open',
        [A.outcome]: 'rejected',
        [A.errorType]: 'BreakerOpenError',
      });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(exceptions(span)).toEqual([expect.stringContaining('"down"')]);
    }
  });

  test('a timeout: outcome timeout, ERROR with BreakerTimeoutError, ended when the timeout fires', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({
      name: 'slow',
      timeoutMs: 5,
      minimumCalls: 100,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    let signal: AbortSignal | undefined;
    await expect(
      b.execute(
        (s) =>
          new Promise<never>(() => {
            signal = s;
          }),
      ),
    ).rejects.toMatchObject({ name: 'BreakerTimeoutError' });
    expect(signal?.aborted).toBe(true);
    const span = only(otel, 'circuit_breaker.execute slow');
    expect(span.attributes).toEqual({
      [A.name]: 'slow',
      [A.state]: 'closed',
      [A.outcome]: 'timeout',
      [A.errorType]: 'BreakerTimeoutError',
    });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(exceptions(span)).toEqual(['Breaker "slow" timed out the call after 5 ms']);
  });

  test('synchronous fns, a caller’s abort (ignored: no error status), and classify decide the outcome', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({
      name: 'sync',
      minimumCalls: 100,
      // A 404-like error is not the dependency failing.
      classify: ({ error }) =>
        error === undefined || (error as Error).message === 'not found' ? 'success' : 'failure',
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    await expect(b.execute(() => 42)).resolves.toBe(42);
    await expect(
      b.execute(() => {
        throw new Error('not found');
      }),
    ).rejects.toThrow('not found');
    const controller = new AbortController();
    const pending = b.execute(() => new Promise<never>(() => {}), { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');

    const [value, classified, aborted] = otel.spans();
    expect([value, classified, aborted].map((s) => [s?.attributes[A.outcome], s?.status.code])).toEqual([
      ['success', SpanStatusCode.UNSET],
      ['success', SpanStatusCode.UNSET],
      ['ignored', SpanStatusCode.UNSET],
    ]);
    expect(otel.spans()).toHaveLength(3);
  });

  test('observe mode: a would-be rejection reads rejected on the span, and the call runs', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({
      name: 'shadow',
      mode: 'observe',
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    b.forceOpen();
    await expect(b.execute(async () => 'ran')).resolves.toBe('ran');
    const span = only(otel, 'circuit_breaker.execute shadow');
    expect(span.attributes[A.outcome]).toBe('rejected');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.ended).toBe(true);
  });

  test('works with nothing registered globally (no context manager, no global provider)', async () => {
    const own = sdk({ global: false });
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
    const b = new CircuitBreaker({
      name: 'alone',
      ...tripOptions,
      telemetry: { tracerProvider: own.tracerProvider },
    });
    await b.execute(async () => Promise.reject(new Error('x'))).catch(() => undefined);
    await b.execute(async () => Promise.reject(new Error('y'))).catch(() => undefined);
    expect(b.state).toBe('open');
    await b.execute(async () => 1).catch(() => undefined);
    expect(own.spans().map((s) => [s.name, s.attributes[A.outcome], s.parentSpanContext])).toEqual([
      ['circuit_breaker.execute alone', 'failure', undefined],
      ['circuit_breaker.execute alone', 'failure', undefined],
      ['circuit_breaker.execute alone', 'rejected', undefined],
    ]);
    expect(own.spans()[1]?.events.map((e) => e.name)).toEqual([
      TelemetryNames.events.stateChange,
      'exception',
    ]);
  });

  test('an unsampled span is started and made active, but nothing is written to it', async () => {
    const otel = sdk({ sampler: nonRecording() });
    const b = new CircuitBreaker({
      name: 'quiet',
      minimumCalls: 100,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    const startSpan = jest.spyOn(otel.tracerProvider.getTracer(SCOPE_NAME, SCOPE_VERSION), 'startSpan');
    let active: Span | undefined;
    await expect(
      b.execute(async () => {
        active = trace.getActiveSpan();
        return 'ok';
      }),
    ).resolves.toBe('ok');
    expect(startSpan).toHaveBeenCalledTimes(1);
    const span = startSpan.mock.results[0]?.value as Span;
    expect(span.isRecording()).toBe(false);
    expect(active).toBe(span);
    expect(otel.spans()).toEqual([]);
  });

  test('a registry’s breakers, named as on metrics; the HTTP glue still annotates the server span and starts none', async () => {
    const otel = sdk();
    const registry = new BreakerRegistry({
      name: 'upstreams',
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    await registry.get('10.0.0.1').execute(async () => 1);
    await registry.get('10.0.0.2', { name: 'billing' }).execute(async () => 1);
    expect(otel.spans().map((s) => s.name)).toEqual([
      'circuit_breaker.execute upstreams',
      'circuit_breaker.execute billing',
    ]);

    const guard = new HttpGuard({ telemetry: { tracerProvider: otel.tracerProvider } });
    const server = otel.tracer.startSpan('GET /x', { kind: SpanKind.SERVER });
    otel.within(server, () => {
      const call = guard.begin({});
      expect(call.admit('GET /x', undefined).admitted).toBe(true);
      call.settle({ status: 200 });
    });
    server.end();
    expect(otel.spans()).toHaveLength(3);
    expect(only(otel, 'GET /x').attributes[A.outcome]).toBe('success');
  });

  test('without a tracerProvider, no span is started: the active span is annotated', async () => {
    const otel = sdk();
    const b = new CircuitBreaker({ name: 'plain', minimumCalls: 100 });
    const parent = otel.tracer.startSpan('checkout');
    await otel.within(parent, () => b.execute(async () => 'ok'));
    parent.end();
    expect(otel.spans().map((s) => [s.name, s.attributes[A.outcome]])).toEqual([['checkout', 'success']]);
  });

  test('a provider that throws never breaks a call: it runs without a span, warned once', async () => {
    const codes = captureWarnings();
    const throwing = {
      getTracer: () => {
        throw new Error('broken provider');
      },
    } as unknown as TracerProvider;
    const b = new CircuitBreaker({ name: 'broken', telemetry: { tracerProvider: throwing } });
    await expect(b.execute(async () => 1)).resolves.toBe(1);
    await expect(b.execute(async () => 2)).resolves.toBe(2);
    expect(codes()).toEqual(['BREAKWATER_TELEMETRY_ERROR']);
  });

  test('tracerProvider must have getTracer()', () => {
    let error: unknown;
    try {
      new CircuitBreaker({ telemetry: { tracerProvider: {} as never } });
    } catch (e) {
      error = e;
    }
    expect(isBreakerConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('telemetry.tracerProvider must be a TracerProvider');
  });
});

test('a permit is not an execute() call: tryAcquire() starts no span with a tracerProvider', async () => {
  const otel = sdk();
  const b = new CircuitBreaker({ name: 'permits', telemetry: { tracerProvider: otel.tracerProvider } });
  const parent = otel.tracer.startSpan('request');
  otel.within(parent, () => admitted(b.tryAcquire()).success());
  parent.end();
  expect(otel.spans().map((s) => [s.name, s.attributes[A.outcome]])).toEqual([['request', 'success']]);
});
