import { LRUCache } from 'lru-cache';
import { CircuitBreaker } from './breaker.js';
import { coarseClock } from './clock.js';
import { describeValue as describe } from './describe.js';
import { BreakerConfigError, ErrorCodes, invalidOption, isBreakerConfigError } from './errors.js';
import { boundKey, compileGlob, detachString } from './keys.js';
import { validateOptions } from './options.js';
import { type BreakerStore, isBreakerStore, type StoreStatus } from './store.js';
import { type BreakerTap, TelemetryHub } from './telemetry/hub.js';
import { type NormalizedTelemetry, normalizeTelemetry } from './telemetry/options.js';
import type {
  BreakerSnapshot,
  BreakerState,
  CircuitBreakerOptions,
  Clock,
  ReconfigurableOptions,
  StateChangeEvent,
  TelemetryOptions,
} from './types.js';

/**
 * Breaker options as a registry's `defaults` and `overrides` take them: every
 * {@link CircuitBreakerOptions} but `key` (set per breaker by the registry), `clock`,
 * `random` and `telemetry` (set once on the registry) and `initialState` (per key,
 * through {@link BreakerRegistry.get}).
 */
export type RegistryBreakerOptions = Omit<
  CircuitBreakerOptions,
  'key' | 'clock' | 'random' | 'initialState' | 'telemetry'
>;

/** Options {@link BreakerRegistry.get} takes for a breaker it creates: {@link RegistryBreakerOptions} plus `initialState`. */
export type RegistryGetOptions = Omit<CircuitBreakerOptions, 'key' | 'clock' | 'random' | 'telemetry'>;

/**
 * Selects the keys an override applies to: a glob over the whole key (`*` any run of
 * characters, `?` one character, `\` escapes), a RegExp (tested as is, unanchored;
 * `g` and `y` flags are dropped), or a predicate. A predicate that throws matches
 * nothing and is reported once with `process.emitWarning`.
 */
export type OverrideMatch = string | RegExp | ((key: string) => boolean);

/** Options for the breakers whose key matches. */
export interface BreakerOverride {
  match: OverrideMatch;
  options: RegistryBreakerOptions;
}

/** Options of a {@link BreakerRegistry}. Validated at construction; unknown names are errors. */
export interface BreakerRegistryOptions {
  /** The registry's name, shown in its snapshot and warnings. Breakers are named after their key. Default `'default'`. */
  name?: string;
  /** Options for every breaker. */
  defaults?: RegistryBreakerOptions;
  /**
   * Options for the breakers whose key matches, merged over `defaults`. Every matching
   * override applies, in order, so a later one wins where two set the same option.
   */
  overrides?: readonly BreakerOverride[];
  /** How many closed breakers the registry keeps (integer >= 1). Default 10,000. */
  maxKeys?: number;
  /**
   * How many breakers that are not closed (open, half-open, forced open, disabled) the
   * registry keeps on top of `maxKeys`, protected from eviction (integer >= 1).
   * Default `ceil(maxKeys / 10)`, 1,000 with the default `maxKeys`.
   */
  maxPinnedKeys?: number;
  /** A key unused for longer than this many ms expires, lazily (integer >= 0; 0: never). Default 600,000. */
  idleTtlMs?: number;
  /** The clock of the registry and of all its breakers. Default: the breakers' default, `coarseClock`. */
  clock?: Clock | undefined;
  /** The random source of all breakers, returning a number in [0, 1). Default: the breakers' own default. */
  random?: (() => number) | undefined;
  /**
   * Fleet mode: a store (e.g. `RedisStore` from `@breakwater/redis`) that shares the
   * state of every breaker the registry creates across the instances of a service.
   * Each breaker is bound when created and unbound when it leaves the registry. The
   * registry never shuts the store down: call `store.shutdown()` yourself.
   */
  store?: BreakerStore | undefined;
  /**
   * OpenTelemetry for every breaker of the registry: `false` turns it off; `true` or
   * {@link TelemetryOptions} turn it on. Default on. On metrics the breakers are one
   * series, named after the registry (`circuit_breaker.name`), unless a breaker was
   * named explicitly (`defaults.name`, an override's or `get()`'s `name`): keys never go
   * on metrics, except bucketed by `metricKey`. See the README, "Telemetry".
   */
  telemetry?: boolean | TelemetryOptions | undefined;
}

/**
 * Why a breaker left the registry.
 *
 * - `lru`: the least recently used closed breaker made room for a new key (`maxKeys`).
 * - `idle`: unused for longer than `idleTtlMs`.
 * - `delete`: {@link BreakerRegistry.delete}.
 * - `clear`: {@link BreakerRegistry.clear}.
 */
export type EvictionReason = 'lru' | 'idle' | 'delete' | 'clear';

/** A breaker left the registry, as delivered to {@link BreakerRegistry.onEvict} listeners. */
export interface EvictionEvent {
  key: string;
  name: string;
  /** The breaker's state when it left. */
  state: BreakerState;
  reason: EvictionReason;
  /** When, on the registry's clock. */
  at: number;
}

/** Options of {@link BreakerRegistry.snapshot}. */
export interface RegistrySnapshotOptions {
  /** The most breaker snapshots to include (integer >= 0, or `Infinity`). Default 1,000. */
  limit?: number;
}

/** A plain-JSON view of a registry, from {@link BreakerRegistry.snapshot}. */
export interface RegistrySnapshot {
  name: string;
  /** Breakers held, after expiring idle ones. */
  size: number;
  /** Of which pinned (not closed, protected from eviction). */
  pinned: number;
  maxKeys: number;
  maxPinnedKeys: number;
  idleTtlMs: number;
  /** Breakers left out of `breakers` because of `limit`. */
  omitted: number;
  /** Pinned breakers first (the interesting ones), then closed ones from the most recently used. */
  breakers: BreakerSnapshot[];
  /** The store's status in fleet mode (`ready`, `unavailable`…), `null` without a store. */
  store: StoreStatus | null;
}

/** The validated, normalised form of {@link BreakerRegistryOptions}. @internal */
export interface NormalizedRegistryOptions {
  name: string;
  defaults: RegistryBreakerOptions;
  overrides: CompiledOverride[];
  maxKeys: number;
  maxPinnedKeys: number;
  idleTtlMs: number;
  clock: Clock | undefined;
  random: (() => number) | undefined;
  store: BreakerStore | undefined;
  /** `null` when off. */
  telemetry: NormalizedTelemetry | null;
}

/** @internal */
export interface CompiledOverride {
  readonly test: (key: string) => boolean;
  readonly options: RegistryBreakerOptions;
}

const DEFAULT_MAX_KEYS = 10_000;
const DEFAULT_IDLE_TTL_MS = 600_000;
const DEFAULT_SNAPSHOT_LIMIT = 1_000;
/** lru-cache preallocates typed arrays of `max` slots: keep that sane. */
const MAX_MAX_KEYS = 2 ** 24;

const REGISTRY_OPTIONS = new Set([
  'name',
  'defaults',
  'overrides',
  'maxKeys',
  'maxPinnedKeys',
  'idleTtlMs',
  'clock',
  'random',
  'store',
  'telemetry',
]);
const OVERRIDE_FIELDS = new Set(['match', 'options']);
/** Breaker options a registry sets itself, and why. */
const REGISTRY_OWNED: Readonly<Record<string, string>> = {
  key: 'the registry sets each breaker’s key',
  clock: 'pass clock to the registry',
  random: 'pass random to the registry',
  initialState: 'restore one key with registry.get(key, { initialState })',
  telemetry: 'pass telemetry to the registry',
};

/** Where an entry lives. */
const IN_LRU = 0;
const IN_PINNED = 1;
const DETACHED = 2;

interface Entry {
  readonly key: string;
  readonly breaker: CircuitBreaker;
  /** The options `get()` created the breaker with. */
  readonly options: RegistryGetOptions | undefined;
  where: number;
  /** Last `get()` while pinned, on the registry's clock. */
  lastUsed: number;
  unsubscribe: () => void;
  /** The breaker's telemetry tap, `null` when telemetry is off. */
  readonly tap: BreakerTap | null;
}

type Listener<E> = (event: E) => void;

/**
 * Keyed circuit breakers: one {@link CircuitBreaker} per key (a route, a client, a
 * dependency), created on first use from `defaults` and the matching `overrides`,
 * bounded in number, expired when idle.
 *
 * **Bounded, and never re-closing a tripped breaker.** Closed breakers live in an
 * `lru-cache` of `maxKeys` slots: a new key evicts the least recently used closed
 * breaker, and a key unused for more than `idleTtlMs` expires (lazily, without
 * timers: when it is looked up, on {@link BreakerRegistry.purgeStale} and
 * {@link BreakerRegistry.snapshot}, otherwise it is the first to go under pressure).
 * A breaker that leaves `closed` (open, half-open, forced open, disabled) moves out
 * of the LRU into a separate *pinned* set, so no flood of new keys can evict it and
 * silently re-close it; when it closes again it moves back into the LRU as its most
 * recently used entry. The pinned set holds at most `maxPinnedKeys` breakers, so the
 * registry never holds more than `maxKeys + maxPinnedKeys` breakers. When it is full,
 * pinned breakers that are half-open (their open period is over) and unused for more
 * than `idleTtlMs` are expired to make room; open-within-their-period, forced-open and
 * disabled breakers are never expired or evicted, only {@link BreakerRegistry.delete}d
 * or {@link BreakerRegistry.clear}ed. If no room can be made, the newly tripped breaker
 * stays in the LRU, unprotected, and a `BREAKWATER_PINNED_FULL` warning is emitted
 * once per registry. Every removal is reported to {@link BreakerRegistry.onEvict}.
 *
 * **Keys** pass through {@link boundKey}: keys over 256 characters become a readable
 * prefix and a SHA-256 digest, so no key holds unbounded user input. `breaker.key`,
 * override matching, snapshots and events all see the bounded key.
 *
 * **Names**: a breaker is named `options.name ?? defaults.name ?? key`.
 *
 * Unlike opossum and cockatiel, which leave keying to the caller, and resilience4j's
 * `CircuitBreakerRegistry`, which is unbounded, this registry bounds memory.
 *
 * @example
 * ```ts
 * const registry = new BreakerRegistry({
 *   defaults: { failureRateThreshold: 0.5, window: { kind: 'time', durationMs: 10_000 } },
 *   overrides: [{ match: 'POST /payments*', options: { timeoutMs: 2_000 } }],
 *   maxKeys: 10_000,
 *   idleTtlMs: 600_000,
 * });
 * const breaker = registry.get('POST /payments/refunds');
 * await breaker.execute(() => refund(order));
 * registry.onStateChange(({ key, from, to }) => log.warn({ key, from, to }, 'breaker'));
 * ```
 */
export class BreakerRegistry {
  /** The registry's name. */
  readonly name: string;
  /** How many closed breakers are kept. */
  readonly maxKeys: number;
  /** How many breakers that are not closed are kept on top of `maxKeys`. */
  readonly maxPinnedKeys: number;
  /** Idle expiry in ms; 0 when keys never expire. */
  readonly idleTtlMs: number;
  /** The store sharing the breakers' state in fleet mode, `undefined` without one. */
  readonly store: BreakerStore | undefined;
  /** Whether the registry's breakers report to OpenTelemetry (the `telemetry` option is not `false`). */
  readonly telemetry: boolean;

  #defaults: RegistryBreakerOptions;
  readonly #overrides: readonly CompiledOverride[];
  readonly #clock: Clock | undefined;
  readonly #random: (() => number) | undefined;
  readonly #now: () => number;
  readonly #lru: LRUCache<string, Entry>;
  readonly #pinned = new Map<string, Entry>();
  /** Options set with `reconfigure(key, …)`, kept for when the key is (re)created. */
  readonly #keyOptions = new Map<string, ReconfigurableOptions>();
  /** Reused for every `lru.get()`, so lookups allocate nothing. */
  readonly #getOptions: LRUCache.GetOptions<string, Entry, unknown> = {};
  #stateListeners: ReadonlyArray<Listener<StateChangeEvent>> = [];
  #evictListeners: ReadonlyArray<Listener<EvictionEvent>> = [];
  #clearing = false;
  readonly #warned = new Set<string>();
  readonly #hub: TelemetryHub | null;
  /** The `name` the last `#optionsFor(…, true)` found in the options, before defaulting it to the key. */
  #givenName: string | undefined = undefined;

  /**
   * @param options - see {@link BreakerRegistryOptions}.
   * @throws BreakerConfigError when an option is unknown or invalid, naming it and the
   *   value (e.g. `overrides[0].options.failureRateThreshold`), or when `defaults` and
   *   an override conflict.
   *
   * @example
   * ```ts
   * const registry = new BreakerRegistry({ ...fromEnv(), maxKeys: 1_000 });
   * ```
   */
  constructor(options: BreakerRegistryOptions = {}) {
    const normalized = normalizeRegistryOptions(options);
    this.name = normalized.name;
    this.maxKeys = normalized.maxKeys;
    this.maxPinnedKeys = normalized.maxPinnedKeys;
    this.idleTtlMs = normalized.idleTtlMs;
    this.store = normalized.store;
    this.#defaults = normalized.defaults;
    this.#overrides = normalized.overrides;
    this.#clock = normalized.clock;
    this.#random = normalized.random;
    this.telemetry = normalized.telemetry !== null;
    this.#hub =
      normalized.telemetry === null
        ? null
        : new TelemetryHub(normalized.telemetry, (visit) => {
            for (const entry of this.#entries())
              if (entry.tap !== null) visit(entry.tap, entry.breaker.state);
          });
    const clock = normalized.clock;
    const time = clock ?? coarseClock;
    this.#now = () => time.now();
    // lru-cache treats a start time of 0 as "no TTL": keep its times >= 1. Whole
    // milliseconds since construction are small integers, which V8 passes around
    // without allocating (for the first 12 days; after that a lookup may allocate a
    // number, harmlessly).
    const origin = this.#now() - 1;
    this.#lru = new LRUCache<string, Entry>({
      max: this.maxKeys,
      ttl: this.idleTtlMs,
      updateAgeOnGet: true,
      ttlAutopurge: false,
      // lru-cache caches the time with a timer per read when ttlResolution > 0.
      ttlResolution: 0,
      perf: { now: () => Math.floor(this.#now() - origin) },
      disposeAfter: (entry, _key, reason) => this.#onLruDispose(entry, reason),
    });
  }

  /**
   * The breaker for `key`, created on first use with `defaults`, then every matching
   * override in order, then `options`, then options set with
   * {@link BreakerRegistry.reconfigure} for this key. For a key that already has a
   * breaker, `options` are ignored (use `reconfigure` to change a live breaker).
   *
   * O(1), and allocation-free for an existing key of at most 256 characters. Call it
   * per use rather than holding on to the breaker: a breaker held elsewhere keeps
   * working, but once the registry has evicted it, `get` creates a new one.
   *
   * @param key - any string; bounded with {@link boundKey}.
   * @param options - options for a breaker created by this call.
   * @returns the key's breaker.
   * @throws TypeError when `key` is not a string.
   * @throws BreakerConfigError when the breaker is created and `options` are invalid,
   *   or set `key`, `clock` or `random`.
   *
   * @example
   * ```ts
   * const permit = registry.get(`${req.method} ${route}`).tryAcquire();
   * ```
   */
  get(key: string, options?: RegistryGetOptions): CircuitBreaker {
    const bounded = boundKey(key);
    const entry = this.#lru.get(bounded, this.#getOptions);
    if (entry !== undefined) return entry.breaker;
    return this.#getSlow(bounded, options);
  }

  /**
   * The breaker for `key` if the registry holds one, without creating it or counting
   * as a use.
   *
   * @param key - any string; bounded with {@link boundKey}.
   * @returns the breaker, or `undefined`.
   * @throws TypeError when `key` is not a string.
   *
   * @example
   * ```ts
   * registry.peek('GET /search')?.state; // 'open'
   * ```
   */
  peek(key: string): CircuitBreaker | undefined {
    return this.#find(boundKey(key))?.breaker;
  }

  /**
   * Whether the registry holds a breaker for `key` (an idle-expired key reads `false`).
   * Does not count as a use.
   *
   * @param key - any string; bounded with {@link boundKey}.
   * @throws TypeError when `key` is not a string.
   *
   * @example
   * ```ts
   * if (!registry.has(key)) log.info({ key }, 'new breaker');
   * ```
   */
  has(key: string): boolean {
    return this.#find(boundKey(key)) !== undefined;
  }

  /**
   * How many breakers the registry holds, pinned ones included; at most
   * `maxKeys + maxPinnedKeys`. Idle keys count until they are expired
   * (see {@link BreakerRegistry.purgeStale}).
   *
   * @example
   * ```ts
   * metrics.gauge('breakers', registry.size);
   * ```
   */
  get size(): number {
    return this.#lru.size + this.#pinned.size;
  }

  /**
   * The clock the registry and all its breakers use: the `clock` option, else the
   * breakers' default `coarseClock`.
   */
  get clock(): Clock {
    return this.#clock ?? coarseClock;
  }

  /**
   * Removes the breaker for `key`, reported to `onEvict` with reason `delete`. Options
   * set with `reconfigure(key, …)` are kept for when the key comes back.
   *
   * @param key - any string; bounded with {@link boundKey}.
   * @returns whether there was a breaker to remove.
   * @throws TypeError when `key` is not a string.
   *
   * @example
   * ```ts
   * registry.delete('GET /search'); // the next get() starts a fresh, closed breaker
   * ```
   */
  delete(key: string): boolean {
    const bounded = boundKey(key);
    const pinned = this.#pinned.get(bounded);
    if (pinned !== undefined) {
      this.#pinned.delete(bounded);
      this.#retire(pinned, 'delete');
      return true;
    }
    return this.#lru.delete(bounded);
  }

  /**
   * Removes every breaker, each reported to `onEvict` with reason `clear`.
   *
   * @example
   * ```ts
   * afterEach(() => registry.clear());
   * ```
   */
  clear(): void {
    this.#clearing = true;
    try {
      this.#lru.clear();
    } finally {
      this.#clearing = false;
    }
    const pinned = [...this.#pinned.values()];
    this.#pinned.clear();
    for (const entry of pinned) this.#retire(entry, 'clear');
  }

  /**
   * Expires now every key unused for more than `idleTtlMs`: closed breakers, and
   * pinned breakers that are half-open (see the class description). Optional: expiry
   * is otherwise lazy. Each is reported to `onEvict` with reason `idle`.
   *
   * @returns how many breakers were removed.
   *
   * @example
   * ```ts
   * setInterval(() => registry.purgeStale(), 60_000).unref();
   * ```
   */
  purgeStale(): number {
    const before = this.size;
    this.#lru.purgeStale();
    this.#sweepPinned();
    return before - this.size;
  }

  /**
   * Changes the options of `key`'s breaker live, keeping its state, window and totals
   * where compatible (see `CircuitBreaker.reconfigure`), and keeps them for that key:
   * if the breaker is evicted or not created yet, the next one gets them. They win over
   * `defaults`, overrides and `get()` options; calls for the same key merge.
   *
   * At most `maxKeys` keys can carry such options.
   *
   * @param key - any string; bounded with {@link boundKey}.
   * @param options - reconfigurable breaker options.
   * @returns whether a live breaker was reconfigured.
   * @throws BreakerConfigError when an option is invalid or cannot be reconfigured
   *   (`name`, `key`, `clock`, `random`, `initialState`), when the result conflicts
   *   (e.g. `minimumCalls` larger than the count window), or when `maxKeys` keys already
   *   carry options.
   * @throws TypeError when `key` is not a string.
   *
   * @example
   * ```ts
   * registry.reconfigure('GET /search', { slowCallDurationMs: 500 });
   * ```
   */
  reconfigure(key: string, options: ReconfigurableOptions): boolean {
    const bounded = boundKey(key);
    validateOptions(options, { reconfigure: true });
    const previous = this.#keyOptions.get(bounded);
    if (previous === undefined && this.#keyOptions.size >= this.maxKeys) {
      throw new BreakerConfigError(
        ErrorCodes.CONFIG,
        'key',
        bounded,
        `reconfigure() can keep options for at most maxKeys (${this.maxKeys}) keys, got one more: ${describe(bounded)}`,
      );
    }
    const next: ReconfigurableOptions = { ...previous, ...options };
    const entry = this.#find(bounded);
    // Validate the whole result before touching anything.
    validateOptions(this.#optionsFor(this.#defaults, bounded, entry?.options, next, false));
    if (entry !== undefined) entry.breaker.reconfigure(options);
    this.#keyOptions.set(previous === undefined ? detachString(bounded) : bounded, next);
    return entry !== undefined;
  }

  /**
   * Changes `defaults` live: future breakers get the new defaults, and every live
   * breaker is reconfigured (state kept) with the changed options that no override,
   * `get()` option or per-key `reconfigure` sets for it. All-or-nothing: everything is
   * validated before any breaker changes.
   *
   * @param options - reconfigurable breaker options.
   * @throws BreakerConfigError when an option is invalid or cannot be reconfigured, or
   *   when the new defaults conflict with an override or a live breaker's options.
   *
   * @example
   * ```ts
   * process.on('SIGHUP', () => registry.reconfigureDefaults(fromEnv().defaults));
   * ```
   */
  reconfigureDefaults(options: ReconfigurableOptions): void {
    validateOptions(options, { reconfigure: true, path: 'defaults' });
    const next: RegistryBreakerOptions = { ...this.#defaults, ...options };
    validateOptions(next, { path: 'defaults' });
    this.#overrides.forEach((override, i) => {
      validateCombination(next, override.options, `overrides[${i}].options`);
    });
    const names = Object.keys(options);
    const plan: Array<[CircuitBreaker, ReconfigurableOptions]> = [];
    for (const entry of this.#entries()) {
      const layers = this.#specificLayers(entry.key, entry.options);
      const delta: Record<string, unknown> = {};
      let changed = false;
      for (const name of names) {
        if (layers.some((layer) => Object.hasOwn(layer, name))) continue;
        delta[name] = (options as Record<string, unknown>)[name];
        changed = true;
      }
      if (!changed) continue;
      validateOptions(
        this.#optionsFor(next, entry.key, entry.options, this.#keyOptions.get(entry.key), false),
        {
          path: `breakers[${JSON.stringify(entry.key)}]`,
        },
      );
      plan.push([entry.breaker, delta as ReconfigurableOptions]);
    }
    this.#defaults = next;
    for (const [breaker, delta] of plan) breaker.reconfigure(delta);
  }

  /**
   * Subscribes to the state changes of every breaker in the registry, present and
   * future, with one listener. The payload is the breaker's own event, which carries
   * its `key`. A listener that throws is reported once with `process.emitWarning` and
   * never breaks the call that caused the transition.
   *
   * @param listener - called with `{ name, key, from, to, reason, at }`.
   * @returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * const off = registry.onStateChange(({ key, from, to, reason }) => log.warn({ key, from, to, reason }));
   * off();
   * ```
   */
  onStateChange(listener: (event: StateChangeEvent) => void): () => void {
    assertListener(listener);
    this.#stateListeners = [...this.#stateListeners, listener];
    return () => {
      this.#stateListeners = this.#stateListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Subscribes to breakers leaving the registry: evicted (`lru`), expired (`idle`),
   * deleted or cleared. Use it to drop per-key telemetry. A listener that throws is
   * reported once with `process.emitWarning`.
   *
   * @param listener - called with `{ key, name, state, reason, at }`.
   * @returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * registry.onEvict(({ key, state, reason }) => gauges.delete(key));
   * ```
   */
  onEvict(listener: (event: EvictionEvent) => void): () => void {
    assertListener(listener);
    this.#evictListeners = [...this.#evictListeners, listener];
    return () => {
      this.#evictListeners = this.#evictListeners.filter((l) => l !== listener);
    };
  }

  /**
   * A plain-JSON view of the registry and its breakers, pinned (not closed) breakers
   * first, then closed ones from the most recently used, at most `limit` of them.
   * Expires idle keys first. Reading a breaker's snapshot may apply a due lazy
   * transition (open → half-open), emitted as usual.
   *
   * @param options - `limit`: the most breaker snapshots to include (default 1,000).
   * @throws BreakerConfigError when `limit` is not an integer >= 0 or `Infinity`.
   *
   * @example
   * ```ts
   * app.get('/breakers', (_req, res) => res.json(registry.snapshot({ limit: 100 })));
   * ```
   */
  snapshot(options: RegistrySnapshotOptions = {}): RegistrySnapshot {
    checkKnown(options, new Set(['limit']), '');
    const limit = options.limit ?? DEFAULT_SNAPSHOT_LIMIT;
    if (!(limit === Number.POSITIVE_INFINITY || (Number.isSafeInteger(limit) && limit >= 0))) {
      throw invalidOption('limit', limit, 'an integer >= 0 or Infinity');
    }
    this.purgeStale();
    const entries = this.#entries();
    const shown = entries.length > limit ? entries.slice(0, limit) : entries;
    return {
      name: this.name,
      size: entries.length,
      pinned: this.#pinned.size,
      maxKeys: this.maxKeys,
      maxPinnedKeys: this.maxPinnedKeys,
      idleTtlMs: this.idleTtlMs,
      omitted: entries.length - shown.length,
      breakers: shown.map((entry) => entry.breaker.snapshot()),
      store: this.#storeStatus(),
    };
  }

  /**
   * The keys held (pinned first, then closed from the most recently used), as of the
   * call. Does not count as a use.
   *
   * @example
   * ```ts
   * for (const key of registry.keys()) console.log(key);
   * ```
   */
  *keys(): IterableIterator<string> {
    for (const entry of this.#entries()) yield entry.key;
  }

  /**
   * `[key, breaker]` pairs held, in the order of {@link BreakerRegistry.keys}.
   *
   * @example
   * ```ts
   * for (const [key, breaker] of registry.entries()) if (breaker.state === 'open') console.log(key);
   * ```
   */
  *entries(): IterableIterator<[string, CircuitBreaker]> {
    for (const entry of this.#entries()) yield [entry.key, entry.breaker];
  }

  /**
   * Same as {@link BreakerRegistry.entries}.
   *
   * @example
   * ```ts
   * const open = [...registry].filter(([, b]) => b.state === 'open');
   * ```
   */
  [Symbol.iterator](): IterableIterator<[string, CircuitBreaker]> {
    return this.entries();
  }

  // ── internals ──────────────────────────────────────────────────────────────

  #getSlow(bounded: string, options: RegistryGetOptions | undefined): CircuitBreaker {
    const pinned = this.#pinned.get(bounded);
    if (pinned !== undefined) {
      pinned.lastUsed = this.#now();
      return pinned.breaker;
    }
    // An onEvict listener run by lru.get() may have created the key meanwhile.
    const raced = this.#lru.peek(bounded);
    if (raced !== undefined) return raced.breaker;
    return this.#create(bounded, options);
  }

  #find(bounded: string): Entry | undefined {
    return this.#lru.peek(bounded) ?? this.#pinned.get(bounded);
  }

  #create(bounded: string, options: RegistryGetOptions | undefined): CircuitBreaker {
    if (options !== undefined) {
      if (typeof options !== 'object' || options === null) {
        throw invalidOption('options', options, 'an object');
      }
      for (const name of ['key', 'clock', 'random', 'telemetry']) {
        if (Object.hasOwn(options, name)) {
          throw new BreakerConfigError(
            ErrorCodes.INVALID_OPTION,
            name,
            (options as Record<string, unknown>)[name],
            `${name} cannot be passed to registry.get(): ${REGISTRY_OWNED[name]}`,
          );
        }
      }
    }
    const key = detachString(bounded);
    const breaker = new CircuitBreaker(
      this.#optionsFor(this.#defaults, key, options, this.#keyOptions.get(key), true),
    );
    const hub = this.#hub;
    let tap: BreakerTap | null = null;
    if (hub !== null) {
      // On metrics a keyed registry is one name: its own, unless the breaker was named.
      tap = hub.tap(key, this.#givenName ?? this.name);
      breaker.telemetryTap(tap);
      hub.refreshIfDue(this.#now());
    }
    const entry: Entry = { key, breaker, options, where: DETACHED, lastUsed: 0, unsubscribe: noop, tap };
    const unsubscribe = breaker.onStateChange((event) => this.#onBreakerStateChange(entry, event));
    const unbind = this.#bind(breaker);
    entry.unsubscribe =
      unbind === noop
        ? unsubscribe
        : () => {
            unsubscribe();
            this.#unbind(unbind);
          };
    if (breaker.state === 'closed' || !this.#pin(entry)) {
      entry.where = IN_LRU;
      this.#lru.set(key, entry);
    }
    return breaker;
  }

  /** defaults ⊕ matching overrides ⊕ get() options ⊕ per-key options, plus what the registry owns. */
  #optionsFor(
    defaults: RegistryBreakerOptions,
    key: string,
    options: RegistryGetOptions | undefined,
    keyOptions: ReconfigurableOptions | undefined,
    withRuntime: boolean,
  ): CircuitBreakerOptions {
    // Object.assign, not a spread: V8 builds the spread object with no room for the
    // properties added below, which made creation several times slower.
    const merged: CircuitBreakerOptions = Object.assign({}, defaults);
    for (const override of this.#overrides) {
      if (this.#matches(override, key)) Object.assign(merged, override.options);
    }
    if (options !== undefined) Object.assign(merged, options);
    if (keyOptions !== undefined) Object.assign(merged, keyOptions);
    merged.key = key;
    if (withRuntime) this.#givenName = merged.name;
    if (merged.name === undefined) merged.name = key;
    if (!withRuntime) {
      delete merged.initialState;
      return merged;
    }
    if (this.#clock !== undefined) merged.clock = this.#clock;
    if (this.#random !== undefined) merged.random = this.#random;
    // The registry's own telemetry hub records for its breakers (set in #create).
    merged.telemetry = false;
    return merged;
  }

  /** The option layers more specific than `defaults` for a key. */
  #specificLayers(key: string, options: RegistryGetOptions | undefined): object[] {
    const layers: object[] = [];
    for (const override of this.#overrides) {
      if (this.#matches(override, key)) layers.push(override.options);
    }
    if (options !== undefined) layers.push(options);
    const keyOptions = this.#keyOptions.get(key);
    if (keyOptions !== undefined) layers.push(keyOptions);
    return layers;
  }

  #matches(override: CompiledOverride, key: string): boolean {
    try {
      return override.test(key) === true;
    } catch (error) {
      this.#warnOnce(
        'BREAKWATER_OVERRIDE_MATCH_ERROR',
        `A registry override's match function threw; it matches nothing for that key: ${errorText(error)}`,
      );
      return false;
    }
  }

  /** Pinned entries first, then the LRU from the most recently used, skipping expired ones. */
  #entries(): Entry[] {
    const out = [...this.#pinned.values()];
    for (const entry of this.#lru.values()) out.push(entry);
    return out;
  }

  #onBreakerStateChange(entry: Entry, event: StateChangeEvent): void {
    if (event.to === 'closed') {
      if (entry.where === IN_PINNED) this.#unpin(entry);
    } else if (entry.where === IN_LRU) {
      this.#pin(entry);
    }
    const listeners = this.#stateListeners;
    for (let i = 0; i < listeners.length; i++) {
      this.#safeCall(listeners[i] as Listener<StateChangeEvent>, event);
    }
  }

  /** Moves an entry into the pinned set; false when the set is full and nothing could be expired. */
  #pin(entry: Entry): boolean {
    if (this.#pinned.size >= this.maxPinnedKeys && !this.#sweepPinned()) {
      this.#warnOnce(
        'BREAKWATER_PINNED_FULL',
        `Breaker registry "${this.name}" holds maxPinnedKeys (${this.maxPinnedKeys}) breakers that are not closed; ` +
          'a newly tripped breaker stays evictable. Raise maxPinnedKeys or lower the number of keys.',
      );
      return false;
    }
    const wasInLru = entry.where === IN_LRU;
    // Mark first: the LRU's dispose callback ignores entries that are no longer IN_LRU.
    entry.where = IN_PINNED;
    entry.lastUsed = this.#now();
    if (wasInLru) this.#lru.delete(entry.key);
    this.#pinned.set(entry.key, entry);
    return true;
  }

  #unpin(entry: Entry): void {
    this.#pinned.delete(entry.key);
    entry.where = IN_LRU;
    this.#lru.set(entry.key, entry);
  }

  /** Expires pinned breakers that are half-open and idle; true when any was removed. */
  #sweepPinned(): boolean {
    if (this.idleTtlMs === 0 || this.#pinned.size === 0) return false;
    const now = this.#now();
    let freed = false;
    for (const entry of this.#pinned.values()) {
      if (now - entry.lastUsed > this.idleTtlMs && entry.breaker.state === 'half_open') {
        this.#pinned.delete(entry.key);
        this.#retire(entry, 'idle');
        freed = true;
      }
    }
    return freed;
  }

  #onLruDispose(entry: Entry, reason: LRUCache.DisposeReason): void {
    if (entry.where !== IN_LRU) return;
    this.#retire(
      entry,
      reason === 'evict' ? 'lru' : reason === 'expire' ? 'idle' : this.#clearing ? 'clear' : 'delete',
    );
  }

  #retire(entry: Entry, reason: EvictionReason): void {
    entry.where = DETACHED;
    entry.unsubscribe();
    const listeners = this.#evictListeners;
    if (listeners.length === 0) return;
    const event: EvictionEvent = {
      key: entry.key,
      name: entry.breaker.name,
      state: entry.breaker.state,
      reason,
      at: this.#now(),
    };
    for (let i = 0; i < listeners.length; i++) {
      this.#safeCall(listeners[i] as Listener<EvictionEvent>, event);
    }
  }

  /** Binds a new breaker to the store; a store that throws leaves the breaker local. */
  #bind(breaker: CircuitBreaker): () => void {
    const store = this.store;
    if (store === undefined) return noop;
    try {
      const unbind = store.bind(breaker);
      return typeof unbind === 'function' ? unbind : noop;
    } catch (error) {
      this.#warnOnce(
        'BREAKWATER_STORE_BIND_ERROR',
        `The store of breaker registry "${this.name}" failed to bind a breaker; it runs on local rules: ${errorText(error)}`,
      );
      return noop;
    }
  }

  #unbind(unbind: () => void): void {
    try {
      unbind();
    } catch (error) {
      this.#warnOnce(
        'BREAKWATER_STORE_BIND_ERROR',
        `The store of breaker registry "${this.name}" failed to unbind a breaker: ${errorText(error)}`,
      );
    }
  }

  #storeStatus(): StoreStatus | null {
    const store = this.store;
    if (store === undefined) return null;
    try {
      return store.status();
    } catch (error) {
      this.#warnOnce(
        'BREAKWATER_STORE_STATUS_ERROR',
        `The store of breaker registry "${this.name}" failed to report its status: ${errorText(error)}`,
      );
      return null;
    }
  }

  #safeCall<E>(listener: Listener<E>, event: E): void {
    try {
      listener(event);
    } catch (error) {
      this.#warnOnce('BREAKWATER_LISTENER_ERROR', `A breaker registry listener threw: ${errorText(error)}`);
    }
  }

  #warnOnce(code: string, message: string): void {
    if (this.#warned.has(code)) return;
    this.#warned.add(code);
    try {
      process.emitWarning(message, { type: 'BreakwaterWarning', code });
    } catch {
      // A warning never breaks a call.
    }
  }
}

/**
 * Validates and normalises registry options.
 *
 * @internal Not exported from the package: `fromEnv` uses it to name variables in errors.
 * @throws BreakerConfigError naming the option and the value.
 */
export function normalizeRegistryOptions(input: unknown): NormalizedRegistryOptions {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidOption('options', input, 'an object');
  }
  const options = input as Record<string, unknown>;
  checkKnown(options, REGISTRY_OPTIONS, '');

  const name = options['name'] ?? 'default';
  if (typeof name !== 'string' || name.length === 0) throw invalidOption('name', name, 'a non-empty string');

  const maxKeys = options['maxKeys'] ?? DEFAULT_MAX_KEYS;
  if (!isIntegerIn(maxKeys, 1, MAX_MAX_KEYS)) {
    throw invalidOption('maxKeys', maxKeys, `an integer in [1, ${MAX_MAX_KEYS}]`);
  }
  const maxPinnedKeys = options['maxPinnedKeys'] ?? Math.ceil((maxKeys as number) / 10);
  if (!isIntegerIn(maxPinnedKeys, 1, MAX_MAX_KEYS)) {
    throw invalidOption('maxPinnedKeys', maxPinnedKeys, `an integer in [1, ${MAX_MAX_KEYS}]`);
  }
  const idleTtlMs = options['idleTtlMs'] ?? DEFAULT_IDLE_TTL_MS;
  if (!isIntegerIn(idleTtlMs, 0, Number.MAX_SAFE_INTEGER)) {
    throw invalidOption('idleTtlMs', idleTtlMs, 'an integer >= 0 (0: keys never expire)');
  }
  const clock = options['clock'];
  if (
    clock !== undefined &&
    (typeof clock !== 'object' || clock === null || typeof (clock as Clock).now !== 'function')
  ) {
    throw invalidOption('clock', clock, 'an object with a now() method');
  }
  const random = options['random'];
  if (random !== undefined && typeof random !== 'function')
    throw invalidOption('random', random, 'a function');

  const store = options['store'];
  if (store !== undefined && !isBreakerStore(store)) {
    throw invalidOption(
      'store',
      store,
      'a BreakerStore (an object with bind, status, onStatus and shutdown methods)',
    );
  }

  const telemetry = normalizeTelemetry(options['telemetry'], 'telemetry');
  const defaults = checkBreakerOptions(options['defaults'] ?? {}, 'defaults');

  const rawOverrides = options['overrides'] ?? [];
  if (!Array.isArray(rawOverrides)) throw invalidOption('overrides', rawOverrides, 'an array');
  const overrides = rawOverrides.map((raw: unknown, i): CompiledOverride => {
    const path = `overrides[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw invalidOption(path, raw, 'an object { match, options }');
    }
    const override = raw as Record<string, unknown>;
    checkKnown(override, OVERRIDE_FIELDS, `${path}.`);
    const overrideOptions = checkBreakerOptions(override['options'], `${path}.options`);
    validateCombination(defaults, overrideOptions, `${path}.options`);
    return { test: compileMatch(override['match'], `${path}.match`), options: overrideOptions };
  });

  return {
    name,
    defaults,
    overrides,
    maxKeys: maxKeys as number,
    maxPinnedKeys: maxPinnedKeys as number,
    idleTtlMs: idleTtlMs as number,
    clock: clock as Clock | undefined,
    random: random as (() => number) | undefined,
    store: store as BreakerStore | undefined,
    telemetry,
  };
}

function checkBreakerOptions(value: unknown, path: string): RegistryBreakerOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption(path, value, 'an object of breaker options');
  }
  for (const name of Object.keys(REGISTRY_OWNED)) {
    if (Object.hasOwn(value, name)) {
      throw new BreakerConfigError(
        ErrorCodes.INVALID_OPTION,
        `${path}.${name}`,
        (value as Record<string, unknown>)[name],
        `${path}.${name} cannot be set in a registry: ${REGISTRY_OWNED[name]}`,
      );
    }
  }
  validateOptions(value, { path });
  return value as RegistryBreakerOptions;
}

/** Defaults and one override are each valid; check that together they are too. */
function validateCombination(
  defaults: RegistryBreakerOptions,
  options: RegistryBreakerOptions,
  path: string,
) {
  try {
    validateOptions({ ...defaults, ...options }, { path });
  } catch (error) {
    if (!isBreakerConfigError(error)) throw error;
    throw new BreakerConfigError(
      ErrorCodes.CONFLICTING_OPTIONS,
      error.option,
      error.value,
      `${path} conflicts with defaults: ${error.message}`,
      { cause: error },
    );
  }
}

function compileMatch(match: unknown, path: string): (key: string) => boolean {
  if (typeof match === 'string') return compileGlob(match);
  if (match instanceof RegExp) {
    const re = /[gy]/.test(match.flags) ? new RegExp(match.source, match.flags.replace(/[gy]/g, '')) : match;
    return (key) => re.test(key);
  }
  if (typeof match === 'function') return match as (key: string) => boolean;
  throw invalidOption(path, match, 'a glob string, a RegExp or a function (key) => boolean');
}

function checkKnown(options: object, known: ReadonlySet<string>, prefix: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw new BreakerConfigError(
        ErrorCodes.UNKNOWN_OPTION,
        `${prefix}${name}`,
        (options as Record<string, unknown>)[name],
        `${prefix}${name} is not a known option (known: ${[...known].join(', ')})`,
      );
    }
  }
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function assertListener(listener: unknown): void {
  if (typeof listener !== 'function')
    throw new TypeError(`listener must be a function, got ${describe(listener)}`);
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describe(error);
}

function noop(): void {}
