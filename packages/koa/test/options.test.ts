/**
 * Bad options fail at circuitBreaker(...) with a BreakerConfigError that names the
 * option and the value, not at the first request.
 */
import { BreakerConfigError, BreakerRegistry, ErrorCodes, isBreakerConfigError } from '@breakwater/core';
import { breakerStatus, circuitBreaker } from '../src/index.js';

function configError(fn: () => unknown): BreakerConfigError {
  try {
    fn();
  } catch (error) {
    if (isBreakerConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a BreakerConfigError');
}

describe('circuitBreaker options', () => {
  it.each([
    [
      { key: 'url' },
      'key',
      ErrorCodes.INVALID_OPTION,
      /key must be 'route', 'client', 'route\+client' or a function \(ctx\) => string, got "url"/,
    ],
    [
      { degraded: 'sorry' },
      'degraded',
      ErrorCodes.INVALID_OPTION,
      /degraded must be a function, got "sorry"/,
    ],
    [
      { timeoutMs: -1 },
      'timeoutMs',
      ErrorCodes.INVALID_OPTION,
      /timeoutMs must be a finite number > 0, got -1/,
    ],
    [
      { failureThreshold: 0.5 },
      'failureThreshold',
      ErrorCodes.UNKNOWN_OPTION,
      /Unknown option "failureThreshold"/,
    ],
    [
      { failureRateThreshold: 1.5 },
      'failureRateThreshold',
      ErrorCodes.INVALID_OPTION,
      /in \(0, 1\], got 1.5/,
    ],
    [{ skip: true }, 'skip', ErrorCodes.INVALID_OPTION, /skip must be a function/],
    [{ isFailure: 500 }, 'isFailure', ErrorCodes.INVALID_OPTION, /isFailure must be a function/],
    [
      { ipv6Subnet: 0 },
      'ipv6Subnet',
      ErrorCodes.INVALID_OPTION,
      /ipv6Subnet must be an integer in \[1, 128\] or false, got 0/,
    ],
    [
      { degradedTimeoutMs: 0 },
      'degradedTimeoutMs',
      ErrorCodes.INVALID_OPTION,
      /degradedTimeoutMs must be a finite number > 0/,
    ],
    [{ registry: {} }, 'registry', ErrorCodes.INVALID_OPTION, /registry must be a BreakerRegistry/],
    [{ name: 'x' }, 'name', ErrorCodes.INVALID_OPTION, /named after their key/],
    [{ classify: () => 'success' }, 'classify', ErrorCodes.INVALID_OPTION, /isFailure/],
    [
      { window: { kind: 'count', size: 10 }, minimumCalls: 20 },
      'minimumCalls',
      ErrorCodes.CONFLICTING_OPTIONS,
      /minimumCalls must be <= window.size/,
    ],
    [
      { routes: { 'GET /x': { timeoutMs: 0 } } },
      'routes["GET /x"].timeoutMs',
      ErrorCodes.INVALID_OPTION,
      /routes\["GET \/x"\]\.timeoutMs must be a finite number > 0, got 0/,
    ],
    [
      { routes: { 'GET /x': { nope: 1 } } },
      'routes["GET /x"].nope',
      ErrorCodes.UNKNOWN_OPTION,
      /Unknown option/,
    ],
    [
      { routes: { 'GET /x': { degraded: 1 } } },
      'routes["GET /x"].degraded',
      ErrorCodes.INVALID_OPTION,
      /must be a function/,
    ],
    [
      { window: { kind: 'count', size: 10 }, routes: { 'GET /x': { minimumCalls: 50 } } },
      'routes["GET /x"].minimumCalls',
      ErrorCodes.CONFLICTING_OPTIONS,
      /conflicts with the middleware's options/,
    ],
    [
      { key: 'client', routes: { 'GET /x': {} } },
      'routes',
      ErrorCodes.CONFLICTING_OPTIONS,
      /routes needs key 'route' or 'route\+client'/,
    ],
    [
      { registry: new BreakerRegistry(), clock: { now: () => 0 } },
      'clock',
      ErrorCodes.CONFLICTING_OPTIONS,
      /pass it to the registry/,
    ],
  ])('rejects %j at construction (%s)', (options, option, code, message) => {
    const error = configError(() => circuitBreaker(options as never));
    expect(error).toBeInstanceOf(BreakerConfigError);
    expect(error.option).toBe(option);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('accepts every breaker option and its own, and exposes its registry', () => {
    const registry = new BreakerRegistry();
    const middleware = circuitBreaker({
      key: 'route+client',
      registry,
      routes: { 'GET /search': { slowCallDurationMs: 300, degraded: () => {} } },
      isFailure: ({ status }) => status >= 500,
      degraded: () => {},
      skip: () => false,
      ipv6Subnet: 48,
      degradedTimeoutMs: 500,
      window: { kind: 'time', durationMs: 10_000 },
      failureRateThreshold: 0.3,
      slowCallDurationMs: 1_000,
      slowCallRateThreshold: 0.8,
      minimumCalls: 10,
      consecutiveFailures: 5,
      openDurationMs: 5_000,
      halfOpenMaxCalls: 3,
      halfOpenMaxWaitMs: 10_000,
      rampUpMs: 1_000,
      timeoutMs: 2_000,
      mode: 'observe',
    });
    expect(middleware.name).toBe('circuitBreaker');
    expect(middleware.registry).toBe(registry);
    expect(circuitBreaker().registry).toBeInstanceOf(BreakerRegistry);
  });
});

describe('breakerStatus options', () => {
  it('needs a registry', () => {
    const error = configError(() => breakerStatus({} as never));
    expect(error.option).toBe('registry');
  });

  it('rejects unknown options and a non-function authorize', () => {
    const registry = new BreakerRegistry();
    expect(configError(() => breakerStatus({ registry, auth: () => true } as never)).code).toBe(
      ErrorCodes.UNKNOWN_OPTION,
    );
    expect(configError(() => breakerStatus({ registry, authorize: 'admin' } as never)).option).toBe(
      'authorize',
    );
    expect(configError(() => breakerStatus({ registry, limit: -1, authorize: () => true })).option).toBe(
      'limit',
    );
  });
});
