/**
 * Issue #9, item 11: under `trust proxy`, `req.ip` is the `X-Forwarded-For` entry as the
 * proxy wrote it, port and brackets included. Client breakers key the client, not the
 * connection: a changing port shares one breaker, and NAT64 clients do not share one.
 */
import { circuitBreaker } from '../src/index.js';
import { client, expressVersions, FakeClock, quickTrip } from './helpers.js';

describe.each(expressVersions)('%s: client keys behind a trusted proxy', (_name, express) => {
  async function setup() {
    const app = express();
    app.set('trust proxy', true);
    const breakers = circuitBreaker({ ...quickTrip(new FakeClock()), key: 'client' });
    app.use(breakers);
    app.get('/fail', (_req, res) => {
      res.sendStatus(500);
    });
    app.get('/ok', (_req, res) => {
      res.send('ok');
    });
    return { http: await client(app), registry: breakers.registry };
  }

  it('keys ip:port and [v6]:port forms as the address, so a new port meets the open breaker', async () => {
    const { http, registry } = await setup();
    await http.get('/fail').set('x-forwarded-for', '203.0.113.7:50001').expect(500);
    await http.get('/fail').set('x-forwarded-for', '203.0.113.7:50002').expect(500);
    await http.get('/ok').set('x-forwarded-for', '203.0.113.7:50003').expect(503);
    await http.get('/fail').set('x-forwarded-for', '[2001:db8:abcd:12ff::1]:443').expect(500);
    await http.get('/fail').set('x-forwarded-for', '[2001:db8:abcd:12ff::2]').expect(500);
    await http.get('/ok').set('x-forwarded-for', '2001:db8:abcd:1201::9').expect(503);
    expect([...registry.entries()].map(([key]) => key).sort()).toEqual([
      '2001:db8:abcd:1200::/56',
      '203.0.113.7',
    ]);
  });

  it('gives every IPv4 client behind NAT64 a breaker of its own', async () => {
    const { http, registry } = await setup();
    await http.get('/fail').set('x-forwarded-for', '64:ff9b::203.0.113.7').expect(500);
    await http.get('/fail').set('x-forwarded-for', '64:ff9b::203.0.113.7').expect(500);
    await http.get('/ok').set('x-forwarded-for', '64:ff9b::198.51.100.1').expect(200);
    await http.get('/ok').set('x-forwarded-for', '::1').expect(200);
    await http.get('/ok').set('x-forwarded-for', '64:ff9b::203.0.113.7').expect(503);
    expect(registry.peek('203.0.113.7')?.state).toBe('open');
    expect(registry.peek('198.51.100.1')?.state).toBe('closed');
    expect(registry.peek('::1')?.state).toBe('closed');
  });
});
