/**
 * Refused requests never reach the handler: 503 + Retry-After + problem+json by
 * default, or the degraded handler's answer; a degraded handler that throws or hangs
 * falls back to the default answer; half-open admits exactly halfOpenMaxCalls probes.
 */
import type { DegradedInfo } from '@breakwater/core';
import Router from '@koa/router';
import type { Test } from 'supertest';
import request from 'supertest';
import { circuitBreaker } from '../src/index.js';
import {
  captureWarnings,
  client,
  createApp,
  FakeClock,
  forever,
  gate,
  koaVersions,
  quickTrip,
  serve,
} from './helpers.js';

describe.each(koaVersions)('%s: refused requests', (_name, Koa) => {
  /** An app whose `/users/:id` fails on demand, with the breaker mounted globally. */
  async function failingApp(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const clock = new FakeClock();
    const app = createApp(Koa);
    const breakers = circuitBreaker({ ...quickTrip(clock), ...options });
    const calls = { n: 0 };
    let failing = true;
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      calls.n++;
      ctx.status = failing ? 500 : 200;
      ctx.body = { ok: !failing };
    });
    router.get('/healthy', (ctx) => {
      ctx.body = 'fine';
    });
    app.use(breakers);
    app.use(router.routes());
    const http = await client(app);
    const trip = async () => {
      await http.get('/users/1').expect(500);
      await http.get('/users/2').expect(500);
      expect(breakers.registry.peek('GET /users/:id')?.state).toBe('open');
    };
    return {
      http,
      clock,
      breakers,
      calls,
      trip,
      heal: () => {
        failing = false;
      },
    };
  }

  it('answers an open route with 503, Retry-After in whole seconds and problem+json naming the route', async () => {
    const { http, clock, calls, trip } = await failingApp();
    await trip();
    clock.advance(1_500);
    const res = await http.get('/users/3').expect(503);
    expect(calls.n).toBe(2);
    expect(res.headers['retry-after']).toBe('29');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'GET /users/:id is failing and temporarily refuses requests. Retry after 29 seconds.',
      route: 'GET /users/:id',
      reason: 'open',
      retryAfter: 29,
    });
  });

  it('rounds Retry-After up and leaks no internal error', async () => {
    const { http, clock, trip } = await failingApp();
    await trip();
    clock.advance(29_999);
    const res = await http.get('/users/3').expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.text).not.toMatch(/Error|stack|at /);
  });

  it('sends no Retry-After when forced open (the delay is unknown)', async () => {
    const { http, breakers, calls } = await failingApp();
    await http.get('/users/1');
    breakers.registry.peek('GET /users/:id')?.forceOpen();
    const res = await http.get('/users/3').expect(503);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body.reason).toBe('forced_open');
    expect(calls.n).toBe(1);
  });

  it('keys HEAD by its own method, and answers it with the headers only', async () => {
    const { http, breakers } = await failingApp();
    await http.head('/users/1').expect(500);
    await http.head('/users/2').expect(500);
    expect(breakers.registry.peek('HEAD /users/:id')?.state).toBe('open');
    const res = await http.head('/users/3').expect(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.text ?? '').toBe('');
  });

  it('lets a degraded handler answer instead, with the reason, retry-after and the route params', async () => {
    const seen: DegradedInfo[] = [];
    const { http, trip, calls } = await failingApp({
      degraded: (ctx, info) => {
        seen.push(info);
        ctx.status = 200;
        ctx.set('x-degraded', info.reason);
        ctx.body = {
          cached: true,
          id: (ctx['params'] as Record<string, string> | undefined)?.['id'] ?? null,
        };
      },
    });
    await trip();
    const res = await http.get('/users/7').expect(200);
    expect(res.body).toEqual({ cached: true, id: '7' });
    expect(res.headers['x-degraded']).toBe('open');
    expect(calls.n).toBe(2);
    expect(seen[0]).toMatchObject({
      reason: 'open',
      key: 'GET /users/:id',
      route: 'GET /users/:id',
      state: 'open',
      retryAfterMs: 30_000,
    });
  });

  it('waits for an async degraded handler', async () => {
    const { http, trip } = await failingApp({
      degraded: async (ctx) => {
        await new Promise((resolve) => setImmediate(resolve));
        ctx.body = { cached: 'later' };
      },
    });
    await trip();
    expect((await http.get('/users/1').expect(200)).body).toEqual({ cached: 'later' });
  });

  it('uses a per-route degraded handler over the global one', async () => {
    const { http, trip } = await failingApp({
      degraded: (ctx) => {
        ctx.status = 503;
        ctx.body = 'global';
      },
      routes: { 'GET /users/:id': { degraded: (ctx) => ctx.redirect('/static/users') } },
    });
    await trip();
    const res = await http.get('/users/1').expect(302);
    expect(res.headers['location']).toBe('/static/users');
  });

  it('sends the default answer when the degraded handler throws, even after setting part of an answer, and warns once', async () => {
    const warnings = captureWarnings();
    try {
      const { http, trip } = await failingApp({
        degraded: (ctx) => {
          ctx.status = 200;
          ctx.body = 'partial';
          throw new Error('cache down');
        },
      });
      await trip();
      const res = await http.get('/users/1').expect(503);
      expect(res.body.reason).toBe('open');
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      await http.get('/users/1').expect(503);
      expect(warnings.codes()).toEqual(['BREAKWATER_DEGRADED_THREW']);
    } finally {
      warnings.restore();
    }
  });

  it('sends the default answer when the degraded handler rejects', async () => {
    const warnings = captureWarnings();
    try {
      const { http, trip } = await failingApp({
        degraded: async () => {
          await Promise.resolve();
          throw new Error('cache down');
        },
      });
      await trip();
      await http.get('/users/1').expect(503);
      expect(warnings.codes()).toEqual(['BREAKWATER_DEGRADED_THREW']);
    } finally {
      warnings.restore();
    }
  });

  it('sends the default answer when the degraded handler hangs', async () => {
    const warnings = captureWarnings();
    try {
      const { http, trip } = await failingApp({ degraded: () => forever(), degradedTimeoutMs: 20 });
      await trip();
      const res = await http.get('/users/1').expect(503);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(warnings.codes()).toEqual(['BREAKWATER_DEGRADED_HUNG']);
    } finally {
      warnings.restore();
    }
  });

  it('destroys the response when a degraded handler writes to ctx.res itself and then throws', async () => {
    const warnings = captureWarnings();
    try {
      const { http, trip } = await failingApp({
        degraded: (ctx) => {
          ctx.res.writeHead(200);
          ctx.res.write('partial');
          throw new Error('half way');
        },
      });
      await trip();
      await expect(http.get('/users/1')).rejects.toThrow();
      // The process is still here, and the next request is answered.
      await expect(http.get('/users/1')).rejects.toThrow();
      await http.get('/healthy').expect(200);
    } finally {
      warnings.restore();
    }
  });

  it('probes half-open, then closes and lets traffic through', async () => {
    const { http, clock, trip, heal, calls, breakers } = await failingApp();
    await trip();
    heal();
    clock.advance(30_000);
    await http.get('/users/1').expect(200);
    await http.get('/users/1').expect(200);
    expect(breakers.registry.peek('GET /users/:id')?.state).toBe('closed');
    await http.get('/users/1').expect(200);
    expect(calls.n).toBe(5);
  });

  it('never refuses in observe mode, but records the would-be rejections', async () => {
    const { http, trip, calls, breakers } = await failingApp({ mode: 'observe' });
    await trip();
    await http.get('/users/1').expect(500);
    expect(calls.n).toBe(3);
    expect(breakers.registry.peek('GET /users/:id')?.snapshot().totals.rejected).toBe(1);
  });

  it('refuses only the open route: others keep working', async () => {
    const { http, trip } = await failingApp();
    await trip();
    await http.get('/healthy').expect(200);
  });

  it('refuses in a router (router.use) and per route, before the handler', async () => {
    const clock = new FakeClock();
    const app = createApp(Koa);
    const inRouter = circuitBreaker(quickTrip(clock));
    const perRoute = circuitBreaker(quickTrip(clock));
    const handler = jest.fn((ctx: { status: number }) => {
      ctx.status = 500;
    });
    const api = new Router({ prefix: '/api' });
    api.use(inRouter);
    api.get('/a/:id', handler);
    const router = new Router();
    router.get('/b/:id', perRoute, handler);
    app.use(api.routes());
    app.use(router.routes());
    const http = await client(app);
    for (const path of ['/api/a', '/b']) {
      await http.get(`${path}/1`).expect(500);
      await http.get(`${path}/2`).expect(500);
      expect((await http.get(`${path}/3`).expect(503)).headers['retry-after']).toBe('30');
    }
    expect(handler).toHaveBeenCalledTimes(4);
    expect(inRouter.registry.peek('GET /api/a/:id')?.state).toBe('open');
    expect(perRoute.registry.peek('GET /b/:id')?.state).toBe('open');
  });

  it('refuses at the route a request falls through to, after the first route ran', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const runs: string[] = [];
    const router = new Router();
    router.get('/files/new', async (_ctx, next) => {
      runs.push('new');
      await next();
    });
    router.get('/files/:name', (ctx) => {
      runs.push('name');
      ctx.body = 'file';
    });
    app.use(breakers);
    app.use(router.routes());
    breakers.registry.get('GET /files/:name').forceOpen();
    const res = await (await client(app)).get('/files/new').expect(503);
    expect(res.body).toMatchObject({ route: 'GET /files/:name', reason: 'forced_open' });
    expect(runs).toEqual(['new']);
    expect(breakers.registry.peek('GET /files/new')?.snapshot().totals).toMatchObject({ ignored: 1 });
  });

  it('with two breakers on a request, the one that refuses answers and the other ignores the outcome', async () => {
    const app = createApp(Koa);
    const outer = circuitBreaker();
    const inner = circuitBreaker();
    const handler = jest.fn((ctx: { body: unknown }) => {
      ctx.body = 'ok';
    });
    const router = new Router();
    router.get('/x', handler);
    app.use(outer);
    app.use(inner);
    app.use(router.routes());
    inner.registry.get('GET /x').forceOpen();
    await (await client(app)).get('/x').expect(503);
    expect(handler).not.toHaveBeenCalled();
    expect(outer.registry.peek('GET /x')?.snapshot().totals).toMatchObject({ ignored: 1, successes: 0 });
  });
});

describe.each(koaVersions)('%s: half-open under load', (_name, Koa) => {
  it('lets exactly halfOpenMaxCalls of 1,000 concurrent requests reach the handler', async () => {
    const clock = new FakeClock();
    const app = createApp(Koa);
    const breakers = circuitBreaker({ ...quickTrip(clock), halfOpenMaxCalls: 5 });
    const release = gate();
    let reached = 0;
    const router = new Router();
    router.get('/probe/:n', async (ctx) => {
      reached++;
      if (ctx.query['fail'] !== undefined) {
        ctx.status = 500;
        return;
      }
      await release.promise;
      ctx.body = 'ok';
    });
    app.use(breakers);
    app.use(router.routes());
    const http = request(await serve(app));
    await http.get('/probe/0?fail').expect(500);
    await http.get('/probe/0?fail').expect(500);
    expect(breakers.registry.peek('GET /probe/:n')?.state).toBe('open');
    reached = 0;
    clock.advance(30_000);

    const pending: Test[] = [];
    for (let i = 0; i < 1_000; i++) pending.push(http.get(`/probe/${i}`));
    const settled = Promise.all(pending.map((p) => p.then((res) => res.status)));
    // Every request has been decided once 995 refusals are back.
    const refusals = await new Promise<number>((resolve) => {
      let count = 0;
      for (const p of pending) {
        p.then((res) => {
          if (res.status === 503 && ++count === 995) resolve(count);
        });
      }
    });
    expect(refusals).toBe(995);
    expect(reached).toBe(5);
    release.open();
    const statuses = await settled;
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 503)).toHaveLength(995);
    expect(reached).toBe(5);
    expect(breakers.registry.peek('GET /probe/:n')?.state).toBe('closed');
  }, 60_000);
});
