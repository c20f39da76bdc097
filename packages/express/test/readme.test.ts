/**
 * The README's "Testing with Breakwater" example, as written, on both majors.
 */
import type { Request, Response } from 'express';
import { circuitBreaker } from '../src/index.js';
import { client, expressVersions } from './helpers.js';

describe.each(expressVersions)('%s: README example', (_name, express) => {
  test('an open route answers 503 without reaching the handler', async () => {
    let t = 0;
    const clock = { now: () => t };
    const app = express();
    const breakers = circuitBreaker({
      clock,
      window: { kind: 'count', size: 4 },
      minimumCalls: 2,
      openDurationMs: 30_000,
    });
    const handler = jest.fn((_req: Request, res: Response) => {
      res.sendStatus(500);
    });
    app.use(breakers);
    app.get('/users/:id', handler);
    const request = await client(app);

    await request.get('/users/1').expect(500);
    await request.get('/users/2').expect(500);
    expect(breakers.registry.peek('GET /users/:id')?.state).toBe('open');

    const res = await request.get('/users/3').expect(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(handler).toHaveBeenCalledTimes(2);

    t += 30_000;
    handler.mockImplementation((_req, res) => {
      res.sendStatus(200);
    });
    await request.get('/users/4').expect(200);
    expect(breakers.registry.peek('GET /users/:id')?.state).toBe('half_open');
  });
});
