/**
 * Route keys are route templates with the method, never raw URLs, whether the
 * middleware is mounted globally before the routes or on one route, through nested
 * routers and mounted sub-apps, on Express 4 and 5.
 */
import type { Request, Response } from 'express';
import { circuitBreaker } from '../src/index.js';
import { client, expressVersions, gate } from './helpers.js';

const echoKey = (req: Request, res: Response) =>
  res.json({ key: req.breakwater?.key ?? null, route: req.breakwater?.route ?? null });

describe.each(expressVersions)('%s: route keys', (_name, express) => {
  it('keys a route by its template: 1,000 ids share one breaker', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.get('/users/:id', echoKey);
    const http = await client(app);
    for (let id = 0; id < 1_000; id++) {
      const res = await http.get(`/users/${id}`).expect(200);
      expect(res.body.key).toBe('GET /users/:id');
    }
    expect([...breakers.registry.keys()]).toEqual(['GET /users/:id']);
    expect(breakers.registry.peek('GET /users/:id')?.snapshot().totals.successes).toBe(1_000);
  });

  it('keys by method and template: GET and POST on one path are two breakers', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.route('/items/:id').get(echoKey).post(echoKey);
    const http = await client(app);
    expect((await http.get('/items/1')).body.key).toBe('GET /items/:id');
    expect((await http.post('/items/1')).body.key).toBe('POST /items/:id');
  });

  it('resolves routes in nested routers', async () => {
    const app = express();
    app.use(circuitBreaker());
    const api = express.Router();
    const v1 = express.Router();
    v1.get('/users/:id/posts/:post', echoKey);
    api.use('/v1', v1);
    app.use('/api', api);
    const http = await client(app);
    const res = await http.get('/api/v1/users/9/posts/77').expect(200);
    expect(res.body.key).toBe('GET /api/v1/users/:id/posts/:post');
  });

  it('puts the parameters of a mount path back: /orgs/:org/members/:id, with and without mergeParams', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    const merged = express.Router({ mergeParams: true });
    merged.get('/:id', echoKey);
    const plain = express.Router();
    plain.get('/:id', echoKey);
    app.use('/orgs/:org/members', merged);
    app.use('/teams/:team/people', plain);
    const http = await client(app);
    for (const org of ['acme', 'globex', 'initech']) {
      expect((await http.get(`/orgs/${org}/members/${org}-1`)).body.key).toBe('GET /orgs/:org/members/:id');
      expect((await http.get(`/teams/${org}/people/7`)).body.key).toBe('GET /teams/:team/people/:id');
    }
    expect([...breakers.registry.keys()].sort()).toEqual([
      'GET /orgs/:org/members/:id',
      'GET /teams/:team/people/:id',
    ]);
  });

  it('resolves routes in mounted sub-apps, nested two deep, with parameters in the mount path', async () => {
    const app = express();
    app.use(circuitBreaker());
    const admin = express();
    const reports = express();
    reports.get('/:year', echoKey);
    admin.use('/reports', reports);
    admin.get('/users/:id', echoKey);
    app.use('/tenants/:tenant/admin', admin);
    const http = await client(app);
    expect((await http.get('/tenants/t1/admin/users/3')).body.key).toBe(
      'GET /tenants/:tenant/admin/users/:id',
    );
    expect((await http.get('/tenants/t2/admin/reports/2024')).body.key).toBe(
      'GET /tenants/:tenant/admin/reports/:year',
    );
  });

  it('works when mounted in a sub-app or on a path, before the routes', async () => {
    const app = express();
    const api = express.Router();
    api.use(circuitBreaker());
    api.get('/things/:id', echoKey);
    app.use('/api', api);
    const admin = express();
    admin.use('/', circuitBreaker());
    admin.get('/stats/:day', echoKey);
    app.use('/admin', admin);
    const http = await client(app);
    expect((await http.get('/api/things/5')).body.key).toBe('GET /api/things/:id');
    expect((await http.get('/admin/stats/monday')).body.key).toBe('GET /admin/stats/:day');
  });

  it('per-route use keys by the route it is on', async () => {
    const app = express();
    const breakers = circuitBreaker({ failureRateThreshold: 0.3 });
    const router = express.Router({ mergeParams: true });
    router.get('/:id', breakers, echoKey);
    app.use('/shops/:shop/orders', router);
    app.get('/users/:id', breakers, echoKey);
    const http = await client(app);
    expect((await http.get('/users/12')).body.key).toBe('GET /users/:id');
    expect((await http.get('/shops/s1/orders/99')).body.key).toBe('GET /shops/:shop/orders/:id');
    expect(breakers.registry.peek('GET /users/:id')?.options.failureRateThreshold).toBe(0.3);
  });

  it('sends every unmatched request to one bounded fallback key, recorded but never refused', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.get('/known', echoKey);
    const http = await client(app);
    for (let i = 0; i < 200; i++) await http.get(`/random/${i}/${Math.random()}`).expect(404);
    expect([...breakers.registry.keys()]).toEqual(['(unmatched)']);
    const fallback = breakers.registry.peek('(unmatched)');
    expect(fallback?.mode).toBe('observe');
    expect(fallback?.snapshot().totals.successes).toBe(200);
  });

  it('keys a request that falls through to a later route by the route that answers', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.get('/files/new', (_req, _res, next) => next());
    app.get('/files/:name', echoKey);
    const http = await client(app);
    expect((await http.get('/files/new')).body.key).toBe('GET /files/:name');
    const first = breakers.registry.peek('GET /files/new')?.snapshot().totals;
    expect(first?.ignored).toBe(1);
    expect(first?.successes).toBe(0);
    expect(breakers.registry.peek('GET /files/:name')?.snapshot().totals.successes).toBe(1);
  });

  it('re-keys one per-route middleware used on two routes a request falls through', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.get('/docs/latest', breakers, (_req, _res, next) => next('route'));
    app.get('/docs/:version', breakers, echoKey);
    const http = await client(app);
    expect((await http.get('/docs/latest')).body.key).toBe('GET /docs/:version');
    expect(breakers.registry.peek('GET /docs/latest')?.snapshot().totals).toMatchObject({
      ignored: 1,
      successes: 0,
    });
    expect(breakers.registry.peek('GET /docs/:version')?.snapshot().totals.successes).toBe(1);
  });

  it('holds a request once when the same middleware is mounted twice', async () => {
    const app = express();
    const breakers = circuitBreaker();
    const api = express.Router();
    api.use(breakers);
    api.get('/x', echoKey);
    app.use(breakers);
    app.use('/api', api);
    await (await client(app)).get('/api/x').expect(200);
    expect(breakers.registry.peek('GET /api/x')?.snapshot().totals.successes).toBe(1);
  });

  it('keeps wildcard, RegExp and array routes as written', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.get(/^\/legacy\/.*$/, echoKey);
    app.get(['/a/:x', '/b/:x'], echoKey);
    const http = await client(app);
    expect((await http.get('/legacy/1/2')).body.key).toBe('GET /^\\/legacy\\/.*$/');
    expect((await http.get('/legacy/3')).body.key).toBe('GET /^\\/legacy\\/.*$/');
    expect((await http.get('/b/1')).body.key).toBe('GET /a/:x,/b/:x');
  });

  it('does not disturb a request already inside a route when another request instruments it', async () => {
    const app = express();
    app.use(circuitBreaker({ skip: (req) => req.get('x-skip') === 'yes' }));
    const hold = gate();
    const runs: string[] = [];
    app.get(
      '/two-step',
      async (req, _res, next) => {
        runs.push(`first:${req.get('x-skip') ?? 'no'}`);
        if (req.get('x-skip') === 'yes') await hold.promise;
        next();
      },
      (req, res) => {
        runs.push(`second:${req.get('x-skip') ?? 'no'}`);
        res.send('ok');
      },
    );
    const http = await client(app);
    const skipped = http
      .get('/two-step')
      .set('x-skip', 'yes')
      .then((res) => res.status);
    while (runs.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await http.get('/two-step').expect(200);
    hold.open();
    expect(await skipped).toBe(200);
    expect(runs).toEqual(['first:yes', 'first:no', 'second:no', 'second:yes']);
  });

  it('records a middleware that answers without a route on the fallback key', async () => {
    const app = express();
    const breakers = circuitBreaker();
    app.use(breakers);
    app.use('/proxy', (_req, res) => {
      res.sendStatus(502);
    });
    const http = await client(app);
    await http.get('/proxy/a').expect(502);
    await http.get('/proxy/b').expect(502);
    expect(breakers.registry.peek('(unmatched)')?.snapshot().totals.failures).toBe(2);
  });

  it('skips requests for which skip() returns true', async () => {
    const app = express();
    const breakers = circuitBreaker({ skip: (req) => req.path === '/healthz' });
    app.use(breakers);
    app.get('/healthz', echoKey);
    const http = await client(app);
    expect((await http.get('/healthz')).body).toEqual({ key: null, route: null });
    expect(breakers.registry.size).toBe(0);
  });
});

describe.each(expressVersions)('%s: client and custom keys', (_name, express) => {
  it("keys by req.ip with key 'client', trusting X-Forwarded-For only as Express's trust proxy says", async () => {
    const app = express();
    const breakers = circuitBreaker({ key: 'client' });
    app.use(breakers);
    app.get('/x', echoKey);
    const http = await client(app);
    const res = await http.get('/x').set('X-Forwarded-For', '203.0.113.9');
    expect(res.body.key).toBe('127.0.0.1');
    const trusting = express();
    trusting.set('trust proxy', 'loopback');
    const trusted = circuitBreaker({ key: 'client' });
    trusting.use(trusted);
    trusting.get('/x', echoKey);
    const http2 = await client(trusting);
    expect((await http2.get('/x').set('X-Forwarded-For', '203.0.113.9')).body.key).toBe('203.0.113.9');
  });

  it('groups IPv6 clients by /56, or by the configured subnet', async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    app.use(circuitBreaker({ key: 'client' }));
    app.get('/x', echoKey);
    const app64 = express();
    app64.set('trust proxy', 'loopback');
    app64.use(circuitBreaker({ key: 'client', ipv6Subnet: 64 }));
    app64.get('/x', echoKey);
    const http = await client(app);
    const http64 = await client(app64);
    const a = await http.get('/x').set('X-Forwarded-For', '2001:db8:abcd:12ff::1');
    const b = await http.get('/x').set('X-Forwarded-For', '2001:db8:abcd:1234:5678::9');
    expect(a.body.key).toBe('2001:db8:abcd:1200::/56');
    expect(b.body.key).toBe('2001:db8:abcd:1200::/56');
    const c = await http64.get('/x').set('X-Forwarded-For', '2001:db8:abcd:12ff::1');
    expect(c.body.key).toBe('2001:db8:abcd:12ff::/64');
    const mapped = await http.get('/x').set('X-Forwarded-For', '::ffff:198.51.100.4');
    expect(mapped.body.key).toBe('198.51.100.4');
  });

  it("keys by route and client with 'route+client'", async () => {
    const app = express();
    app.use(circuitBreaker({ key: 'route+client' }));
    app.get('/users/:id', echoKey);
    const http = await client(app);
    expect((await http.get('/users/1')).body).toEqual({
      key: 'GET /users/:id @ 127.0.0.1',
      route: 'GET /users/:id',
    });
  });

  it('keys by a function of the request, called before routing', async () => {
    const app = express();
    const breakers = circuitBreaker({ key: (req) => `tenant:${req.get('x-tenant') ?? 'none'}` });
    app.use(breakers);
    app.get('/x', echoKey);
    const http = await client(app);
    expect((await http.get('/x').set('x-tenant', 'acme')).body.key).toBe('tenant:acme');
    expect([...breakers.registry.keys()]).toEqual(['tenant:acme']);
  });
});
