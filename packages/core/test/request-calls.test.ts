/**
 * The bookkeeping the adapters share for the middlewares holding one request: one
 * call per middleware, deferred admission at the route, the first error, settling.
 */
import {
  type DegradedInfo,
  HttpGuard,
  type HttpGuardOptions,
  type MiddlewareCall,
  RequestCalls,
} from '../src/index.js';
import { FakeClock } from './helpers.js';

interface Ctx {
  ip?: string;
  exposed: string[];
}

type Call = MiddlewareCall<Ctx, () => void>;

const clock = () => new FakeClock(1_000);

function guard(options: HttpGuardOptions<Ctx, () => void> = {}) {
  return new HttpGuard<Ctx, () => void>(
    { clock: clock(), ...options },
    { factory: 'circuitBreaker', param: 'ctx' },
  );
}

function hold(state: RequestCalls<Ctx, () => void>, g: HttpGuard<Ctx, () => void>, ctx: Ctx): Call {
  const call = { guard: g, request: g.begin(ctx) };
  state.calls.push(call);
  return call;
}

const ipOf = (ctx: Ctx) => ctx.ip;
const expose = (ctx: Ctx, call: Call) => {
  ctx.exposed.push(call.request.key ?? '?');
};
const totals = (g: HttpGuard<Ctx, () => void>, key: string) => g.registry.peek(key)?.snapshot().totals;

describe('RequestCalls', () => {
  it('finds the call a middleware already holds, by its guard', () => {
    const state = new RequestCalls<Ctx, () => void>();
    const a = guard();
    const b = guard();
    const ctx: Ctx = { exposed: [] };
    const callA = hold(state, a, ctx);
    expect(state.callOf(a)).toBe(callA);
    expect(state.callOf(b)).toBeUndefined();
  });

  it('keeps the first error, even an undefined one', () => {
    const state = new RequestCalls();
    expect(state.hasError).toBe(false);
    state.recordError(undefined);
    state.recordError(new Error('second'));
    expect(state.hasError).toBe(true);
    expect(state.error).toBeUndefined();
  });

  it('settles each call once: by status, with the first error, ignored once answered, aborted', () => {
    const g = guard();
    const ctx: Ctx = { exposed: [] };

    const ok = new RequestCalls<Ctx, () => void>();
    hold(ok, g, ctx).request.admit('GET /ok', undefined);
    ok.settleAll(200, false);
    ok.settleAll(500, false);
    expect(totals(g, 'GET /ok')).toMatchObject({ successes: 1, failures: 0 });

    const failed = new RequestCalls<Ctx, () => void>();
    hold(failed, g, ctx).request.admit('GET /err', undefined);
    failed.recordError(new Error('boom'));
    failed.settleAll(200, false);
    expect(totals(g, 'GET /err')).toMatchObject({ successes: 0, failures: 1 });

    const answered = new RequestCalls<Ctx, () => void>();
    hold(answered, g, ctx).request.admit('GET /answered', undefined);
    answered.answered = true;
    answered.settleAll(503, false);
    expect(totals(g, 'GET /answered')).toMatchObject({ failures: 0, ignored: 1 });

    const gone = new RequestCalls<Ctx, () => void>();
    const call = hold(gone, g, ctx);
    call.request.admit('GET /gone', undefined);
    gone.settleAll(500, true);
    expect(totals(g, 'GET /gone')).toMatchObject({ failures: 0, ignored: 1 });
    expect(call.request.signal.aborted).toBe(true);
  });

  it('admits the deferred calls at the route, in order, and exposes each', () => {
    const state = new RequestCalls<Ctx, () => void>();
    const ctx: Ctx = { exposed: [] };
    const byRoute = guard();
    const byClient = guard({ key: 'route+client' });
    state.deferred.push(hold(state, byRoute, ctx), hold(state, byClient, ctx));
    const ip = jest.fn(ipOf);
    ctx.ip = '203.0.113.7';
    expect(state.admitDeferred('GET /users/:id', ctx, ip, expose)).toBeUndefined();
    expect(ctx.exposed).toEqual(['GET /users/:id', 'GET /users/:id @ 203.0.113.7']);
    expect(ip).toHaveBeenCalledTimes(1);
  });

  it('reads the client address only when a key needs it', () => {
    const state = new RequestCalls<Ctx, () => void>();
    const ctx: Ctx = { exposed: [] };
    const g = guard();
    state.deferred.push(hold(state, g, ctx));
    const ip = jest.fn(ipOf);
    state.admitDeferred('GET /a', ctx, ip, expose);
    expect(ip).not.toHaveBeenCalled();
  });

  it('stops at the first refusal and returns it', () => {
    const state = new RequestCalls<Ctx, () => void>();
    const ctx: Ctx = { exposed: [] };
    const open = guard();
    open.registry.get('GET /a').forceOpen();
    const after = guard();
    const refusing = hold(state, open, ctx);
    state.deferred.push(refusing, hold(state, after, ctx));
    const refusal = state.admitDeferred('GET /a', ctx, ipOf, expose);
    expect(refusal?.call).toBe(refusing);
    expect(refusal?.info).toMatchObject<Partial<DegradedInfo>>({ reason: 'forced_open', key: 'GET /a' });
    expect(ctx.exposed).toEqual([]);
    expect(after.registry.peek('GET /a')).toBeUndefined();
  });

  it('skips deferred calls already settled', () => {
    const state = new RequestCalls<Ctx, () => void>();
    const ctx: Ctx = { exposed: [] };
    const g = guard();
    const call = hold(state, g, ctx);
    state.deferred.push(call);
    call.request.admit('GET /first', undefined);
    call.request.settle({ status: 200 });
    expect(state.admitDeferred('GET /second', ctx, ipOf, expose)).toBeUndefined();
    expect(ctx.exposed).toEqual([]);
    expect(g.registry.peek('GET /second')).toBeUndefined();
  });
});
