import { BreakerConfigError, BreakerRegistry, ErrorCodes, fromEnv } from '../src/index.js';
import { FakeClock } from './helpers.js';

function errorOf(fn: () => unknown): BreakerConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BreakerConfigError);
    return error as BreakerConfigError;
  }
  throw new Error('expected a BreakerConfigError');
}

describe('fromEnv: defaults', () => {
  test('an environment without BREAKWATER_ variables gives empty options', () => {
    expect(fromEnv({ PATH: '/usr/bin', HOME: '/root', BREAKWATERX: '1' })).toEqual({
      defaults: {},
      overrides: [],
    });
  });

  test('reads every breaker option', () => {
    const options = fromEnv({
      BREAKWATER_FAILURE_RATE_THRESHOLD: '0.3',
      BREAKWATER_SLOW_CALL_RATE_THRESHOLD: '0.8',
      BREAKWATER_SLOW_CALL_DURATION_MS: '2_500',
      BREAKWATER_MINIMUM_CALLS: '20',
      BREAKWATER_CONSECUTIVE_FAILURES: '5',
      BREAKWATER_OPEN_DURATION_MS: '30000',
      BREAKWATER_HALF_OPEN_MAX_CALLS: '3',
      BREAKWATER_HALF_OPEN_MAX_WAIT_MS: '1e4',
      BREAKWATER_RAMP_UP_MS: '0',
      BREAKWATER_TIMEOUT_MS: ' 5000 ',
      BREAKWATER_MODE: 'OBSERVE',
      BREAKWATER_WINDOW: 'count:100',
    });
    expect(options.defaults).toEqual({
      failureRateThreshold: 0.3,
      slowCallRateThreshold: 0.8,
      slowCallDurationMs: 2_500,
      minimumCalls: 20,
      consecutiveFailures: 5,
      openDurationMs: 30_000,
      halfOpenMaxCalls: 3,
      halfOpenMaxWaitMs: 10_000,
      rampUpMs: 0,
      timeoutMs: 5_000,
      mode: 'observe',
      window: { kind: 'count', size: 100 },
    });
  });

  test.each([
    ['count:50', { kind: 'count', size: 50 }],
    ['time:10000', { kind: 'time', durationMs: 10_000 }],
    ['time:10_000:5', { kind: 'time', durationMs: 10_000, buckets: 5 }],
    ['TIME:60000:60', { kind: 'time', durationMs: 60_000, buckets: 60 }],
  ])('BREAKWATER_WINDOW=%s', (raw, window) => {
    expect(fromEnv({ BREAKWATER_WINDOW: raw }).defaults.window).toEqual(window);
  });

  test('"none" unsets timeoutMs and consecutiveFailures', () => {
    const { defaults } = fromEnv({ BREAKWATER_TIMEOUT_MS: 'none', BREAKWATER_CONSECUTIVE_FAILURES: 'None' });
    expect(Object.hasOwn(defaults, 'timeoutMs')).toBe(true);
    expect(defaults.timeoutMs).toBeUndefined();
    expect(defaults.consecutiveFailures).toBeUndefined();
  });

  test('reads the registry limits', () => {
    expect(
      fromEnv({
        BREAKWATER_MAX_KEYS: '500',
        BREAKWATER_MAX_PINNED_KEYS: '50',
        BREAKWATER_IDLE_TTL_MS: '60_000',
      }),
    ).toEqual({ defaults: {}, overrides: [], maxKeys: 500, maxPinnedKeys: 50, idleTtlMs: 60_000 });
  });

  test('reads process.env by default', () => {
    process.env['BREAKWATER_FAILURE_RATE_THRESHOLD'] = '0.25';
    try {
      expect(fromEnv().defaults.failureRateThreshold).toBe(0.25);
    } finally {
      delete process.env['BREAKWATER_FAILURE_RATE_THRESHOLD'];
    }
  });
});

describe('fromEnv: per-key overrides', () => {
  test('BREAKWATER_OVERRIDE__<N>__MATCH and options, in ascending N order', () => {
    const options = fromEnv({
      BREAKWATER_OVERRIDE__10__MATCH: 'GET /search/advanced',
      BREAKWATER_OVERRIDE__10__SLOW_CALL_DURATION_MS: '900',
      BREAKWATER_OVERRIDE__2__MATCH: 'GET /search*',
      BREAKWATER_OVERRIDE__2__SLOW_CALL_DURATION_MS: '500',
      BREAKWATER_OVERRIDE__2__TIMEOUT_MS: '1000',
    });
    expect(options.overrides).toEqual([
      { match: 'GET /search*', options: { slowCallDurationMs: 500, timeoutMs: 1_000 } },
      { match: 'GET /search/advanced', options: { slowCallDurationMs: 900 } },
    ]);
  });

  test('feed a registry: the matching breakers get them, later overrides winning', () => {
    const env = {
      BREAKWATER_FAILURE_RATE_THRESHOLD: '0.3',
      BREAKWATER_WINDOW: 'count:20',
      BREAKWATER_TIMEOUT_MS: '5000',
      BREAKWATER_OVERRIDE__1__MATCH: 'GET /search*',
      BREAKWATER_OVERRIDE__1__SLOW_CALL_DURATION_MS: '500',
      BREAKWATER_OVERRIDE__2__MATCH: 'GET /search/slow',
      BREAKWATER_OVERRIDE__2__SLOW_CALL_DURATION_MS: '5000',
      BREAKWATER_OVERRIDE__2__TIMEOUT_MS: 'none',
    };
    const registry = new BreakerRegistry({ ...fromEnv(env), clock: new FakeClock() });
    expect(registry.get('GET /search').options).toMatchObject({
      failureRateThreshold: 0.3,
      window: { kind: 'count', size: 20 },
      slowCallDurationMs: 500,
      timeoutMs: 5_000,
    });
    expect(registry.get('GET /search/slow').options).toMatchObject({
      slowCallDurationMs: 5_000,
      timeoutMs: 0,
    });
    expect(registry.get('POST /orders').options).toMatchObject({
      slowCallDurationMs: 60_000,
      timeoutMs: 5_000,
    });
  });

  test('an override needs a MATCH and at least one option', () => {
    const noMatch = errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__1__TIMEOUT_MS: '100' }));
    expect(noMatch.code).toBe(ErrorCodes.CONFIG);
    expect(noMatch.option).toBe('BREAKWATER_OVERRIDE__1__MATCH');
    expect(noMatch.message).toContain('BREAKWATER_OVERRIDE__1__TIMEOUT_MS');

    const noOptions = errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__1__MATCH: 'GET /x' }));
    expect(noOptions.code).toBe(ErrorCodes.CONFIG);
    expect(noOptions.message).toContain('has no options');

    expect(errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__1__MATCH: '' })).option).toBe(
      'BREAKWATER_OVERRIDE__1__MATCH',
    );
  });
});

describe('fromEnv: bad input names the variable and the value', () => {
  test.each<[string, Record<string, string>, string, string, string]>([
    [
      'a threshold out of range',
      { BREAKWATER_FAILURE_RATE_THRESHOLD: '1.5' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_FAILURE_RATE_THRESHOLD',
      '1.5',
    ],
    [
      'not a number',
      { BREAKWATER_TIMEOUT_MS: '5s' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_TIMEOUT_MS',
      '5s',
    ],
    [
      'hexadecimal',
      { BREAKWATER_MINIMUM_CALLS: '0x10' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_MINIMUM_CALLS',
      '0x10',
    ],
    ['an empty value', { BREAKWATER_TIMEOUT_MS: '' }, ErrorCodes.INVALID_OPTION, 'BREAKWATER_TIMEOUT_MS', ''],
    [
      'a fraction where an integer is due',
      { BREAKWATER_MINIMUM_CALLS: '2.5' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_MINIMUM_CALLS',
      '2.5',
    ],
    [
      'an unknown mode',
      { BREAKWATER_MODE: 'shadow' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_MODE',
      'shadow',
    ],
    ['a bad window', { BREAKWATER_WINDOW: 'count' }, ErrorCodes.INVALID_OPTION, 'BREAKWATER_WINDOW', 'count'],
    [
      'a window size of 0',
      { BREAKWATER_WINDOW: 'count:0' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_WINDOW',
      'count:0',
    ],
    [
      'a time window not divisible by its buckets',
      { BREAKWATER_WINDOW: 'time:10000:3' },
      ErrorCodes.CONFLICTING_OPTIONS,
      'BREAKWATER_WINDOW',
      'time:10000:3',
    ],
    [
      'minimumCalls over the count window',
      { BREAKWATER_WINDOW: 'count:10', BREAKWATER_MINIMUM_CALLS: '20' },
      ErrorCodes.CONFLICTING_OPTIONS,
      'BREAKWATER_MINIMUM_CALLS',
      '20',
    ],
    ['maxKeys 0', { BREAKWATER_MAX_KEYS: '0' }, ErrorCodes.INVALID_OPTION, 'BREAKWATER_MAX_KEYS', '0'],
    [
      'a bad override option',
      { BREAKWATER_OVERRIDE__3__MATCH: '*', BREAKWATER_OVERRIDE__3__TIMEOUT_MS: '-1' },
      ErrorCodes.INVALID_OPTION,
      'BREAKWATER_OVERRIDE__3__TIMEOUT_MS',
      '-1',
    ],
    [
      'an override conflicting with the defaults',
      {
        BREAKWATER_WINDOW: 'count:10',
        BREAKWATER_OVERRIDE__1__MATCH: '*',
        BREAKWATER_OVERRIDE__1__MINIMUM_CALLS: '50',
      },
      ErrorCodes.CONFLICTING_OPTIONS,
      'BREAKWATER_OVERRIDE__1__MINIMUM_CALLS',
      '50',
    ],
  ])('%s', (_label, env, code, variable, raw) => {
    const error = errorOf(() => fromEnv(env));
    expect(error.code).toBe(code);
    expect(error.option).toBe(variable);
    expect(error.value).toBe(raw);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(raw));
  });

  test('a default and an override that do not fit together are both named', () => {
    const error = errorOf(() =>
      fromEnv({
        BREAKWATER_MINIMUM_CALLS: '50',
        BREAKWATER_OVERRIDE__1__MATCH: 'GET /x',
        BREAKWATER_OVERRIDE__1__WINDOW: 'count:10',
      }),
    );
    expect(error.code).toBe(ErrorCodes.CONFLICTING_OPTIONS);
    expect(error.option).toBe('BREAKWATER_MINIMUM_CALLS');
    expect(error.message).toContain(
      'BREAKWATER_MINIMUM_CALLS="50", BREAKWATER_OVERRIDE__1__WINDOW="count:10"',
    );
  });

  test('an unknown variable under the prefix is an error, with a suggestion for a typo', () => {
    const typo = errorOf(() => fromEnv({ BREAKWATER_FAILURE_RATE_TRESHOLD: '0.3' }));
    expect(typo.code).toBe(ErrorCodes.UNKNOWN_OPTION);
    expect(typo.option).toBe('BREAKWATER_FAILURE_RATE_TRESHOLD');
    expect(typo.message).toContain('did you mean BREAKWATER_FAILURE_RATE_THRESHOLD?');

    expect(
      errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__1__MATCH: '*', BREAKWATER_OVERRIDE__1__TIMOUT_MS: '1' })),
    ).toMatchObject({ code: ErrorCodes.UNKNOWN_OPTION, option: 'BREAKWATER_OVERRIDE__1__TIMOUT_MS' });
    // Registry limits are not per key; N has no leading zeros.
    expect(errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__1__MAX_KEYS: '1' })).code).toBe(
      ErrorCodes.UNKNOWN_OPTION,
    );
    expect(errorOf(() => fromEnv({ BREAKWATER_OVERRIDE__01__MATCH: '*' })).code).toBe(
      ErrorCodes.UNKNOWN_OPTION,
    );
    expect(errorOf(() => fromEnv({ BREAKWATER_REDIS_URL: 'redis://x' })).code).toBe(
      ErrorCodes.UNKNOWN_OPTION,
    );
  });

  test('ignore skips variables that belong to something else', () => {
    expect(
      fromEnv(
        { BREAKWATER_REDIS_URL: 'redis://x', BREAKWATER_DEMO: '1', BREAKWATER_MODE: 'off' },
        { ignore: ['BREAKWATER_REDIS_*', 'BREAKWATER_DEMO'] },
      ),
    ).toEqual({ defaults: { mode: 'off' }, overrides: [] });
  });

  test('a custom prefix', () => {
    expect(fromEnv({ CB_MODE: 'observe', BREAKWATER_MODE: 'bogus' }, { prefix: 'CB_' })).toEqual({
      defaults: { mode: 'observe' },
      overrides: [],
    });
  });

  test('bad options of fromEnv itself', () => {
    expect(errorOf(() => fromEnv({}, { prefix: '' })).option).toBe('prefix');
    expect(errorOf(() => fromEnv({}, { prefix: 'A-B' })).option).toBe('prefix');
    expect(errorOf(() => fromEnv({}, { ignore: 'X' } as never)).option).toBe('ignore');
    expect(errorOf(() => fromEnv({}, { prefx: 'X' } as never)).code).toBe(ErrorCodes.UNKNOWN_OPTION);
  });
});
