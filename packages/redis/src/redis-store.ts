import { randomBytes } from 'node:crypto';
import type { BreakerStore, CircuitBreaker, StoreState } from '@breakwater/core';
import type { CallResult, RedisAdapter, ScriptCall } from './adapter.js';
import { Binding, type BindingHost, type SyncContext } from './binding.js';
import { describe, resolveStoreOptions } from './options.js';
import type { RedisStoreOptions, RedisStoreStatus } from './types.js';

/** A sync in flight. */
interface Sync {
  readonly contexts: SyncContext[];
  readonly startedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  timedOut: boolean;
  done: Promise<void>;
}

/** New bindings synced at once, per batch; more wait for the interval sync. */
const MAX_KICKED_BINDS = 256;
/** A sync that has not answered after this many timeouts is abandoned and the next one may start. */
const ABANDON_AFTER_TIMEOUTS = 10;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * Fleet mode over Redis: shares the state of every bound breaker across the instances
 * of a service, through the application's own Redis client (ioredis or node-redis).
 *
 * - **Fleet-wide detection**: each instance adds its outcomes to time-bucketed
 *   counters shared in Redis; each breaker evaluates its thresholds over its own window
 *   plus the rest of the fleet's, so low per-instance traffic still trips.
 * - **Fleet-wide state**: an open anywhere is published at once and seen by every
 *   instance at its next sync; the open deadline and the backoff attempt are shared.
 * - **Fleet-wide probes**: while half-open, at most `halfOpenMaxCalls` probes run across
 *   the fleet, their slots claimed atomically by a Lua script, and the verdict is shared.
 *
 * Calls never wait on Redis: decisions stay local and O(1); one unref'd timer per store
 * syncs every bound breaker in one pipelined batch. When Redis is slow, down or
 * erroring, breakers fall back to local rules, the store reports `unavailable`, and the
 * next successful sync resyncs (rebuilding what a flushed or restarted Redis lost).
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * import { BreakerRegistry } from '@breakwater/core';
 * import { RedisStore } from '@breakwater/redis';
 *
 * const store = new RedisStore({ client: new Redis(process.env.REDIS_URL!), prefix: 'bw:checkout:' });
 * const registry = new BreakerRegistry({ defaults: { minimumCalls: 20 }, store });
 * await registry.get('payments').execute(() => pay(order));
 * process.on('SIGTERM', () => void store.shutdown());
 * ```
 * @throws BreakerConfigError when an option is unknown or invalid, or when `client` is
 *   neither an ioredis nor a node-redis client.
 */
export class RedisStore implements BreakerStore {
  /** The key prefix in use. */
  readonly prefix: string;
  /** The sync interval in ms. */
  readonly syncIntervalMs: number;
  /** The sync timeout in ms. */
  readonly timeoutMs: number;

  readonly #adapter: RedisAdapter;
  readonly #host: BindingHost;
  readonly #instance = randomBytes(9).toString('base64url');
  readonly #bindings = new Map<Binding, true>();
  readonly #bound = new WeakMap<CircuitBreaker, Binding>();
  /** Unbound bindings with data still to flush. */
  #retiring: Binding[] = [];
  #serial = 0;
  #episodes = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #kicked = false;
  /** Bindings to sync soon, outside the interval: new ones, and ones with a transition to publish. */
  #dirty = new Set<Binding>();
  #inflight: Sync | null = null;
  #state: StoreState = 'connecting';
  #since = Date.now();
  #error: string | null = null;
  #lastSyncAt: number | null = null;
  #syncs = 0;
  #failures = 0;
  #commands = 0;
  #listeners: Array<(status: RedisStoreStatus) => void> = [];
  #shutdown: Promise<void> | null = null;

  /**
   * @param options - see {@link RedisStoreOptions}; `client` is required.
   * @throws BreakerConfigError when an option is unknown or invalid.
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * const client = await createClient({ url: process.env.REDIS_URL }).connect();
   * const store = new RedisStore({ client, syncIntervalMs: 500 });
   * ```
   */
  constructor(options: RedisStoreOptions) {
    const o = resolveStoreOptions(options);
    this.#adapter = o.adapter;
    this.prefix = o.prefix;
    this.syncIntervalMs = o.syncIntervalMs;
    this.timeoutMs = o.timeoutMs;
    this.#host = {
      prefix: o.prefix,
      syncIntervalMs: o.syncIntervalMs,
      timeoutMs: o.timeoutMs,
      countWindowMs: o.countWindowMs,
      fleetActive: () => this.#state === 'ready',
      kick: (binding) => this.#kick(binding),
      newEpisode: () => `${this.#instance}.${(++this.#episodes).toString(36)}`,
    };
    this.#timer = setInterval(() => this.#tick(), o.syncIntervalMs);
    this.#timer.unref();
  }

  /**
   * Starts sharing `breaker`'s state with the fleet. A {@link BreakerRegistry} created
   * with `store` calls this for every breaker it creates. Binding a breaker that is
   * already bound to this store returns the same unbind function. A breaker has one
   * fleet tap: bind it to one store at a time.
   *
   * @returns a function that stops sharing (idempotent); the breaker returns to local rules.
   * @throws TypeError when `breaker` is not a CircuitBreaker.
   *
   * @example
   * ```ts
   * const unbind = store.bind(new CircuitBreaker({ name: 'payments' }));
   * unbind();
   * ```
   */
  bind(breaker: CircuitBreaker): () => void {
    if (
      typeof breaker !== 'object' ||
      breaker === null ||
      typeof breaker.fleetTap !== 'function' ||
      typeof breaker.fleetSync !== 'function' ||
      typeof breaker.fleetAdopt !== 'function'
    ) {
      throw new TypeError(`bind expects a CircuitBreaker, got ${describe(breaker)}`);
    }
    if (this.#shutdown !== null) return () => {};
    const existing = this.#bound.get(breaker);
    if (existing !== undefined && !existing.detached) return () => this.#unbind(existing);
    const binding = new Binding(breaker, `${this.#instance}.${(++this.#serial).toString(36)}`, this.#host);
    this.#bindings.set(binding, true);
    this.#bound.set(breaker, binding);
    if (this.#state !== 'ready') binding.localMode();
    // Learn the fleet's state for this key at once; under a flood of new keys, the
    // rest waits for the interval sync.
    if (this.#dirty.size < MAX_KICKED_BINDS) this.#kick(binding);
    return () => this.#unbind(binding);
  }

  #unbind(binding: Binding): void {
    if (binding.detached) return;
    binding.detach();
    this.#bindings.delete(binding);
    if (this.#bound.get(binding.breaker) === binding) this.#bound.delete(binding.breaker);
    if (binding.hasPending()) this.#retiring.push(binding);
  }

  /**
   * The store's status: `connecting` until the first sync, `ready`, `unavailable`
   * (Redis down, slow or erroring: breakers run on local rules) or `closed`, with the
   * last error and counters. Shown as `store` in a registry snapshot.
   *
   * @example
   * ```ts
   * app.get('/healthz', (_req, res) => res.json({ breakers: store.status().state }));
   * ```
   */
  status(): RedisStoreStatus {
    return {
      kind: 'redis',
      state: this.#state,
      since: this.#since,
      error: this.#error,
      lastSyncAt: this.#lastSyncAt,
      bound: this.#bindings.size,
      client: this.#adapter.kind,
      syncs: this.#syncs,
      failures: this.#failures,
      commands: this.#commands,
    };
  }

  /**
   * Subscribes to status changes (`ready` ⇄ `unavailable`, `closed`). A listener that
   * throws is ignored.
   *
   * @returns a function that unsubscribes.
   * @throws TypeError when `listener` is not a function.
   *
   * @example
   * ```ts
   * store.onStatus(({ state, error }) => log.warn({ state, error }, 'fleet mode'));
   * ```
   */
  onStatus(listener: (status: RedisStoreStatus) => void): () => void {
    if (typeof listener !== 'function')
      throw new TypeError(`listener must be a function, got ${describe(listener)}`);
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Flushes what is pending (outcomes, transitions, unused probe slots) in one last
   * sync bounded by `timeoutMs`, stops the timer, and hands every breaker back to local
   * rules. Never rejects; idempotent. Does not close the client: that is the
   * application's. Without it, the process still exits by itself (the timer is unref'd).
   *
   * @example
   * ```ts
   * process.on('SIGTERM', async () => { server.close(); await store.shutdown(); await redis.quit(); });
   * ```
   */
  shutdown(): Promise<void> {
    if (this.#shutdown === null) this.#shutdown = this.#close();
    return this.#shutdown;
  }

  async #close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const inflight = this.#inflight;
    if (inflight !== null) await this.#bounded(inflight.done);
    for (const binding of [...this.#bindings.keys()]) this.#unbind(binding);
    if (this.#retiring.length > 0 && this.#adapter.ready()) {
      const sync = this.#start();
      if (sync !== null) await this.#bounded(sync.done);
    }
    this.#retiring = [];
    this.#setState('closed', null);
  }

  /** Waits for `promise`, at most `timeoutMs`. */
  #bounded(promise: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.timeoutMs);
      timer.unref();
      promise.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ------------------------------------------------------------------ sync

  /**
   * Syncs `binding` soon, outside the call that asked for it, in a batch of the
   * bindings that asked (never a round trip per call: at most one sync is in flight).
   */
  #kick(binding: Binding): void {
    if (this.#shutdown !== null) return;
    this.#dirty.add(binding);
    if (this.#kicked) return;
    this.#kicked = true;
    setImmediate(() => {
      this.#kicked = false;
      this.#tick(false);
    }).unref();
  }

  /** An interval sync (`full`: every binding) or a kicked one (the dirty bindings). */
  #tick(full = true): void {
    if (this.#shutdown !== null) return;
    const inflight = this.#inflight;
    if (inflight !== null) {
      if (Date.now() - inflight.startedAt < ABANDON_AFTER_TIMEOUTS * this.timeoutMs) return;
      this.#inflight = null; // abandoned: its reply, if it ever comes, is ignored
    }
    if (!full && this.#dirty.size === 0) return;
    if (this.#bindings.size === 0 && this.#retiring.length === 0) return;
    if (!this.#adapter.ready()) {
      // Before the first sync the client may still be connecting: nothing failed yet.
      if (this.#state !== 'connecting') {
        this.#failures++;
        this.#unavailable(`the Redis client is not ready (${this.#adapter.describe()})`);
      }
      return;
    }
    this.#start(full);
  }

  /** Sends one batch: a script call per bound (or dirty) breaker and per retiring one. */
  #start(full = true): Sync | null {
    const calls: ScriptCall[] = [];
    const contexts: SyncContext[] = [];
    const add = (binding: Binding) => {
      try {
        const { call, context } = binding.build();
        calls.push(call);
        contexts.push(context);
      } catch {
        // A breaker that cannot be read is skipped this round.
      }
    };
    if (full) {
      for (const binding of this.#bindings.keys()) add(binding);
    } else {
      for (const binding of this.#dirty) if (!binding.detached) add(binding);
    }
    this.#dirty.clear();
    for (const binding of this.#retiring) add(binding);
    this.#retiring = [];
    if (calls.length === 0) return null;
    let settle!: () => void;
    const sync: Sync = {
      contexts,
      startedAt: Date.now(),
      timer: undefined,
      timedOut: false,
      done: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    this.#inflight = sync;
    this.#commands += calls.length;
    sync.timer = setTimeout(() => this.#onTimeout(sync), this.timeoutMs);
    sync.timer.unref();
    this.#adapter
      .run(calls)
      .then(
        (results) => this.#onResults(sync, results),
        (error: unknown) =>
          this.#onResults(
            sync,
            calls.map(() => ({ ok: false, error: error as Error })),
          ),
      )
      .catch(() => {})
      .finally(settle);
    return sync;
  }

  #onTimeout(sync: Sync): void {
    if (this.#inflight !== sync) return;
    sync.timedOut = true;
    this.#failures++;
    this.#unavailable(`a sync took longer than timeoutMs (${this.timeoutMs} ms)`);
  }

  #onResults(sync: Sync, results: CallResult[]): void {
    clearTimeout(sync.timer);
    if (this.#inflight === sync) this.#inflight = null;
    const late = sync.timedOut;
    if (!late && this.#shutdown === null) {
      const firstError = results.find((r) => !r.ok);
      if (results.length > 0 && results.every((r) => !r.ok)) {
        this.#failures++;
        this.#unavailable(
          firstError === undefined || firstError.ok ? 'no reply' : errorText(firstError.error),
        );
      } else {
        // Ready first: breakers that change state while the replies are applied see fleet rules.
        this.#syncs++;
        this.#lastSyncAt = Date.now();
        this.#setState('ready', null);
        sync.contexts.forEach((context, i) => {
          const result = results[i];
          let ok = false;
          try {
            ok = result?.ok === true && context.binding.apply(context, result.value);
          } catch {
            ok = false;
          }
          if (!ok && !context.binding.detached) context.binding.localMode();
        });
      }
    } else if (!late) {
      // The final flush of a shutdown: replies need no reading.
      this.#syncs++;
    }
    if (this.#dirty.size > 0 && !this.#kicked && this.#shutdown === null) {
      this.#kicked = true;
      setImmediate(() => {
        this.#kicked = false;
        this.#tick(false);
      }).unref();
    }
  }

  #unavailable(error: string): void {
    const entering = this.#state !== 'unavailable';
    this.#setState('unavailable', error);
    if (!entering) return;
    for (const binding of this.#bindings.keys()) binding.localMode();
  }

  #setState(state: StoreState, error: string | null): void {
    if (this.#state === 'closed') return;
    if (this.#state === state && this.#error === error) return;
    const changed = this.#state !== state;
    this.#state = state;
    this.#error = error;
    if (!changed) return;
    this.#since = Date.now();
    const listeners = this.#listeners;
    if (listeners.length === 0) return;
    const status = this.status();
    for (const listener of listeners) {
      try {
        listener(status);
      } catch {
        // A listener never breaks the store.
      }
    }
  }
}
