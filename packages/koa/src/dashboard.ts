import {
  BreakerDashboard,
  type DashboardControls,
  type DashboardOptions,
  withDashboard,
} from '@breakwater/dashboard';
import type { Context, Middleware } from 'koa';

/**
 * Options of {@link breakerDashboard}: those of `@breakwater/dashboard`, with
 * `authorize` receiving the Koa `ctx`, and `path` defaulting to `'/breakers'` (Koa
 * does not strip a mount path; with `koa-mount`, pass `path: '/'`).
 *
 * @example
 * ```ts
 * const options: BreakerDashboardOptions = {
 *   registry: breakers.registry,
 *   authorize: (ctx) => (ctx.state.user?.sre ? { access: 'control', actor: ctx.state.user.email } : 'none'),
 * };
 * ```
 */
export type BreakerDashboardOptions = DashboardOptions<Context>;

/**
 * The middleware {@link breakerDashboard} returns, with the dashboard's `onAction`,
 * `close()` and `connections`.
 *
 * @example
 * ```ts
 * const dashboard: BreakerDashboardMiddleware = breakerDashboard({ registry, authorize });
 * dashboard.onAction((e) => audit.warn(e, 'breaker control'));
 * ```
 */
export type BreakerDashboardMiddleware = Middleware & DashboardControls;

/**
 * A live breaker dashboard with incident controls, for Koa 2 and 3: a self-contained
 * page that updates through server-sent events, and POST controls (force open,
 * disable, reset, enforce/observe) behind `authorize`, CSRF tokens and an Origin
 * check. It answers at `path` (default `/breakers`), `path/events` and `path/actions`,
 * writing to Node's response itself (`ctx.respond = false`); other requests go to
 * `next()`. Everything else is `@breakwater/dashboard`'s (see its README).
 *
 * @param options - `registry` (required), `authorize` (`'none' | 'view' | 'control'`),
 *   `path`, and the dashboard's other options.
 * @returns the middleware, named `breakerDashboard`.
 * @throws BreakerConfigError when an option is unknown or invalid (e.g. no registry).
 *
 * @example
 * ```ts
 * const breakers = circuitBreaker();
 * app.use(breakerDashboard({
 *   registry: breakers.registry,
 *   authorize: (ctx) => (ctx.ip === '127.0.0.1' ? 'control' : 'none'),
 * }));
 * app.use(breakers);
 * ```
 */
export function breakerDashboard(options: BreakerDashboardOptions): BreakerDashboardMiddleware {
  const withPath =
    typeof options === 'object' && options !== null && options.path === undefined
      ? { ...options, path: '/breakers' }
      : options;
  const dashboard = new BreakerDashboard<Context>(withPath, { factory: 'breakerDashboard' });
  const middleware = async function breakerDashboard(
    ctx: Context,
    next: () => Promise<unknown>,
  ): Promise<void> {
    const route = dashboard.route(ctx.url);
    if (route === null) {
      await next();
      return;
    }
    ctx.respond = false;
    await dashboard.serve(ctx, ctx.req, ctx.res, route, (ctx.request as { body?: unknown }).body);
  };
  return withDashboard(middleware, dashboard);
}
