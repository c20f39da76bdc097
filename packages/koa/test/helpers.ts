import type http from 'node:http';
import type Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import request from 'supertest';
import { serve as serveListener } from '../../core/test-support/index.js';

// The helpers every adapter suite shares; `serve` below takes the app instead of a listener.
export * from '../../core/test-support/index.js';

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

/** Serves `app` on 127.0.0.1 on an ephemeral port; closed after each test. */
export function serve(app: Koa): Promise<http.Server> {
  return serveListener(app.callback());
}

/** supertest against `app` served on 127.0.0.1. */
export async function client(app: Koa) {
  return request(await serve(app));
}

/** A promise that never settles: a handler that never answers. */
export function forever(): Promise<never> {
  return new Promise<never>(() => {});
}
