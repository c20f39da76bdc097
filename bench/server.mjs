// One HTTP server for the HTTP benchmark, in its own process so the load
// generator does not share its event loop. Usage: node server.mjs <variant>
// Prints the port on stdout once listening on 127.0.0.1.
//
// Variants: <framework>-<guard>, framework express | koa, guard
//   bare        no breaker
//   breakwater  app.use(circuitBreaker()) mounted globally, a breaker per route
//   opossum     an opossum breaker per route around the handler
//   open        Breakwater with the route's breaker open (tripped by real failures)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const variant = process.argv[2] ?? '';
const [framework, guard] = variant.split('-');

const BODY = { id: '42', name: 'Ada', plan: 'pro' };

function openRegistry(core) {
  const registry = new core.BreakerRegistry({
    defaults: { window: { kind: 'count', size: 10 }, minimumCalls: 10, openDurationMs: 3_600_000 },
  });
  const breaker = registry.get('GET /users/:id');
  for (let i = 0; i < 10; i++) {
    const permit = breaker.tryAcquire();
    if (permit.permitted) permit.failure(new Error('tripped for the benchmark'));
  }
  if (breaker.state !== 'open') throw new Error(`expected an open breaker, got ${breaker.state}`);
  return registry;
}

function opossumFor(routes, handler) {
  const CircuitBreaker = require('opossum');
  return (route) => {
    let breaker = routes.get(route);
    if (!breaker) {
      breaker = new CircuitBreaker(handler, {
        timeout: 5_000,
        errorThresholdPercentage: 50,
        resetTimeout: 30_000,
      });
      routes.set(route, breaker);
    }
    return breaker;
  };
}

async function expressApp() {
  const express = require('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  if (guard === 'breakwater' || guard === 'open') {
    const { circuitBreaker } = await import('@breakwater/express');
    const core = await import('@breakwater/core');
    app.use(circuitBreaker(guard === 'open' ? { registry: openRegistry(core) } : {}));
  }
  if (guard === 'opossum') {
    const breakerFor = opossumFor(new Map(), async (_req, res) => res.json(BODY));
    app.get('/users/:id', (req, res, next) => {
      breakerFor('GET /users/:id').fire(req, res).catch(next);
    });
  } else {
    app.get('/users/:id', (_req, res) => res.json(BODY));
  }
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server));
    });
}

async function koaApp() {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  const router = new Router();
  if (guard === 'breakwater' || guard === 'open') {
    const { circuitBreaker } = await import('@breakwater/koa');
    const core = await import('@breakwater/core');
    app.use(circuitBreaker(guard === 'open' ? { registry: openRegistry(core) } : {}));
  }
  if (guard === 'opossum') {
    const breakerFor = opossumFor(new Map(), async (ctx) => {
      ctx.body = BODY;
    });
    router.get('/users/:id', (ctx) => breakerFor('GET /users/:id').fire(ctx));
  } else {
    router.get('/users/:id', (ctx) => {
      ctx.body = BODY;
    });
  }
  app.use(router.routes());
  return (port) =>
    new Promise((resolve) => {
      const server = app.listen(port, '127.0.0.1', () => resolve(server));
    });
}

if (!['express', 'koa'].includes(framework) || !['bare', 'breakwater', 'opossum', 'open'].includes(guard)) {
  console.error(`unknown variant "${variant}"`);
  process.exit(2);
}
const listen = framework === 'express' ? await expressApp() : await koaApp();
const server = await listen(0);
process.stdout.write(`${server.address().port}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
