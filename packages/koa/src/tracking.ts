import type { Context } from 'koa';
import { instrumentLayers } from './instrumentation.js';
import { type RequestState, stateOf } from './state.js';

/**
 * Follows the request through `@koa/router` with an accessor on the context's own
 * `router` property. Every router sets `ctx.router` when it dispatches a request,
 * after it listed the layers matching the path in `ctx.matched` and before it builds
 * the request's middleware chain from those layers' stacks: the matched route layers
 * are instrumented then (see `instrumentLayers`), so Breakwater's admission runs before
 * the first handler of the route, on the first request already. The value the router
 * sets is kept and read back unchanged.
 *
 * Installed once per request by the first Breakwater middleware that sees it.
 *
 * @internal
 */
export function track(ctx: Context, state: RequestState): void {
  if (state.tracking) return;
  state.tracking = true;
  const previous = Object.getOwnPropertyDescriptor(ctx, 'router');
  if (previous?.set !== undefined) {
    // Another copy of this package (or another tool) follows ctx.router too: chain to it.
    Object.defineProperty(ctx, 'router', chained(previous));
    return;
  }
  state.router = (ctx as unknown as { router?: unknown }).router;
  Object.defineProperty(ctx, 'router', ROUTER);
}

function chained(previous: PropertyDescriptor): PropertyDescriptor {
  const get = previous.get;
  const set = previous.set as (value: unknown) => void;
  return {
    configurable: true,
    enumerable: true,
    get(this: Context): unknown {
      return get?.call(this);
    },
    set(this: Context, value: unknown) {
      set.call(this, value);
      instrumentLayers((this as unknown as { matched?: unknown }).matched);
    },
  };
}

const ROUTER: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Context): unknown {
    return stateOf(this)?.router;
  },
  set(this: Context, value: unknown) {
    const state = stateOf(this);
    if (state === undefined) return;
    state.router = value;
    instrumentLayers((this as unknown as { matched?: unknown }).matched);
  },
};
