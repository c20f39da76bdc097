/**
 * breakerDashboard: the dashboard mounted with app.use(path, …), on Express 4 and 5,
 * behind authorize, with a body parser in front of it or not.
 */
import type { AddressInfo } from 'node:net';
import { breakerDashboard, circuitBreaker } from '../src/index.js';
import { expressVersions, serve } from './helpers.js';

describe.each(expressVersions)('%s: breakerDashboard', (_name, express) => {
  async function setup(withJsonParser: boolean) {
    const app = express();
    if (withJsonParser) app.use(express.json());
    const breakers = circuitBreaker();
    let access: 'none' | 'view' | 'control' = 'control';
    const dashboard = breakerDashboard({ registry: breakers.registry, authorize: () => access });
    app.use('/ops/breakers', dashboard);
    app.use(breakers);
    app.get('/users/:id', (_req, res) => {
      res.json({ ok: true });
    });
    const server = await serve(app);
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      breakers,
      dashboard,
      origin,
      setAccess: (a: typeof access) => {
        access = a;
      },
    };
  }

  it.each([false, true])(
    'serves the page, the stream and the controls (json parser first: %s)',
    async (parser) => {
      const { breakers, dashboard, origin, setAccess } = await setup(parser);
      try {
        expect((await fetch(`${origin}/users/1`)).status).toBe(200);
        const page = await fetch(`${origin}/ops/breakers`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
        const html = await page.text();
        const token = /"token":"([^"]+)"/.exec(html)?.[1] ?? '';
        const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        const stream = await fetch(`${origin}/ops/breakers/events`);
        expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
        const reader = stream.body?.getReader();
        const first = new TextDecoder().decode((await reader?.read())?.value);
        expect(first).toContain('retry: 2000');
        await reader?.cancel();
        const action = await fetch(`${origin}/ops/breakers/actions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-breakwater-csrf': token, cookie, origin },
          body: JSON.stringify({ action: 'force_open', key: 'GET /users/:id' }),
        });
        expect(action.status).toBe(200);
        expect(breakers.registry.peek('GET /users/:id')?.state).toBe('forced_open');
        expect((await fetch(`${origin}/users/1`)).status).toBe(503);
        setAccess('none');
        expect((await fetch(`${origin}/ops/breakers`)).status).toBe(403);
        // Not the dashboard's: on to the next middleware.
        expect((await fetch(`${origin}/ops/breakers/elsewhere`)).status).toBe(404);
      } finally {
        dashboard.close();
      }
    },
  );
});
