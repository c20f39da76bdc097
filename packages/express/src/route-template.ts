import type { Request } from 'express';
import { type Mount, type RequestState, TRACK_MOUNTS } from './state.js';

/**
 * The route template of the route a request is in, from the mount paths it went
 * through and the route's own path: `/orgs/:org/members/:id` for
 * `app.use('/orgs/:org', orgs); orgs.use('/members', members); members.get('/:id', …)`.
 *
 * - The route's own path is taken as written (`route.path`): a string, a RegExp
 *   (`/^\/v\d+/`) or an array (joined with `,`).
 * - Each mount path is the actual prefix it matched (`req.baseUrl` grows by it) with
 *   the values of the parameters Express matched for it put back as `:name`.
 *
 * @internal
 */
export function routeTemplate(req: Request, route: unknown, state: RequestState | undefined): string {
  return joinPaths(mountTemplate(req, state), routePath(route));
}

/** The template of `req.baseUrl`. */
function mountTemplate(req: Request, state: RequestState | undefined): string {
  const baseUrl = typeof req.baseUrl === 'string' ? req.baseUrl : '';
  if (baseUrl === '') return '';
  if (state !== undefined && state.tracking === TRACK_MOUNTS) {
    const mounts = state.mounts;
    const last = mounts[mounts.length - 1];
    if (last !== undefined && last.end === baseUrl.length && sameParts(mounts, baseUrl)) {
      let out = '';
      for (const mount of mounts) out += templatize(mount.segment, mount.params);
      return out;
    }
  }
  // Not tracked from the start (per-route use): the params in scope are the best guess.
  return templatize(baseUrl, req.params);
}

function sameParts(mounts: readonly Mount[], baseUrl: string): boolean {
  let at = 0;
  for (const mount of mounts) {
    if (!baseUrl.startsWith(mount.segment, at)) return false;
    at += mount.segment.length;
  }
  return at === baseUrl.length;
}

/** The route's path as written. */
export function routePath(route: unknown): string {
  const path = (route as { path?: unknown } | null)?.path;
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(String).join(',');
  if (path instanceof RegExp) return String(path);
  return '';
}

function joinPaths(mount: string, path: string): string {
  if (mount === '') return path === '' ? '/' : path;
  if (path === '' || path === '/') return mount;
  return path.startsWith('/') ? `${mount}${path}` : `${mount}/${path}`;
}

/**
 * Puts parameter names back into an actual path: each `/`-separated part equal to a
 * parameter's (decoded) value becomes `:name`; a value spanning several parts (a
 * wildcard) is replaced where it occurs.
 */
export function templatize(segment: string, params: unknown): string {
  if (segment === '' || typeof params !== 'object' || params === null) return segment;
  const names: string[] = [];
  const values: string[] = [];
  for (const name in params) {
    const raw = (params as Record<string, unknown>)[name];
    const value = Array.isArray(raw) ? raw.join('/') : raw;
    if (typeof value === 'string' && value.length > 0) {
      names.push(name);
      values.push(value);
    }
  }
  if (names.length === 0) return segment;
  const parts = segment.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '') continue;
    const decoded = safeDecode(part);
    const at = values.indexOf(decoded);
    if (at !== -1) parts[i] = `:${names[at]}`;
  }
  let out = parts.join('/');
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string;
    if (!value.includes('/')) continue;
    const at = out.indexOf(value);
    if (at !== -1) out = `${out.slice(0, at)}:${names[i]}${out.slice(at + value.length)}`;
  }
  return out;
}

function safeDecode(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
