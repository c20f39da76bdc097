/**
 * Handlers see their breaker on ctx.state.breakwater: key, route, state, signal, and
 * execute(name, fn) guarding an outbound call with a registry breaker of its own.
 */
import { isBreakerOpenError } from '@breakwater/core';
import Router from '@koa/router';
import { circuitBreaker } from '../src/index.js';
import { captureWarnings, client, createApp, FakeClock, koaVersions, quickTrip } from './helpers.js';

describe.each(koaVersions)('%s: ctx.state.breakwater', (_name, Koa) => {
  it('shows the key, route, admitting state and a live signal', async () => {
    const app = createApp(Koa);
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      const bw = ctx.state.breakwater;
      ctx.body = { key: bw?.key, route: bw?.route, state: bw?.state, aborted: bw?.signal.aborted };
    });
    app.use(circuitBreaker());
    app.use(router.routes());
    const res = await (await client(app)).get('/users/1').expect(200);
    expect(res.body).toEqual({
      key: 'GET /users/:id',
      route: 'GET /users/:id',
      state: 'closed',
      aborted: false,
    });
  });

  it('shows half_open to a probe', async () => {
    const clock = new FakeClock();
    const app = createApp(Koa);
    const router = new Router();
    router.get('/x', (ctx) => {
      if (ctx.query['fail'] !== undefined) ctx.status = 500;
      else ctx.body = { state: ctx.state.breakwater?.state };
    });
    app.use(circuitBreaker(quickTrip(clock)));
    app.use(router.routes());
    const http = await client(app);
    await http.get('/x?fail');
    await http.get('/x?fail');
    clock.advance(30_000);
    expect((await http.get('/x')).body).toEqual({ state: 'half_open' });
  });

  it('guards an outbound call with execute(name, fn), a breaker of its own in the same registry', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    let upstreamUp = false;
    const router = new Router();
    router.get('/pay', async (ctx) => {
      try {
        ctx.body = await ctx.state.breakwater?.execute('payments-api', async (signal) => {
          if (signal.aborted) throw new Error('aborted');
          if (!upstreamUp) throw new Error('payments down');
          return { paid: true };
        });
      } catch (error) {
        ctx.status = isBreakerOpenError(error) ? 503 : 502;
        ctx.body = { open: isBreakerOpenError(error) };
      }
    });
    app.use(breakers);
    app.use(router.routes());
    const payments = breakers.registry.get('payments-api', {
      window: { kind: 'count', size: 2 },
      minimumCalls: 2,
    });
    const http = await client(app);
    await http.get('/pay').expect(502);
    await http.get('/pay').expect(502);
    expect(payments.state).toBe('open');
    expect((await http.get('/pay').expect(503)).body).toEqual({ open: true });
    upstreamUp = true;
    payments.reset();
    expect((await http.get('/pay').expect(200)).body).toEqual({ paid: true });
  });

  it('passes the request signal to execute: a timed-out request aborts its upstream call', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker({ timeoutMs: 20 });
    let upstreamSignal: AbortSignal | undefined;
    const router = new Router();
    router.get('/slow', async (ctx) => {
      await ctx.state.breakwater
        ?.execute('slow-api', (signal) => {
          upstreamSignal = signal;
          return new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason));
          });
        })
        .catch(() => {});
    });
    app.use(breakers);
    app.use(router.routes());
    await (await client(app)).get('/slow').expect(503);
    expect(upstreamSignal?.aborted).toBe(true);
    // An upstream call aborted by the caller is not the dependency's fault: ignored.
    expect(breakers.registry.peek('slow-api')?.snapshot().totals).toMatchObject({ failures: 0, ignored: 1 });
  });

  it('lets a request through unguarded when the key function throws, and warns once', async () => {
    const warnings = captureWarnings();
    try {
      const app = createApp(Koa);
      const breakers = circuitBreaker({
        key: () => {
          throw new Error('no tenant');
        },
      });
      const router = new Router();
      router.get('/x', (ctx) => {
        ctx.body = { guarded: ctx.state.breakwater !== undefined };
      });
      app.use(breakers);
      app.use(router.routes());
      const http = await client(app);
      expect((await http.get('/x')).body).toEqual({ guarded: false });
      await http.get('/x');
      expect(breakers.registry.size).toBe(0);
      expect(warnings.codes()).toEqual(['BREAKWATER_KEY_THREW']);
    } finally {
      warnings.restore();
    }
  });
});
