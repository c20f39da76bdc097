import type { CircuitBreaker } from './breaker.js';

/**
 * Where a store stands:
 *
 * - `connecting`: created, no sync has completed yet; breakers run on local rules.
 * - `ready`: the last sync completed; breakers run on fleet rules.
 * - `unavailable`: the backend is down, slow or erroring; breakers run on local rules
 *   until a sync completes again.
 * - `closed`: `shutdown()` was called; breakers were handed back to local rules.
 *
 * @example
 * ```ts
 * const degraded = (state: StoreState) => state === 'unavailable';
 * ```
 */
export type StoreState = 'connecting' | 'ready' | 'unavailable' | 'closed';

/**
 * A plain-JSON view of a store, from {@link BreakerStore.status}, delivered to
 * {@link BreakerStore.onStatus} listeners and shown as `store` in a registry snapshot.
 * Stores may add fields of their own.
 *
 * @example
 * ```ts
 * store.onStatus(({ state, since, error }: StoreStatus) => log.warn({ state, since, error }, 'breaker store'));
 * ```
 */
export interface StoreStatus {
  /** What kind of store, e.g. `'redis'`. */
  kind: string;
  state: StoreState;
  /** When `state` was entered, in epoch milliseconds (`Date.now()`). */
  since: number;
  /** Why the store is `unavailable` (an error message), otherwise `null`. */
  error: string | null;
  /** When the last sync completed, in epoch milliseconds; `null` before the first one. */
  lastSyncAt: number | null;
  /** How many breakers are bound. */
  bound: number;
}

/**
 * Shares breaker state across the instances of a service (fleet mode). A
 * {@link BreakerRegistry} given a `store` binds every breaker it creates and unbinds
 * it when it leaves the registry; a store can also bind a standalone breaker.
 *
 * The contract: a store works in the background through the breaker's fleet hooks
 * (`fleetTap`, `fleetSync`, `fleetAdopt`, `onStateChange`) and never makes a call
 * wait on its backend. When the backend is unreachable it hands breakers back to
 * local rules (`fleetSync({ others: null, probeOthers: null, probeQuota: null })`)
 * and reports it through `status()` and `onStatus`.
 *
 * @example
 * ```ts
 * import { BreakerRegistry } from '@breakwater/core';
 * import { RedisStore } from '@breakwater/redis';
 *
 * const store = new RedisStore({ client: redis });
 * const registry = new BreakerRegistry({ defaults: { minimumCalls: 20 }, store });
 * store.onStatus(({ state, error }) => log.info({ state, error }, 'breaker store'));
 * process.on('SIGTERM', () => store.shutdown());
 * ```
 */
export interface BreakerStore {
  /**
   * Starts sharing `breaker`'s state. Must not throw for a valid breaker.
   *
   * @returns a function that stops sharing it (idempotent).
   */
  bind(breaker: CircuitBreaker): () => void;
  /** The store's current status. */
  status(): StoreStatus;
  /**
   * Subscribes to status changes.
   *
   * @returns a function that unsubscribes.
   */
  onStatus(listener: (status: StoreStatus) => void): () => void;
  /** Flushes what is pending, stops the store's timer and unbinds every breaker. Never rejects. */
  shutdown(): Promise<void>;
}

/**
 * True when `value` has the shape of a {@link BreakerStore}.
 *
 * @example
 * ```ts
 * if (!isBreakerStore(options.store)) throw new TypeError('store must be a BreakerStore');
 * ```
 */
export function isBreakerStore(value: unknown): value is BreakerStore {
  if (typeof value !== 'object' || value === null) return false;
  const store = value as Record<string, unknown>;
  return (
    typeof store['bind'] === 'function' &&
    typeof store['status'] === 'function' &&
    typeof store['onStatus'] === 'function' &&
    typeof store['shutdown'] === 'function'
  );
}
