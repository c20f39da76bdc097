import { type Channel, channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BreakerState, TransitionReason } from '@breakwater/core';
import { Collector } from './collector.js';
import { Csrf } from './csrf.js';
import { type NormalizedOptions, normalizeOptions } from './options.js';
import { contentSecurityPolicy, newNonce, renderPage, SECURITY_HEADERS } from './page.js';
import { StreamHub } from './stream.js';
import type {
  AuthorizeResult,
  DashboardAccess,
  DashboardAction,
  DashboardActionEvent,
  DashboardControls,
  DashboardHandler,
  DashboardOptions,
} from './types.js';
import { parseParams } from './view.js';

/**
 * The `node:diagnostics_channel` on which every applied control action is published
 * (the {@link DashboardActionEvent}), for telemetry and audit logs. Nothing is
 * published while the channel has no subscriber.
 *
 * @example
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe(DASHBOARD_ACTION_CHANNEL, (event) => span.addEvent('breaker.control', event));
 * ```
 */
export const DASHBOARD_ACTION_CHANNEL = 'breakwater:dashboard:action';

/**
 * Codes of the warnings a dashboard emits (once each, with `process.emitWarning`).
 *
 * @example
 * ```ts
 * process.on('warning', (w) => { if (w.code === DashboardWarningCodes.UNPROTECTED) alert(w.message); });
 * ```
 */
export const DashboardWarningCodes = {
  /** No `authorize` hook: everyone may view the dashboard (controls stay off). */
  UNPROTECTED: 'BREAKWATER_DASHBOARD_UNPROTECTED',
  /** The `authorize` hook threw or rejected; the request was refused. */
  AUTHORIZE_THREW: 'BREAKWATER_AUTHORIZE_THREW',
  /** An `onAction` listener threw. */
  LISTENER_THREW: 'BREAKWATER_LISTENER_THREW',
  /** The dashboard failed to answer a request (answered 500, without details). */
  INTERNAL: 'BREAKWATER_DASHBOARD_ERROR',
} as const;

/** Which part of the dashboard a request is for. */
export type DashboardRoute = 'page' | 'events' | 'actions';

const ACTIONS: ReadonlySet<string> = new Set<DashboardAction>([
  'force_open',
  'disable',
  'reset',
  'enforce',
  'observe',
]);
const ACTION_REASON: Readonly<Record<DashboardAction, TransitionReason | 'action'>> = {
  force_open: 'forced_open',
  disable: 'disabled',
  reset: 'reset',
  enforce: 'action',
  observe: 'action',
};
const MAX_BODY_BYTES = 4_096;
const MAX_ACTOR_LENGTH = 128;
const MAX_KEY_LENGTH = 1_024;

/**
 * The dashboard without its framework: a self-contained live page, its server-sent
 * events stream and its incident controls over one {@link BreakerRegistry}.
 * {@link createDashboard} wraps it as a plain Node handler; `@breakwater/express` and
 * `@breakwater/koa` wrap it as `breakerDashboard()`.
 *
 * It follows the registry from construction (one `onCall` listener per breaker, the
 * registry's `onStateChange` and `onEvict`, one unref'd timer) so the sparklines have
 * history when someone first looks; {@link BreakerDashboard.close} stops all of it.
 *
 * @example
 * ```ts
 * const dashboard = new BreakerDashboard<IncomingMessage>({ registry, authorize: (req) => 'view' });
 * server.on('request', (req, res) => {
 *   const route = dashboard.route(req.url);
 *   if (route !== null) void dashboard.serve(req, req, res, route);
 * });
 * ```
 * @throws BreakerConfigError from the constructor when an option is unknown or invalid.
 */
export class BreakerDashboard<Ctx = IncomingMessage> {
  readonly #o: NormalizedOptions<Ctx>;
  readonly #collector: Collector;
  readonly #hub: StreamHub;
  readonly #csrf: Csrf;
  readonly #channel: Channel;
  readonly #warned = new Set<string>();
  #listeners: ReadonlyArray<(event: DashboardActionEvent) => void> = [];
  #closed = false;

  /**
   * @param options - see {@link DashboardOptions}.
   * @param context - `factory`: the wrapper's function name, for messages.
   * @throws BreakerConfigError naming the option and the value.
   */
  constructor(options: DashboardOptions<Ctx>, context: { factory?: string } = {}) {
    const factory = context.factory ?? 'createDashboard';
    const o = normalizeOptions(options, factory);
    this.#o = o;
    this.#csrf = new Csrf(o.secret, o.tokenTtlMs, o.trustedOrigins);
    this.#channel = channel(DASHBOARD_ACTION_CHANNEL);
    let hub: StreamHub | undefined;
    this.#collector = new Collector({
      registry: o.registry,
      group: o.group,
      maxGroups: o.maxGroups,
      clock: o.clock,
      onTransition: () => hub?.updateSoon(),
    });
    hub = new StreamHub({
      collector: this.#collector,
      intervalMs: o.intervalMs,
      maxMessageBytes: o.maxMessageBytes,
      maxConnections: o.maxConnections,
      maxStreamMs: o.maxStreamMs,
    });
    this.#hub = hub;
    if (o.authorize === undefined) {
      this.#warn(
        DashboardWarningCodes.UNPROTECTED,
        `${factory}() without authorize shows every breaker (routes, client keys) to anyone who asks; controls are off`,
      );
    }
  }

  /** How many event streams are open. */
  get connections(): number {
    return this.#hub.size;
  }

  /**
   * Which part of the dashboard a request URL is for, or `null` when it is not the
   * dashboard's (see `DashboardOptions.path`).
   *
   * @param url - the request's URL as the server sees it (`req.url`).
   *
   * @example
   * ```ts
   * dashboard.route('/breakers/events?q=search'); // 'events' with path '/breakers'
   * ```
   */
  route(url: string | undefined): DashboardRoute | null {
    if (typeof url !== 'string') return null;
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const base = this.#o.path ?? '';
    if (pathname === base || pathname === `${base}/`) return 'page';
    if (pathname === `${base}/events`) return 'events';
    if (pathname === `${base}/actions`) return 'actions';
    return null;
  }

  /**
   * Answers a dashboard request. Never rejects and never shows an error's message or
   * stack: a failure answers a bare `500` (or ends the stream) and is reported once as
   * a `BREAKWATER_DASHBOARD_ERROR` warning.
   *
   * @param ctx - the framework's request, handed to `authorize`.
   * @param req - Node's request.
   * @param res - Node's response.
   * @param route - from {@link BreakerDashboard.route}; computed from `req.url` when omitted.
   * @param body - a body already parsed by the framework (e.g. `req.body`); used only
   *   when the request stream has been read.
   *
   * @example
   * ```ts
   * await dashboard.serve(ctx, ctx.req, ctx.res, route, ctx.request.body);
   * ```
   */
  async serve(
    ctx: Ctx,
    req: IncomingMessage,
    res: ServerResponse,
    route?: DashboardRoute | null,
    body?: unknown,
  ): Promise<void> {
    try {
      const which = route ?? this.route(req.url);
      if (which === null || this.#closed) return problem(res, 404, 'Not Found');
      if (which === 'page') return await this.#page(ctx, req, res);
      if (which === 'events') return await this.#events(ctx, req, res);
      return await this.#action(ctx, req, res, body);
    } catch (error) {
      this.#warn(DashboardWarningCodes.INTERNAL, 'A breaker dashboard request failed', error);
      if (!res.headersSent) problem(res, 500, 'Internal Server Error');
      else if (!res.writableEnded) res.destroy();
    }
  }

  /**
   * Subscribes to applied control actions. A listener that throws is reported once and
   * never fails the action.
   *
   * @param listener - called with `{ action, key, name, from, to, fromMode, mode, actor, at }`.
   * @returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * const off = dashboard.onAction((e) => log.warn(e, 'breaker control'));
   * ```
   */
  onAction(listener: (event: DashboardActionEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onAction expects a function');
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Ends every stream, stops the timer and unsubscribes from the registry and its
   * breakers. Later requests answer 404.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => dashboard.close());
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.close();
    this.#collector.close();
  }

  // ── the page ────────────────────────────────────────────────────────────────

  async #page(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const { access } = await this.#access(ctx);
    if (res.destroyed) return;
    if (access === 'none') return problem(res, 403, 'Forbidden');
    const nonce = newNonce();
    const headers: Record<string, string | string[]> = {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce),
    };
    let token: string | null = null;
    if (access === 'control') {
      const issued = this.#csrf.issue(req, Date.now());
      token = issued.token;
      if (issued.setCookie !== null) headers['set-cookie'] = issued.setCookie;
    }
    const html = renderPage(this.#o.registry.name, nonce, { access, token });
    headers['content-length'] = String(Buffer.byteLength(html));
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  // ── the stream ──────────────────────────────────────────────────────────────

  async #events(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET');
    const { access } = await this.#access(ctx);
    if (res.destroyed || this.#closed) return;
    if (access === 'none') return problem(res, 403, 'Forbidden');
    if (this.#hub.full) return problem(res, 503, 'Service Unavailable', { 'retry-after': '5' });
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const params = parseParams(new URLSearchParams(q < 0 ? '' : url.slice(q + 1, q + 1 + 2_048)));
    const opened = this.#hub.open(res, params, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'x-accel-buffering': 'no',
    });
    if (!opened && !res.headersSent) problem(res, 503, 'Service Unavailable', { 'retry-after': '5' });
  }

  // ── the controls ────────────────────────────────────────────────────────────

  async #action(ctx: Ctx, req: IncomingMessage, res: ServerResponse, parsed: unknown): Promise<void> {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
    const { access, actor } = await this.#access(ctx);
    if (res.destroyed) return;
    if (access !== 'control' || !this.#csrf.verify(req, Date.now())) {
      drain(req);
      return problem(res, 403, 'Forbidden');
    }
    const type = req.headers['content-type'];
    if (typeof type !== 'string' || !/^application\/json\s*(;|$)/i.test(type)) {
      drain(req);
      return problem(res, 415, 'Unsupported Media Type');
    }
    let input: unknown;
    if (req.readableEnded && parsed !== undefined) {
      input = parsed;
    } else {
      const text = await readBody(req, MAX_BODY_BYTES);
      if (text === null) return problem(res, 413, 'Content Too Large', { connection: 'close' });
      try {
        input = JSON.parse(text);
      } catch {
        return problem(res, 400, 'Bad Request');
      }
    }
    if (typeof input === 'string') {
      try {
        input = JSON.parse(input);
      } catch {
        return problem(res, 400, 'Bad Request');
      }
    }
    const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
    const action = fields['action'];
    const key = fields['key'];
    if (
      typeof action !== 'string' ||
      !ACTIONS.has(action) ||
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > MAX_KEY_LENGTH
    ) {
      return problem(res, 400, 'Bad Request');
    }
    const registry = this.#o.registry;
    const breaker = registry.peek(key);
    if (breaker === undefined) return problem(res, 404, 'Not Found');
    const from: BreakerState = breaker.state;
    const fromMode = breaker.mode;
    const act = action as DashboardAction;
    if (act === 'force_open') breaker.forceOpen();
    else if (act === 'disable') breaker.disable();
    else if (act === 'reset') breaker.reset();
    else {
      try {
        registry.reconfigure(breaker.key, { mode: act });
      } catch {
        return problem(res, 409, 'Conflict');
      }
    }
    const event: DashboardActionEvent = {
      action: act,
      key: breaker.key,
      name: breaker.name,
      from,
      to: breaker.state,
      fromMode,
      mode: breaker.mode,
      actor,
      at: this.#o.clock.now(),
    };
    this.#report(event);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ ok: true, key: event.key, state: event.to, mode: event.mode }));
  }

  #report(event: DashboardActionEvent): void {
    this.#collector.logAction({
      at: event.at,
      key: event.key,
      group: this.#collector.groupOf(event.key) ?? event.name,
      from: event.from,
      to: event.to,
      reason: ACTION_REASON[event.action],
      action: event.action,
      ...(event.actor === null ? {} : { actor: event.actor }),
    });
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#warn(
          DashboardWarningCodes.LISTENER_THREW,
          'An onAction listener of a breaker dashboard threw',
          error,
        );
      }
    }
    if (this.#channel.hasSubscribers) {
      try {
        this.#channel.publish(event);
      } catch (error) {
        this.#warn(
          DashboardWarningCodes.LISTENER_THREW,
          `A ${DASHBOARD_ACTION_CHANNEL} subscriber threw`,
          error,
        );
      }
    }
    this.#hub.updateSoon();
  }

  // ── helpers ─────────────────────────────────────────────────────────────────

  async #access(ctx: Ctx): Promise<{ access: DashboardAccess; actor: string | null }> {
    const authorize = this.#o.authorize;
    if (authorize === undefined) return { access: 'view', actor: null };
    let result: AuthorizeResult;
    try {
      result = await authorize(ctx);
    } catch (error) {
      this.#warn(
        DashboardWarningCodes.AUTHORIZE_THREW,
        'The authorize hook of a breaker dashboard threw; the request was refused',
        error,
      );
      return { access: 'none', actor: null };
    }
    if (result === true || result === 'view') return { access: 'view', actor: null };
    if (result === 'control') return { access: 'control', actor: null };
    if (typeof result === 'object' && result !== null) {
      const access = result.access;
      if (access !== 'view' && access !== 'control') return { access: 'none', actor: null };
      const actor = typeof result.actor === 'string' ? result.actor.slice(0, MAX_ACTOR_LENGTH) : null;
      return { access, actor: actor === '' ? null : actor };
    }
    return { access: 'none', actor: null };
  }

  #warn(code: string, message: string, error?: unknown): void {
    if (this.#warned.has(code)) return;
    this.#warned.add(code);
    try {
      const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : undefined;
      process.emitWarning(
        message,
        detail === undefined
          ? { type: 'BreakwaterWarning', code }
          : { type: 'BreakwaterWarning', code, detail },
      );
    } catch {
      // A warning never breaks a request.
    }
  }
}

/**
 * A dashboard as a plain Node `(req, res, next?)` handler: use it as
 * `http.createServer(handler)`, mount it in Connect or Express, or call it from any
 * framework that exposes Node's request and response. A request that is not the
 * dashboard's goes to `next()` when given, else answers 404.
 *
 * Routes (under `options.path`, default the root): `GET` the page, `GET events` the
 * server-sent-events stream, `POST actions` the controls. See the README's security
 * model.
 *
 * @param options - see {@link DashboardOptions}; `authorize` receives the `IncomingMessage`.
 * @returns the handler, with `onAction`, `close` and `connections`.
 * @throws BreakerConfigError when an option is unknown or invalid (e.g. no registry).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { BreakerRegistry } from '@breakwater/core';
 * import { createDashboard } from '@breakwater/dashboard';
 *
 * const registry = new BreakerRegistry();
 * const dashboard = createDashboard({
 *   registry,
 *   authorize: (req) => (req.socket.remoteAddress === '127.0.0.1' ? 'control' : 'none'),
 * });
 * createServer(dashboard).listen(9000, '127.0.0.1');
 * ```
 */
export function createDashboard(options: DashboardOptions<IncomingMessage>): DashboardHandler {
  const dashboard = new BreakerDashboard<IncomingMessage>(options, { factory: 'createDashboard' });
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const route = dashboard.route(req.url);
    if (route === null && next !== undefined) {
      next();
      return;
    }
    void dashboard.serve(req, req, res, route, (req as { body?: unknown }).body);
  };
  return withDashboard(handler, dashboard);
}

/**
 * Gives a handler (a Node handler, an Express or Koa middleware) the dashboard's
 * `onAction`, `close()` and `connections`. For adapters.
 *
 * @param handler - the function to return to users.
 * @param dashboard - the dashboard it serves.
 * @returns `handler` itself, with the three properties.
 *
 * @example
 * ```ts
 * return withDashboard(async function breakerDashboard(ctx, next) { … }, dashboard);
 * ```
 */
export function withDashboard<H extends object, Ctx>(
  handler: H,
  dashboard: BreakerDashboard<Ctx>,
): H & DashboardControls {
  return Object.defineProperties(handler, {
    onAction: { value: (listener: (event: DashboardActionEvent) => void) => dashboard.onAction(listener) },
    close: { value: () => dashboard.close() },
    connections: { get: () => dashboard.connections },
  }) as H & DashboardControls;
}

function problem(
  res: ServerResponse,
  status: number,
  title: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ type: 'about:blank', title, status });
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...extra,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  problem(res, 405, 'Method Not Allowed', { allow });
}

/** Discards a request body we will not read, so the connection can be reused. */
function drain(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}

/** The body as UTF-8 text, or null when it is longer than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  if (req.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('The request closed before its body was read'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
