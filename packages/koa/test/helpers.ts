import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import request from 'supertest';

type KoaClass = typeof Koa;

/** Both Koa majors, through the package aliases: every suite runs against each. */
export const koaVersions = [
  ['koa 2', require('koa2') as KoaClass],
  ['koa 3', require('koa3') as KoaClass],
] as const;

/** A new app that does not log the errors the tests provoke. */
export function createApp(KoaApp: KoaClass): Koa {
  const app = new KoaApp();
  app.silent = true;
  return app;
}

/**
 * Mounts `sub` under `prefix` the way koa-mount does: `ctx.path` loses the prefix and
 * `ctx.mountPath` is set while the sub-app's middleware runs, on the same `ctx`.
 */
export function mount(prefix: string, sub: Koa): Middleware {
  const downstream = compose(sub.middleware as Middleware[]);
  return async function mounted(ctx: Context, upstream: Next): Promise<void> {
    const prev = ctx.path;
    if (!(prev === prefix || prev.startsWith(`${prefix}/`))) return upstream();
    const c = ctx as Context & { mountPath?: string | undefined };
    const prevMount = c.mountPath;
    c.mountPath = prefix;
    ctx.path = prev.slice(prefix.length) || '/';
    const newPath = ctx.path;
    await downstream(ctx, async () => {
      ctx.path = prev;
      c.mountPath = prevMount;
      await upstream();
      ctx.path = newPath;
      c.mountPath = prefix;
    });
    ctx.path = prev;
    c.mountPath = prevMount;
  };
}

/** koa-compose, in short. */
function compose(middleware: Middleware[]): (ctx: Context, next: Next) => Promise<unknown> {
  return (ctx, next) => {
    const dispatch = (i: number): Promise<unknown> => {
      const fn = i === middleware.length ? next : middleware[i];
      if (fn === undefined) return Promise.resolve();
      try {
        return Promise.resolve(fn(ctx as never, () => dispatch(i + 1)));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}

/** A clock a test moves by hand. */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Options that open a breaker after two failures out of two calls, for 30 s, and probe with 2 calls. */
export function quickTrip(clock: FakeClock) {
  return {
    window: { kind: 'count' as const, size: 4 },
    minimumCalls: 2,
    failureRateThreshold: 0.5,
    openDurationMs: 30_000,
    halfOpenMaxCalls: 2,
    clock,
  };
}

const servers = new Set<http.Server>();

/** Serves `app` on 127.0.0.1 on an ephemeral port; closed after each test. */
export async function serve(app: Koa): Promise<http.Server> {
  const server = http.createServer(app.callback());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.add(server);
  return server;
}

/** supertest against `app` served on 127.0.0.1. */
export async function client(app: Koa) {
  return request(await serve(app));
}

afterEach(async () => {
  const closing = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  servers.clear();
  await Promise.all(closing);
});

/** The port of a served app. */
export function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

/** A promise and its resolver, to hold a handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A promise that never settles: a handler that never answers. */
export function forever(): Promise<never> {
  return new Promise<never>(() => {});
}

/** Resolves once `predicate` holds, polling every few ms (for events that happen after a response). */
export async function until(predicate: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Collects `process.emitWarning` calls made by Breakwater, silencing them. */
export function captureWarnings(): { codes: () => string[]; restore: () => void } {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  return {
    codes: () =>
      spy.mock.calls
        .map((call) => (call[1] as { code?: string } | undefined)?.code)
        .filter((code): code is string => typeof code === 'string'),
    restore: () => spy.mockRestore(),
  };
}
