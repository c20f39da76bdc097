/**
 * breakerStatus answers JSON snapshots of every breaker to authorized requests and a
 * 403 that names no breaker to the rest.
 */
import type { Request } from 'express';
import { breakerStatus, circuitBreaker } from '../src/index.js';
import { captureWarnings, client, expressVersions, FakeClock, quickTrip } from './helpers.js';

describe.each(expressVersions)('%s: breakerStatus', (_name, express) => {
  async function setup(authorize?: (req: Request) => boolean | Promise<boolean>, trustProxy = false) {
    const app = express();
    if (trustProxy) app.set('trust proxy', true);
    // A request with `x-test-peer` looks as if its socket came from that address.
    app.use((req, _res, next) => {
      const peer = req.get('x-test-peer');
      if (peer !== undefined)
        Object.defineProperty(req.socket, 'remoteAddress', { value: peer, configurable: true });
      next();
    });
    const breakers = circuitBreaker(quickTrip(new FakeClock()));
    app.use(breakers);
    app.get('/users/:id', (_req, res) => {
      res.sendStatus(500);
    });
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    app.get(
      '/breakers',
      breakerStatus(
        authorize === undefined
          ? { registry: breakers.registry }
          : { registry: breakers.registry, authorize },
      ),
    );
    const http = await client(app);
    await http.get('/users/1');
    await http.get('/users/2');
    await http.get('/ok');
    return http;
  }

  it('answers snapshots of every breaker, open ones first', async () => {
    const http = await setup((req) => req.get('x-admin') === 'yes');
    const res = await http.get('/breakers').set('x-admin', 'yes').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body.size).toBe(3);
    const [first, ...rest] = res.body.breakers;
    expect(first).toMatchObject({
      key: 'GET /users/:id',
      state: 'open',
      failureRate: 1,
      retryAfterMs: 30_000,
      totals: { failures: 2 },
      window: { calls: 2, failures: 2 },
    });
    expect(rest.map((b: { key: string }) => b.key).sort()).toEqual(['GET /breakers', 'GET /ok']);
  });

  it('answers 403 naming no breaker when authorize refuses, throws or rejects', async () => {
    const warnings = captureWarnings();
    try {
      for (const authorize of [
        () => false,
        () => {
          throw new Error('auth down');
        },
        async () => Promise.reject(new Error('auth down')),
      ]) {
        const http = await setup(authorize);
        const res = await http.get('/breakers').expect(403);
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.body).toEqual({
          type: 'about:blank',
          title: 'Forbidden',
          status: 403,
          detail: 'You are not allowed to read the breaker status.',
        });
        expect(res.text).not.toMatch(/users|GET|open/);
      }
      expect(warnings.codes()).toContain('BREAKWATER_AUTHORIZE_THREW');
    } finally {
      warnings.restore();
    }
  });

  it('accepts an async authorize', async () => {
    const http = await setup(async () => true);
    await http.get('/breakers').expect(200);
  });

  it('warns at construction when there is no authorize hook', async () => {
    const warnings = captureWarnings();
    try {
      const http = await setup();
      await http.get('/breakers').expect(200);
      expect(warnings.codes()).toEqual(['BREAKWATER_STATUS_UNPROTECTED']);
    } finally {
      warnings.restore();
    }
  });

  // Issue #9, item 10: without authorize, the status (every key, client addresses
  // included) was served to anyone.
  describe('without authorize', () => {
    const FORBIDDEN = {
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You are not allowed to read the breaker status.',
    };

    it('answers a client on loopback (IPv4, IPv6, IPv4-mapped)', async () => {
      const warnings = captureWarnings();
      try {
        const http = await setup();
        for (const peer of [undefined, '127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
          const req = http.get('/breakers');
          if (peer !== undefined) req.set('x-test-peer', peer);
          const res = await req.expect(200);
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          expect(res.headers['cache-control']).toBe('no-store');
          expect(res.body.breakers.map((b: { key: string }) => b.key)).toContain('GET /users/:id');
        }
      } finally {
        warnings.restore();
      }
    });

    it('answers 403 naming no breaker to a client elsewhere', async () => {
      const warnings = captureWarnings();
      try {
        const http = await setup();
        for (const peer of [
          '203.0.113.7',
          '10.0.0.1',
          '::ffff:10.0.0.1',
          '2001:db8::1',
          '64:ff9b::127.0.0.1',
        ]) {
          const res = await http.get('/breakers').set('x-test-peer', peer).expect(403);
          expect(res.body).toEqual(FORBIDDEN);
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          expect(res.headers['cache-control']).toBe('no-store');
          expect(res.text).not.toMatch(/users|GET|open/);
        }
      } finally {
        warnings.restore();
      }
    });

    it.each([
      ['x-forwarded-for', '203.0.113.7'],
      ['x-forwarded-for', '127.0.0.1'],
      ['forwarded', 'for=203.0.113.7'],
      ['x-real-ip', '203.0.113.7'],
    ])(
      'answers 403 to a request a proxy on this machine relayed (%s: %s), with or without trust proxy',
      async (header, value) => {
        const warnings = captureWarnings();
        try {
          for (const trustProxy of [false, true]) {
            const http = await setup(undefined, trustProxy);
            const res = await http.get('/breakers').set(header, value).expect(403);
            expect(res.body).toEqual(FORBIDDEN);
          }
        } finally {
          warnings.restore();
        }
      },
    );

    it('leaves the decision to authorize when it is given, wherever the client is', async () => {
      const http = await setup((req) => req.get('x-admin') === 'yes');
      await http.get('/breakers').set('x-test-peer', '203.0.113.7').set('x-admin', 'yes').expect(200);
      await http.get('/breakers').set('x-forwarded-for', '203.0.113.7').set('x-admin', 'yes').expect(200);
      await http.get('/breakers').expect(403);
    });
  });
});
