// The gateway, written once for both module systems: server.cjs hands it what it got from
// require(), server.mjs what it got from import. Nothing in it is about OpenTelemetry.
/**
 * @param {object} deps
 * @param {typeof import('express')} deps.express
 * @param {typeof import('@breakwater/core').BreakerRegistry} deps.BreakerRegistry
 * @param {typeof import('@breakwater/express').breakerStatus} deps.breakerStatus
 * @param {typeof import('@breakwater/express').circuitBreaker} deps.circuitBreaker
 */
module.exports = function startGateway({ express, BreakerRegistry, breakerStatus, circuitBreaker }) {
  const upstream = process.env['UPSTREAM_URL'] || 'http://127.0.0.1:4000';

  // Route keys are bounded (GET /stock/:id), so they may go on metrics as well.
  const registry = new BreakerRegistry({
    name: 'gateway',
    telemetry: { metricKey: (key) => key, metricKeyLimit: 50 },
  });

  const app = express();
  app.use(
    circuitBreaker({
      registry,
      window: { kind: 'count', size: 10 },
      minimumCalls: 5,
      failureRateThreshold: 0.5,
      openDurationMs: 5_000,
      halfOpenMaxCalls: 2,
      timeoutMs: 800,
    }),
  );

  for (const path of ['/stock/:id', '/products/:id']) {
    app.get(path, async (req, res, next) => {
      try {
        const answer = await fetch(`${upstream}${req.path}`, { signal: req.breakwater?.signal });
        res.status(answer.ok ? 200 : 502).json(await answer.json());
      } catch (error) {
        next(error);
      }
    });
  }
  app.get(
    '/breakers',
    breakerStatus({ registry, authorize: (req) => req.socket.remoteAddress === '127.0.0.1' }),
  );

  const server = app.listen(Number(process.env['PORT']) || 3000, '127.0.0.1', () => {
    const address = server.address();
    console.log(
      `gateway listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : ''}`,
    );
  });
  return server;
};
