import { isLoopbackRequest } from './client-key.js';
import { describeValue } from './describe.js';
import { BreakerConfigError, ErrorCodes, invalidOption } from './errors.js';
import { HttpWarningCodes } from './http-guard.js';
import type { HttpAnswer } from './http-types.js';
import { forbiddenProblem } from './problem.js';
import type { BreakerRegistry } from './registry.js';
import { WarnOnce } from './warn-once.js';

/** The default most breakers a status answer lists. */
export const DEFAULT_STATUS_LIMIT = 1_000;

/** Options of a breaker status endpoint, shared by the adapters. */
export interface StatusOptions<Ctx> {
  /** The registry to show (e.g. `circuitBreaker(...).registry`). Required. */
  registry: BreakerRegistry;
  /**
   * Decides who may read the status: must return `true` (or a promise of `true`).
   * Anything else, or a throw, answers 403 naming no breaker. Without it, only clients
   * on this machine may read it (see `isLoopbackRequest`: a loopback peer and no proxy
   * header), everyone else gets 403, and a `BREAKWATER_STATUS_UNPROTECTED` warning is
   * emitted at construction.
   */
  authorize?: ((ctx: Ctx) => boolean | PromiseLike<boolean>) | undefined;
  /** The most breakers listed, not-closed ones first (integer >= 0, or `Infinity`). Default 1,000. */
  limit?: number | undefined;
}

const KNOWN = new Set(['registry', 'authorize', 'limit']);

/** The headers of every status answer (those of {@link forbiddenProblem} too): never cached, never sniffed. */
const STATUS_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** What the adapter tells {@link BreakerStatus} about its framework. */
export interface StatusContext<Ctx> {
  /** The adapter's function name, for messages. Default `breakerStatus`. */
  factory?: string | undefined;
  /**
   * Node's `IncomingMessage` of a request, for the loopback rule without `authorize`
   * (Koa: `(ctx) => ctx.req`). Default: the request is `ctx` itself (Express's `req`).
   */
  request?: ((ctx: Ctx) => unknown) | undefined;
}

/**
 * A breaker status endpoint without its framework: validates the options at
 * construction and answers a request with the registry's snapshot as JSON, or 403.
 * Without `authorize`, only requests from this machine are answered (see
 * `isLoopbackRequest`).
 *
 * The JSON is `registry.snapshot({ limit })`: `{ name, size, pinned, maxKeys,
 * maxPinnedKeys, idleTtlMs, omitted, breakers: [ { key, state, failureRate,
 * slowCallRate, window, totals, retryAfterMs, … } ] }`. Every answer, 200 or 403, has
 * `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.
 *
 * @example
 * ```ts
 * const status = new BreakerStatus({ registry, authorize: (ctx) => ctx.state.user?.admin === true });
 * const { status: code, headers, body } = await status.answer(ctx);
 * ```
 * @throws BreakerConfigError from the constructor when an option is unknown or invalid.
 */
export class BreakerStatus<Ctx = unknown> {
  readonly #registry: BreakerRegistry;
  readonly #authorize: ((ctx: Ctx) => boolean | PromiseLike<boolean>) | undefined;
  readonly #limit: number;
  readonly #request: (ctx: Ctx) => unknown;
  readonly #warn = new WarnOnce();

  /**
   * @param options - see {@link StatusOptions}.
   * @param context - see {@link StatusContext}: the adapter's name and how to reach Node's request.
   * @throws BreakerConfigError naming the option and the value.
   */
  constructor(options: StatusOptions<Ctx>, context: StatusContext<Ctx> = {}) {
    const factory = context.factory ?? 'breakerStatus';
    this.#request = context.request ?? ((ctx: Ctx) => ctx);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw invalidOption('options', options, `an object { registry, authorize }`);
    }
    const o = options as unknown as Record<string, unknown>;
    for (const name of Object.keys(o)) {
      if (!KNOWN.has(name)) {
        throw new BreakerConfigError(
          ErrorCodes.UNKNOWN_OPTION,
          name,
          o[name],
          `Unknown option "${name}" of ${factory}() (got ${describeValue(o[name])}); known options: ${[...KNOWN].join(', ')}`,
        );
      }
    }
    const registry = o['registry'] as Record<string, unknown> | undefined;
    if (typeof registry !== 'object' || registry === null || typeof registry['snapshot'] !== 'function') {
      throw invalidOption(
        'registry',
        registry,
        'a BreakerRegistry (for example circuitBreaker(...).registry)',
      );
    }
    const authorize = o['authorize'];
    if (authorize !== undefined && typeof authorize !== 'function') {
      throw invalidOption('authorize', authorize, 'a function returning true to allow');
    }
    const limit = o['limit'] ?? DEFAULT_STATUS_LIMIT;
    if (
      !(
        limit === Number.POSITIVE_INFINITY ||
        (typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0)
      )
    ) {
      throw invalidOption('limit', limit, 'an integer >= 0 or Infinity');
    }
    this.#registry = registry as unknown as BreakerRegistry;
    this.#authorize = authorize as StatusOptions<Ctx>['authorize'];
    this.#limit = limit as number;
    if (authorize === undefined) {
      this.#warn.warn(
        HttpWarningCodes.STATUS_UNPROTECTED,
        `${factory}() without authorize answers only requests from this machine (loopback, no proxy header); give authorize to let anyone else read the breakers (routes, client keys)`,
      );
    }
  }

  /**
   * Whether `ctx` may read the status: `authorize`'s answer, or without it whether the
   * request comes from this machine. Never throws: a hook that throws or rejects
   * refuses, and is reported once.
   *
   * @param ctx - the framework's request.
   *
   * @example
   * ```ts
   * if (!(await status.isAuthorized(req))) return res.sendStatus(403);
   * ```
   */
  async isAuthorized(ctx: Ctx): Promise<boolean> {
    const authorize = this.#authorize;
    if (authorize === undefined) {
      try {
        return isLoopbackRequest(this.#request(ctx));
      } catch {
        return false;
      }
    }
    try {
      return (await authorize(ctx)) === true;
    } catch (error) {
      this.#warn.warn(
        HttpWarningCodes.AUTHORIZE_THREW,
        'The authorize hook of a breaker status endpoint threw; the request was refused',
        error,
      );
      return false;
    }
  }

  /**
   * The registry's snapshot as an HTTP answer: `200` with JSON, or the 403 problem.
   *
   * @param ctx - the framework's request, handed to `authorize`.
   * @returns the status, headers (lower-case names) and body.
   *
   * @example
   * ```ts
   * const answer = await status.answer(req);
   * res.writeHead(answer.status, answer.headers).end(answer.body);
   * ```
   */
  async answer(ctx: Ctx): Promise<HttpAnswer> {
    if (!(await this.isAuthorized(ctx))) return forbiddenProblem();
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', ...STATUS_HEADERS },
      body: JSON.stringify(this.#registry.snapshot({ limit: this.#limit })),
    };
  }
}
