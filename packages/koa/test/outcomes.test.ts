/**
 * What each way a request can end records on its breaker: status >= 500, a thrown
 * error and a rejected promise are failures; a client that goes away first is
 * ignored; a streamed body is a success; every permit is settled once.
 */
import http from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { HttpOutcome } from '@breakwater/core';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { circuitBreaker } from '../src/index.js';
import { client, createApp, FakeClock, forever, gate, koaVersions, portOf, serve, until } from './helpers.js';

describe.each(koaVersions)('%s: outcomes', (_name, Koa) => {
  function setup(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const app = createApp(Koa);
    const breakers = circuitBreaker(options);
    const router = new Router();
    app.use(breakers);
    const totals = (key: string) => breakers.registry.peek(key)?.snapshot().totals;
    const start = () => {
      app.use(router.routes());
      return client(app);
    };
    return { app, router, breakers, totals, start };
  }

  it('records a 2xx and a 4xx as successes, a 5xx as a failure', async () => {
    const { router, totals, start } = setup();
    router.get('/status/:code', (ctx) => {
      ctx.status = Number(ctx.params['code']);
    });
    const http = await start();
    await http.get('/status/200').expect(200);
    await http.get('/status/404').expect(404);
    await http.get('/status/503').expect(503);
    expect(totals('GET /status/:code')).toMatchObject({ successes: 2, failures: 1 });
  });

  it('records an error thrown synchronously as a failure; Koa answers 500', async () => {
    const { router, totals, start } = setup();
    router.get('/boom', () => {
      throw new Error('sync boom');
    });
    await (await start()).get('/boom').expect(500);
    expect(totals('GET /boom')).toMatchObject({ successes: 0, failures: 1 });
  });

  it('records a rejected promise as a failure', async () => {
    const { router, totals, start } = setup();
    router.get('/reject', async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    await (await start()).get('/reject').expect(500);
    expect(totals('GET /reject')).toMatchObject({ failures: 1 });
  });

  it('records ctx.throw(400) as a failure by default, and not with isFailure: status >= 500', async () => {
    for (const [options, failures] of [
      [{}, 1],
      [{ isFailure: ({ status }: HttpOutcome) => status >= 500 }, 0],
    ] as const) {
      const { router, totals, start } = setup(options);
      router.get('/bad', (ctx) => ctx.throw(400, 'bad input'));
      await (await start()).get('/bad').expect(400);
      expect(totals('GET /bad')).toMatchObject({ failures, successes: 1 - failures });
    }
  });

  it('records an error even when an error handler inside answers 4xx', async () => {
    const { app, router, totals, start } = setup();
    const handled = async (ctx: Context, next: Next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = (error as { status?: number }).status ?? 500;
        ctx.body = { error: 'handled' };
      }
    };
    // One inside the route, one between the breaker and the router.
    router.get('/in-route', handled, () => {
      throw Object.assign(new Error('bad input'), { status: 400 });
    });
    router.get('/app-level', () => {
      throw Object.assign(new Error('bad input'), { status: 422 });
    });
    app.use(handled);
    const http = await start();
    await http.get('/in-route').expect(400);
    await http.get('/app-level').expect(422);
    expect(totals('GET /in-route')).toMatchObject({ failures: 1 });
    expect(totals('GET /app-level')).toMatchObject({ failures: 1 });
  });

  it('lets isFailure decide, with status, error, duration, key and route', async () => {
    const seen: HttpOutcome[] = [];
    const { router, totals, start } = setup({
      isFailure: (outcome) => {
        seen.push(outcome);
        return outcome.status === 429;
      },
    });
    router.get('/limited', (ctx) => {
      ctx.status = 429;
    });
    router.get('/broken', (ctx) => {
      ctx.status = 500;
    });
    const http = await start();
    await http.get('/limited');
    await http.get('/broken');
    expect(totals('GET /limited')).toMatchObject({ failures: 1 });
    expect(totals('GET /broken')).toMatchObject({ failures: 0, successes: 1 });
    expect(seen[0]).toMatchObject({ status: 429, key: 'GET /limited', route: 'GET /limited' });
    expect(typeof seen[0]?.durationMs).toBe('number');
    expect(seen[0]).not.toHaveProperty('error');
  });

  it('falls back to the default classification when isFailure throws, and warns once', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const { router, totals, start } = setup({
        isFailure: () => {
          throw new Error('classifier bug');
        },
      });
      router.get('/x', (ctx) => {
        ctx.status = 500;
      });
      const http = await start();
      await http.get('/x').expect(500);
      await http.get('/x').expect(500);
      expect(totals('GET /x')).toMatchObject({ failures: 2 });
      const codes = warn.mock.calls.map((c) => (c[1] as { code: string }).code);
      expect(codes).toEqual(['BREAKWATER_IS_FAILURE_THREW']);
    } finally {
      warn.mockRestore();
    }
  });

  it('measures durations on the breaker clock for slow-call detection', async () => {
    const clock = new FakeClock();
    const { router, breakers, start } = setup({ clock, slowCallDurationMs: 100 });
    router.get('/slow', (ctx) => {
      clock.advance(250);
      ctx.body = 'late';
    });
    await (await start()).get('/slow').expect(200);
    expect(breakers.registry.peek('GET /slow')?.snapshot().window).toMatchObject({ calls: 1, slowCalls: 1 });
  });

  it('records a streamed body as one success, with the body intact', async () => {
    const { router, totals, start } = setup();
    router.get('/stream', (ctx) => {
      ctx.type = 'text/plain';
      ctx.body = Readable.from(
        (async function* () {
          for (let i = 0; i < 5; i++) {
            yield `chunk ${i}\n`;
            await new Promise((resolve) => setImmediate(resolve));
          }
          yield 'done\n';
        })(),
      );
    });
    const res = await (await start()).get('/stream').expect(200);
    expect(res.text).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\ndone\n');
    await until(() => totals('GET /stream')?.successes === 1, 'the success');
    expect(totals('GET /stream')).toMatchObject({ successes: 1, failures: 0, ignored: 0 });
  });

  it('ignores a request whose client disconnects mid-response, and aborts its signal', async () => {
    const { app, router, totals } = setup();
    const aborted = gate<unknown>();
    router.get('/stream', (ctx) => {
      const signal = ctx.state.breakwater?.signal;
      signal?.addEventListener('abort', () => aborted.open(signal.reason));
      const body = new PassThrough();
      ctx.type = 'text/plain';
      ctx.body = body;
      body.write('first chunk\n');
      // Never ends: the client goes away.
    });
    app.use(router.routes());
    const server = await serve(app);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: portOf(server), path: '/stream' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
      req.on('timeout', reject);
    });
    const reason = await aborted.promise;
    expect((reason as Error).name).toBe('AbortError');
    await until(() => totals('GET /stream')?.ignored === 1, 'the ignore');
    expect(totals('GET /stream')).toMatchObject({ successes: 0, failures: 0, ignored: 1 });
  });

  it('ignores a request whose client gives up before any response', async () => {
    const { app, router, totals } = setup();
    const entered = gate();
    router.get('/hang', () => {
      entered.open();
      return forever();
    });
    app.use(router.routes());
    const server = await serve(app);
    const req = http.get({ host: '127.0.0.1', port: portOf(server), path: '/hang' });
    req.on('error', () => {});
    await entered.promise;
    req.destroy();
    await until(() => totals('GET /hang')?.ignored === 1, 'the ignore');
  });

  it('settles each permit exactly once, whatever the handler does after answering', async () => {
    const { router, totals, start } = setup();
    router.get('/twice', (ctx) => {
      ctx.respond = false;
      ctx.res.end('ok');
      throw new Error('after the answer');
    });
    const res = await (await start()).get('/twice');
    expect(res.text).toBe('ok');
    await until(() => {
      const t = totals('GET /twice');
      return (t?.successes ?? 0) + (t?.failures ?? 0) + (t?.ignored ?? 0) > 0;
    });
    const t = totals('GET /twice');
    expect((t?.successes ?? 0) + (t?.failures ?? 0) + (t?.ignored ?? 0)).toBe(1);
  });

  it('records failures from a per-route middleware and a global one on their own breakers', async () => {
    const app = createApp(Koa);
    const global = circuitBreaker();
    const perRoute = circuitBreaker();
    const router = new Router();
    router.get('/x', perRoute, (ctx) => {
      ctx.status = 502;
    });
    app.use(global);
    app.use(router.routes());
    await (await client(app)).get('/x').expect(502);
    expect(global.registry.peek('GET /x')?.snapshot().totals.failures).toBe(1);
    expect(perRoute.registry.peek('GET /x')?.snapshot().totals.failures).toBe(1);
  });
});
