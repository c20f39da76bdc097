import {
  BreakerDashboard,
  type DashboardControls,
  type DashboardOptions,
  withDashboard,
} from '@breakwater/dashboard';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Options of {@link breakerDashboard}: those of `@breakwater/dashboard`, with
 * `authorize` receiving the Express `req`.
 *
 * @example
 * ```ts
 * const options: BreakerDashboardOptions = {
 *   registry: breakers.registry,
 *   authorize: (req) => (req.user?.sre ? { access: 'control', actor: req.user.email } : 'none'),
 * };
 * ```
 */
export type BreakerDashboardOptions = DashboardOptions<Request>;

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
export type BreakerDashboardMiddleware = RequestHandler & DashboardControls;

/**
 * A live breaker dashboard with incident controls, for Express 4 and 5: a
 * self-contained page that updates through server-sent events, and POST controls
 * (force open, disable, reset, enforce/observe) behind `authorize`, CSRF tokens and an
 * Origin check. Mount it under a path with `app.use`: the page answers at that path,
 * the stream at `path/events`, the controls at `path/actions`; other requests go to
 * `next()`. Everything else is `@breakwater/dashboard`'s (see its README).
 *
 * @param options - `registry` (required), `authorize` (`'none' | 'view' | 'control'`), and
 *   the dashboard's other options.
 * @returns the middleware, named `breakerDashboard`.
 * @throws BreakerConfigError when an option is unknown or invalid (e.g. no registry).
 *
 * @example
 * ```ts
 * const breakers = circuitBreaker();
 * app.use('/breakers', breakerDashboard({
 *   registry: breakers.registry,
 *   authorize: (req) => (req.socket.remoteAddress === '127.0.0.1' ? 'control' : 'none'),
 * }));
 * app.use(breakers);
 * ```
 */
export function breakerDashboard(options: BreakerDashboardOptions): BreakerDashboardMiddleware {
  const dashboard = new BreakerDashboard<Request>(options, { factory: 'breakerDashboard' });
  const middleware = function breakerDashboard(req: Request, res: Response, next: NextFunction): void {
    const route = dashboard.route(req.url);
    if (route === null) {
      next();
      return;
    }
    void dashboard.serve(req, req, res, route, req.body);
  };
  return withDashboard(middleware, dashboard);
}
