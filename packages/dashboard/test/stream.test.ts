/**
 * The server-sent-events stream: bounded messages whatever the keys, a stream that
 * stops when its client goes away, and nothing left behind by 1,000 connects and
 * disconnects.
 */
import type { ServerResponse } from 'node:http';
import { BreakerRegistry } from '@breakwater/core';
import { Collector } from '../src/collector.js';
import { createDashboard } from '../src/index.js';
import { ViewBuilder } from '../src/view.js';
import { HOSTILE_KEY, listen, quickRegistry, SseClient, succeed, trip, until } from './helpers.js';

/** A key of 256 characters (the registry's bound) that costs the most bytes in JSON: control characters. */
function heavyKey(i: number): string {
  const head = `${HOSTILE_KEY} ${i} `;
  return head + '\u0001'.repeat(256 - head.length);
}

function callListenerCount(registry: BreakerRegistry): number {
  let total = 0;
  for (const [, breaker] of registry.entries()) {
    total += (breaker as unknown as { callListeners: { size: number } | null }).callListeners?.size ?? 0;
  }
  return total;
}

describe('stream messages', () => {
  it('stay within maxMessageBytes with 10,000 heavy keys in 10,000 groups, open ones and a busy log', () => {
    const registry = new BreakerRegistry({
      maxKeys: 10_000,
      maxPinnedKeys: 2_000,
      defaults: { window: { kind: 'count', size: 10 }, minimumCalls: 5, openDurationMs: 60_000 },
    });
    for (let i = 0; i < 10_000; i++) registry.get(heavyKey(i));
    const collector = new Collector({
      registry,
      group: (key) => key,
      maxGroups: 1_000,
      clock: { now: () => Date.now() },
      onTransition: () => {},
    });
    for (let i = 0; i < 1_500; i++) trip(registry, heavyKey(i));
    collector.scan();
    expect(collector.trackedCount).toBe(10_000);
    expect(collector.groupCount).toBeLessThanOrEqual(1_001);
    for (const maxBytes of [16_384, 131_072]) {
      const builder = new ViewBuilder(collector, maxBytes);
      for (const params of [
        { q: '', open: '', page: 0 },
        { q: 'img', open: heavyKey(3), page: 0 },
        { q: '', open: '(other)', page: 7 },
      ]) {
        const json = builder.build(params);
        expect(Buffer.byteLength(json)).toBeLessThanOrEqual(maxBytes);
        const message = JSON.parse(json) as { size: number; states: number[]; groups: unknown[] };
        expect(message.size).toBe(10_000);
        expect(message.states[0]).toBe(1_500);
      }
    }
    collector.close();
    expect(callListenerCount(registry)).toBe(0);
  });

  it('list not-closed breakers first, page the opened group, and count every state', () => {
    const registry = quickRegistry();
    for (let i = 0; i < 100; i++) registry.get(`GET /items @ 10.0.0.${i}`);
    trip(registry, 'GET /items @ 10.0.0.42');
    registry.get('GET /items @ 10.0.0.7').forceOpen();
    const collector = new Collector({
      registry,
      group: (key) => key.split(' @ ')[0] ?? key,
      maxGroups: 10,
      clock: { now: () => Date.now() },
      onTransition: () => {},
    });
    const builder = new ViewBuilder(collector, 131_072);
    type Row = { key: string; state: string };
    type Msg = {
      groups: Array<{ name: string; worst: string; rows: Row[]; matched: number; offset: number }>;
    };
    const top = JSON.parse(builder.build({ q: '', open: '', page: 0 })) as Msg;
    expect(top.groups).toHaveLength(1);
    expect(top.groups[0]?.worst).toBe('open');
    expect(top.groups[0]?.rows.map((r) => r.state).slice(0, 3)).toEqual(['open', 'forced_open', 'closed']);
    expect(top.groups[0]?.rows).toHaveLength(5);
    const page = JSON.parse(builder.build({ q: '', open: 'GET /items', page: 2 })) as Msg;
    expect(page.groups[0]?.offset).toBe(50);
    expect(page.groups[0]?.rows).toHaveLength(25);
    const search = JSON.parse(builder.build({ q: '10.0.0.4', open: '', page: 0 })) as Msg;
    // 10.0.0.4 and 10.0.0.40 … 49: the open .42 first.
    expect(search.groups[0]?.matched).toBe(11);
    expect(search.groups[0]?.rows[0]?.key).toBe('GET /items @ 10.0.0.42');
    collector.close();
  });
});

describe('the event stream over HTTP', () => {
  it('sends updates, and stops writing to a client that went away', async () => {
    const registry = quickRegistry();
    succeed(registry, 'GET /a', 3);
    const dashboard = createDashboard({ registry, authorize: () => 'view', intervalMs: 50 });
    const writes = new Map<ServerResponse, number>();
    const closed: ServerResponse[] = [];
    const server = await listen((req, res) => {
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      writes.set(res, 0);
      res.write = ((...args: unknown[]) => {
        writes.set(res, (writes.get(res) ?? 0) + 1);
        return write(...args);
      }) as typeof res.write;
      res.on('close', () => closed.push(res));
      dashboard(req, res);
    });
    try {
      const watcher = new SseClient(`${server.url}/events`);
      const leaver = new SseClient(`${server.url}/events`);
      expect(await leaver.opened).toBe(200);
      await Promise.all([watcher.waitFor(2), leaver.waitFor(2)]);
      expect(leaver.last()['size']).toBe(1);
      expect(dashboard.connections).toBe(2);
      leaver.close();
      await until(() => dashboard.connections === 1 && closed.length === 1);
      const gone = closed[0] as ServerResponse;
      const writtenWhenGone = writes.get(gone);
      // The watcher's updates go on: wait for three more of them.
      await watcher.waitFor(watcher.messages.length + 3);
      expect(writes.get(gone)).toBe(writtenWhenGone);
      expect(gone.writableEnded).toBe(true);
      watcher.close();
      await until(() => dashboard.connections === 0);
    } finally {
      dashboard.close();
      await server.close();
    }
  });

  // 1,000 real connections take a few seconds.
  jest.setTimeout(60_000);

  it('leaves no listener, stream or timer behind after 1,000 connects and disconnects', async () => {
    const registry = quickRegistry();
    for (let i = 0; i < 20; i++) succeed(registry, `GET /r${i}`, 2);
    const dashboard = createDashboard({ registry, authorize: () => 'view', maxConnections: 64 });
    const server = await listen((req, res) => dashboard(req, res));
    const listenersBefore = callListenerCount(registry);
    expect(listenersBefore).toBe(20);
    try {
      for (let round = 0; round < 50; round++) {
        const clients = Array.from({ length: 20 }, () => new SseClient(`${server.url}/events`));
        await Promise.all(clients.map((c) => c.waitFor(1)));
        for (const c of clients) c.close();
        await until(() => dashboard.connections === 0);
      }
      expect(dashboard.connections).toBe(0);
      expect(callListenerCount(registry)).toBe(listenersBefore);
      expect(server.server.listenerCount('request')).toBe(1);
      // The sockets are gone too.
      let open = -1;
      for (let i = 0; i < 200 && open !== 0; i++) {
        open = await new Promise<number>((resolve) => server.server.getConnections((_e, n) => resolve(n)));
        if (open !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(open).toBe(0);
    } finally {
      dashboard.close();
      await server.close();
    }
    expect(callListenerCount(registry)).toBe(0);
  });

  it('refuses streams beyond maxConnections with 503, and ends streams on close()', async () => {
    const registry = quickRegistry();
    const dashboard = createDashboard({ registry, authorize: () => 'view', maxConnections: 2 });
    const server = await listen((req, res) => dashboard(req, res));
    try {
      const a = new SseClient(`${server.url}/events`);
      const b = new SseClient(`${server.url}/events`);
      await Promise.all([a.waitFor(1), b.waitFor(1)]);
      const c = new SseClient(`${server.url}/events`);
      expect(await c.opened).toBe(503);
      dashboard.close();
      expect(dashboard.connections).toBe(0);
      const d = new SseClient(`${server.url}/events`);
      expect(await d.opened).toBe(404);
      for (const s of [a, b, c, d]) s.close();
    } finally {
      await server.close();
    }
  });

  it('ends a stream after maxStreamMs, so that the browser reconnects and is authorized again', async () => {
    let now = 1_000_000;
    const registry = quickRegistry();
    const dashboard = createDashboard({
      registry,
      authorize: () => 'view',
      intervalMs: 50,
      maxStreamMs: 60_000,
      clock: { now: () => now },
    });
    const server = await listen((req, res) => dashboard(req, res));
    try {
      const a = new SseClient(`${server.url}/events`);
      await a.waitFor(1);
      expect(dashboard.connections).toBe(1);
      now += 60_000;
      await until(() => dashboard.connections === 0);
      a.close();
    } finally {
      dashboard.close();
      await server.close();
    }
  });
});
