/**
 * OpenTelemetry with a real SDK (in-memory exporters, the AsyncLocalStorage context
 * manager): metric names, units and attribute sets, cardinality bounds, span
 * annotations and transition events, turning it off, explicit providers, validation.
 * The HTTP instrumentation end to end is in the adapters' `otel` suites.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Attributes,
  type Counter,
  context,
  createContextKey,
  createNoopMeter,
  type Histogram,
  type Meter,
  type MeterProvider,
  ROOT_CONTEXT,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import { DataPointType, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import {
  BreakerRegistry,
  CALL_DURATION_BUCKETS,
  CircuitBreaker,
  HttpGuard,
  isBreakerConfigError,
  TelemetryNames,
} from '../src/index.js';
import { SCOPE_NAME, SCOPE_VERSION } from '../src/telemetry/scope.js';
import { admitted, FakeClock } from './helpers.js';
import { installOtel, nonRecording, type Otel, points, pointValue, stream } from './otel-harness.js';

const A = TelemetryNames.attributes;
const M = TelemetryNames.metrics;
const tripOptions = {
  window: { kind: 'count' as const, size: 4 },
  minimumCalls: 2,
  openDurationMs: 30_000,
  halfOpenMaxCalls: 1,
};
const trip = (clock: FakeClock) => ({ ...tripOptions, clock });

let otel: Otel | undefined;
afterEach(async () => {
  await otel?.shutdown();
  otel = undefined;
  jest.restoreAllMocks();
});

function captureWarnings() {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  return () => spy.mock.calls.map((c) => (c[1] as { code: string }).code);
}

describe('metrics', () => {
  test('circuit_breaker.calls: one point per outcome and admitting state, error.type on failures', async () => {
    otel = installOtel();
    const clock = new FakeClock(1_000);
    const b = new CircuitBreaker({ name: 'payments', ...trip(clock), failureRateThreshold: 0.6 });
    admitted(b.tryAcquire()).success(20);
    admitted(b.tryAcquire()).ignore(5);
    admitted(b.tryAcquire()).timeout(50);
    admitted(b.tryAcquire()).failure(new TypeError('bad'), 10); // trips: 2 failed of 3 recorded
    expect(b.state).toBe('open');
    expect(b.tryAcquire().permitted).toBe(false);

    const all = await otel.collect();
    const calls = stream(all, M.calls);
    expect(calls.descriptor.unit).toBe('{call}');
    expect([calls.dataPointType, (calls as SumMetricData).isMonotonic]).toEqual([DataPointType.SUM, true]);
    const base = { [A.name]: 'payments' };
    expect(pointValue(calls, { ...base, [A.outcome]: 'success', [A.state]: 'closed' })).toBe(1);
    expect(pointValue(calls, { ...base, [A.outcome]: 'ignored', [A.state]: 'closed' })).toBe(1);
    expect(pointValue(calls, { ...base, [A.outcome]: 'timeout', [A.state]: 'closed' })).toBe(1);
    expect(
      pointValue(calls, { ...base, [A.outcome]: 'failure', [A.state]: 'closed', [A.errorType]: 'TypeError' }),
    ).toBe(1);
    expect(pointValue(calls, { ...base, [A.outcome]: 'rejected', [A.state]: 'open' })).toBe(1);
    expect(points(calls)).toHaveLength(5);
  });

  test('circuit_breaker.call.duration: seconds, explicit buckets, admitted calls only', async () => {
    otel = installOtel();
    const b = new CircuitBreaker({ name: 'search', clock: new FakeClock(0), minimumCalls: 100 });
    admitted(b.tryAcquire()).success(250);
    admitted(b.tryAcquire()).success(750);
    b.forceOpen();
    expect(b.tryAcquire().permitted).toBe(false);

    const duration = stream(await otel.collect(), M.callDuration) as HistogramMetricData;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(duration.dataPoints).toHaveLength(1);
    const point = duration.dataPoints[0]!;
    expect(point.attributes).toEqual({ [A.name]: 'search', [A.outcome]: 'success', [A.state]: 'closed' });
    expect(point.value.count).toBe(2);
    expect(point.value.sum).toBeCloseTo(1, 9);
    expect(point.value.buckets.boundaries).toEqual([...CALL_DURATION_BUCKETS]);
  });

  test('circuit_breaker.transitions and circuit_breaker.count follow the state machine', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({ name: 'inventory', ...trip(clock) });
    admitted(b.tryAcquire()).failure(new Error('x'));
    admitted(b.tryAcquire()).failure(new Error('x'));
    clock.advance(30_000);
    expect(b.state).toBe('half_open');

    const all = await otel.collect();
    const transitions = stream(all, M.transitions);
    expect(transitions.descriptor.unit).toBe('{transition}');
    expect(points(transitions)).toEqual(
      expect.arrayContaining([
        {
          attributes: { [A.name]: 'inventory', [A.state]: 'open', [A.previousState]: 'closed' },
          value: 1,
        },
        {
          attributes: { [A.name]: 'inventory', [A.state]: 'half_open', [A.previousState]: 'open' },
          value: 1,
        },
      ]),
    );
    const count = stream(all, M.count);
    expect(count.descriptor.unit).toBe('{circuit_breaker}');
    expect([count.dataPointType, (count as SumMetricData).isMonotonic]).toEqual([DataPointType.SUM, false]);
    expect(points(count)).toHaveLength(5);
    expect(pointValue(count, { [A.name]: 'inventory', [A.state]: 'half_open' })).toBe(1);
    expect(pointValue(count, { [A.name]: 'inventory', [A.state]: 'closed' })).toBe(0);
  });

  test('a keyed registry is one name: 10,000 client keys make no more series than states x names', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const registry = new BreakerRegistry({ name: 'clients', clock, defaults: tripOptions });
    const keys = Array.from({ length: 10_000 }, (_, i) => `198.51.${i >> 8}.${i & 255}`);
    for (const [i, key] of keys.entries()) {
      const b = registry.get(key);
      admitted(b.tryAcquire()).success();
      if (i % 100 === 0) {
        admitted(b.tryAcquire()).failure(new Error('x')); // 1 of 2 failed: opens this key
        expect(b.tryAcquire().permitted).toBe(false);
      }
    }
    const all = await otel.collect();
    const names = 1;
    const states = 5;
    const count = stream(all, M.count);
    expect(points(count).length).toBeLessThanOrEqual(states * names);
    expect(pointValue(count, { [A.name]: 'clients', [A.state]: 'open' })).toBe(100);
    expect(pointValue(count, { [A.name]: 'clients', [A.state]: 'closed' })).toBe(9_900);
    expect(points(stream(all, M.transitions)).length).toBeLessThanOrEqual(states * states * names);
    // Calls: success and failure while closed, rejected while open.
    expect(points(stream(all, M.calls)).length).toBeLessThanOrEqual(states * names);
    const values = JSON.stringify(all.flatMap((m) => points(m).map((p) => p.attributes)));
    for (const key of [keys[0], keys[100], keys[9_999]]) expect(values).not.toContain(key);
    expect(values).not.toContain(A.key);
  });

  test('metricKey buckets keys on metrics, up to metricKeyLimit, then _other', async () => {
    otel = installOtel();
    const registry = new BreakerRegistry({
      name: 'routes',
      clock: new FakeClock(0),
      telemetry: { metricKey: (key) => key.split(' ')[1] ?? key, metricKeyLimit: 2 },
    });
    for (const key of ['GET /a', 'POST /a', 'GET /b', 'GET /c', 'GET /d']) {
      admitted(registry.get(key).tryAcquire()).success();
    }
    const calls = stream(await otel.collect(), M.calls);
    const ok = { [A.name]: 'routes', [A.outcome]: 'success', [A.state]: 'closed' };
    expect(pointValue(calls, { ...ok, [A.key]: '/a' })).toBe(2);
    expect(pointValue(calls, { ...ok, [A.key]: '/b' })).toBe(1);
    expect(pointValue(calls, { ...ok, [A.key]: TelemetryNames.overflow })).toBe(2);
    expect(points(calls)).toHaveLength(3);
  });

  test('breakers named explicitly keep their name on metrics; two registries with one name are summed', async () => {
    otel = installOtel();
    const a = new BreakerRegistry({ clock: new FakeClock(0) });
    const b = new BreakerRegistry({ clock: new FakeClock(0) });
    a.get('GET /x');
    b.get('GET /y');
    b.get('GET /z');
    admitted(a.get('payments-api', { name: 'payments-api' }).tryAcquire()).success();
    const count = stream(await otel.collect(), M.count);
    expect(pointValue(count, { [A.name]: 'default', [A.state]: 'closed' })).toBe(3);
    expect(pointValue(count, { [A.name]: 'payments-api', [A.state]: 'closed' })).toBe(1);
  });

  test('error.type: the error name, a code for plain Errors, _OTHER otherwise; bounded', async () => {
    otel = installOtel();
    const b = new CircuitBreaker({ name: 'dep', minimumCalls: 100, clock: new FakeClock(0) });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    admitted(b.tryAcquire()).failure(refused);
    admitted(b.tryAcquire()).failure('a string');
    admitted(b.tryAcquire()).failure();
    for (let i = 0; i < 40; i++) {
      const error = new Error('x');
      error.name = `Custom${i}Error`;
      admitted(b.tryAcquire()).failure(error);
    }
    const calls = stream(await otel.collect(), M.calls);
    const types = points(calls).map((p) => p.attributes[A.errorType]);
    expect(types).toContain('ECONNREFUSED');
    expect(types).toContain(TelemetryNames.otherError);
    expect(new Set(types).size).toBeLessThanOrEqual(33);
  });

  test('metric attribute objects are built once and reused', () => {
    const seen: Attributes[] = [];
    const counter = { add: (_: number, attributes?: Attributes) => seen.push(attributes!) } as Counter;
    const histogram = { record: () => {} } as unknown as Histogram;
    const meter = {
      createCounter: () => counter,
      createHistogram: () => histogram,
      createObservableUpDownCounter: () => ({ addCallback: () => {} }),
    } as unknown as Meter;
    const meterProvider: MeterProvider = { getMeter: () => meter };
    const b = new CircuitBreaker({ name: 'reuse', minimumCalls: 100, telemetry: { meterProvider } });
    for (let i = 0; i < 3; i++) admitted(b.tryAcquire()).success(1);
    expect(seen).toHaveLength(3);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  test('an explicit meterProvider gets the metrics; the global one does not', async () => {
    otel = installOtel();
    const own = installOtel({ global: false });
    try {
      const b = new CircuitBreaker({ name: 'own', telemetry: { meterProvider: own.meterProvider } });
      admitted(b.tryAcquire()).success();
      expect(points(stream(await own.collect(), M.calls))).toHaveLength(1);
      expect((await otel.collect()).filter((m) => m.descriptor.name === M.calls)).toHaveLength(0);
    } finally {
      await own.shutdown();
    }
  });

  test('the scope is the package name and version', async () => {
    otel = installOtel();
    admitted(new CircuitBreaker({ name: 'scope' }).tryAcquire()).success();
    await otel.collect();
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(SCOPE_NAME).toBe(pkg.name);
    expect(SCOPE_VERSION).toBe(pkg.version);
    expect(TelemetryNames.scope).toBe(pkg.name);
  });

  test('an SDK registered after the breaker started is picked up within a second of its clock', async () => {
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({ name: 'late', minimumCalls: 100, clock });
    admitted(b.tryAcquire()).success(); // no SDK yet: nothing recorded, nothing thrown
    otel = installOtel();
    admitted(b.tryAcquire()).success(); // within the second: still the no-op provider
    clock.advance(1_000);
    admitted(b.tryAcquire()).success();
    const calls = stream(await otel.collect(), M.calls);
    expect(pointValue(calls, { [A.name]: 'late', [A.outcome]: 'success', [A.state]: 'closed' })).toBe(1);
  });
});

describe('spans', () => {
  test('execute() annotates the active span with name, admitting state and outcome', async () => {
    otel = installOtel();
    const b = new CircuitBreaker({ name: 'payments', minimumCalls: 100 });
    const span = otel.tracer.startSpan('checkout');
    await otel.within(span, async () => {
      await b.execute(async () => 'ok');
    });
    span.end();
    const [ended] = otel.spans();
    expect(ended?.attributes).toEqual({ [A.name]: 'payments', [A.state]: 'closed', [A.outcome]: 'success' });
  });

  test('a rejected execute() says so; the key goes on spans only with recordKey', async () => {
    otel = installOtel();
    const plain = new CircuitBreaker({ name: 'plain', key: '203.0.113.7' });
    const hashed = new CircuitBreaker({
      name: 'hashed',
      key: '203.0.113.7',
      telemetry: { recordKey: (key) => `h:${key.length}` },
    });
    const raw = new CircuitBreaker({ name: 'raw', key: '203.0.113.7', telemetry: { recordKey: true } });
    for (const b of [plain, hashed, raw]) {
      b.forceOpen();
      const span = otel.tracer.startSpan(b.name);
      await otel.within(span, () => b.execute(async () => 'never').catch(() => undefined));
      span.end();
    }
    const byName = Object.fromEntries(otel.spans().map((s) => [s.name, s.attributes]));
    expect(byName['plain']).toEqual({ [A.name]: 'plain', [A.state]: 'forced_open', [A.outcome]: 'rejected' });
    expect(byName['hashed']?.[A.key]).toBe('h:11');
    expect(byName['raw']?.[A.key]).toBe('203.0.113.7');
  });

  test('a transition adds circuit_breaker.state_change to the span of the call that caused it', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const b = new CircuitBreaker({ name: 'flaky', ...trip(clock) });
    admitted(b.tryAcquire()).failure(new Error('x'));
    const span = otel.tracer.startSpan('second failure');
    otel.within(span, () => admitted(b.tryAcquire()).failure(new Error('x')));
    span.end();
    const [ended] = otel.spans();
    expect(ended?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        TelemetryNames.events.stateChange,
        { [A.name]: 'flaky', [A.state]: 'open', [A.previousState]: 'closed', [A.reason]: 'failure_rate' },
      ],
    ]);
    expect(ended?.attributes[A.outcome]).toBe('failure');
  });

  test('observe mode: a would-be rejection reads rejected, the call runs; off mode records nothing', async () => {
    otel = installOtel();
    const observing = new CircuitBreaker({ name: 'shadow', mode: 'observe', minimumCalls: 100 });
    observing.forceOpen();
    const off = new CircuitBreaker({ name: 'off-mode', mode: 'off' });
    const span = otel.tracer.startSpan('shadow');
    await otel.within(span, async () => {
      await expect(observing.execute(async () => 'ran')).resolves.toBe('ran');
    });
    span.end();
    await off.execute(async () => 'ran');
    expect(otel.spans()[0]?.attributes[A.outcome]).toBe('rejected');
    const calls = stream(await otel.collect(), M.calls);
    expect(points(calls).map((p) => p.attributes[A.name])).toEqual(['shadow']);
  });

  test('a span that is not recording is left alone', async () => {
    otel = installOtel({ sampler: nonRecording() });
    const b = new CircuitBreaker({ name: 'quiet', minimumCalls: 1, window: { kind: 'count', size: 1 } });
    const span = otel.tracer.startSpan('unsampled');
    expect(span.isRecording()).toBe(false);
    const setAttributes = jest.spyOn(span, 'setAttributes');
    const addEvent = jest.spyOn(span, 'addEvent');
    await otel.within(span, () =>
      b.execute(async () => Promise.reject(new Error('x'))).catch(() => undefined),
    );
    expect(b.state).toBe('open');
    expect(setAttributes).not.toHaveBeenCalled();
    expect(addEvent).not.toHaveBeenCalled();
  });

  test('with no SDK registered, calls work and nothing is recorded', async () => {
    const b = new CircuitBreaker({ name: 'nosdk', minimumCalls: 100 });
    await expect(b.execute(async () => 1)).resolves.toBe(1);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe('the HTTP glue annotates the request’s server span', () => {
  const RPC_METADATA = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

  /** A server span as the HTTP instrumentation stores it, and a middleware span active over it. */
  function request(o: Otel, run: () => void): { server: ReturnType<Otel['tracer']['startSpan']> } {
    const server = o.tracer.startSpan('GET', { kind: SpanKind.SERVER });
    const serverContext = trace
      .setSpan(ROOT_CONTEXT, server)
      .setValue(RPC_METADATA, { type: 'http', span: server });
    context.with(serverContext, () => {
      const middleware = o.tracer.startSpan('middleware - circuitBreaker');
      context.with(trace.setSpan(context.active(), middleware), run);
      middleware.end();
    });
    return { server };
  }

  test('admitted, then settled outside the middleware: outcome, state, name and http.route on the server span', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const g = new HttpGuard({ ...trip(clock), registry: undefined });
    let call!: ReturnType<typeof g.begin>;
    const { server } = request(otel, () => {
      call = g.begin({});
      expect(call.admit('GET /users/:id', undefined).admitted).toBe(true);
    });
    call.settle({ status: 500 });
    server.end();
    const spans = otel.spans();
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER);
    const middlewareSpan = spans.find((s) => s.name.startsWith('middleware'));
    expect(serverSpan?.attributes).toEqual({
      [A.name]: 'default',
      [A.state]: 'closed',
      [A.outcome]: 'failure',
      [A.httpRoute]: '/users/:id',
    });
    expect(middlewareSpan?.attributes).toEqual({});
  });

  test('a rejection, and the transition a request causes, land on its server span', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const g = new HttpGuard(trip(clock));
    const outcomes: Array<() => void> = [];
    for (let i = 0; i < 2; i++) {
      request(otel, () => {
        const call = g.begin({});
        call.admit('GET /x', undefined);
        outcomes.push(() => call.settle({ status: 503 }));
      }).server.end();
    }
    const { server } = request(otel, () => {
      outcomes[0]!();
      outcomes[1]!(); // the second failure opens the breaker: inside this request's context
      expect(g.begin({}).admit('GET /x', undefined).admitted).toBe(false);
    });
    server.end();
    const last = otel.spans().filter((s) => s.kind === SpanKind.SERVER)[2]!;
    expect(last.attributes).toEqual({
      [A.name]: 'default',
      [A.state]: 'open',
      [A.outcome]: 'rejected',
      [A.httpRoute]: '/x',
    });
  });

  test('a request’s span gets the event of the transition its own outcome caused', async () => {
    otel = installOtel();
    const clock = new FakeClock(0);
    const g = new HttpGuard(trip(clock));
    const calls: Array<ReturnType<typeof g.begin>> = [];
    const servers = [0, 1].map(
      () =>
        request(otel!, () => {
          const call = g.begin({});
          call.admit('GET /x', undefined);
          calls.push(call);
        }).server,
    );
    for (const call of calls) call.settle({ status: 500 });
    for (const s of servers) s.end();
    const [first, second] = otel.spans().filter((s) => s.kind === SpanKind.SERVER);
    expect(first?.events).toEqual([]);
    expect(second?.events.map((e) => e.attributes?.[A.state])).toEqual(['open']);
  });

  test('telemetry: false on the middleware, or on the registry it is given, leaves spans alone', async () => {
    otel = installOtel();
    const guards = [
      new HttpGuard({ telemetry: false }),
      new HttpGuard({ registry: new BreakerRegistry({ telemetry: false }) }),
    ];
    for (const g of guards) {
      let call!: ReturnType<typeof g.begin>;
      request(otel, () => {
        call = g.begin({});
        call.admit('GET /x', undefined);
      }).server.end();
      call.settle({ status: 200 });
    }
    for (const s of otel.spans()) expect(s.attributes).toEqual({});
    expect((await otel.collect()).filter((m) => m.descriptor.name === M.calls)).toHaveLength(0);
  });
});

describe('turning it off, and options', () => {
  test('telemetry: false on a breaker or a registry records nothing and touches no span', async () => {
    otel = installOtel();
    const off = new CircuitBreaker({ name: 'off', telemetry: false });
    const registry = new BreakerRegistry({ telemetry: false });
    expect(registry.telemetry).toBe(false);
    expect(new BreakerRegistry().telemetry).toBe(true);
    const span = otel.tracer.startSpan('off');
    await otel.within(span, async () => {
      await off.execute(async () => 1);
      await registry.get('k').execute(async () => 1);
    });
    span.end();
    expect(otel.spans()[0]?.attributes).toEqual({});
    expect(await otel.collect()).toEqual([]);
  });

  test.each([
    [{ telemetry: 'yes' }, 'telemetry must be true, false or an object of telemetry options, got "yes"'],
    [
      { telemetry: { metricKeyLimit: 1_001 } },
      'telemetry.metricKeyLimit must be an integer in [1, 1000], got 1001',
    ],
    [{ telemetry: { meterProvider: {} } }, 'telemetry.meterProvider must be a MeterProvider'],
    [{ telemetry: { recordKey: 'yes' } }, 'telemetry.recordKey must be a boolean or a function'],
    [{ telemetry: { metricKey: true } }, 'telemetry.metricKey must be a function'],
    [{ telemetry: { exporter: 1 } }, 'Unknown option "telemetry.exporter"'],
  ])('%j is refused: %s', (options, message) => {
    for (const make of [
      () => new CircuitBreaker(options as never),
      () => new BreakerRegistry(options as never),
      () => new HttpGuard(options as never),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(isBreakerConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(message);
    }
  });

  test('telemetry belongs to the registry, is fixed, and conflicts with a given registry', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isBreakerConfigError(e) ? `${e.code} ${e.option}` : String(e);
      }
      return 'no error';
    };
    expect(code(() => new BreakerRegistry({ defaults: { telemetry: false } as never }))).toBe(
      'ERR_BREAKWATER_INVALID_OPTION defaults.telemetry',
    );
    expect(code(() => new BreakerRegistry().get('k', { telemetry: false } as never))).toBe(
      'ERR_BREAKWATER_INVALID_OPTION telemetry',
    );
    expect(code(() => new CircuitBreaker().reconfigure({ telemetry: false } as never))).toBe(
      'ERR_BREAKWATER_NOT_RECONFIGURABLE telemetry',
    );
    expect(code(() => new HttpGuard({ registry: new BreakerRegistry(), telemetry: false }))).toBe(
      'ERR_BREAKWATER_CONFLICTING_OPTIONS telemetry',
    );
  });

  test('a metricKey or recordKey that throws, or an SDK that throws, never breaks a call; warned once', async () => {
    otel = installOtel();
    const codes = captureWarnings();
    const throwing = () => {
      throw new Error('nope');
    };
    const registry = new BreakerRegistry({ telemetry: { metricKey: throwing, recordKey: throwing } });
    const span = otel.tracer.startSpan('x');
    await otel.within(span, async () => {
      await registry.get('a').execute(async () => 1);
      await registry.get('b').execute(async () => 1);
    });
    span.end();
    const broken = {
      getMeter: () => ({
        ...createNoopMeter(),
        createCounter: () => ({ add: throwing }),
        createHistogram: () => ({ record: throwing }),
        createObservableUpDownCounter: () => ({ addCallback: () => {} }),
      }),
    } as unknown as MeterProvider;
    const b = new CircuitBreaker({ name: 'broken', telemetry: { meterProvider: broken } });
    await expect(b.execute(async () => 2)).resolves.toBe(2);
    await expect(b.execute(async () => 3)).resolves.toBe(3);
    expect(codes().filter((c) => c === 'BREAKWATER_TELEMETRY_ERROR').length).toBe(2);
    const calls = stream(await otel.collect(), M.calls);
    expect(
      pointValue(calls, {
        [A.name]: 'default',
        [A.key]: '_other',
        [A.outcome]: 'success',
        [A.state]: 'closed',
      }),
    ).toBe(2);
  });
});
