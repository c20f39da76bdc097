import type { StoreStatus } from '@breakwater/core';

/**
 * The application's Redis client: an ioredis `Redis` or `Cluster`, or a node-redis
 * client from `createClient()` or `createCluster()` (v4 or v5). Recognised by its shape
 * (`evalsha` + `pipeline` for ioredis, `evalSha` for node-redis); neither package is a
 * dependency of `@breakwater/redis`. The store never connects, disconnects or
 * subscribes to the client: its lifecycle stays the application's.
 *
 * @example
 * ```ts
 * const client: RedisClientLike = new Redis(process.env.REDIS_URL!); // or await createClient().connect()
 * ```
 */
export type RedisClientLike = object;

/**
 * Options of {@link RedisStore}. Validated at construction; unknown names are errors.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { client: redis, prefix: 'bw:checkout:', syncIntervalMs: 500, timeoutMs: 250 };
 * ```
 */
export interface RedisStoreOptions {
  /** The application's connected Redis client (ioredis or node-redis). Required. */
  client: RedisClientLike;
  /**
   * Prefix of every key the store writes: at most 64 printable ASCII characters,
   * without spaces or braces. Give each service its own (`'bw:checkout:'`). Default `'bw:'`.
   */
  prefix?: string;
  /**
   * How often the store syncs with Redis, in ms (integer >= 10). An open anywhere is
   * seen by every instance within about one interval. Default 1,000.
   */
  syncIntervalMs?: number;
  /**
   * How long a sync may take before the store treats Redis as unavailable and runs
   * breakers on local rules, in ms (integer >= 1). Default: `syncIntervalMs`.
   */
  timeoutMs?: number;
  /**
   * For breakers with a count window: how far back the other instances' outcomes
   * count, in ms (integer >= 10, a multiple of 10: it is split into 10 buckets).
   * Time windows use their own duration. Default 60,000.
   */
  countWindowMs?: number;
}

/**
 * The status of a {@link RedisStore}: the core's {@link StoreStatus} plus counters.
 *
 * @example
 * ```ts
 * const { state, error, syncs, failures } = store.status();
 * metrics.gauge('breaker_store_up', state === 'ready' ? 1 : 0);
 * ```
 */
export interface RedisStoreStatus extends StoreStatus {
  kind: 'redis';
  /** Which client the store recognised. */
  client: 'ioredis' | 'node-redis';
  /** Syncs that completed. */
  syncs: number;
  /** Syncs that failed, timed out or were skipped because the client was not ready. */
  failures: number;
  /** Script calls sent to Redis (one per bound breaker per sync). */
  commands: number;
}
