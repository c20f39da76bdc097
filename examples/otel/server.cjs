// An Express gateway in front of the example upstream, with one Breakwater breaker per
// route. Nothing in it is about OpenTelemetry: start it with `--require ./otel.cjs`
// and every request's server span carries circuit_breaker.* attributes, and the
// circuit_breaker.* metrics flow to the same collector.
//
//   UPSTREAM_URL=http://127.0.0.1:4000 PORT=3000 node --require ./otel.cjs server.cjs
const express = require('express');
const { BreakerRegistry } = require('@breakwater/core');
const { breakerStatus, circuitBreaker } = require('@breakwater/express');

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
  console.log(`gateway listening on http://127.0.0.1:${server.address().port}`);
});
