// A Koa gateway in front of an inventory service, with one Breakwater breaker per
// route. When the upstream fails or hangs, the route's breaker opens and the gateway
// answers at once from its cache of last good answers instead of piling up requests.
//
//   GET /products/:id   -> upstream /products/:id
//   GET /stock/:id      -> upstream /stock/:id   (stricter: slow calls count too)
//   GET /breakers       -> every breaker's state (loopback clients only)
//   /dashboard          -> the live dashboard, with incident controls (loopback clients only)
//   GET /healthz        -> 200, never guarded
import { degradedProblem } from '@breakwater/core';
import { listenLocal } from '@breakwater/example-upstream/serve';
import { breakerDashboard, breakerStatus, circuitBreaker } from '@breakwater/koa';
import Router from '@koa/router';
import Koa from 'koa';
import { LRUCache } from 'lru-cache';

/** How long the gateway waits for the upstream, with or without Breakwater, in ms. */
export const UPSTREAM_TIMEOUT_MS = 1_000;

/**
 * Breaker options of the example, short enough to watch a breaker open and recover by
 * hand. In production, open for longer (`openDurationMs: 30_000` or an
 * `exponentialBackoff`) and sample more calls (`window: { kind: 'time', durationMs: 10_000 }`).
 * @type {import('@breakwater/koa').CircuitBreakerMiddlewareOptions}
 */
export const BREAKER_OPTIONS = {
  window: { kind: 'count', size: 20 },
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openDurationMs: 5_000,
  halfOpenMaxCalls: 3,
  rampUpMs: 5_000,
  timeoutMs: 800,
};

/**
 * Builds the gateway app.
 *
 * @param {object} options
 * @param {string} options.upstreamUrl e.g. `http://127.0.0.1:4000`
 * @param {boolean} [options.breakwater] Default true; false builds the same gateway without breakers.
 * @param {import('@breakwater/koa').CircuitBreakerMiddlewareOptions} [options.breaker]
 *   Breaker options merged over {@link BREAKER_OPTIONS}.
 * @returns {{ app: Koa, registry: import('@breakwater/core').BreakerRegistry | null }}
 */
export function createGateway({ upstreamUrl, breakwater = true, breaker = {} }) {
  const app = new Koa();
  /** The last good answer per path, for the degraded handler; bounded. @type {LRUCache<string, object>} */
  const cache = new LRUCache({ max: 1_000 });
  /** @type {import('@breakwater/core').BreakerRegistry | null} */
  let registry = null;

  if (breakwater) {
    const breakers = circuitBreaker({
      ...BREAKER_OPTIONS,
      ...breaker,
      // Stock must be fast: a call over 300 ms counts as slow, and 80% slow calls open the breaker.
      routes: { 'GET /stock/:id': { slowCallDurationMs: 300, slowCallRateThreshold: 0.8 } },
      // Health checks bypass the breakers: never refused, never counted.
      skip: (ctx) => ctx.path === '/healthz',
      // A refused or timed-out request: the last good answer if there is one, marked stale;
      // else Breakwater's default answer (503, Retry-After, problem+json).
      degraded: (ctx, info) => {
        const last = cache.get(ctx.path);
        if (last !== undefined) {
          // Set the status: after a timeout, ctx may still hold what the handler had set.
          ctx.status = 200;
          ctx.body = { ...last, stale: true };
        } else {
          const answer = degradedProblem(info);
          ctx.status = answer.status;
          ctx.body = answer.body;
          ctx.set(answer.headers);
        }
        ctx.set('x-degraded', info.reason);
      },
    });
    registry = breakers.registry;
    // The status endpoint, before the breakers so that it has none of its own. Who may
    // read it is up to you; here, only clients on this machine (it listens on 127.0.0.1).
    const admin = new Router();
    admin.get(
      '/breakers',
      breakerStatus({ registry, authorize: (ctx) => ctx.req.socket.remoteAddress === '127.0.0.1' }),
    );
    app.use(admin.routes());
    // The live dashboard at /dashboard (a page, its event stream and incident controls),
    // for the same clients, who may also force breakers open, reset them and so on.
    app.use(
      breakerDashboard({
        registry,
        path: '/dashboard',
        authorize: (ctx) => (ctx.req.socket.remoteAddress === '127.0.0.1' ? 'control' : 'none'),
      }),
    );
    app.use(breakers);
  }

  /**
   * Forwards to the upstream and remembers the last good answer per path.
   * @param {string} prefix
   * @returns {import('@koa/router').RouterMiddleware}
   */
  const forward = (prefix) => async (ctx) => {
    // With Breakwater, ctx.state.breakwater.signal aborts when the request times out (or
    // the client goes away), so the upstream call stops too.
    const guard = ctx.state.breakwater;
    const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
    const signal = guard === undefined ? timeout : AbortSignal.any([guard.signal, timeout]);
    try {
      const upstream = await fetch(`${upstreamUrl}${prefix}/${encodeURIComponent(ctx.params['id'] ?? '')}`, {
        signal,
      });
      const body = /** @type {object} */ (await upstream.json());
      if (!upstream.ok) {
        ctx.status = 502;
        ctx.body = { error: `upstream answered ${upstream.status}` };
        return;
      }
      cache.set(ctx.path, body);
      ctx.body = body;
    } catch (error) {
      // When Breakwater cut the request short (its timeout), it has answered already:
      // what this sets on ctx is ignored.
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      ctx.status = timedOut ? 504 : 502;
      ctx.body = { error: timedOut ? 'upstream timed out' : 'upstream unreachable' };
    }
  };

  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { ok: true };
  });
  router.get('/products/:id', forward('/products'));
  router.get('/stock/:id', forward('/stock'));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, registry };
}

/**
 * Starts the gateway on 127.0.0.1.
 *
 * @param {object} options
 * @param {string} options.upstreamUrl
 * @param {boolean} [options.breakwater]
 * @param {import('@breakwater/koa').CircuitBreakerMiddlewareOptions} [options.breaker]
 * @param {number} [options.port] Default 0: any free port.
 * @returns {Promise<{ url: string, registry: import('@breakwater/core').BreakerRegistry | null, close: () => Promise<void> }>}
 */
export async function startGateway({ port = 0, ...options }) {
  const { app, registry } = createGateway(options);
  const { url, close } = await listenLocal((p, host, ready) => app.listen(p, host, ready), port);
  return { url, registry, close };
}
