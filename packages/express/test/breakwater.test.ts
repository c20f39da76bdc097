/**
 * Handlers see their breaker on req.breakwater: key, route, state, signal, and
 * execute(name, fn) guarding an outbound call with a registry breaker of its own.
 */
import { isBreakerOpenError } from '@breakwater/core';
import { circuitBreaker } from '../src/index.js';
import { captureWarnings, client, expressVersions, FakeClock, quickTrip } from './helpers.js';

describe.each(expressVersions)('%s: req.breakwater', (_name, express) => {
  it('shows the key, route, admitting state and a live signal', async () => {
    const app = express();
    app.use(circuitBreaker());
    app.get('/users/:id', (req, res) => {
      const bw = req.breakwater;
      res.json({ key: bw?.key, route: bw?.route, state: bw?.state, aborted: bw?.signal.aborted });
    });
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
    const app = express();
    const breakers = circuitBreaker(quickTrip(clock));
    app.use(breakers);
    app.get('/x', (req, res) => {
      if (req.query['fail'] !== undefined) res.sendStatus(500);
      else res.json({ state: req.breakwater?.state });
    });
    const http = await client(app);
    await http.get('/x?fail');
    await http.get('/x?fail');
    clock.advance(30_000);
    expect((await http.get('/x')).body).toEqual({ state: 'half_open' });
  });

  it('guards an outbound call with execute(name, fn), a breaker of its own in the same registry', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    let upstreamUp = false;
    app.get('/pay', async (req, res) => {
      try {
        const result = await req.breakwater?.execute('payments-api', async (signal) => {
          if (signal.aborted) throw new Error('aborted');
          if (!upstreamUp) throw new Error('payments down');
          return { paid: true };
        });
        res.json(result);
      } catch (error) {
        res.status(isBreakerOpenError(error) ? 503 : 502).json({ open: isBreakerOpenError(error) });
      }
    });
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
    const app = express();
    const breakers = circuitBreaker({ timeoutMs: 20 });
    app.use(breakers);
    let upstreamSignal: AbortSignal | undefined;
    app.get('/slow', async (req) => {
      await req.breakwater
        ?.execute('slow-api', (signal) => {
          upstreamSignal = signal;
          return new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason));
          });
        })
        .catch(() => {});
    });
    await (await client(app)).get('/slow').expect(503);
    expect(upstreamSignal?.aborted).toBe(true);
    // An upstream call aborted by the caller is not the dependency's fault: ignored.
    expect(breakers.registry.peek('slow-api')?.snapshot().totals).toMatchObject({ failures: 0, ignored: 1 });
  });

  it('lets a request through unguarded when the key function throws, and warns once', async () => {
    const warnings = captureWarnings();
    try {
      const app = express();
      const breakers = circuitBreaker({
        key: () => {
          throw new Error('no tenant');
        },
      });
      app.use(breakers);
      app.get('/x', (req, res) => {
        res.json({ guarded: req.breakwater !== undefined });
      });
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
