/**
 * Follows a registry for the dashboard: one `onCall` listener per breaker feeding a
 * bounded {@link Series} per group, the registry's state changes feeding a bounded
 * log, and a periodic scan of the registry for state counts, new breakers and key
 * lists. Everything it holds is bounded: `maxGroups` series, the registry's own
 * bound on breakers, {@link LOG_SIZE} log entries.
 *
 * @internal
 */
import type {
  BreakerRegistry,
  BreakerState,
  CallEvent,
  CircuitBreaker,
  Clock,
  EvictionEvent,
  StateChangeEvent,
  TransitionReason,
} from '@breakwater/core';
import { OTHER_GROUP, safeGroup } from './grouping.js';
import { Series } from './series.js';
import type { DashboardAction } from './types.js';

/** States from the most to the least urgent: the sort order of the dashboard. */
export const STATE_ORDER: readonly BreakerState[] = [
  'open',
  'forced_open',
  'half_open',
  'disabled',
  'closed',
];
const RANK: Readonly<Record<BreakerState, number>> = {
  open: 0,
  forced_open: 1,
  half_open: 2,
  disabled: 3,
  closed: 4,
};

/** How many log entries are kept. */
export const LOG_SIZE = 100;
/** A group that has had no breaker for this long is forgotten, in ms. */
const GROUP_IDLE_MS = 300_000;

/** One entry of the transitions log, on the dashboard's clock. */
export interface LogEntry {
  at: number;
  key: string;
  group: string;
  from: BreakerState;
  to: BreakerState;
  /** The transition's reason, or `action` for a mode switch (which changes no state). */
  reason: TransitionReason | 'action';
  /** Set for a control action taken from the dashboard. */
  action?: DashboardAction;
  actor?: string;
}

/** A breaker the collector follows. */
export interface Tracked {
  readonly key: string;
  readonly breaker: CircuitBreaker;
  readonly group: Group;
  readonly unsubscribe: () => void;
  seen: number;
  /** The key in lower case, computed at the first search. */
  lower: string | null;
}

/** One row of the dashboard: breakers sharing a group name. */
export interface Group {
  readonly name: string;
  readonly series: Series;
  /** From the last scan: breakers that are not closed, and closed ones (most recently used first). */
  readonly hot: Tracked[];
  readonly cold: Tracked[];
  /** From the last scan: breakers per state, in {@link STATE_ORDER}. */
  readonly counts: Int32Array;
  /** The index in {@link STATE_ORDER} of the most urgent state, from the last scan. */
  worst: number;
  /** The last transition of one of its breakers, on the dashboard's clock. */
  last: LogEntry | null;
  /** When the last scan saw a breaker of this group. */
  seenAt: number;
}

export interface CollectorOptions {
  registry: BreakerRegistry;
  group: (key: string, name: string) => string;
  maxGroups: number;
  clock: Clock;
  /** Called after every state change of a breaker in the registry. */
  onTransition: () => void;
}

export class Collector {
  readonly #o: CollectorOptions;
  readonly #tracked = new Map<string, Tracked>();
  readonly #groups = new Map<string, Group>();
  readonly #log: LogEntry[] = [];
  #logStart = 0;
  #gen = 0;
  #scannedAt = Number.NEGATIVE_INFINITY;
  /** A state changed since the last scan. */
  #dirty = false;
  #sorted: Group[] = [];
  readonly #unsubscribe: Array<() => void>;

  constructor(options: CollectorOptions) {
    this.#o = options;
    const { registry } = options;
    this.#unsubscribe = [
      registry.onStateChange((event) => this.#onStateChange(event)),
      registry.onEvict((event) => this.#onEvict(event)),
    ];
    this.scan();
  }

  /** The registry's name. */
  get registryName(): string {
    return this.#o.registry.name;
  }

  /** How many breakers are followed. */
  get trackedCount(): number {
    return this.#tracked.size;
  }

  /** How many groups have a series. */
  get groupCount(): number {
    return this.#groups.size;
  }

  /** Whether the last scan is older than `maxAgeMs` or a state changed since. */
  stale(maxAgeMs: number): boolean {
    return this.#dirty || this.now() - this.#scannedAt >= maxAgeMs;
  }

  /** Groups, most urgent first, as of the last scan. */
  get groups(): readonly Group[] {
    return this.#sorted;
  }

  /** The log, oldest first. */
  log(): LogEntry[] {
    const log = this.#log;
    return log.length < LOG_SIZE
      ? log.slice()
      : [...log.slice(this.#logStart), ...log.slice(0, this.#logStart)];
  }

  now(): number {
    return this.#o.clock.now();
  }

  /**
   * Walks the registry once: follows new breakers, forgets gone ones, counts states per
   * group and rebuilds the groups' key lists and their order.
   */
  scan(): void {
    const gen = ++this.#gen;
    const now = this.now();
    this.#scannedAt = now;
    this.#dirty = false;
    for (const group of this.#groups.values()) {
      group.hot.length = 0;
      group.cold.length = 0;
      group.counts.fill(0);
      group.worst = RANK.closed;
    }
    for (const [key, breaker] of this.#o.registry.entries()) {
      let tracked = this.#tracked.get(key);
      if (tracked === undefined || tracked.breaker !== breaker) tracked = this.#track(key, breaker);
      tracked.seen = gen;
      const rank = RANK[breaker.state];
      const group = tracked.group;
      group.counts[rank]! += 1;
      if (rank < group.worst) group.worst = rank;
      group.seenAt = now;
      if (rank === RANK.closed) group.cold.push(tracked);
      else group.hot.push(tracked);
    }
    if (this.#tracked.size > 0) {
      for (const tracked of this.#tracked.values()) {
        if (tracked.seen !== gen) this.#untrack(tracked);
      }
    }
    const sorted: Group[] = [];
    for (const [name, group] of this.#groups) {
      if (group.hot.length === 0 && group.cold.length === 0 && now - group.seenAt > GROUP_IDLE_MS) {
        this.#groups.delete(name);
        continue;
      }
      sorted.push(group);
    }
    sorted.sort(compareGroups);
    this.#sorted = sorted;
  }

  /**
   * Adds a control action to the log. An action that changed the state was logged as a
   * transition a moment ago: that entry is annotated instead of logged twice.
   */
  logAction(entry: LogEntry): void {
    const log = this.#log;
    const latest = log.length < LOG_SIZE ? log.at(-1) : log[(this.#logStart + LOG_SIZE - 1) % LOG_SIZE];
    if (
      latest !== undefined &&
      latest.key === entry.key &&
      latest.from === entry.from &&
      latest.to === entry.to &&
      latest.reason === entry.reason &&
      latest.action === undefined
    ) {
      if (entry.action !== undefined) latest.action = entry.action;
      if (entry.actor !== undefined) latest.actor = entry.actor;
      return;
    }
    this.#push(entry);
    const group = this.#tracked.get(entry.key)?.group;
    if (group !== undefined && entry.from !== entry.to) group.last = entry;
  }

  /** The group a key belongs to (without creating one), for the log. */
  groupOf(key: string): string | undefined {
    return this.#tracked.get(key)?.group.name;
  }

  /** Stops following the registry and every breaker. */
  close(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe.length = 0;
    for (const tracked of this.#tracked.values()) tracked.unsubscribe();
    this.#tracked.clear();
    this.#groups.clear();
    this.#sorted = [];
  }

  #track(key: string, breaker: CircuitBreaker): Tracked {
    const old = this.#tracked.get(key);
    if (old !== undefined) old.unsubscribe();
    const group = this.#group(safeGroup(this.#o.group, key, breaker.name));
    const series = group.series;
    const clock = this.#o.clock;
    const onCall = (event: CallEvent) => {
      const outcome = event.outcome;
      if (outcome === 'ignored') return;
      if (outcome === 'rejected') {
        series.rejection(clock.now());
        return;
      }
      series.call(
        clock.now(),
        outcome !== 'success',
        event.durationMs > breaker.options.slowCallDurationMs,
        event.durationMs,
      );
    };
    const tracked: Tracked = {
      key,
      breaker,
      group,
      unsubscribe: breaker.onCall(onCall),
      seen: this.#gen,
      lower: null,
    };
    this.#tracked.set(key, tracked);
    return tracked;
  }

  #untrack(tracked: Tracked): void {
    tracked.unsubscribe();
    if (this.#tracked.get(tracked.key) === tracked) this.#tracked.delete(tracked.key);
  }

  #group(name: string): Group {
    let group = this.#groups.get(name);
    if (group !== undefined) return group;
    if (this.#groups.size >= this.#o.maxGroups && name !== OTHER_GROUP) return this.#group(OTHER_GROUP);
    const now = this.now();
    group = {
      name,
      series: new Series(now),
      hot: [],
      cold: [],
      counts: new Int32Array(STATE_ORDER.length),
      worst: RANK.closed,
      last: null,
      seenAt: now,
    };
    this.#groups.set(name, group);
    return group;
  }

  #onStateChange(event: StateChangeEvent): void {
    let tracked = this.#tracked.get(event.key);
    if (tracked === undefined) {
      const breaker = this.#o.registry.peek(event.key);
      if (breaker !== undefined) tracked = this.#track(event.key, breaker);
    }
    const now = this.now();
    // Lazy transitions are reported late, with their due time on the breaker's clock.
    const clock = tracked?.breaker.options.clock;
    const late = clock === undefined ? 0 : Math.max(0, clock.now() - event.at);
    const entry: LogEntry = {
      at: now - (Number.isFinite(late) ? late : 0),
      key: event.key,
      group: tracked?.group.name ?? safeGroup(this.#o.group, event.key, event.name),
      from: event.from,
      to: event.to,
      reason: event.reason,
    };
    this.#push(entry);
    if (tracked !== undefined) tracked.group.last = entry;
    this.#dirty = true;
    this.#o.onTransition();
  }

  #onEvict(event: EvictionEvent): void {
    const tracked = this.#tracked.get(event.key);
    if (tracked !== undefined) this.#untrack(tracked);
  }

  #push(entry: LogEntry): void {
    const log = this.#log;
    if (log.length < LOG_SIZE) {
      log.push(entry);
      return;
    }
    log[this.#logStart] = entry;
    this.#logStart = (this.#logStart + 1) % LOG_SIZE;
  }
}

/** A tracked key in lower case, for searches. */
export function lowerKey(t: Tracked): string {
  t.lower ??= t.key.toLowerCase();
  return t.lower;
}

function compareGroups(a: Group, b: Group): number {
  if (a.worst !== b.worst) return a.worst - b.worst;
  if (a.hot.length !== b.hot.length) return b.hot.length - a.hot.length;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The rank of a state in {@link STATE_ORDER}. */
export function rankOf(state: BreakerState): number {
  return RANK[state];
}
