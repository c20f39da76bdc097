import type { ServerResponse } from 'node:http';

/**
 * Makes every write to `res` after its first `end()` a silent no-op: `setHeader`,
 * `appendHeader`, `removeHeader`, `writeHead`, `flushHeaders`, `writeContinue`,
 * `addTrailers`, `write` and `end` (callbacks passed to `write` and `end` are still
 * called, on the next tick). A handler that answers after Breakwater's timeout answer,
 * or streams on, never hits "Cannot set headers after they are sent" or a
 * write-after-end error: whichever writer ends the response first wins.
 *
 * Framework-agnostic (any `node:http` response): for HTTP adapters, which call it
 * before they send a timeout answer.
 *
 * @param res - the response, not ended yet.
 *
 * @example
 * ```ts
 * sealResponse(res);
 * res.end('timed out');                // sent
 * res.setHeader('x-late', 'yes');      // ignored
 * res.end('late answer');              // ignored
 * ```
 */
export function sealResponse(res: ServerResponse): void {
  const realEnd = res.end;
  // biome-ignore lint/suspicious/noExplicitAny: Node's end() has several overloads.
  res.end = function endThenSeal(this: ServerResponse, ...args: any[]) {
    const result = (realEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
    seal(this);
    return result;
  } as ServerResponse['end'];
}

/** Replaces the response's writing methods with no-ops. */
function seal(res: ServerResponse): void {
  const r = res as unknown as Record<string, unknown>;
  r['setHeader'] = returnThis;
  r['appendHeader'] = returnThis;
  r['removeHeader'] = noop;
  r['writeHead'] = returnThis;
  r['flushHeaders'] = noop;
  r['writeContinue'] = noop;
  r['addTrailers'] = noop;
  r['write'] = ignoredWrite;
  r['end'] = ignoredEnd;
}

function noop(): void {}

function returnThis<T>(this: T): T {
  return this;
}

function ignoredWrite(chunk?: unknown, encoding?: unknown, callback?: unknown): boolean {
  const cb = typeof encoding === 'function' ? encoding : typeof chunk === 'function' ? chunk : callback;
  if (typeof cb === 'function') process.nextTick(cb as () => void);
  return true;
}

function ignoredEnd<T>(this: T, chunk?: unknown, encoding?: unknown, callback?: unknown): T {
  ignoredWrite(chunk, encoding, callback);
  return this;
}
