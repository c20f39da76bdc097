import type { Span } from '@opentelemetry/api';
import type { CircuitBreaker } from './breaker.js';
import { checkDuration, FAILED, IGNORED, isPromiseLike, PASS, SUCCESS, TIMED_OUT } from './codes.js';
import { BreakerTimeoutError } from './errors.js';
import type {
  AdmittedPermit,
  BreakerState,
  ExecuteOptions,
  RejectedPermit,
  RejectionReason,
} from './types.js';

/** An admitted permit. @internal */
export class Lease implements AdmittedPermit {
  readonly permitted = true as const;
  private done = false;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly token: number,
    private readonly gen: number,
    private readonly start: number,
    readonly state: BreakerState,
    readonly wouldReject: RejectionReason | null,
  ) {}

  private settle(kind: number, durationMs: number | undefined, error: unknown): void {
    if (this.done) return;
    if (durationMs !== undefined) checkDuration(durationMs);
    if (this.token === PASS) return;
    this.done = true;
    const b = this.breaker;
    const now = b.options.clock.now();
    b.report(
      this.token,
      this.gen,
      kind,
      durationMs ?? (now > this.start ? now - this.start : 0),
      error,
      now,
      null,
    );
  }

  success(durationMs?: number): void {
    this.settle(SUCCESS, durationMs, undefined);
  }

  failure(error?: unknown, durationMs?: number): void {
    this.settle(FAILED, durationMs, error);
  }

  ignore(durationMs?: number): void {
    this.settle(IGNORED, durationMs, undefined);
  }

  timeout(durationMs?: number): void {
    this.settle(TIMED_OUT, durationMs, undefined);
  }
}

/** A refused permit. @internal */
export class Rejection implements RejectedPermit {
  readonly permitted = false as const;

  constructor(
    readonly state: BreakerState,
    readonly reason: RejectionReason,
    readonly retryAfterMs: number | null,
  ) {}
}

/**
 * One `execute()` call with a timeout or a caller's signal, or with a span of its own
 * (an explicit `tracerProvider`: reported with it, which is ended once settled).
 *
 * @internal
 */
export class GuardedCall<T> {
  readonly promise: Promise<T>;
  private done = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly controller = new AbortController();
  private resolve!: (value: T | PromiseLike<T>) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly token: number,
    private readonly gen: number,
    private readonly start: number,
    fn: (signal: AbortSignal) => T | PromiseLike<T>,
    private readonly options: ExecuteOptions<T> | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly span: Span | null = null,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const timeoutMs = breaker.options.timeoutMs;
    if (timeoutMs > 0) {
      this.timer = setTimeout(() => this.onTimeout(timeoutMs), timeoutMs);
      this.timer.unref?.();
    }
    signal?.addEventListener('abort', this.onAbort);
    let result: T | PromiseLike<T>;
    try {
      result = fn(this.controller.signal);
    } catch (error) {
      this.onError(error);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (value) => this.onValue(value),
        (error: unknown) => this.onError(error),
      );
    } else {
      this.onValue(result);
    }
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }

  private onValue(value: T): void {
    if (!this.finish()) return;
    const kind = this.breaker.settleValue(this.token, this.gen, this.start, value, this.span);
    if (this.span !== null) this.breaker.endCallSpan(this.span, kind, undefined);
    this.resolve(value);
  }

  private onError(error: unknown): void {
    if (!this.finish()) return;
    const kind = this.breaker.settleError(this.token, this.gen, this.start, error, this.signal, this.span);
    if (this.span !== null) this.breaker.endCallSpan(this.span, kind, error);
    this.fail(error);
  }

  private onTimeout(timeoutMs: number): void {
    if (!this.finish()) return;
    const error = new BreakerTimeoutError(this.breaker.name, timeoutMs);
    const kind = this.breaker.settleTimeout(this.token, this.gen, this.start, this.span);
    if (this.span !== null) this.breaker.endCallSpan(this.span, kind, error);
    this.controller.abort(error);
    this.fail(error);
  }

  private readonly onAbort = (): void => {
    if (!this.finish()) return;
    const reason: unknown = this.signal?.reason;
    const kind = this.breaker.settleError(this.token, this.gen, this.start, reason, this.signal, this.span);
    if (this.span !== null) this.breaker.endCallSpan(this.span, kind, reason);
    this.controller.abort(reason);
    // The caller gave up: no fallback, the caller's reason.
    this.reject(reason);
  };

  private fail(error: unknown): void {
    const fallback = this.options?.fallback;
    if (fallback) this.resolve(this.breaker.runFallback(fallback, error));
    else this.reject(error);
  }
}
