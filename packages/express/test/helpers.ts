import type http from 'node:http';
import type { Express } from 'express';
import request from 'supertest';
import { serve as serveListener } from '../../core/test-support/index.js';

// The helpers every adapter suite shares; `serve` below takes the app instead of a listener.
export * from '../../core/test-support/index.js';

/** Both Express majors, through the package aliases: every suite runs against each. */
export const expressVersions = [
  ['express 4', require('express4') as typeof import('express')],
  ['express 5', require('express5') as typeof import('express')],
] as const;

export type ExpressModule = (typeof expressVersions)[number][1];

/** Serves `app` on 127.0.0.1 on an ephemeral port; closed after each test. */
export function serve(app: Express): Promise<http.Server> {
  return serveListener(app);
}

/** supertest against `app` served on 127.0.0.1. */
export async function client(app: Express) {
  return request(await serve(app));
}
