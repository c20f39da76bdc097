/**
 * Issue #9, items 3 and 4: a duration that ends in a timer is capped at 2^31 − 1 ms
 * (Node runs a longer timer after 1 ms: `timeoutMs: 1e10` timed out every call), and
 * windows are capped in size (a count window of 1e9 reserved 250 MB per key).
 */
import {
  BreakerRegistry,
  CircuitBreaker,
  type CircuitBreakerOptions,
  ErrorCodes,
  fromEnv,
  HttpGuard,
  MAX_TIMER_MS,
} from '../src/index.js';
import { configError, FakeClock, record } from './helpers.js';

const guard = (options: unknown) =>
  new HttpGuard(options as never, { factory: 'circuitBreaker', param: 'req' });

describe('MAX_TIMER_MS', () => {
  test('is the longest delay Node timers honour, 2^31 − 1', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});

describe('timeoutMs 1e10 no longer times out every call: durations that end in a timer are capped', () => {
  test.each(['timeoutMs', 'halfOpenMaxWaitMs'])('%s: the cap is accepted, one more is refused', (option) => {
    const at = new CircuitBreaker({ [option]: MAX_TIMER_MS } as CircuitBreakerOptions);
    expect((at.options as unknown as Record<string, number>)[option]).toBe(MAX_TIMER_MS);
    const error = configError(
      () => new CircuitBreaker({ [option]: MAX_TIMER_MS + 1 } as CircuitBreakerOptions),
    );
    expect(error).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option, value: MAX_TIMER_MS + 1 });
    expect(error.message).toBe(
      `${option} must be a finite number > 0 and at most 2147483647, got 2147483648`,
    );
  });

  test('the message names the option and the value', () => {
    expect(configError(() => new CircuitBreaker({ timeoutMs: 1e10 })).message).toBe(
      'timeoutMs must be a finite number > 0 and at most 2147483647, got 10000000000',
    );
  });

  test('Infinity and NaN are still refused as not finite', () => {
    expect(configError(() => new CircuitBreaker({ timeoutMs: Number.POSITIVE_INFINITY })).message).toBe(
      'timeoutMs must be a finite number > 0, got Infinity',
    );
    expect(configError(() => new CircuitBreaker({ halfOpenMaxWaitMs: Number.NaN })).message).toBe(
      'halfOpenMaxWaitMs must be a finite number > 0, got NaN',
    );
  });

  test('reconfigure() refuses it and changes nothing', () => {
    const b = new CircuitBreaker({ timeoutMs: 1_000 });
    expect(configError(() => b.reconfigure({ timeoutMs: 1e10 })).option).toBe('timeoutMs');
    expect(b.options.timeoutMs).toBe(1_000);
  });

  test('a call under the capped timeout still completes normally', async () => {
    const b = new CircuitBreaker({ timeoutMs: MAX_TIMER_MS, clock: new FakeClock() });
    await expect(b.execute(() => new Promise((resolve) => setImmediate(() => resolve('ok'))))).resolves.toBe(
      'ok',
    );
    expect(b.snapshot().totals).toMatchObject({ successes: 1, timeouts: 0 });
  });

  test('registry defaults, overrides, get() options and reconfigure', () => {
    expect(configError(() => new BreakerRegistry({ defaults: { timeoutMs: 1e10 } }))).toMatchObject({
      option: 'defaults.timeoutMs',
      value: 1e10,
    });
    expect(
      configError(
        () => new BreakerRegistry({ overrides: [{ match: 'GET *', options: { halfOpenMaxWaitMs: 3e9 } }] }),
      ),
    ).toMatchObject({ option: 'overrides[0].options.halfOpenMaxWaitMs', value: 3e9 });
    const registry = new BreakerRegistry();
    expect(configError(() => registry.get('k', { timeoutMs: 1e10 })).option).toBe('timeoutMs');
    expect(registry.has('k')).toBe(false);
    registry.get('k');
    expect(configError(() => registry.reconfigure('k', { timeoutMs: 1e10 })).option).toMatch(/timeoutMs$/);
    expect(configError(() => registry.reconfigureDefaults({ timeoutMs: 1e10 })).option).toMatch(/timeoutMs$/);
  });

  test('middleware timeoutMs, degradedTimeoutMs and a per-route timeoutMs', () => {
    expect(configError(() => guard({ timeoutMs: 1e10 }))).toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      option: 'timeoutMs',
      message: 'timeoutMs must be a finite number > 0 and at most 2147483647, got 10000000000',
    });
    expect(configError(() => guard({ degradedTimeoutMs: 1e10 }))).toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      option: 'degradedTimeoutMs',
      message: 'degradedTimeoutMs must be a finite number > 0 and at most 2147483647, got 10000000000',
    });
    expect(configError(() => guard({ routes: { 'GET /x': { timeoutMs: 1e10 } } }))).toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      option: 'routes["GET /x"].timeoutMs',
      value: 1e10,
    });
    expect(guard({ timeoutMs: MAX_TIMER_MS, degradedTimeoutMs: MAX_TIMER_MS }).degradedTimeoutMs).toBe(
      MAX_TIMER_MS,
    );
  });

  test('BREAKWATER_TIMEOUT_MS=1e10 and an override of HALF_OPEN_MAX_WAIT_MS name the variable', () => {
    const timeout = configError(() => fromEnv({ BREAKWATER_TIMEOUT_MS: '1e10' }));
    expect(timeout).toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      option: 'BREAKWATER_TIMEOUT_MS',
      value: '1e10',
    });
    expect(timeout.message).toBe(
      'BREAKWATER_TIMEOUT_MS="1e10" is invalid: defaults.timeoutMs must be a finite number > 0 and at most 2147483647, got 10000000000',
    );
    const wait = configError(() =>
      fromEnv({ BREAKWATER_OVERRIDE__1__MATCH: '*', BREAKWATER_OVERRIDE__1__HALF_OPEN_MAX_WAIT_MS: '3e9' }),
    );
    expect(wait.option).toBe('BREAKWATER_OVERRIDE__1__HALF_OPEN_MAX_WAIT_MS');
    expect(wait.message).toMatch(/at most 2147483647, got 3000000000$/);
    expect(fromEnv({ BREAKWATER_TIMEOUT_MS: '2147483647' }).defaults.timeoutMs).toBe(MAX_TIMER_MS);
    expect(configError(() => fromEnv({ BREAKWATER_TIMEOUT_MS: '1e999' })).message).toMatch(
      /timeoutMs must be a finite number > 0, got Infinity$/,
    );
  });
});

describe('a count window of 1e9 no longer reserves 250 MB: windows are capped', () => {
  test('window.size: 100,000 is accepted, 100,001 and 1e9 are refused', () => {
    const b = new CircuitBreaker({ window: { kind: 'count', size: 100_000 }, minimumCalls: 1 });
    record(b, 3, 'success');
    expect(b.snapshot().window.calls).toBe(3);
    for (const size of [100_001, 1e9]) {
      const error = configError(() => new CircuitBreaker({ window: { kind: 'count', size } }));
      expect(error).toMatchObject({ code: ErrorCodes.INVALID_OPTION, option: 'window.size', value: size });
      expect(error.message).toBe(`window.size must be an integer in [1, 100000], got ${size}`);
    }
  });

  test('window.buckets: 1,000 is accepted, 1,001 and 1e8 are refused', () => {
    const b = new CircuitBreaker({ window: { kind: 'time', durationMs: 10_000, buckets: 1_000 } });
    expect(b.options.window).toEqual({ kind: 'time', durationMs: 10_000, buckets: 1_000 });
    for (const buckets of [1_001, 1e8]) {
      const error = configError(
        () => new CircuitBreaker({ window: { kind: 'time', durationMs: buckets * 10, buckets } }),
      );
      expect(error).toMatchObject({
        code: ErrorCodes.INVALID_OPTION,
        option: 'window.buckets',
        value: buckets,
      });
      expect(error.message).toBe(`window.buckets must be an integer in [1, 1000], got ${buckets}`);
    }
  });

  test('reconfigure() refuses an oversized window and keeps the old one', () => {
    const b = new CircuitBreaker({ window: { kind: 'count', size: 10 }, minimumCalls: 5 });
    record(b, 2, 'failure');
    expect(configError(() => b.reconfigure({ window: { kind: 'count', size: 1e9 } })).option).toBe(
      'window.size',
    );
    expect(b.options.window).toEqual({ kind: 'count', size: 10 });
    expect(b.snapshot().window.calls).toBe(2);
  });

  test('registry defaults, the middleware and BREAKWATER_WINDOW', () => {
    expect(
      configError(() => new BreakerRegistry({ defaults: { window: { kind: 'count', size: 1e9 } } })).option,
    ).toBe('defaults.window.size');
    expect(configError(() => guard({ window: { kind: 'time', durationMs: 1e8, buckets: 1e8 } })).option).toBe(
      'window.buckets',
    );
    expect(configError(() => fromEnv({ BREAKWATER_WINDOW: 'count:1e9' }))).toMatchObject({
      option: 'BREAKWATER_WINDOW',
      message:
        'BREAKWATER_WINDOW="count:1e9" is invalid: defaults.window.size must be an integer in [1, 100000], got 1000000000',
    });
    expect(configError(() => fromEnv({ BREAKWATER_WINDOW: 'time:100000000:100000000' })).option).toBe(
      'BREAKWATER_WINDOW',
    );
  });
});
