/**
 * Past timeoutMs: the degraded answer (default 503, reason `timeout`) if nothing was
 * sent yet, a failure recorded as a timeout, the request's signal aborted, and later
 * writes by the handler ignored without "headers already sent" errors.
 */
import { PassThrough, Readable } from 'node:stream';
import type { DegradedInfo } from '@breakwater/core';
import { isBreakerTimeoutError } from '@breakwater/core';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { circuitBreaker } from '../src/index.js';
import {
  captureWarnings,
  client,
  createApp,
  forever,
  gate,
  hangingServer,
  koaVersions,
  portOf,
  until,
} from './helpers.js';

/** Resolves when the request's breaker signal aborts. */
function aborted(ctx: Context): Promise<unknown> {
  return new Promise((resolve) => {
    const signal = ctx.state.breakwater?.signal;
    signal?.addEventListener('abort', () => resolve(signal.reason));
  });
}

describe.each(koaVersions)('%s: timeouts', (_name, Koa) => {
  function setup(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const app = createApp(Koa);
    const breakers = circuitBreaker({ timeoutMs: 30, ...options });
    const router = new Router();
    const totals = (key: string) => breakers.registry.peek(key)?.snapshot().totals;
    const start = () => {
      app.use(breakers);
      app.use(router.routes());
      return client(app);
    };
    return { app, router, breakers, totals, start };
  }

  it('answers a handler that never answers with 503 (reason timeout) and records a timeout', async () => {
    const { router, totals, start } = setup();
    router.get('/hang', () => forever());
    const res = await (await start()).get('/hang').expect(503);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toMatchObject({ reason: 'timeout', route: 'GET /hang', status: 503 });
    expect(totals('GET /hang')).toMatchObject({ timeouts: 1, failures: 0, successes: 0 });
  });

  it("aborts the request's signal with a BreakerTimeoutError", async () => {
    const { router, start } = setup();
    const reason = gate<unknown>();
    router.get('/hang', async (ctx) => {
      reason.open(await aborted(ctx));
      await forever();
    });
    await (await start()).get('/hang').expect(503);
    expect(isBreakerTimeoutError(await reason.promise)).toBe(true);
  });

  it('lets the middleware upstream see the timeout answer while the handler still hangs', async () => {
    const { app, router, start } = setup();
    const seen: number[] = [];
    app.use(async (ctx: Context, next: Next) => {
      await next();
      seen.push(ctx.status);
    });
    router.get('/hang', () => forever());
    await (await start()).get('/hang').expect(503);
    expect(seen).toEqual([503]);
  });

  it('ignores a handler that answers after the timeout, without "headers already sent" errors', async () => {
    const { app, router, totals, start } = setup();
    const late = gate<unknown>();
    const errors: unknown[] = [];
    app.on('error', (error) => errors.push(error));
    router.get('/late', async (ctx) => {
      await aborted(ctx);
      await new Promise((resolve) => setImmediate(resolve));
      try {
        ctx.status = 200;
        ctx.set('x-late', 'yes');
        ctx.body = { late: true };
        ctx.res.setHeader('x-raw', 'yes');
        ctx.res.write('more');
        ctx.res.end();
        late.open(undefined);
      } catch (error) {
        errors.push(error);
        late.open(error);
      }
    });
    const res = await (await start()).get('/late').expect(503);
    expect(res.headers['x-late']).toBeUndefined();
    expect(res.body.reason).toBe('timeout');
    await late.promise;
    expect(errors).toEqual([]);
    expect(totals('GET /late')).toMatchObject({ timeouts: 1, successes: 0 });
  });

  it('swallows an error the handler throws after the timeout answer', async () => {
    const { app, router, start } = setup();
    const done = gate();
    const reachedErrorHandler = jest.fn();
    const appErrors = jest.fn();
    app.on('error', appErrors);
    app.use(async (_ctx: Context, next: Next) => {
      try {
        await next();
      } catch {
        reachedErrorHandler();
      }
    });
    router.get('/late-error', async (ctx) => {
      await aborted(ctx);
      setImmediate(() => done.open());
      throw new Error('upstream aborted');
    });
    const http = await start();
    await http.get('/late-error').expect(503);
    await done.promise;
    await new Promise((resolve) => setImmediate(resolve));
    expect(reachedErrorHandler).not.toHaveBeenCalled();
    expect(appErrors).not.toHaveBeenCalled();
  });

  it('answers a timeout with the degraded handler', async () => {
    const seen: DegradedInfo[] = [];
    const { router, start } = setup({
      degraded: (ctx, info) => {
        seen.push(info);
        ctx.status = 200;
        ctx.body = { stale: true };
      },
    });
    router.get('/hang', () => forever());
    const res = await (await start()).get('/hang').expect(200);
    expect(res.body).toEqual({ stale: true });
    expect(seen[0]).toMatchObject({ reason: 'timeout', key: 'GET /hang', retryAfterMs: null });
  });

  it('sends the default answer when the degraded handler throws on a timeout', async () => {
    const warnings = captureWarnings();
    try {
      const { router, start } = setup({
        degraded: () => {
          throw new Error('no cache');
        },
      });
      router.get('/hang', () => forever());
      const res = await (await start()).get('/hang').expect(503);
      expect(res.body.reason).toBe('timeout');
      expect(warnings.codes()).toContain('BREAKWATER_DEGRADED_THREW');
    } finally {
      warnings.restore();
    }
  });

  it('lets a response that started streaming finish, and still records the timeout and aborts', async () => {
    const { router, totals, start } = setup();
    router.get('/stream', (ctx) => {
      const body = new PassThrough();
      ctx.type = 'text/plain';
      ctx.body = body;
      body.write('started\n');
      ctx.state.breakwater?.signal.addEventListener('abort', () => body.end('stopped\n'));
    });
    const res = await (await start()).get('/stream').expect(200);
    expect(res.text).toBe('started\nstopped\n');
    expect(totals('GET /stream')).toMatchObject({ timeouts: 1, successes: 0 });
  });

  describe('regression: a handler that catches its aborted fetch and answers 502 replaced the timeout answer', () => {
    /** Fetches from a server that never answers, with the request's signal; answers 502 when that fails. */
    async function fetchOrBadGateway(ctx: Context): Promise<void> {
      const hang = await hangingServer();
      try {
        await fetch(`http://127.0.0.1:${portOf(hang)}/`, { signal: ctx.state.breakwater?.signal ?? null });
        ctx.body = 'unreachable';
      } catch {
        ctx.status = 502;
        ctx.set('x-handler', 'yes');
        ctx.body = { error: 'upstream failed' };
      }
    }

    /**
     * The setup with, upstream, a middleware that awaits once more after the chain
     * (a logger flushing a line): Koa sends the answer later, as in most real apps.
     */
    function setupWithLogger(options: Parameters<typeof circuitBreaker>[0] = {}) {
      const parts = setup({ timeoutMs: 200, ...options });
      parts.app.use(async (_ctx: Context, next: Next) => {
        await next();
        await new Promise((resolve) => setImmediate(resolve));
      });
      return parts;
    }

    it("sends the timeout answer, not the handler's 502", async () => {
      const { router, totals, start } = setupWithLogger();
      router.get('/x', fetchOrBadGateway);
      const res = await (await start()).get('/x').expect(503);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.headers['x-handler']).toBeUndefined();
      expect(res.body).toMatchObject({ reason: 'timeout', route: 'GET /x', status: 503 });
      expect(totals('GET /x')).toMatchObject({ timeouts: 1, failures: 0, successes: 0 });
    });

    it('sends the timeout answer when an abort listener writes to ctx at once', async () => {
      const { router, start } = setupWithLogger({ timeoutMs: 30 });
      router.get('/x', async (ctx) => {
        ctx.state.breakwater?.signal.addEventListener('abort', () => {
          ctx.status = 502;
          ctx.body = { error: 'aborted' };
        });
        await forever();
      });
      const res = await (await start()).get('/x').expect(503);
      expect(res.body.reason).toBe('timeout');
    });

    it("sends the degraded handler's answer, not the handler's 502", async () => {
      const { router, start } = setupWithLogger({
        degraded: (ctx) => {
          ctx.status = 200;
          ctx.body = { stale: true };
        },
      });
      router.get('/x', fetchOrBadGateway);
      const res = await (await start()).get('/x').expect(200);
      expect(res.body).toEqual({ stale: true });
    });

    it("sends an asynchronous degraded handler's answer, not the handler's 502", async () => {
      const { router, start } = setupWithLogger({
        degraded: async (ctx) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          ctx.status = 200;
          ctx.body = { stale: true };
        },
      });
      router.get('/x', fetchOrBadGateway);
      const res = await (await start()).get('/x').expect(200);
      expect(res.body).toEqual({ stale: true });
    });

    it("lets the middleware upstream see the timeout answer, and the handler's late error is dropped", async () => {
      const { app, router, start } = setupWithLogger();
      const seen: unknown[] = [];
      const appErrors = jest.fn();
      app.on('error', appErrors);
      app.use(async (ctx: Context, next: Next) => {
        await next();
        seen.push(ctx.status);
      });
      router.get('/x', async (ctx) => {
        await fetchOrBadGateway(ctx);
        throw new Error('late');
      });
      await (await start()).get('/x').expect(503);
      expect(seen).toEqual([503]);
      expect(appErrors).not.toHaveBeenCalled();
    });
  });

  it('sends a timeout answer a degraded handler streams', async () => {
    const { router, start } = setup({
      degraded: (ctx) => {
        ctx.type = 'text/plain';
        ctx.body = Readable.from(['stale ', 'stream']);
      },
    });
    router.get('/hang', () => forever());
    const res = await (await start()).get('/hang').expect(200);
    expect(res.text).toBe('stale stream');
  });

  it('sends the status message when a degraded handler sets only a status on a timeout', async () => {
    const { router, start } = setup({
      degraded: (ctx) => {
        ctx.status = 504;
      },
    });
    router.get('/hang', () => forever());
    const res = await (await start()).get('/hang').expect(504);
    expect(res.text).toBe('Gateway Timeout');
  });

  it('uses per-route timeouts', async () => {
    const { router, start } = setup({ timeoutMs: 10_000, routes: { 'GET /fast': { timeoutMs: 20 } } });
    router.get('/fast', () => forever());
    await (await start()).get('/fast').expect(503);
  });

  it('does not time out a handler that answers in time', async () => {
    const { router, totals, start } = setup({ timeoutMs: 5_000 });
    router.get('/ok', (ctx) => {
      ctx.body = 'ok';
    });
    await (await start()).get('/ok').expect(200);
    await until(() => totals('GET /ok')?.successes === 1);
  });

  it('only records the timeout in observe mode: the handler still answers', async () => {
    const { router, totals, start } = setup({ mode: 'observe' });
    router.get('/slow', async (ctx) => {
      await until(() => totals('GET /slow')?.timeouts === 1, 'the timeout');
      ctx.body = 'late but fine';
    });
    const res = await (await start()).get('/slow').expect(200);
    expect(res.text).toBe('late but fine');
    expect(totals('GET /slow')).toMatchObject({ timeouts: 1, successes: 0 });
  });
});
