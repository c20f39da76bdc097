/**
 * The page, the controls and their security over HTTP, without a browser: access
 * levels, CSP, escaping, CSRF and Origin checks, bounded bodies, and answers that
 * never show an error.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { isBreakerConfigError } from '@breakwater/core';
import {
  type AuthorizeResult,
  createDashboard,
  DASHBOARD_ACTION_CHANNEL,
  type DashboardActionEvent,
  type DashboardHandler,
  DashboardWarningCodes,
} from '../src/index.js';
import {
  captureWarnings,
  fetchText,
  HOSTILE_KEY,
  listen,
  quickRegistry,
  SseClient,
  trip,
} from './helpers.js';

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup(
  authorize: (req: IncomingMessage) => AuthorizeResult | Promise<AuthorizeResult>,
  extra: { path?: string; trustedOrigins?: string[] } = {},
) {
  const registry = quickRegistry({ name: `reg ${HOSTILE_KEY}` });
  registry.get('GET /a');
  registry.get(HOSTILE_KEY);
  const dashboard: DashboardHandler = createDashboard({ registry, authorize, ...extra });
  const server = await listen((req, res) =>
    dashboard(req, res, () => {
      res.statusCode = 418;
      res.end('next');
    }),
  );
  const host = server.url.slice('http://'.length);
  return { registry, dashboard, server, host };
}

async function teardown(s: Setup): Promise<void> {
  s.dashboard.close();
  await s.server.close();
}

/** Loads the page and returns the CSRF token and the cookie a control needs. */
async function session(s: Setup, base = ''): Promise<{ token: string; cookie: string }> {
  const page = await fetchText(`${s.server.url}${base}/`);
  expect(page.status).toBe(200);
  const config = /<script type="application\/json" id="bw-config">([^<]*)<\/script>/.exec(page.body)?.[1];
  const token = (JSON.parse(config ?? '{}') as { token?: string }).token;
  const setCookie = page.headers['set-cookie']?.[0] ?? '';
  return { token: token ?? '', cookie: setCookie.split(';')[0] ?? '' };
}

function post(s: Setup, body: unknown, headers: Record<string, string>, base = '') {
  return fetchText(`${s.server.url}${base}/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('the page', () => {
  it('is self-contained, escapes the registry name, and sends a strict CSP with a fresh nonce', async () => {
    const s = await setup(() => 'view');
    try {
      const a = await fetchText(`${s.server.url}/`);
      const b = await fetchText(`${s.server.url}/`);
      expect(a.status).toBe(200);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      const csp = a.headers['content-security-policy'] as string;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("require-trusted-types-for 'script'");
      expect(csp).not.toContain('unsafe-inline');
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(b.headers['content-security-policy']).not.toBe(csp);
      expect(a.body).toContain(`<script nonce="${nonce}">`);
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['cache-control']).toBe('no-store');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      // No URL to anywhere else, and the hostile registry name is escaped.
      expect(a.body).not.toMatch(/(src|href)="(https?:)?\/\//);
      expect(a.body).not.toContain('<img');
      expect(a.body).toContain('reg &#60;img src=x onerror=alert(1)&#62;');
      // View access: no token, no cookie.
      expect(a.body).toContain('"access":"view","token":null');
      expect(a.headers['set-cookie']).toBeUndefined();
      const head = await fetchText(`${s.server.url}/`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    } finally {
      await teardown(s);
    }
  });

  it.each<[string, AuthorizeResult | (() => never)]>([
    ['false', false],
    ["'none'", 'none'],
    ['an unknown value', 'admin' as AuthorizeResult],
    [
      'a throwing hook',
      () => {
        throw new Error('secret database password in a stack trace');
      },
    ],
  ])('answers 403 naming nothing when authorize returns %s', async (_name, result) => {
    const { result: s, codes } = await captureWarnings(async () => {
      const s = await setup(() => (typeof result === 'function' ? result() : result));
      for (const path of ['/', '/events']) {
        const answer = await fetchText(`${s.server.url}${path}`);
        expect(answer.status).toBe(403);
        expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(JSON.parse(answer.body)).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403 });
      }
      return s;
    });
    await teardown(s);
    expect(codes.includes(DashboardWarningCodes.AUTHORIZE_THREW)).toBe(typeof result === 'function');
  });

  it('routes under path, passes other requests on, and answers 405 to other methods', async () => {
    const s = await setup(() => 'view', { path: '/ops/breakers' });
    try {
      expect((await fetchText(`${s.server.url}/ops/breakers`)).status).toBe(200);
      expect((await fetchText(`${s.server.url}/ops/breakers/`)).status).toBe(200);
      expect((await fetchText(`${s.server.url}/ops/breakers/other`)).status).toBe(418);
      expect((await fetchText(`${s.server.url}/`)).status).toBe(418);
      const put = await fetchText(`${s.server.url}/ops/breakers`, { method: 'PUT' });
      expect(put.status).toBe(405);
      expect(put.headers['allow']).toBe('GET, HEAD');
      expect((await fetchText(`${s.server.url}/ops/breakers/actions`)).status).toBe(405);
    } finally {
      await teardown(s);
    }
  });

  it('warns once when mounted without authorize, and then shows no controls', async () => {
    const registry = quickRegistry();
    const { result: dashboard, codes } = await captureWarnings(() => createDashboard({ registry }));
    expect(codes).toEqual([DashboardWarningCodes.UNPROTECTED]);
    const server = await listen((req, res) => dashboard(req, res));
    try {
      const page = await fetchText(`${server.url}/`);
      expect(page.body).toContain('"access":"view","token":null');
    } finally {
      dashboard.close();
      await server.close();
    }
  });

  it('rejects bad options at construction, naming them', () => {
    const registry = quickRegistry();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{}, 'registry'],
      [{ registry, authorise: () => true }, 'authorise'],
      [{ registry, authorize: 'yes' }, 'authorize'],
      [{ registry, intervalMs: 10 }, 'intervalMs'],
      [{ registry, maxMessageBytes: 1_000 }, 'maxMessageBytes'],
      [{ registry, secret: 'short' }, 'secret'],
      [{ registry, path: 'no-slash' }, 'path'],
      [{ registry, trustedOrigins: ['ops.example.com'] }, 'trustedOrigins'],
    ];
    for (const [options, option] of bad) {
      let error: unknown;
      try {
        createDashboard(options as never).close();
      } catch (e) {
        error = e;
      }
      expect(isBreakerConfigError(error)).toBe(true);
      expect((error as { option: string }).option).toBe(option);
      expect((error as Error).message).toContain(option);
      expect((error as Error).message).not.toContain('short');
    }
  });
});

describe('the controls', () => {
  it('work with control access, a CSRF token, its cookie and the own Origin; each is reported', async () => {
    const s = await setup(() => ({ access: 'control', actor: 'alice' }));
    const events: DashboardActionEvent[] = [];
    const published: unknown[] = [];
    const onPublish = (message: unknown) => published.push(message);
    subscribe(DASHBOARD_ACTION_CHANNEL, onPublish);
    s.dashboard.onAction((e) => events.push(e));
    try {
      const { token, cookie } = await session(s);
      expect(token).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
      expect(cookie).toMatch(/^breakwater_dashboard=[A-Za-z0-9_-]{22}$/);
      const headers = { 'x-breakwater-csrf': token, cookie, origin: `http://${s.host}` };
      const force = await post(s, { action: 'force_open', key: HOSTILE_KEY }, headers);
      expect(force.status).toBe(200);
      expect(JSON.parse(force.body)).toEqual({
        ok: true,
        key: HOSTILE_KEY,
        state: 'forced_open',
        mode: 'enforce',
      });
      expect(s.registry.peek(HOSTILE_KEY)?.state).toBe('forced_open');
      expect((await post(s, { action: 'observe', key: 'GET /a' }, headers)).status).toBe(200);
      expect(s.registry.peek('GET /a')?.mode).toBe('observe');
      expect((await post(s, { action: 'disable', key: 'GET /a' }, headers)).status).toBe(200);
      expect(s.registry.peek('GET /a')?.state).toBe('disabled');
      expect((await post(s, { action: 'reset', key: 'GET /a' }, headers)).status).toBe(200);
      expect((await post(s, { action: 'enforce', key: 'GET /a' }, headers)).status).toBe(200);
      expect(s.registry.peek('GET /a')?.state).toBe('closed');
      expect(s.registry.peek('GET /a')?.mode).toBe('enforce');
      expect(events.map((e) => [e.action, e.key, e.from, e.to, e.fromMode, e.mode, e.actor])).toEqual([
        ['force_open', HOSTILE_KEY, 'closed', 'forced_open', 'enforce', 'enforce', 'alice'],
        ['observe', 'GET /a', 'closed', 'closed', 'enforce', 'observe', 'alice'],
        ['disable', 'GET /a', 'closed', 'disabled', 'observe', 'observe', 'alice'],
        ['reset', 'GET /a', 'disabled', 'closed', 'observe', 'observe', 'alice'],
        ['enforce', 'GET /a', 'closed', 'closed', 'observe', 'enforce', 'alice'],
      ]);
      expect(published).toEqual(events);
    } finally {
      unsubscribe(DASHBOARD_ACTION_CHANNEL, onPublish);
      await teardown(s);
    }
  });

  it('are refused with a bare 403 without control access, token, cookie or the right Origin', async () => {
    let access: AuthorizeResult = 'control';
    const s = await setup(() => access);
    try {
      const { token, cookie } = await session(s);
      const { token: otherToken } = await session(s);
      const good = { 'x-breakwater-csrf': token, cookie, origin: `http://${s.host}` };
      const body = { action: 'force_open', key: 'GET /a' };
      const refusals: Array<Record<string, string>> = [
        { ...good, 'x-breakwater-csrf': '' },
        { ...good, 'x-breakwater-csrf': `${token}x` },
        { ...good, 'x-breakwater-csrf': token.replace(/^[0-9a-z]+/, '1') },
        { ...good, cookie: 'breakwater_dashboard=AAAAAAAAAAAAAAAAAAAAAA' },
        { ...good, cookie: '' },
        { ...good, origin: 'http://evil.example' },
        { ...good, origin: 'null' },
        { 'x-breakwater-csrf': token, cookie },
        { ...good, 'sec-fetch-site': 'cross-site' },
      ];
      // A token from another page load of the same browser (same cookie) is fine, though.
      expect(otherToken).not.toBe('');
      for (const headers of refusals) {
        const answer = await post(s, body, headers);
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.body)).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403 });
      }
      access = 'view';
      expect((await post(s, body, good)).status).toBe(403);
      access = true;
      expect((await post(s, body, good)).status).toBe(403);
      expect(s.registry.peek('GET /a')?.state).toBe('closed');
      access = 'control';
      expect((await post(s, body, good)).status).toBe(200);
    } finally {
      await teardown(s);
    }
  });

  it('accept a trusted origin, and refuse a token past its lifetime', async () => {
    const s = await setup(() => 'control', { trustedOrigins: ['https://ops.example.com'] });
    try {
      const { token, cookie } = await session(s);
      const headers = { 'x-breakwater-csrf': token, cookie, origin: 'https://ops.example.com' };
      expect((await post(s, { action: 'reset', key: 'GET /a' }, headers)).status).toBe(200);
      const stale = `${(Date.now() - 43_200_001).toString(36)}.${token.split('.')[1]}`;
      expect(
        (await post(s, { action: 'reset', key: 'GET /a' }, { ...headers, 'x-breakwater-csrf': stale }))
          .status,
      ).toBe(403);
    } finally {
      await teardown(s);
    }
  });

  it('answer 400, 404, 413 and 415 with bare problems, and never create a breaker', async () => {
    const s = await setup(() => 'control');
    try {
      const { token, cookie } = await session(s);
      const headers = { 'x-breakwater-csrf': token, cookie, origin: `http://${s.host}` };
      const cases: Array<[unknown, Record<string, string>, number]> = [
        ['{not json', headers, 400],
        [{ action: 'explode', key: 'GET /a' }, headers, 400],
        [{ action: 'reset' }, headers, 400],
        [{ action: 'reset', key: 'x'.repeat(2_000) }, headers, 400],
        [{ action: 'reset', key: 'GET /never-seen' }, headers, 404],
        [{ action: 'reset', key: 'GET /a', pad: 'x'.repeat(5_000) }, headers, 413],
        [{ action: 'reset', key: 'GET /a' }, { ...headers, 'content-type': 'text/plain' }, 415],
      ];
      for (const [body, h, status] of cases) {
        const answer = await post(s, body, h);
        expect(answer.status).toBe(status);
        const problem = JSON.parse(answer.body) as Record<string, unknown>;
        expect(Object.keys(problem).sort()).toEqual(['status', 'title', 'type']);
      }
      expect(s.registry.has('GET /never-seen')).toBe(false);
    } finally {
      await teardown(s);
    }
  });
});

describe('the stream', () => {
  it('reports a transition, with the group, rates and the log', async () => {
    const s = await setup(() => 'view');
    try {
      trip(s.registry, 'GET /a');
      const client = new SseClient(`${s.server.url}/events`);
      await client.waitFor(1);
      client.close();
      const data = client.messages[0] ?? '{}';
      const message = JSON.parse(data) as {
        registry: string;
        states: number[];
        groups: Array<{ name: string; worst: string; fr: number; cps: number; p99: number; rows: unknown[] }>;
        log: Array<{ key: string; to: string; reason: string }>;
      };
      expect(message.registry).toBe(`reg ${HOSTILE_KEY}`);
      expect(message.states).toEqual([1, 0, 0, 0, 1]);
      expect(message.groups[0]?.name).toBe('GET /a');
      expect(message.groups[0]?.worst).toBe('open');
      expect(message.groups[0]?.fr).toBe(1000);
      expect(message.groups[0]?.p99).toBeGreaterThanOrEqual(20);
      expect(message.log[0]).toMatchObject({ key: 'GET /a', to: 'open', reason: 'failure_rate' });
    } finally {
      await teardown(s);
    }
  });
});
