/**
 * Test helpers shared by the test suites of the adapters (and the core's): a hand-moved
 * clock, breaker options that trip fast, servers on 127.0.0.1 closed after each test,
 * gates, polling and captured warnings. Not published and not built (the package ships
 * `dist` only, built from `src`); suites import it by relative path, e.g. from
 * `packages/express/test/helpers.ts`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A clock a test moves by hand. */
export class FakeClock {
  constructor(public t = 1_000_000) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Options that open a breaker after two failures out of two calls, for 30 s, and probe with 2 calls. */
export function quickTrip(clock: FakeClock) {
  return {
    window: { kind: 'count' as const, size: 4 },
    minimumCalls: 2,
    failureRateThreshold: 0.5,
    openDurationMs: 30_000,
    halfOpenMaxCalls: 2,
    clock,
  };
}

const servers = new Set<http.Server>();

/** Serves `listener` on 127.0.0.1 on an ephemeral port; closed after each test. */
export async function serve(listener: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.add(server);
  return server;
}

/** A server that never answers (an upstream that hangs); closed after each test. */
export function hangingServer(): Promise<http.Server> {
  return serve(() => {});
}

afterEach(async () => {
  const closing = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  servers.clear();
  await Promise.all(closing);
});

/** The port of a served app. */
export function portOf(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

/** A promise and its resolver, to hold a handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once `predicate` holds, polling every few ms (for events that happen after a response). */
export async function until(predicate: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Collects `process.emitWarning` calls made by Breakwater, silencing them. */
export function captureWarnings(): { codes: () => string[]; restore: () => void } {
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
  return {
    codes: () =>
      spy.mock.calls
        .map((call) => (call[1] as { code?: string } | undefined)?.code)
        .filter((code): code is string => typeof code === 'string'),
    restore: () => spy.mockRestore(),
  };
}
