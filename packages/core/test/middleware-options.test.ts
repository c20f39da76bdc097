import { BreakerRegistry, BreakerStatus, ErrorCodes, HttpGuard } from '../src/index.js';
import { configError, FakeClock } from './helpers.js';

const make = (options: unknown, param = 'ctx') =>
  new HttpGuard(options as never, { factory: 'circuitBreaker', param });

describe('HTTP middleware options', () => {
  it('defaults to route keys and a registry of its own, with the injected clock', () => {
    const clock = new FakeClock(42);
    const g = make({ clock });
    expect(g.keyMode).toBe('route');
    expect(g.routeKeyed).toBe(true);
    expect(g.degradedTimeoutMs).toBe(1_000);
    expect(g.registry.get('k').options.clock).toBe(clock);
    expect(make(undefined).registry).toBeInstanceOf(BreakerRegistry);
  });

  it('uses the registry it is given', () => {
    const registry = new BreakerRegistry();
    expect(make({ registry }).registry).toBe(registry);
  });

  it('names the request parameter as the adapter says', () => {
    expect(configError(() => make({ key: 'path' }, 'ctx')).message).toBe(
      `key must be 'route', 'client', 'route+client' or a function (ctx) => string, got "path"`,
    );
  });

  it.each([
    [{ nope: 1 }, 'nope', ErrorCodes.UNKNOWN_OPTION],
    [[], 'options', ErrorCodes.INVALID_OPTION],
    [{ key: 1 }, 'key', ErrorCodes.INVALID_OPTION],
    [{ skip: 'x' }, 'skip', ErrorCodes.INVALID_OPTION],
    [{ isFailure: {} }, 'isFailure', ErrorCodes.INVALID_OPTION],
    [{ degraded: 503 }, 'degraded', ErrorCodes.INVALID_OPTION],
    [{ ipv6Subnet: 200 }, 'ipv6Subnet', ErrorCodes.INVALID_OPTION],
    [{ degradedTimeoutMs: Number.POSITIVE_INFINITY }, 'degradedTimeoutMs', ErrorCodes.INVALID_OPTION],
    [{ timeoutMs: -1 }, 'timeoutMs', ErrorCodes.INVALID_OPTION],
    [{ mode: 'shadow' }, 'mode', ErrorCodes.INVALID_OPTION],
    [{ window: { kind: 'count', size: 0 } }, 'window.size', ErrorCodes.INVALID_OPTION],
    [{ initialState: {} }, 'initialState', ErrorCodes.INVALID_OPTION],
    [{ random: 1 }, 'random', ErrorCodes.INVALID_OPTION],
    [{ routes: [] }, 'routes', ErrorCodes.INVALID_OPTION],
    [{ routes: { 'GET /x': 5 } }, 'routes["GET /x"]', ErrorCodes.INVALID_OPTION],
    [
      { routes: { 'GET /x': { halfOpenMaxCalls: 0 } } },
      'routes["GET /x"].halfOpenMaxCalls',
      ErrorCodes.INVALID_OPTION,
    ],
    [{ key: () => 'k', routes: { 'GET /x': {} } }, 'routes', ErrorCodes.CONFLICTING_OPTIONS],
    [{ registry: new BreakerRegistry(), random: () => 0.5 }, 'random', ErrorCodes.CONFLICTING_OPTIONS],
  ])('refuses %j', (options, option, code) => {
    const error = configError(() => make(options));
    expect(error.option).toBe(option);
    expect(error.code).toBe(code);
  });

  it('names the option and the value in messages', () => {
    expect(configError(() => make({ timeoutMs: -1 })).message).toBe(
      'timeoutMs must be a finite number > 0, got -1',
    );
    expect(configError(() => make({ failureThreshold: 0.5 })).message).toMatch(
      /^Unknown option "failureThreshold" \(got 0.5\); known options: key, registry, routes/,
    );
  });
});

describe('BreakerStatus', () => {
  it('answers the snapshot as JSON when authorized', async () => {
    const registry = new BreakerRegistry();
    registry.get('GET /a').forceOpen();
    const status = new BreakerStatus<{ admin: boolean }>({ registry, authorize: (ctx) => ctx.admin });
    const ok = await status.answer({ admin: true });
    expect(ok.status).toBe(200);
    expect(ok.headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(JSON.parse(ok.body).breakers[0]).toMatchObject({ key: 'GET /a', state: 'forced_open' });
    const refused = await status.answer({ admin: false });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain('GET /a');
  });

  it('refuses unless authorize returns exactly true', async () => {
    const registry = new BreakerRegistry();
    const truthy = new BreakerStatus({ registry, authorize: () => 'yes' as unknown as boolean });
    expect(await truthy.isAuthorized(undefined)).toBe(false);
  });

  it('limits how many breakers it lists', async () => {
    const registry = new BreakerRegistry();
    for (let i = 0; i < 5; i++) registry.get(`k${i}`);
    const status = new BreakerStatus({ registry, authorize: () => true, limit: 2 });
    const body = JSON.parse((await status.answer(undefined)).body);
    expect(body.breakers).toHaveLength(2);
    expect(body.omitted).toBe(3);
  });

  it('validates its options', () => {
    expect(configError(() => new BreakerStatus({} as never)).option).toBe('registry');
    expect(configError(() => new BreakerStatus(null as never)).option).toBe('options');
    expect(
      configError(
        () => new BreakerStatus({ registry: new BreakerRegistry(), limit: 1.5, authorize: () => true }),
      ).option,
    ).toBe('limit');
  });
});
