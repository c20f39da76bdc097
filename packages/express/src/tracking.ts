import type { Request } from 'express';
import { instrumentRoute } from './instrumentation.js';
import { type RequestState, stateOf, TRACK_MOUNTS, TRACK_NONE, TRACK_ROUTE } from './state.js';

/**
 * Follows the request through Express's router with accessors on its own `route`,
 * `params` and `baseUrl` properties (Express sets them as it routes; the values are
 * kept and read back unchanged):
 *
 * - `route`: Express assigns it when it dispatches the request into a matched route,
 *   before `router.param` callbacks and before the route's handlers. The route is
 *   instrumented then (see `instrumentRoute`), so Breakwater's admission runs before
 *   its first handler.
 * - `baseUrl` and `params` (with `mounts`): each time a mounted router or sub-app is
 *   entered, `req.baseUrl` grows by the actual prefix it matched, just after `params`
 *   got the values matched for it. That prefix and those values give the mount path's
 *   template (`/orgs/acme` with `{ org: 'acme' }` is `/orgs/:org`); leaving the mount
 *   shrinks `baseUrl` and drops it.
 *
 * Installed once per request by the first Breakwater middleware that needs it, at the
 * level it needs: `route` only (client and function keys) or all three (route keys).
 *
 * @internal
 */
export function track(req: Request, state: RequestState, level: number): void {
  if (state.tracking >= level) return;
  const r = req as unknown as Record<string, unknown>;
  if (state.tracking === TRACK_NONE) {
    state.route = r['route'];
    Object.defineProperty(req, 'route', ROUTE);
    state.tracking = TRACK_ROUTE;
  }
  if (level === TRACK_MOUNTS) {
    const params = r['params'];
    const baseUrl = r['baseUrl'];
    state.params = params;
    state.lastParams = params;
    state.baseUrl = baseUrl;
    if (typeof baseUrl === 'string' && baseUrl !== '') {
      state.mounts.push({ end: baseUrl.length, segment: baseUrl, params });
    }
    Object.defineProperty(req, 'params', PARAMS);
    Object.defineProperty(req, 'baseUrl', BASE_URL);
    state.tracking = TRACK_MOUNTS;
  }
}

const ROUTE: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Request): unknown {
    return stateOf(this)?.route;
  },
  set(this: Request, value: unknown) {
    const state = stateOf(this);
    if (state === undefined) return;
    state.route = value;
    if (value !== undefined && value !== null) instrumentRoute(value);
  },
};

const PARAMS: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Request): unknown {
    return stateOf(this)?.params;
  },
  set(this: Request, value: unknown) {
    const state = stateOf(this);
    if (state === undefined) return;
    state.params = value;
    state.lastParams = value;
  },
};

const BASE_URL: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Request): unknown {
    return stateOf(this)?.baseUrl;
  },
  set(this: Request, value: unknown) {
    const state = stateOf(this);
    if (state === undefined) return;
    const before = typeof state.baseUrl === 'string' ? state.baseUrl : '';
    const after = typeof value === 'string' ? value : '';
    state.baseUrl = value;
    if (after === before) return;
    const mounts = state.mounts;
    if (after.length > before.length && after.startsWith(before)) {
      mounts.push({ end: after.length, segment: after.slice(before.length), params: state.lastParams });
      return;
    }
    while (mounts.length > 0 && (mounts[mounts.length - 1] as { end: number }).end > after.length)
      mounts.pop();
    const top = mounts.length === 0 ? 0 : (mounts[mounts.length - 1] as { end: number }).end;
    if (top < after.length) {
      // Not a mount Express entered in order (someone set baseUrl by hand): keep it whole.
      mounts.push({ end: after.length, segment: after.slice(top), params: state.lastParams });
    }
  },
};
