import { BreakerStatus } from '@breakwater/core';
import type { Context, Middleware } from 'koa';
import type { BreakerStatusOptions } from './types.js';

/**
 * An opt-in endpoint that answers JSON snapshots of every breaker in a registry
 * (state, failure and slow-call rates, window counters, totals, retry-after), not-closed
 * breakers first. `authorize` decides who may read it; a refusal (or a hook that
 * throws) answers `403` with a problem+json body that names no breaker. It answers
 * every request it gets: mount it on a route.
 *
 * @param options - `registry` (required), `authorize`, `limit`.
 * @returns a Koa middleware named `breakerStatus`.
 * @throws BreakerConfigError when an option is unknown or invalid (e.g. no registry).
 *
 * @example
 * ```ts
 * const breakers = circuitBreaker();
 * app.use(breakers);
 * router.get('/breakers', breakerStatus({ registry: breakers.registry, authorize: (ctx) => ctx.state.user?.admin === true }));
 * ```
 */
export function breakerStatus(options: BreakerStatusOptions): Middleware {
  const status = new BreakerStatus<Context>(options, {
    factory: 'breakerStatus',
    request: (ctx) => ctx.req,
  });
  return async function breakerStatus(ctx: Context): Promise<void> {
    const answer = await status.answer(ctx);
    if (ctx.res.headersSent) return;
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}
