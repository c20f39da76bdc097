import { BreakerStatus } from '@breakwater/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { BreakerStatusOptions } from './types.js';

/**
 * An opt-in endpoint that answers JSON snapshots of every breaker in a registry
 * (state, failure and slow-call rates, window counters, totals, retry-after), not-closed
 * breakers first. `authorize` decides who may read it; a refusal (or a hook that
 * throws) answers `403` with a problem+json body that names no breaker.
 *
 * @param options - `registry` (required), `authorize`, `limit`.
 * @returns a request handler named `breakerStatus`.
 * @throws BreakerConfigError when an option is unknown or invalid (e.g. no registry).
 *
 * @example
 * ```ts
 * const breakers = circuitBreaker();
 * app.use(breakers);
 * app.get('/breakers', breakerStatus({ registry: breakers.registry, authorize: (req) => isAdmin(req) }));
 * ```
 */
export function breakerStatus(options: BreakerStatusOptions): RequestHandler {
  const status = new BreakerStatus<Request>(options, { factory: 'breakerStatus' });
  return function breakerStatus(req: Request, res: Response, next: NextFunction): void {
    status.answer(req).then((answer) => {
      if (res.headersSent) return;
      res.status(answer.status).set(answer.headers).send(answer.body);
    }, next);
  };
}
