/**
 * Route keys are @koa/router route templates with the method, never raw URLs, whether
 * the middleware is mounted globally before the router, inside a router or on one
 * route, through nested routers and mounted sub-apps, on Koa 2 and 3.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { circuitBreaker } from '../src/index.js';
import { client, createApp, gate, koaVersions, mount, until } from './helpers.js';

const echoKey = (ctx: Context) => {
  ctx.body = { key: ctx.state.breakwater?.key ?? null, route: ctx.state.breakwater?.route ?? null };
};

describe.each(koaVersions)('%s: route keys', (_name, Koa) => {
  it('keys a route by its template from the first request on: 1,000 ids share one breaker', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const router = new Router();
    router.get('/users/:id', echoKey);
    app.use(breakers);
    app.use(router.routes());
    const http = await client(app);
    for (let id = 0; id < 1_000; id++) {
      const res = await http.get(`/users/${id}`).expect(200);
      expect(res.body.key).toBe('GET /users/:id');
    }
    expect([...breakers.registry.keys()]).toEqual(['GET /users/:id']);
    expect(breakers.registry.peek('GET /users/:id')?.snapshot().totals.successes).toBe(1_000);
  });

  it('keys by method and template: GET and POST on one path are two breakers', async () => {
    const app = createApp(Koa);
    const router = new Router();
    router.get('/items/:id', echoKey).post('/items/:id', echoKey);
    app.use(circuitBreaker());
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/items/1')).body.key).toBe('GET /items/:id');
    expect((await http.post('/items/1')).body.key).toBe('POST /items/:id');
  });

  it('resolves routes in nested routers, with router prefixes', async () => {
    const app = createApp(Koa);
    const api = new Router({ prefix: '/api' });
    const v1 = new Router();
    v1.get('/users/:id/posts/:post', echoKey);
    api.use('/v1', v1.routes());
    app.use(circuitBreaker());
    app.use(api.routes());
    const http = await client(app);
    const res = await http.get('/api/v1/users/9/posts/77').expect(200);
    expect(res.body.key).toBe('GET /api/v1/users/:id/posts/:post');
  });

  it('keeps the parameters of a mount path or a prefix: /orgs/:org/members/:id', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const root = new Router();
    const members = new Router();
    members.get('/:id', echoKey);
    root.use('/orgs/:org/members', members.routes());
    const people = new Router({ prefix: '/teams/:team/people' });
    people.get('/:id', echoKey);
    app.use(breakers);
    app.use(root.routes());
    app.use(people.routes());
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

  it('resolves routes in mounted sub-apps (koa-mount style), nested two deep', async () => {
    const app = createApp(Koa);
    const admin = createApp(Koa);
    const reports = createApp(Koa);
    const reportsRouter = new Router();
    reportsRouter.get('/:year', echoKey);
    reports.use(reportsRouter.routes());
    const adminRouter = new Router();
    adminRouter.get('/users/:id', echoKey);
    admin.use(mount('/reports', reports));
    admin.use(adminRouter.routes());
    app.use(circuitBreaker());
    app.use(mount('/admin', admin));
    const http = await client(app);
    expect((await http.get('/admin/users/3')).body.key).toBe('GET /admin/users/:id');
    expect((await http.get('/admin/reports/2024')).body.key).toBe('GET /admin/reports/:year');
    expect((await http.get('/admin/reports/2025?x=1')).body.key).toBe('GET /admin/reports/:year');
  });

  it('works when mounted inside a router or a sub-app, before the routes, from the first request on', async () => {
    const app = createApp(Koa);
    const api = new Router({ prefix: '/api' });
    const inRouter = circuitBreaker();
    api.use(inRouter);
    api.get('/things/:id', echoKey);
    const admin = createApp(Koa);
    const inSubApp = circuitBreaker();
    const adminRouter = new Router();
    adminRouter.get('/stats/:day', echoKey);
    admin.use(inSubApp);
    admin.use(adminRouter.routes());
    app.use(api.routes());
    app.use(mount('/admin', admin));
    const http = await client(app);
    for (let i = 0; i < 3; i++) {
      expect((await http.get(`/api/things/${i}`)).body.key).toBe('GET /api/things/:id');
      expect((await http.get(`/admin/stats/day${i}`)).body.key).toBe('GET /admin/stats/:day');
    }
    expect([...inRouter.registry.keys()]).toEqual(['GET /api/things/:id']);
    expect([...inSubApp.registry.keys()]).toEqual(['GET /admin/stats/:day']);
  });

  it('per-route use keys by the route it is on', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker({ failureRateThreshold: 0.3 });
    const shops = new Router({ prefix: '/shops/:shop/orders' });
    shops.get('/:id', breakers, echoKey);
    const router = new Router();
    router.get('/users/:id', breakers, echoKey);
    app.use(shops.routes());
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/users/12')).body.key).toBe('GET /users/:id');
    expect((await http.get('/shops/s1/orders/99')).body.key).toBe('GET /shops/:shop/orders/:id');
    expect(breakers.registry.peek('GET /users/:id')?.options.failureRateThreshold).toBe(0.3);
  });

  it('sends every unmatched request to one bounded fallback key, recorded but never refused', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const router = new Router();
    router.get('/known', echoKey);
    app.use(breakers);
    app.use(router.routes());
    app.use(router.allowedMethods());
    const http = await client(app);
    for (let i = 0; i < 200; i++) await http.get(`/random/${i}/${Math.random()}`).expect(404);
    await http.post('/known').expect(405);
    expect([...breakers.registry.keys()]).toEqual(['(unmatched)']);
    const fallback = breakers.registry.peek('(unmatched)');
    expect(fallback?.mode).toBe('observe');
    expect(fallback?.snapshot().totals.successes).toBe(201);
  });

  it('keys a request that falls through to a later route by the route that answers', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const router = new Router();
    router.get('/files/new', (_ctx: Context, next: Next) => next());
    router.get('/files/:name', echoKey);
    app.use(breakers);
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/files/new')).body.key).toBe('GET /files/:name');
    const first = breakers.registry.peek('GET /files/new')?.snapshot().totals;
    expect(first?.ignored).toBe(1);
    expect(first?.successes).toBe(0);
    expect(breakers.registry.peek('GET /files/:name')?.snapshot().totals.successes).toBe(1);
  });

  it('re-keys one per-route middleware used on two routes a request falls through', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const router = new Router();
    router.get('/docs/latest', breakers, (_ctx: Context, next: Next) => next());
    router.get('/docs/:version', breakers, echoKey);
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/docs/latest')).body.key).toBe('GET /docs/:version');
    expect(breakers.registry.peek('GET /docs/latest')?.snapshot().totals).toMatchObject({
      ignored: 1,
      successes: 0,
    });
    expect(breakers.registry.peek('GET /docs/:version')?.snapshot().totals.successes).toBe(1);
  });

  it('holds a request once when the same middleware is mounted twice', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const api = new Router({ prefix: '/api' });
    api.use(breakers);
    api.get('/x', echoKey);
    app.use(breakers);
    app.use(api.routes());
    await (await client(app)).get('/api/x').expect(200);
    expect(breakers.registry.peek('GET /api/x')?.snapshot().totals.successes).toBe(1);
  });

  it('keeps RegExp routes as written, and keys each path of a path array on its own', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    const router = new Router();
    router.get(/^\/legacy\/.*$/, echoKey);
    router.get(['/a/:x', '/b/:x'], echoKey);
    app.use(breakers);
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/legacy/1/2')).body.key).toBe('GET /^\\/legacy\\/.*$/');
    expect((await http.get('/legacy/3')).body.key).toBe('GET /^\\/legacy\\/.*$/');
    expect((await http.get('/a/1')).body.key).toBe('GET /a/:x');
    expect((await http.get('/b/1')).body.key).toBe('GET /b/:x');
  });

  it('does not disturb a request already inside a route when another request instruments it', async () => {
    const app = createApp(Koa);
    app.use(circuitBreaker({ skip: (ctx) => ctx.get('x-skip') === 'yes' }));
    const hold = gate();
    const runs: string[] = [];
    const router = new Router();
    router.get(
      '/two-step',
      async (ctx: Context, next: Next) => {
        runs.push(`first:${ctx.get('x-skip') || 'no'}`);
        if (ctx.get('x-skip') === 'yes') await hold.promise;
        await next();
      },
      (ctx: Context) => {
        runs.push(`second:${ctx.get('x-skip') || 'no'}`);
        ctx.body = 'ok';
      },
    );
    app.use(router.routes());
    const http = await client(app);
    const skipped = http
      .get('/two-step')
      .set('x-skip', 'yes')
      .then((res) => res.status);
    await until(() => runs.length > 0, 'the first request in the route');
    await http.get('/two-step').expect(200);
    hold.open();
    expect(await skipped).toBe(200);
    expect(runs).toEqual(['first:yes', 'first:no', 'second:no', 'second:yes']);
  });

  it('records a middleware that answers without a route on the fallback key', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    app.use(breakers);
    app.use(async (ctx: Context, next: Next) => {
      if (!ctx.path.startsWith('/proxy/')) return next();
      ctx.status = 502;
    });
    const http = await client(app);
    await http.get('/proxy/a').expect(502);
    await http.get('/proxy/b').expect(502);
    expect(breakers.registry.peek('(unmatched)')?.snapshot().totals.failures).toBe(2);
  });

  it('skips requests for which skip() returns true', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker({ skip: (ctx) => ctx.path === '/healthz' });
    const router = new Router();
    router.get('/healthz', echoKey);
    app.use(breakers);
    app.use(router.routes());
    const http = await client(app);
    expect((await http.get('/healthz')).body).toEqual({ key: null, route: null });
    expect(breakers.registry.size).toBe(0);
  });
});

describe.each(koaVersions)('%s: client and custom keys', (_name, Koa) => {
  function appWith(options: Parameters<typeof circuitBreaker>[0], proxy = false) {
    const app = createApp(Koa);
    app.proxy = proxy;
    const breakers = circuitBreaker(options);
    const router = new Router();
    router.get('/x', echoKey);
    router.get('/users/:id', echoKey);
    app.use(breakers);
    app.use(router.routes());
    return { app, breakers };
  }

  it("keys by ctx.ip with key 'client', trusting X-Forwarded-For only when app.proxy says so", async () => {
    const http = await client(appWith({ key: 'client' }).app);
    expect((await http.get('/x').set('X-Forwarded-For', '203.0.113.9')).body.key).toBe('127.0.0.1');
    const trusting = await client(appWith({ key: 'client' }, true).app);
    expect((await trusting.get('/x').set('X-Forwarded-For', '203.0.113.9')).body.key).toBe('203.0.113.9');
  });

  it('groups IPv6 clients by /56, or by the configured subnet', async () => {
    const http = await client(appWith({ key: 'client' }, true).app);
    const http64 = await client(appWith({ key: 'client', ipv6Subnet: 64 }, true).app);
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
    const http = await client(appWith({ key: 'route+client' }).app);
    expect((await http.get('/users/1')).body).toEqual({
      key: 'GET /users/:id @ 127.0.0.1',
      route: 'GET /users/:id',
    });
  });

  it('keys by a function of the context, called before routing', async () => {
    const { app, breakers } = appWith({ key: (ctx) => `tenant:${ctx.get('x-tenant') || 'none'}` });
    const http = await client(app);
    expect((await http.get('/x').set('x-tenant', 'acme')).body.key).toBe('tenant:acme');
    expect([...breakers.registry.keys()]).toEqual(['tenant:acme']);
  });
});
