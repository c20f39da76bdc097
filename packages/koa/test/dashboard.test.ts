/**
 * breakerDashboard: the dashboard at its path (default /breakers) on Koa 2 and 3,
 * behind authorize, writing to Node's response itself.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { breakerDashboard, circuitBreaker } from '../src/index.js';
import { createApp, koaVersions } from './helpers.js';

describe.each(koaVersions)('%s: breakerDashboard', (_name, Koa) => {
  it('serves the page, the stream and the controls at /breakers, and passes the rest on', async () => {
    const app = createApp(Koa);
    const breakers = circuitBreaker();
    let access: 'none' | 'view' | 'control' = 'control';
    const dashboard = breakerDashboard({ registry: breakers.registry, authorize: () => access });
    app.use(dashboard);
    app.use(breakers);
    const router = new Router();
    router.get('/users/:id', (ctx) => {
      ctx.body = { ok: true };
    });
    app.use(router.routes());
    const server = http.createServer(app.callback());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${origin}/users/1`)).status).toBe(200);
      const page = await fetch(`${origin}/breakers`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await page.text();
      const token = /"token":"([^"]+)"/.exec(html)?.[1] ?? '';
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const stream = await fetch(`${origin}/breakers/events`);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const reader = stream.body?.getReader();
      expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('retry: 2000');
      await reader?.cancel();
      const key = 'GET /users/:id';
      const action = await fetch(`${origin}/breakers/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-breakwater-csrf': token, cookie, origin },
        body: JSON.stringify({ action: 'force_open', key }),
      });
      expect(action.status).toBe(200);
      expect(breakers.registry.peek(key)?.state).toBe('forced_open');
      expect((await fetch(`${origin}/users/1`)).status).toBe(503);
      access = 'none';
      expect((await fetch(`${origin}/breakers`)).status).toBe(403);
      expect((await fetch(`${origin}/breakers/elsewhere`)).status).not.toBe(403);
    } finally {
      dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
