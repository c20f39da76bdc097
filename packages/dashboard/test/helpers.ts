import { once } from 'node:events';
import { type ClientRequest, createServer, get, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BreakerRegistry, type Clock } from '@breakwater/core';

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A registry whose breakers open after 5 calls with half of them failed, and stay open a minute. */
export function quickRegistry(
  options: { clock?: Clock; maxKeys?: number; name?: string } = {},
): BreakerRegistry {
  return new BreakerRegistry({
    ...(options.name === undefined ? {} : { name: options.name }),
    defaults: {
      window: { kind: 'count', size: 10 },
      minimumCalls: 5,
      failureRateThreshold: 0.5,
      openDurationMs: 60_000,
    },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.maxKeys === undefined ? {} : { maxKeys: options.maxKeys }),
  });
}

/** Fails calls on `key`'s breaker until it leaves closed (at most 100 calls). */
export function trip(registry: BreakerRegistry, key: string, durationMs = 20): void {
  const breaker = registry.get(key);
  for (let i = 0; i < 100 && breaker.state === 'closed'; i++) {
    const permit = breaker.tryAcquire();
    if (permit.permitted) permit.failure(new Error('down'), durationMs);
  }
}

/** Reports `n` successful calls on `key`'s breaker. */
export function succeed(registry: BreakerRegistry, key: string, n: number, durationMs = 5): void {
  const breaker = registry.get(key);
  for (let i = 0; i < n; i++) {
    const permit = breaker.tryAcquire();
    if (permit.permitted) permit.success(durationMs);
  }
}

/** Starts a server on 127.0.0.1 with a random port. */
export async function listen(
  handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void,
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plain HTTP answer. */
export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request; the body is read in full. */
export function fetchText(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** An event-stream client: collects the `update` messages as they come. */
export class SseClient {
  readonly messages: string[] = [];
  status = 0;
  readonly #req: ClientRequest;
  #buffer = '';
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  readonly opened: Promise<number>;

  constructor(url: string) {
    let settle: (status: number) => void = () => {};
    let fail: (error: Error) => void = () => {};
    this.opened = new Promise((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    this.#req = get(url, (res) => {
      this.status = res.statusCode ?? 0;
      settle(this.status);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.#onData(chunk));
      res.on('error', () => {});
    });
    this.#req.on('error', (error) => fail(error));
  }

  /** Resolves once `count` messages have arrived in all. */
  waitFor(count: number): Promise<void> {
    if (this.messages.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** The last message, parsed. */
  last(): Record<string, unknown> {
    const m = this.messages.at(-1);
    if (m === undefined) throw new Error('no message yet');
    return JSON.parse(m) as Record<string, unknown>;
  }

  close(): void {
    this.#req.destroy();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let end = this.#buffer.indexOf('\n\n');
    while (end >= 0) {
      const frame = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const lines = frame.split('\n');
      if (lines[0] === 'event: update') {
        const data = lines.find((l) => l.startsWith('data: '));
        if (data !== undefined) this.messages.push(data.slice(6));
      }
      end = this.#buffer.indexOf('\n\n');
    }
    this.#waiters = this.#waiters.filter((w) => {
      if (this.messages.length < w.count) return true;
      w.resolve();
      return false;
    });
  }
}

/** Polls `condition` on the event loop, at most `limit` turns of 10 ms; fails the test otherwise. */
export async function until(condition: () => boolean, limit = 500): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met');
}

/** Captures `process.emitWarning` calls while `fn` runs. */
export async function captureWarnings<T>(fn: () => T | Promise<T>): Promise<{ result: T; codes: string[] }> {
  const codes: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((_message: string, options?: { code?: string }) => {
    if (options?.code !== undefined) codes.push(options.code);
  }) as typeof process.emitWarning;
  try {
    return { result: await fn(), codes };
  } finally {
    process.emitWarning = original;
  }
}

/** The hostile key of the issue: rendered as text, never as HTML. */
export const HOSTILE_KEY = '<img src=x onerror=alert(1)>';
