import { routeKey } from '@breakwater/core';
import type { Context } from 'koa';

/**
 * The route key of a request in the router layer whose path is `path`: `GET /users/:id`.
 *
 * @internal
 */
export function routeTemplateKey(ctx: Context, path: unknown): string {
  return routeKey(typeof ctx.method === 'string' ? ctx.method : 'GET', routeTemplate(ctx, path));
}

/**
 * The route template of a `@koa/router` layer as the request sees it: the prefixes of
 * the sub-apps it was mounted through (koa-mount style) and the layer's own path,
 * e.g. `/admin` + `/users/:id`.
 *
 * - The layer's path is taken as written: `@koa/router` already joins router
 *   prefixes and nested routers' mount paths into it (`/api/v1/users/:id`,
 *   `/orgs/:org/members/:id`); a RegExp is written as its source (`/^\/legacy\/.*$/`).
 * - A mounted sub-app is recognised by `ctx.mountPath`, which koa-mount sets while the
 *   sub-app runs, and `ctx.path`, which it strips of the prefix: the part of the
 *   original path that was stripped is the mount prefix (all of them, when mounts
 *   nest). Mount prefixes are fixed strings, so no request data gets in.
 *
 * @internal
 */
export function routeTemplate(ctx: Context, path: unknown): string {
  return joinPaths(mountPrefix(ctx), layerPath(path));
}

/** A layer's path as written. */
export function layerPath(path: unknown): string {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  return '';
}

/** The prefix the sub-apps the request was mounted through stripped from `ctx.path`, or `''`. */
function mountPrefix(ctx: Context): string {
  const mountPath = (ctx as unknown as { mountPath?: unknown }).mountPath;
  if (typeof mountPath !== 'string' || mountPath === '' || mountPath === '/') return '';
  const inner = trimSlash(mountPath);
  const original = pathname(ctx.originalUrl);
  const current = ctx.path;
  let prefix: string | undefined;
  if (typeof current === 'string' && original !== undefined && original !== current) {
    if (current === '/' || current === '') prefix = trimSlash(original);
    else if (original.endsWith(current)) prefix = original.slice(0, original.length - current.length);
  }
  // The stripped part must end with the innermost mount path; otherwise keep that alone.
  if (prefix === undefined || !prefix.endsWith(inner)) return inner;
  return prefix;
}

function pathname(url: unknown): string | undefined {
  if (typeof url !== 'string' || !url.startsWith('/')) return undefined;
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function joinPaths(mount: string, path: string): string {
  if (mount === '') return path === '' ? '/' : path;
  if (path === '' || path === '/') return mount;
  return path.startsWith('/') ? `${mount}${path}` : `${mount}/${path}`;
}
