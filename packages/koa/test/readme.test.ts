/**
 * The README's "Testing with Breakwater" example, as written, on both majors.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import request from 'supertest';
import { circuitBreaker } from '../src/index.js';
import { koaVersions } from './helpers.js';

describe.each(koaVersions)('%s: README example', (_name, Koa) => {
  test('an open route answers 503 without reaching the handler', async () => {
    let t = 0;
    const clock = { now: () => t };
    const app = new Koa();
    const router = new Router();
    const breakers = circuitBreaker({
      clock,
      window: { kind: 'count', size: 4 },
      minimumCalls: 2,
      openDurationMs: 30_000,
    });
    const handler = jest.fn((ctx: Context) => {
      ctx.status = 500;
    });
    router.get('/users/:id', handler);
    app.use(breakers);
    app.use(router.routes());
    const server = app.listen(0, '127.0.0.1');
    const http = request(server);

    await http.get('/users/1').expect(500);
    await http.get('/users/2').expect(500);
    expect(breakers.registry.peek('GET /users/:id')?.state).toBe('open');

    const res = await http.get('/users/3').expect(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(handler).toHaveBeenCalledTimes(2);

    t += 30_000; // the open period is over: the next request is a half-open probe
    handler.mockImplementation((ctx) => {
      ctx.status = 200;
    });
    await http.get('/users/4').expect(200);
    server.close();
  });
});
