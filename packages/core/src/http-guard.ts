import type { Span } from '@opentelemetry/api';
import type { CircuitBreaker } from './breaker.js';
import { clientKeyWith } from './client-key.js';
import { coarseClock } from './clock.js';
import { BreakerTimeoutError } from './errors.js';
import type {
  Admission,
  DegradedInfo,
  HttpGuardOptions,
  HttpOutcome,
  HttpSettleInput,
  KeyMode,
  RequestBreaker,
} from './http-types.js';
import {
  type NormalizedHttpOptions,
  normalizeHttpOptions,
  type OptionsContext,
} from './middleware-options.js';
import type { BreakerRegistry, RegistryGetOptions } from './registry.js';
import { routeClientKey, UNMATCHED_ROUTE } from './request-key.js';
import { TelemetryNames } from './telemetry/names.js';
import { RequestSpans, withSpan } from './telemetry/spans.js';
import type { AdmittedPermit, BreakerState, Clock, ExecuteOptions } from './types.js';
import { WarnOnce } from './warn-once.js';

/** What the adapter does when a request times out. */
export interface RequestHooks {
  /**
   * Called once when an admitted request passes its breaker's `timeoutMs` in `enforce`
   * mode, after the timeout is recorded and before the request's signal is aborted
   * (called as a method of the hooks object).
   * The adapter sends the degraded answer if the response has not started. A hook
   * that throws is reported once and ignored.
   */
  onTimeout?: ((info: DegradedInfo) => void) | undefined;
}

const ADMITTED: Admission = Object.freeze({ admitted: true as const });

/** Warning codes of the HTTP glue, for `process.on('warning')` filters. */
export const HttpWarningCodes = {
  KEY_THREW: 'BREAKWATER_KEY_THREW',
  KEY_INVALID: 'BREAKWATER_KEY_INVALID',
  SKIP_THREW: 'BREAKWATER_SKIP_THREW',
  IS_FAILURE_THREW: 'BREAKWATER_IS_FAILURE_THREW',
  DEGRADED_THREW: 'BREAKWATER_DEGRADED_THREW',
  DEGRADED_HUNG: 'BREAKWATER_DEGRADED_HUNG',
  HOOK_THREW: 'BREAKWATER_HOOK_THREW',
  REGISTRY_THREW: 'BREAKWATER_REGISTRY_THREW',
  AUTHORIZE_THREW: 'BREAKWATER_AUTHORIZE_THREW',
  STATUS_UNPROTECTED: 'BREAKWATER_STATUS_UNPROTECTED',
} as const;

/** Shared by a guard and its request guards. @internal */
interface GuardCore<Ctx, Degraded> {
  readonly o: NormalizedHttpOptions<Ctx, Degraded>;
  readonly warn: WarnOnce;
  readonly fallbackOptions: RegistryGetOptions;
  /** Finds requests' server spans; `null` when the registry's telemetry is off. */
  readonly spans: RequestSpans | null;
  clock(): Clock;
}

/**
 * The framework-agnostic part of an HTTP breaker middleware: validated options, key
 * derivation, and a per-request lifecycle ({@link HttpRequestGuard}) that adapters
 * drive from the framework's events. An adapter's job is to find the route, call
 * {@link HttpGuard.begin} and {@link HttpRequestGuard.admit}, write the answer for a
 * refusal or a timeout, and report the outcome with {@link HttpRequestGuard.settle}.
 *
 * **Unmatched requests.** With a route key, a request that never reaches a route
 * (a 404, a static file, a middleware that answers) is recorded, when it settles,
 * against one fallback breaker, {@link UNMATCHED_ROUTE}, created in `observe` mode:
 * whether a request matches is known only after the middleware that answered it has
 * run, so that breaker can show how unrouted traffic fares but never refuses it.
 *
 * @example
 * ```ts
 * const guard = new HttpGuard<Context, KoaDegraded>(options, { factory: 'circuitBreaker', param: 'ctx' });
 * async function circuitBreaker(ctx, next) {
 *   if (guard.skip(ctx)) return next();
 *   const call = guard.begin(ctx, { onTimeout: (info) => answer(ctx, info) });
 *   const admission = call.admit(routeOf(ctx), ctx.ip);
 *   if (!admission.admitted) return answer(ctx, admission.info);
 *   try { await next(); call.settle({ status: ctx.status }); }
 *   catch (error) { call.settle({ status: 500, error }); throw error; }
 * }
 * ```
 * @throws BreakerConfigError from the constructor when an option is unknown or invalid.
 */
export class HttpGuard<Ctx = unknown, Degraded = unknown> {
  /** The registry holding this guard's breakers. */
  readonly registry: BreakerRegistry;
  /** How requests are keyed. */
  readonly keyMode: KeyMode | 'function';
  /** True when keys need the route (`'route'`, `'route+client'`): admission waits for it. */
  readonly routeKeyed: boolean;
  /** True when keys need the client address (`'client'`, `'route+client'`): pass it to `admit`. */
  readonly needsClient: boolean;
  /** How long a degraded handler may take, in ms. */
  readonly degradedTimeoutMs: number;

  readonly #core: GuardCore<Ctx, Degraded>;

  /**
   * @param options - the middleware's options (see {@link HttpGuardOptions}).
   * @param context - how the adapter names its factory and request in messages.
   * @throws BreakerConfigError when an option is unknown or invalid, naming it and the value.
   */
  constructor(options: HttpGuardOptions<Ctx, Degraded> | undefined, context: OptionsContext = {}) {
    const o = normalizeHttpOptions<Ctx, Degraded>(options, context);
    this.registry = o.registry;
    this.keyMode = o.keyMode;
    this.routeKeyed = o.keyMode === 'route' || o.keyMode === 'route+client';
    this.needsClient = o.keyMode === 'client' || o.keyMode === 'route+client';
    this.degradedTimeoutMs = o.degradedTimeoutMs;
    let clock: Clock | undefined = o.ownRegistry ? (o.clock ?? coarseClock) : undefined;
    const fallbackOptions: RegistryGetOptions = { ...o.breakerOptions, mode: 'observe' };
    this.#core = {
      o,
      warn: new WarnOnce(),
      fallbackOptions,
      // A registry of another copy of the package may lack the flag: telemetry is on by default.
      spans: (o.registry as { telemetry?: unknown }).telemetry === false ? null : new RequestSpans(),
      // The registry's clock: fallback durations are measured on it. A registry passed
      // in does not expose it, but its breakers do, and they all share it.
      clock: () => {
        if (clock === undefined) clock = o.registry.get(UNMATCHED_ROUTE, fallbackOptions).options.clock;
        return clock;
      },
    };
  }

  /**
   * Whether the `skip` option says to bypass the breaker. A `skip` that throws is
   * reported once and counts as `false`.
   *
   * @param ctx - the framework's request (`req`, `ctx`).
   *
   * @example
   * ```ts
   * if (guard.skip(req)) return next();
   * ```
   */
  skip(ctx: Ctx): boolean {
    const skip = this.#core.o.skip;
    if (skip === undefined) return false;
    try {
      return skip(ctx) === true;
    } catch (error) {
      this.#core.warn.warn(
        HttpWarningCodes.SKIP_THREW,
        'The skip option of a Breakwater middleware threw',
        error,
      );
      return false;
    }
  }

  /**
   * Starts the lifecycle of one request. Call it as soon as the middleware runs, and
   * attach the framework's completion listeners before any `await`.
   *
   * @param ctx - the framework's request, handed to a `key` function.
   * @param hooks - what to do on a timeout.
   * @returns the request's guard.
   *
   * @example
   * ```ts
   * const call = guard.begin(req, { onTimeout: (info) => sendDegraded(req, res, info) });
   * ```
   */
  begin(ctx: Ctx, hooks?: RequestHooks): HttpRequestGuard<Ctx, Degraded> {
    return new HttpRequestGuard(this.#core, ctx, hooks, this.routeKeyed);
  }

  /**
   * The degraded handler for a route: its `routes` entry's, else the middleware's.
   *
   * @param route - the route key (`GET /search`), or `null`.
   * @returns the handler, or `undefined` for the default answer.
   *
   * @example
   * ```ts
   * const handler = guard.degradedHandler(info.route);
   * ```
   */
  degradedHandler(route: string | null): Degraded | undefined {
    const o = this.#core.o;
    if (route !== null) {
      const entry = o.routes.get(route);
      if (entry?.degraded !== undefined) return entry.degraded;
    }
    return o.degraded;
  }

  /**
   * Runs a degraded handler safely. When it throws, rejects, or has not finished the
   * answer after `degradedTimeoutMs`, a warning is emitted once and `fallback` is
   * called, once, to send the default answer (or, if the handler already started
   * one, to end the response). The timer is `unref()`'d.
   *
   * @param invoke - calls the user's handler.
   * @param isDone - whether the answer is complete (e.g. `res.writableEnded`).
   * @param fallback - sends the default answer; it is told why.
   * @returns a function that cancels the timer; call it when the response finishes or closes.
   *
   * @example
   * ```ts
   * const cancel = guard.runDegraded(() => handler(req, res, info), () => res.writableEnded, () => sendDefault(res, info));
   * res.once('close', cancel);
   * ```
   */
  runDegraded(
    invoke: () => unknown,
    isDone: () => boolean,
    fallback: (why: 'threw' | 'hung') => void,
  ): () => void {
    const warn = this.#core.warn;
    let over = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => {
      over = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
    const fail = (why: 'threw' | 'hung', error?: unknown) => {
      if (over) return;
      cancel();
      if (why === 'threw') {
        warn.warn(
          HttpWarningCodes.DEGRADED_THREW,
          'A Breakwater degraded handler threw; the default answer was sent',
          error,
        );
      } else {
        warn.warn(
          HttpWarningCodes.DEGRADED_HUNG,
          `A Breakwater degraded handler did not answer within ${this.degradedTimeoutMs} ms; the default answer was sent`,
        );
      }
      try {
        fallback(why);
      } catch (thrown) {
        warn.warn(HttpWarningCodes.HOOK_THREW, 'Sending the default degraded answer threw', thrown);
      }
    };
    let result: unknown;
    try {
      result = invoke();
    } catch (error) {
      fail('threw', error);
      return cancel;
    }
    try {
      if (isThenable(result)) result.then(undefined, (error: unknown) => fail('threw', error));
    } catch (error) {
      fail('threw', error);
      return cancel;
    }
    if (over || isDone()) {
      over = true;
      return cancel;
    }
    timer = setTimeout(() => {
      timer = undefined;
      if (!isDone()) fail('hung');
      else over = true;
    }, this.degradedTimeoutMs);
    timer.unref();
    return cancel;
  }

  /**
   * Reports a problem in a user callback once per code, with `process.emitWarning`.
   *
   * @param code - a `BREAKWATER_*` code, e.g. from {@link HttpWarningCodes}.
   * @param message - what happened.
   * @param error - what was thrown.
   *
   * @example
   * ```ts
   * guard.warn(HttpWarningCodes.HOOK_THREW, 'Writing the degraded answer threw', error);
   * ```
   */
  warn(code: string, message: string, error?: unknown): void {
    this.#core.warn.warn(code, message, error);
  }
}

/**
 * One request under an {@link HttpGuard}: holds its permit, its timeout timer and its
 * `AbortSignal`, and settles the permit exactly once.
 *
 * - {@link HttpRequestGuard.admit} derives the key and asks the key's breaker.
 *   Called again with another route (a request that falls through to a later route),
 *   it hands the previous permit back as ignored and asks the new route's breaker.
 * - A timeout (the breaker's `timeoutMs`, in `enforce` mode) records `timeout`, calls
 *   the `onTimeout` hook and aborts {@link HttpRequestGuard.signal}; a later settle is
 *   ignored. In `observe` mode it is recorded only.
 * - {@link HttpRequestGuard.settle} classifies with `isFailure`; a client that went
 *   away first is ignored.
 *
 * @example
 * ```ts
 * const call = guard.begin(req);
 * if (!call.admit('GET /users/:id', req.ip).admitted) return;
 * res.once('finish', () => call.settle({ status: res.statusCode }));
 * ```
 */
export class HttpRequestGuard<Ctx = unknown, Degraded = unknown> {
  readonly #g: GuardCore<Ctx, Degraded>;
  readonly #ctx: Ctx;
  readonly #hooks: RequestHooks | undefined;
  readonly #routeKeyed: boolean;
  #beganAt = 0;
  #key: string | null = null;
  #route: string | null = null;
  #breaker: CircuitBreaker | null = null;
  #permit: AdmittedPermit | null = null;
  #startedAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #timeoutMs = 0;
  #done = false;
  #timedOut = false;
  #controller: AbortController | undefined = undefined;
  #abortReason: unknown = undefined;
  #aborted = false;
  #view: RequestBreakerView | null = null;
  /** The request's server span, captured at middleware entry, when recording. */
  readonly #span: Span | null;

  /** @internal Use {@link HttpGuard.begin}. */
  constructor(
    core: GuardCore<Ctx, Degraded>,
    ctx: Ctx,
    hooks: RequestHooks | undefined,
    routeKeyed: boolean,
  ) {
    this.#g = core;
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#routeKeyed = routeKeyed;
    if (routeKeyed) this.#beganAt = core.clock().now();
    this.#span = core.spans === null ? null : core.spans.capture();
  }

  /** The key of the breaker guarding the request, once admitted; `null` before. */
  get key(): string | null {
    return this.#key;
  }

  /** The route key (`GET /users/:id`) once known, else `null`. */
  get route(): string | null {
    return this.#route;
  }

  /** The state of the breaker that admitted the request (e.g. `half_open` for a probe), or `null`. */
  get state(): BreakerState | null {
    return this.#permit?.state ?? null;
  }

  /** True once the outcome is recorded (or the request was refused): later reports are ignored. */
  get settled(): boolean {
    return this.#done;
  }

  /** True when the request passed `timeoutMs` in `enforce` mode. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /**
   * Aborted when the request times out (reason: a `BreakerTimeoutError`) or the client
   * goes away (reason: an `AbortError`), so the handler can cancel its upstream work.
   * Created on first use.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /**
   * Asks the request's breaker for a permit. The key comes from the guard's `key`
   * option: the route, the client, both, or the key function (called with the request;
   * if it throws or returns no string, the request passes unguarded and a warning is
   * emitted once). With a route key and `route` still `null`, nothing is asked yet:
   * call again when the route is known, or let {@link HttpRequestGuard.settle} record
   * the request as unmatched.
   *
   * Idempotent for the same key; with a different key (the request fell through to
   * another route), the previous permit is handed back as ignored first. Once the
   * request is settled (refused, timed out or finished) it asks nothing and returns
   * `{ admitted: true }`: the adapter has answered already.
   *
   * @param route - the route key (`GET /users/:id`), or `null` when unknown.
   * @param clientIp - the client address (`req.ip`), for client keys.
   * @returns `{ admitted: true }`, or `{ admitted: false, info }` to answer with a
   *   degraded response (the handler must not run).
   *
   * @example
   * ```ts
   * const admission = call.admit(routeKey(req.method, template), req.ip);
   * if (!admission.admitted) return sendDegraded(req, res, admission.info);
   * ```
   */
  admit(route: string | null, clientIp: string | undefined): Admission {
    if (this.#done) return ADMITTED;
    const g = this.#g;
    if (route !== null) this.#route = route;
    const key = this.#deriveKey(route, clientIp);
    if (key === null) return ADMITTED;
    if (this.#permit !== null) {
      if (key === this.#key) return ADMITTED;
      this.#release();
    }
    const options =
      (route !== null && this.#routeKeyed && g.o.routes.get(route)?.options) || g.o.breakerOptions;
    let breaker: CircuitBreaker;
    try {
      breaker = g.o.registry.get(key, options);
    } catch (error) {
      g.warn.warn(
        HttpWarningCodes.REGISTRY_THREW,
        'The breaker registry refused a key; the request passed unguarded',
        error,
      );
      return ADMITTED;
    }
    // With the request's span active, the breaker's telemetry annotates it.
    const permit = withSpan(this.#span, acquire, breaker, 0, 0, 0);
    this.#key = key;
    this.#breaker = breaker;
    if (this.#span !== null && this.#route !== null && this.#route !== UNMATCHED_ROUTE) {
      this.#span.setAttribute(TelemetryNames.attributes.httpRoute, routeTemplateOf(this.#route));
    }
    if (!permit.permitted) {
      this.#done = true;
      return {
        admitted: false,
        info: {
          reason: permit.reason,
          key,
          route: this.#route,
          breaker: breaker.name,
          state: permit.state,
          retryAfterMs: permit.retryAfterMs,
        },
      };
    }
    this.#permit = permit;
    const clock = breaker.options.clock;
    this.#startedAt = clock.now();
    const timeoutMs = breaker.options.timeoutMs;
    if (timeoutMs > 0 && breaker.mode !== 'off' && permit.state !== 'disabled') {
      this.#timeoutMs = timeoutMs;
      this.#timer = setTimeout(this.#onTimeout, timeoutMs);
      this.#timer.unref();
    }
    return ADMITTED;
  }

  /**
   * Records the request's outcome, once; later calls, and calls after a timeout or a
   * refusal, are ignored. `aborted` (the client went away first) and `ignore` (another
   * guard answered) record `ignore`; otherwise `isFailure` decides (a classifier that
   * throws is reported once and the default decides). A route-keyed request that was
   * never admitted is recorded against {@link UNMATCHED_ROUTE}.
   *
   * @param input - the status, the error if any, and whether the client went away.
   *
   * @example
   * ```ts
   * res.once('finish', () => call.settle({ status: res.statusCode, error: state.error }));
   * res.once('close', () => call.settle({ status: res.statusCode, aborted: !res.writableFinished }));
   * ```
   */
  settle(input: HttpSettleInput): void {
    if (input.aborted) this.#abort(clientGone());
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    const g = this.#g;
    let permit = this.#permit;
    let durationMs: number;
    let key = this.#key;
    if (permit === null || this.#breaker === null) {
      if (!this.#routeKeyed || key !== null) return;
      let fallback: CircuitBreaker;
      try {
        fallback = g.o.registry.get(UNMATCHED_ROUTE, g.fallbackOptions);
      } catch (error) {
        g.warn.warn(HttpWarningCodes.REGISTRY_THREW, 'The breaker registry refused the fallback key', error);
        return;
      }
      const p = fallback.tryAcquire();
      if (!p.permitted) return;
      permit = p;
      key = UNMATCHED_ROUTE;
      durationMs = elapsed(g.clock(), this.#beganAt);
    } else {
      durationMs = elapsed(this.#breaker.options.clock, this.#startedAt);
    }
    if (input.aborted || input.ignore) {
      withSpan(this.#span, report, permit, REPORT_IGNORE, undefined, durationMs);
      return;
    }
    const outcome: HttpOutcome =
      input.error === undefined
        ? { status: input.status, durationMs, key: key as string, route: this.#route }
        : { status: input.status, error: input.error, durationMs, key: key as string, route: this.#route };
    const kind = this.#isFailure(outcome) ? REPORT_FAILURE : REPORT_SUCCESS;
    withSpan(this.#span, report, permit, kind, input.error, durationMs);
  }

  /**
   * Guards an outbound call with a breaker of its own from the same registry (created
   * with the registry's defaults), passing the request's signal: the call is aborted,
   * and its outcome ignored, when the request times out or the client goes away.
   *
   * @param name - the dependency's key in the registry, e.g. `payments-api`.
   * @param fn - the call; receives the signal to pass on (`fetch(url, { signal })`).
   * @param options - `fallback`, as for `CircuitBreaker.execute`.
   * @returns what `fn` (or `fallback`) returns.
   * @throws BreakerOpenError, BreakerTimeoutError or what `fn` threw, as a rejection;
   *   TypeError (as a rejection) when `name` is not a string.
   *
   * @example
   * ```ts
   * const quote = await call.execute('payments-api', (signal) => fetch(url, { signal }).then((r) => r.json()));
   * ```
   */
  execute<T>(
    name: string,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: Pick<ExecuteOptions<T>, 'fallback'>,
  ): Promise<T> {
    let breaker: CircuitBreaker;
    try {
      breaker = this.#g.o.registry.get(name);
    } catch (error) {
      return Promise.reject(error);
    }
    const fallback = options?.fallback;
    return breaker.execute(
      fn,
      fallback === undefined ? { signal: this.signal } : { signal: this.signal, fallback },
    );
  }

  /**
   * The handler's view of its breaker (`req.breakwater`), or `null` while the request
   * holds no permit (not admitted yet, refused, or passed unguarded). Reads stay live:
   * after a fall-through to another route they show the new breaker.
   *
   * @example
   * ```ts
   * const view = call.view();
   * if (view !== null) req.breakwater = view;
   * ```
   */
  view(): RequestBreaker | null {
    if (this.#permit === null) return null;
    if (this.#view === null) this.#view = new RequestBreakerView(this);
    return this.#view;
  }

  #deriveKey(route: string | null, clientIp: string | undefined): string | null {
    const o = this.#g.o;
    switch (o.keyMode) {
      case 'route':
        return route;
      case 'client':
        return clientKeyWith(clientIp, o.ipv6Subnet);
      case 'route+client':
        return route === null ? null : routeClientKey(route, clientKeyWith(clientIp, o.ipv6Subnet));
      default: {
        if (this.#key !== null) return this.#key;
        let key: unknown;
        try {
          key = (o.keyFunction as (ctx: Ctx) => string)(this.#ctx);
        } catch (error) {
          this.#g.warn.warn(
            HttpWarningCodes.KEY_THREW,
            'The key function of a Breakwater middleware threw; the request passed unguarded',
            error,
          );
          return null;
        }
        if (typeof key !== 'string' || key.length === 0) {
          this.#g.warn.warn(
            HttpWarningCodes.KEY_INVALID,
            `The key function of a Breakwater middleware returned ${typeof key === 'string' ? 'an empty string' : `a ${typeof key}`}; the request passed unguarded`,
          );
          return null;
        }
        return key;
      }
    }
  }

  #isFailure(outcome: HttpOutcome): boolean {
    const isFailure = this.#g.o.isFailure;
    if (isFailure !== undefined) {
      try {
        return Boolean(isFailure(outcome));
      } catch (error) {
        this.#g.warn.warn(
          HttpWarningCodes.IS_FAILURE_THREW,
          'The isFailure option of a Breakwater middleware threw; the default classification was used',
          error,
        );
      }
    }
    return outcome.error !== undefined || outcome.status >= 500;
  }

  /** Hands the current permit back as ignored (the request moved to another route). */
  #release(): void {
    this.#clearTimer();
    const permit = this.#permit;
    const breaker = this.#breaker;
    this.#permit = null;
    this.#breaker = null;
    this.#key = null;
    if (permit !== null && breaker !== null) {
      withSpan(
        this.#span,
        report,
        permit,
        REPORT_IGNORE,
        undefined,
        elapsed(breaker.options.clock, this.#startedAt),
      );
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  readonly #onTimeout = (): void => {
    this.#timer = undefined;
    const permit = this.#permit;
    const breaker = this.#breaker;
    if (this.#done || permit === null || breaker === null) return;
    this.#done = true;
    withSpan(
      this.#span,
      report,
      permit,
      REPORT_TIMEOUT,
      undefined,
      elapsed(breaker.options.clock, this.#startedAt),
    );
    if (breaker.mode !== 'enforce') return;
    this.#timedOut = true;
    const info: DegradedInfo = {
      reason: 'timeout',
      key: this.#key as string,
      route: this.#route,
      breaker: breaker.name,
      state: breaker.state,
      retryAfterMs: null,
    };
    const hooks = this.#hooks;
    if (hooks?.onTimeout !== undefined) {
      try {
        hooks.onTimeout(info);
      } catch (error) {
        this.#g.warn.warn(HttpWarningCodes.HOOK_THREW, 'Answering a timed-out request threw', error);
      }
    }
    this.#abort(new BreakerTimeoutError(breaker.name, this.#timeoutMs));
  };

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    const controller = this.#controller;
    if (controller === undefined) return;
    try {
      controller.abort(reason);
    } catch (error) {
      // An abort listener threw: it is the handler's, but it must not break the request.
      this.#g.warn.warn(HttpWarningCodes.HOOK_THREW, 'An abort listener of a request signal threw', error);
    }
  }
}

/** What a view reads from its request guard. */
interface ViewSource {
  readonly key: string | null;
  readonly route: string | null;
  readonly state: BreakerState | null;
  readonly signal: AbortSignal;
  execute<T>(
    name: string,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: Pick<ExecuteOptions<T>, 'fallback'>,
  ): Promise<T>;
}

/** `req.breakwater`: a live, read-only view of a request guard. */
class RequestBreakerView implements RequestBreaker {
  readonly #call: ViewSource;

  constructor(call: ViewSource) {
    this.#call = call;
  }

  get key(): string {
    return this.#call.key ?? '';
  }

  get route(): string | null {
    return this.#call.route;
  }

  get state(): BreakerState {
    return this.#call.state ?? 'closed';
  }

  get signal(): AbortSignal {
    return this.#call.signal;
  }

  execute<T>(
    name: string,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    options?: { fallback?: ((error: unknown) => T | PromiseLike<T>) | undefined },
  ): Promise<T> {
    const fallback = options?.fallback;
    return this.#call.execute(name, fn, fallback === undefined ? undefined : { fallback });
  }

  toJSON(): { key: string; route: string | null; state: BreakerState } {
    return { key: this.key, route: this.route, state: this.state };
  }
}

const REPORT_SUCCESS = 0;
const REPORT_FAILURE = 1;
const REPORT_IGNORE = 2;
const REPORT_TIMEOUT = 3;

function acquire(breaker: CircuitBreaker): ReturnType<CircuitBreaker['tryAcquire']> {
  return breaker.tryAcquire();
}

/** Reports a permit's outcome; positional, for {@link withSpan}. */
function report(permit: AdmittedPermit, kind: number, error: unknown, durationMs: number): void {
  if (kind === REPORT_SUCCESS) permit.success(durationMs);
  else if (kind === REPORT_FAILURE) permit.failure(error, durationMs);
  else if (kind === REPORT_IGNORE) permit.ignore(durationMs);
  else permit.timeout(durationMs);
}

/** `GET /users/:id` → `/users/:id` (`http.route` carries no method). */
function routeTemplateOf(route: string): string {
  const space = route.indexOf(' ');
  return space < 0 ? route : route.slice(space + 1);
}

/** Milliseconds since `start` on `clock`, as a valid duration. */
function elapsed(clock: Clock, start: number): number {
  const d = clock.now() - start;
  return Number.isFinite(d) && d > 0 ? d : 0;
}

function clientGone(): Error {
  const error = new Error('The client closed the connection before the response was complete');
  error.name = 'AbortError';
  return error;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
