/**
 * Reports problems in user callbacks (key functions, classifiers, degraded handlers,
 * authorize hooks) once per code per owner, with `process.emitWarning`, so a callback
 * that throws on every request does not flood the logs and never fails the request.
 *
 * Each middleware, breaker (made on its first warning) and telemetry hub owns one:
 * there is no module-level state.
 *
 * @internal
 */
export class WarnOnce {
  readonly #seen = new Set<string>();

  /**
   * Emits a `BreakwaterWarning` with `code` unless this owner already did.
   *
   * @param code - a stable `BREAKWATER_*` code.
   * @param message - what happened, naming the callback.
   * @param error - what the callback threw, shown as the warning's detail.
   */
  warn(code: string, message: string, error?: unknown): void {
    if (this.#seen.has(code)) return;
    this.#seen.add(code);
    const detail =
      error instanceof Error
        ? (error.stack ?? `${error.name}: ${error.message}`)
        : error === undefined
          ? undefined
          : safeString(error);
    try {
      process.emitWarning(
        message,
        detail === undefined
          ? { type: 'BreakwaterWarning', code }
          : { type: 'BreakwaterWarning', code, detail },
      );
    } catch {
      // A warning never breaks a request.
    }
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'a value that cannot be printed';
  }
}
