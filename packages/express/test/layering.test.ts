/**
 * The README's "Layering a route breaker and a per-client breaker": a global route-keyed
 * middleware and a per-route `key: 'route+client'` one on the same route, both majors.
 */
import type { Request, Response } from 'express';
import { circuitBreaker } from '../src/index.js';
import { client, expressVersions } from './helpers.js';

describe.each(expressVersions)(
  '%s: a route breaker and a per-client breaker on one route',
  (_name, express) => {
    async function setup() {
      const app = express();
      app.set('trust proxy', 'loopback'); // X-Forwarded-For from the test's loopback proxy counts
      const routes = circuitBreaker({ consecutiveFailures: 4, openDurationMs: 60_000 });
      const clients = circuitBreaker({ key: 'route+client', consecutiveFailures: 2, openDurationMs: 60_000 });
      const outcome = { status: 500 };
      app.use(routes);
      app.get('/search', clients, (_req: Request, res: Response) => {
        res.sendStatus(outcome.status);
      });
      const request = await client(app);
      const from = (ip: string) => request.get('/search').set('X-Forwarded-For', ip);
      return { routes, clients, outcome, from };
    }

    test('one failing client is refused alone; its refusals do not count against the route', async () => {
      const { routes, clients, outcome, from } = await setup();
      await from('203.0.113.1').expect(500);
      await from('203.0.113.1').expect(500);
      for (let i = 0; i < 5; i++) await from('203.0.113.1').expect(503);
      expect(clients.registry.peek('GET /search @ 203.0.113.1')?.state).toBe('open');

      outcome.status = 200;
      await from('203.0.113.2').expect(200);
      const route = routes.registry.peek('GET /search')?.snapshot();
      expect(route?.state).toBe('closed');
      expect(route?.totals).toMatchObject({ failures: 2, ignored: 5, successes: 1 });
    });

    test('a dependency failing for everyone opens the route breaker for every client', async () => {
      const { routes, from } = await setup();
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])
        await from(ip).expect(500);
      expect(routes.registry.peek('GET /search')?.state).toBe('open');
      const refused = await from('198.51.100.9').expect(503);
      expect(refused.body.route).toBe('GET /search');
    });
  },
);
