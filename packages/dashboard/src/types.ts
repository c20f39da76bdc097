/**
 * Public types of `@breakwater/dashboard`.
 */
import type { BreakerMode, BreakerRegistry, BreakerState, Clock } from '@breakwater/core';

/**
 * What a request may do with the dashboard.
 *
 * - `'none'`: nothing; the page, the stream and the controls answer `403`.
 * - `'view'`: the page and the live stream, without controls.
 * - `'control'`: the page, the stream and the incident controls.
 */
export type DashboardAccess = 'none' | 'view' | 'control';

/**
 * What an `authorize` hook returns: an access level, `true` (same as `'view'`: controls
 * are never granted by a bare `true`), `false` (same as `'none'`), or an object that
 * also names who is acting, for the action events and the log (at most 128 characters
 * are kept).
 *
 * @example
 * ```ts
 * const authorize = (req): AuthorizeResult =>
 *   req.user?.role === 'sre' ? { access: 'control', actor: req.user.email } : req.user ? 'view' : false;
 * ```
 */
export type AuthorizeResult =
  | DashboardAccess
  | boolean
  | { access: DashboardAccess; actor?: string | undefined };

/**
 * An incident control, as posted by the page and reported to `onAction`.
 *
 * - `force_open`: `breaker.forceOpen()`: every call is rejected until reset.
 * - `disable`: `breaker.disable()`: every call passes, unrecorded, until reset.
 * - `reset`: `breaker.reset()`: back to closed with an empty window.
 * - `enforce` / `observe`: `registry.reconfigure(key, { mode })`: the mode is kept for
 *   the key even if its breaker is evicted and created again.
 */
export type DashboardAction = 'force_open' | 'disable' | 'reset' | 'enforce' | 'observe';

/**
 * A control action that was applied, as delivered to `onAction` listeners and published
 * on the `breakwater:dashboard:action` diagnostics channel.
 *
 * @example
 * ```ts
 * dashboard.onAction(({ action, key, from, to, actor }) => audit.info({ action, key, from, to, actor }));
 * ```
 */
export interface DashboardActionEvent {
  action: DashboardAction;
  /** The breaker's key in the registry. */
  key: string;
  /** The breaker's name. */
  name: string;
  /** The state before and after the action. */
  from: BreakerState;
  to: BreakerState;
  /** The mode before and after the action. */
  fromMode: BreakerMode;
  mode: BreakerMode;
  /** Who acted, as returned by `authorize` (`{ access, actor }`), else `null`. */
  actor: string | null;
  /** When, on the dashboard's clock. */
  at: number;
}

/**
 * Options of a dashboard. Validated at construction; unknown names are errors.
 *
 * `Ctx` is what the framework hands a handler: Node's `IncomingMessage` for
 * {@link createDashboard}, Express's `req`, Koa's `ctx`.
 *
 * @example
 * ```ts
 * const options: DashboardOptions<IncomingMessage> = {
 *   registry,
 *   authorize: (req) => (req.socket.remoteAddress === '127.0.0.1' ? 'control' : 'none'),
 * };
 * ```
 */
export interface DashboardOptions<Ctx> {
  /** The registry to show and control, e.g. `circuitBreaker(...).registry`. Required. */
  registry: BreakerRegistry;
  /**
   * Decides what a request may do, for the page, the stream and every control action
   * (each is checked on its own). Returns (or resolves to) a {@link AuthorizeResult};
   * anything else, or a throw, is `'none'`. Without it, everyone may view and nobody
   * may control, and a `BREAKWATER_DASHBOARD_UNPROTECTED` warning is emitted.
   */
  authorize?: ((ctx: Ctx) => AuthorizeResult | PromiseLike<AuthorizeResult>) | undefined;
  /**
   * The path the dashboard answers under, as the server sees it (e.g. `'/breakers'`):
   * the page at `path` and `path/`, the stream at `path/events`, the controls at
   * `path/actions`; other requests are passed on. Default: none, for a handler mounted
   * under a prefix that the framework strips (`app.use('/breakers', …)` in Express):
   * the page at `/`, the stream at `/events`, the controls at `/actions`.
   */
  path?: string | undefined;
  /**
   * Groups breakers into the dashboard's rows, which carry the rates, sparklines and
   * latencies. Default: the breaker's name when it differs from its key; else the route
   * part of a `route+client` key (`GET /users/:id @ 203.0.113.7` → `GET /users/:id`);
   * else `(clients)` for a client key (an IP address or an IPv6 subnet); else the key.
   * A function that throws puts the breaker in `(ungrouped)`.
   */
  group?: ((key: string, name: string) => string) | undefined;
  /** The most groups with their own history (integer >= 1); the rest share `(other)`. Default 1,000. */
  maxGroups?: number | undefined;
  /** How often the stream sends an update, in ms (integer in [50, 60,000]). Default 1,000. */
  intervalMs?: number | undefined;
  /** The most bytes of one stream message (integer >= 16,384). Default 131,072. */
  maxMessageBytes?: number | undefined;
  /** The most simultaneous streams (integer >= 1); more answer `503`. Default 32. */
  maxConnections?: number | undefined;
  /**
   * A stream is closed after this many ms (integer >= 1,000) and the browser reconnects,
   * so `authorize` is asked again. Default 600,000 (10 minutes).
   */
  maxStreamMs?: number | undefined;
  /**
   * The key of the HMAC that signs the CSRF tokens (at least 32 bytes). Default: random
   * per dashboard, so a token only works on the process that served the page. Give all
   * instances behind a load balancer the same secret.
   */
  secret?: string | Uint8Array | undefined;
  /** How long a page's CSRF token stays valid, in ms (integer >= 60,000). Default 43,200,000 (12 h). */
  tokenTtlMs?: number | undefined;
  /**
   * Origins (`https://ops.example.com`) allowed to post control actions besides the
   * dashboard's own (derived from the `Host` header). Use it behind a proxy that
   * rewrites `Host`. Default none.
   */
  trustedOrigins?: readonly string[] | undefined;
  /** The dashboard's clock, for its sparklines, rates and log. Default: core's `coarseClock`. */
  clock?: Clock | undefined;
}

/**
 * What every dashboard handler carries besides being a handler: `createDashboard()`'s
 * Node handler and the adapters' `breakerDashboard()` middleware.
 *
 * @example
 * ```ts
 * const off = dashboard.onAction((e) => audit.warn(e, 'breaker control'));
 * process.on('SIGTERM', () => dashboard.close());
 * metrics.gauge('dashboard_streams', () => dashboard.connections);
 * ```
 */
export interface DashboardControls {
  /** Subscribes to applied control actions; returns a function that unsubscribes. */
  onAction(listener: (event: DashboardActionEvent) => void): () => void;
  /** Ends every stream, stops the dashboard's timer and unsubscribes it from the registry. */
  close(): void;
  /** How many streams are open. */
  readonly connections: number;
}

/**
 * The plain Node handler {@link createDashboard} returns: `(req, res, next?)`, usable
 * as `http.createServer(handler)`, as Connect/Express middleware, or from any framework
 * that exposes Node's request and response.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({ registry, authorize });
 * http.createServer(dashboard).listen(9000, '127.0.0.1');
 * process.on('SIGTERM', () => dashboard.close());
 * ```
 */
export type DashboardHandler = ((
  req: import('node:http').IncomingMessage,
  res: import('node:http').ServerResponse,
  next?: (error?: unknown) => void,
) => void) &
  DashboardControls;
