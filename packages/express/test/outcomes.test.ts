/**
 * What each way a request can end records on its breaker: status >= 500, a thrown
 * error, a rejected promise and next(err) are failures; a client that goes away
 * first is ignored; a streamed body is a success; every permit is settled once.
 */
import http from 'node:http';
import type { HttpOutcome } from '@breakwater/core';
import type { NextFunction, Request, Response } from 'express';
import { circuitBreaker } from '../src/index.js';
import { client, expressVersions, FakeClock, gate, portOf, serve, until } from './helpers.js';

describe.each(expressVersions)('%s: outcomes', (_name, express) => {
  function setup(options: Parameters<typeof circuitBreaker>[0] = {}) {
    const app = express();
    const breakers = circuitBreaker(options);
    app.use(breakers);
    const totals = (key: string) => breakers.registry.peek(key)?.snapshot().totals;
    return { app, breakers, totals };
  }

  it('records a 2xx and a 4xx as successes, a 5xx as a failure', async () => {
    const { app, totals } = setup();
    app.get('/status/:code', (req, res) => {
      res.sendStatus(Number(req.params['code']));
    });
    const http = await client(app);
    await http.get('/status/200').expect(200);
    await http.get('/status/404').expect(404);
    await http.get('/status/503').expect(503);
    expect(totals('GET /status/:code')).toMatchObject({ successes: 2, failures: 1 });
  });

  it('records an error thrown synchronously as a failure; Express answers 500', async () => {
    const { app, totals } = setup();
    app.get('/boom', () => {
      throw new Error('sync boom');
    });
    await (await client(app)).get('/boom').expect(500);
    expect(totals('GET /boom')).toMatchObject({ successes: 0, failures: 1 });
  });

  it('records a rejected promise as a failure on both majors (Express 4 gets it through next(err))', async () => {
    const { app, totals } = setup();
    app.get('/reject', async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    await (await client(app)).get('/reject').expect(500);
    expect(totals('GET /reject')).toMatchObject({ failures: 1 });
  });

  it('records next(err) as a failure even when an error handler answers 4xx', async () => {
    const { app, totals } = setup();
    app.get('/next-err', (_req: Request, _res: Response, next: NextFunction) => {
      const error = Object.assign(new Error('bad input'), { status: 400 });
      next(error);
    });
    app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ error: 'handled' });
    });
    await (await client(app)).get('/next-err').expect(400);
    expect(totals('GET /next-err')).toMatchObject({ failures: 1 });
  });

  it('lets isFailure decide, with status, error, duration, key and route', async () => {
    const seen: HttpOutcome[] = [];
    const { app, totals } = setup({
      isFailure: (outcome) => {
        seen.push(outcome);
        return outcome.status === 429;
      },
    });
    app.get('/limited', (_req, res) => {
      res.sendStatus(429);
    });
    app.get('/broken', (_req, res) => {
      res.sendStatus(500);
    });
    const http = await client(app);
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
      const { app, totals } = setup({
        isFailure: () => {
          throw new Error('classifier bug');
        },
      });
      app.get('/x', (_req, res) => {
        res.sendStatus(500);
      });
      const http = await client(app);
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
    const { app, breakers } = setup({ clock, slowCallDurationMs: 100 });
    app.get('/slow', (_req, res) => {
      clock.advance(250);
      res.send('late');
    });
    await (await client(app)).get('/slow').expect(200);
    expect(breakers.registry.peek('GET /slow')?.snapshot().window).toMatchObject({ calls: 1, slowCalls: 1 });
  });

  it('records a streamed body as one success, with the body intact', async () => {
    const { app, totals } = setup();
    app.get('/stream', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 5; i++) {
        res.write(`chunk ${i}\n`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end('done\n');
    });
    const res = await (await client(app)).get('/stream').expect(200);
    expect(res.text).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\ndone\n');
    expect(totals('GET /stream')).toMatchObject({ successes: 1, failures: 0, ignored: 0 });
  });

  it('ignores a request whose client disconnects mid-response, and aborts its signal', async () => {
    const { app, totals } = setup();
    const aborted = gate<unknown>();
    app.get('/stream', (req, res) => {
      req.breakwater?.signal.addEventListener('abort', () => aborted.open(req.breakwater?.signal.reason));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      // Never ends: the client goes away.
    });
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
    const { app, totals } = setup();
    const entered = gate();
    app.get('/hang', () => entered.open());
    const server = await serve(app);
    const req = http.get({ host: '127.0.0.1', port: portOf(server), path: '/hang' });
    req.on('error', () => {});
    await entered.promise;
    req.destroy();
    await until(() => totals('GET /hang')?.ignored === 1, 'the ignore');
  });

  it('settles each permit exactly once, whatever the handler does after answering', async () => {
    const { app, totals } = setup();
    app.get('/twice', (_req: Request, res: Response, next: NextFunction) => {
      res.send('ok');
      next(new Error('after the answer'));
    });
    await (await client(app)).get('/twice');
    await until(() => (totals('GET /twice')?.successes ?? 0) + (totals('GET /twice')?.failures ?? 0) > 0);
    const t = totals('GET /twice');
    expect((t?.successes ?? 0) + (t?.failures ?? 0) + (t?.ignored ?? 0)).toBe(1);
  });

  it('records failures from a per-route middleware and a global one on their own breakers', async () => {
    const app = express();
    const global = circuitBreaker();
    const perRoute = circuitBreaker();
    app.use(global);
    app.get('/x', perRoute, (_req, res) => {
      res.sendStatus(502);
    });
    await (await client(app)).get('/x').expect(502);
    expect(global.registry.peek('GET /x')?.snapshot().totals.failures).toBe(1);
    expect(perRoute.registry.peek('GET /x')?.snapshot().totals.failures).toBe(1);
  });
});
