// An Express gateway in front of an inventory service, with one Breakwater breaker per
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
import { breakerDashboard, breakerStatus, circuitBreaker } from '@breakwater/express';
import express from 'express';
import { LRUCache } from 'lru-cache';

/** How long the gateway waits for the upstream, with or without Breakwater, in ms. */
export const UPSTREAM_TIMEOUT_MS = 1_000;

/**
 * Breaker options of the example, short enough to watch a breaker open and recover by
 * hand. In production, open for longer (`openDurationMs: 30_000` or an
 * `exponentialBackoff`) and sample more calls (`window: { kind: 'time', durationMs: 10_000 }`).
 * @type {import('@breakwater/express').CircuitBreakerMiddlewareOptions}
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
 * @param {import('@breakwater/express').CircuitBreakerMiddlewareOptions} [options.breaker]
 *   Breaker options merged over {@link BREAKER_OPTIONS}.
 * @returns {{ app: import('express').Express, registry: import('@breakwater/core').BreakerRegistry | null }}
 */
export function createGateway({ upstreamUrl, breakwater = true, breaker = {} }) {
  const app = express();
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
      skip: (req) => req.path === '/healthz',
      // A refused or timed-out request: the last good answer if there is one, marked stale;
      // else Breakwater's default answer (503, Retry-After, problem+json).
      degraded: (req, res, info) => {
        res.set('x-degraded', info.reason);
        const last = cache.get(req.path);
        if (last !== undefined) {
          res.json({ ...last, stale: true });
          return;
        }
        const answer = degradedProblem(info);
        res.status(answer.status).set(answer.headers).send(answer.body);
      },
    });
    registry = breakers.registry;
    // The status endpoint, before the breakers so that it has none of its own. Who may
    // read it is up to you; here, only clients on this machine (it listens on 127.0.0.1).
    app.get(
      '/breakers',
      breakerStatus({ registry, authorize: (req) => req.socket.remoteAddress === '127.0.0.1' }),
    );
    // The live dashboard at /dashboard (a page, its event stream and incident controls),
    // for the same clients, who may also force breakers open, reset them and so on.
    app.use(
      '/dashboard',
      breakerDashboard({
        registry,
        authorize: (req) => (req.socket.remoteAddress === '127.0.0.1' ? 'control' : 'none'),
      }),
    );
    app.use(breakers);
  }

  /**
   * Forwards to the upstream and remembers the last good answer per path.
   * @param {string} prefix
   * @returns {import('express').RequestHandler<{ id: string }>}
   */
  const forward = (prefix) => async (req, res) => {
    // With Breakwater, req.breakwater.signal aborts when the request times out (or the
    // client goes away), so the upstream call stops too.
    const guard = req.breakwater;
    const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
    const signal = guard === undefined ? timeout : AbortSignal.any([guard.signal, timeout]);
    try {
      const upstream = await fetch(`${upstreamUrl}${prefix}/${encodeURIComponent(req.params.id)}`, {
        signal,
      });
      const body = /** @type {object} */ (await upstream.json());
      if (!upstream.ok) {
        res.status(502).json({ error: `upstream answered ${upstream.status}` });
        return;
      }
      cache.set(req.path, body);
      res.json(body);
    } catch (error) {
      // When Breakwater cut the request short (its timeout), it has answered already:
      // what this writes is ignored.
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      res
        .status(timedOut ? 504 : 502)
        .json({ error: timedOut ? 'upstream timed out' : 'upstream unreachable' });
    }
  };

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/products/:id', forward('/products'));
  app.get('/stock/:id', forward('/stock'));
  return { app, registry };
}

/**
 * Starts the gateway on 127.0.0.1.
 *
 * @param {object} options
 * @param {string} options.upstreamUrl
 * @param {boolean} [options.breakwater]
 * @param {import('@breakwater/express').CircuitBreakerMiddlewareOptions} [options.breaker]
 * @param {number} [options.port] Default 0: any free port.
 * @returns {Promise<{ url: string, registry: import('@breakwater/core').BreakerRegistry | null, close: () => Promise<void> }>}
 */
export async function startGateway({ port = 0, ...options }) {
  const { app, registry } = createGateway(options);
  const { url, close } = await listenLocal((p, host, ready) => app.listen(p, host, ready), port);
  return { url, registry, close };
}
