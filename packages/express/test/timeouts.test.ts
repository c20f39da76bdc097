/**
 * Past timeoutMs: the degraded answer (default 503, reason `timeout`) if the response
 * has not started, a failure recorded as a timeout, the request's signal aborted, and
 * later writes by the handler ignored without "headers already sent" errors.
 */
import type { DegradedInfo } from '@breakwater/core';
import { isBreakerTimeoutError } from '@breakwater/core';
import type { NextFunction, Request, Response } from 'express';
import { circuitBreaker } from '../src/index.js';
import { captureWarnings, client, expressVersions, gate, hangingServer, portOf, until } from './helpers.js';

describe.each(expressVersions)('%s: timeouts', (_name, express) => {
  function setup(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const app = express();
    const breakers = circuitBreaker({ timeoutMs: 30, ...options });
    app.use(breakers);
    const totals = (key: string) => breakers.registry.peek(key)?.snapshot().totals;
    return { app, breakers, totals };
  }

  it('answers a handler that never answers with 503 (reason timeout) and records a timeout', async () => {
    const { app, totals } = setup();
    app.get('/hang', () => {});
    const res = await (await client(app)).get('/hang').expect(503);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.body).toMatchObject({ reason: 'timeout', route: 'GET /hang', status: 503 });
    expect(totals('GET /hang')).toMatchObject({ timeouts: 1, failures: 0, successes: 0 });
  });

  it("aborts the request's signal with a BreakerTimeoutError", async () => {
    const { app } = setup();
    const aborted = gate<unknown>();
    app.get('/hang', (req) => {
      req.breakwater?.signal.addEventListener('abort', () => aborted.open(req.breakwater?.signal.reason));
    });
    await (await client(app)).get('/hang').expect(503);
    const reason = await aborted.promise;
    expect(isBreakerTimeoutError(reason)).toBe(true);
  });

  it('ignores a handler that answers after the timeout, without "headers already sent" errors', async () => {
    const { app, totals } = setup();
    const late = gate<unknown>();
    const errors: unknown[] = [];
    app.get('/late', (req, res) => {
      req.breakwater?.signal.addEventListener('abort', () => {
        setTimeout(() => {
          try {
            res.status(200).set('x-late', 'yes').json({ late: true });
            res.write('more');
            res.end();
            late.open(undefined);
          } catch (error) {
            errors.push(error);
            late.open(error);
          }
        }, 5);
      });
    });
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(err);
      res.sendStatus(500);
    });
    const res = await (await client(app)).get('/late').expect(503);
    expect(res.headers['x-late']).toBeUndefined();
    expect(res.body.reason).toBe('timeout');
    await late.promise;
    expect(errors).toEqual([]);
    expect(totals('GET /late')).toMatchObject({ timeouts: 1, successes: 0 });
  });

  it('swallows an error the handler passes on after the timeout answer', async () => {
    const { app } = setup();
    const done = gate();
    const reachedErrorHandler = jest.fn();
    app.get('/late-error', (_req: Request, _res: Response, next: NextFunction) => {
      setTimeout(() => {
        next(new Error('upstream aborted'));
        done.open();
      }, 60);
    });
    app.use((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      reachedErrorHandler();
      res.sendStatus(500);
    });
    const http = await client(app);
    await http.get('/late-error').expect(503);
    await done.promise;
    expect(reachedErrorHandler).not.toHaveBeenCalled();
  });

  it('answers a timeout with the degraded handler', async () => {
    const seen: DegradedInfo[] = [];
    const { app } = setup({
      degraded: (_req, res, info) => {
        seen.push(info);
        res.status(200).json({ stale: true });
      },
    });
    app.get('/hang', () => {});
    const res = await (await client(app)).get('/hang').expect(200);
    expect(res.body).toEqual({ stale: true });
    expect(seen[0]).toMatchObject({ reason: 'timeout', key: 'GET /hang', retryAfterMs: null });
  });

  it('sends the default answer when the degraded handler throws on a timeout', async () => {
    const warnings = captureWarnings();
    try {
      const { app } = setup({
        degraded: () => {
          throw new Error('no cache');
        },
      });
      app.get('/hang', () => {});
      const res = await (await client(app)).get('/hang').expect(503);
      expect(res.body.reason).toBe('timeout');
      expect(warnings.codes()).toContain('BREAKWATER_DEGRADED_THREW');
    } finally {
      warnings.restore();
    }
  });

  it('lets a response that started streaming finish, and still records the timeout and aborts', async () => {
    const { app, totals } = setup();
    app.get('/stream', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started\n');
      req.breakwater?.signal.addEventListener('abort', () => res.end('stopped\n'));
    });
    const res = await (await client(app)).get('/stream').expect(200);
    expect(res.text).toBe('started\nstopped\n');
    expect(totals('GET /stream')).toMatchObject({ timeouts: 1, successes: 0 });
  });

  describe('regression: a handler that catches its aborted fetch and answers 502 replaced the timeout answer', () => {
    /** Fetches from a server that never answers, with the request's signal; answers 502 when that fails. */
    async function fetchOrBadGateway(req: Request, res: Response): Promise<void> {
      const hang = await hangingServer();
      try {
        await fetch(`http://127.0.0.1:${portOf(hang)}/`, { signal: req.breakwater?.signal ?? null });
        res.send('unreachable');
      } catch {
        res.status(502).set('x-handler', 'yes').json({ error: 'upstream failed' });
      }
    }

    it("sends the timeout answer, not the handler's 502", async () => {
      const { app, totals } = setup({ timeoutMs: 200 });
      app.get('/x', fetchOrBadGateway);
      const res = await (await client(app)).get('/x').expect(503);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(res.headers['x-handler']).toBeUndefined();
      expect(res.body).toMatchObject({ reason: 'timeout', route: 'GET /x', status: 503 });
      expect(totals('GET /x')).toMatchObject({ timeouts: 1, failures: 0, successes: 0 });
    });

    it('sends the timeout answer when an abort listener answers at once', async () => {
      const { app } = setup();
      app.get('/x', (req, res) => {
        req.breakwater?.signal.addEventListener('abort', () => {
          res.status(502).json({ error: 'aborted' });
        });
      });
      const res = await (await client(app)).get('/x').expect(503);
      expect(res.body.reason).toBe('timeout');
    });

    it("sends the degraded handler's answer, not the handler's 502", async () => {
      const { app } = setup({
        timeoutMs: 200,
        degraded: (_req, res) => {
          res.status(200).json({ stale: true });
        },
      });
      app.get('/x', fetchOrBadGateway);
      const res = await (await client(app)).get('/x').expect(200);
      expect(res.body).toEqual({ stale: true });
    });
  });

  it('uses per-route timeouts', async () => {
    const { app } = setup({ timeoutMs: 10_000, routes: { 'GET /fast': { timeoutMs: 20 } } });
    app.get('/fast', () => {});
    await (await client(app)).get('/fast').expect(503);
  });

  it('does not time out a handler that answers in time', async () => {
    const { app, totals } = setup({ timeoutMs: 5_000 });
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    await (await client(app)).get('/ok').expect(200);
    await until(() => totals('GET /ok')?.successes === 1);
  });

  it('only records the timeout in observe mode: the handler still answers', async () => {
    const { app, totals } = setup({ mode: 'observe' });
    app.get('/slow', (_req, res) => {
      setTimeout(() => res.send('late but fine'), 60);
    });
    const res = await (await client(app)).get('/slow').expect(200);
    expect(res.text).toBe('late but fine');
    expect(totals('GET /slow')).toMatchObject({ timeouts: 1, successes: 0 });
  });
});
