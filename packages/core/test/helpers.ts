import type { CircuitBreaker } from '../src/breaker.js';
import { type BreakerConfigError, isBreakerConfigError } from '../src/errors.js';
import type { AdmittedPermit, Permit } from '../src/types.js';
import { FakeClock as SharedFakeClock } from '../test-support/index.js';

/** A clock a test moves by hand, from 0 unless told. */
export class FakeClock extends SharedFakeClock {
  constructor(t = 0) {
    super(t);
  }
}

/** A random source that returns the given values in turn, then repeats the last one. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

export function admitted(permit: Permit): AdmittedPermit {
  if (!permit.permitted) throw new Error(`expected an admitted permit, got a rejection (${permit.reason})`);
  return permit;
}

/** Reports `n` calls of one kind, each taking `durationMs`. */
export function record(
  breaker: CircuitBreaker,
  n: number,
  kind: 'success' | 'failure' | 'slow' | 'ignore',
  durationMs = 1,
): void {
  for (let i = 0; i < n; i++) {
    const p = admitted(breaker.tryAcquire());
    if (kind === 'success') p.success(durationMs);
    else if (kind === 'failure') p.failure(new Error('boom'), durationMs);
    else if (kind === 'slow') p.success(durationMs);
    else p.ignore(durationMs);
  }
}

/** The `BreakerConfigError` that `fn` throws; any other outcome fails the test. */
export function configError(fn: () => unknown): BreakerConfigError {
  try {
    fn();
  } catch (error) {
    if (isBreakerConfigError(error)) return error;
    throw error;
  }
  throw new Error('expected a BreakerConfigError');
}
