/**
 * Builds the stream's messages: one JSON object per update, per viewer (search, opened
 * group, page), bounded in size.
 *
 * @internal
 */
import type { BreakerMode, BreakerState, TransitionReason } from '@breakwater/core';
import {
  type Collector,
  type Group,
  type LogEntry,
  lowerKey,
  rankOf,
  STATE_ORDER,
  type Tracked,
} from './collector.js';
import { SLOT_MS, SLOTS, type Sparklines } from './series.js';

/** What one viewer asks for, from the stream's query string. */
export interface ViewParams {
  /** Search: groups and keys containing it, case-insensitively ('' for all). */
  q: string;
  /** The group whose keys are listed page by page, or ''. */
  open: string;
  /** The page of the opened group's keys (0-based). */
  page: number;
}

export const MAX_QUERY_LENGTH = 200;
/** The longest registry name sent. */
const MAX_NAME_LENGTH = 256;
const MAX_PAGE = 100_000;

/** How much a message carries, from the most to the least. */
const LEVELS = [
  { groups: 30, top: 5, page: 25, log: 30, spark: true },
  { groups: 15, top: 3, page: 15, log: 15, spark: true },
  { groups: 8, top: 1, page: 8, log: 8, spark: false },
  { groups: 3, top: 0, page: 3, log: 3, spark: false },
] as const;
type Level = (typeof LEVELS)[number];

/** The most open breakers read per group for the time until half-open. */
const MAX_OPEN_READ = 200;

/** One breaker, as the page shows it. */
export interface KeyRow {
  key: string;
  state: BreakerState;
  mode: BreakerMode;
  /** Per-mille of the breaker's own shown sample, or null below `minimumCalls`. */
  fr: number | null;
  sr: number | null;
  calls: number;
  retryAfterMs: number | null;
  halfOpen: { inFlight: number; recorded: number; maxCalls: number } | null;
  last: { from: BreakerState; to: BreakerState; reason: TransitionReason; ageMs: number } | null;
}

export interface GroupRow {
  name: string;
  keys: number;
  worst: BreakerState;
  /** Breakers per state, in the order open, forced_open, half_open, disabled, closed. */
  states: number[];
  cps: number;
  rps: number;
  fr: number | null;
  sr: number | null;
  p50: number | null;
  p99: number | null;
  nextHalfOpenMs: number | null;
  last: LogRow | null;
  spark: Sparklines | null;
  rows: KeyRow[];
  /** How many keys match (for paging the opened group). */
  matched: number;
  offset: number;
}

export interface LogRow {
  ageMs: number;
  key: string;
  group: string;
  from: BreakerState;
  to: BreakerState;
  reason: string;
  action?: string;
  actor?: string;
}

export interface Message {
  v: 1;
  registry: string;
  size: number;
  states: number[];
  groupsTotal: number;
  groupsMatched: number;
  slotMs: number;
  slots: number;
  pageSize: number;
  groups: GroupRow[];
  log: LogRow[];
  truncated: boolean;
}

/** Parses a stream URL's query string; anything odd falls back to the defaults. */
export function parseParams(search: URLSearchParams): ViewParams {
  const q = (search.get('q') ?? '').slice(0, MAX_QUERY_LENGTH).trim().toLowerCase();
  const open = (search.get('open') ?? '').slice(0, 300);
  const rawPage = Number(search.get('page') ?? '0');
  const page = Number.isSafeInteger(rawPage) && rawPage > 0 ? Math.min(rawPage, MAX_PAGE) : 0;
  return { q, open, page };
}

/** A cache key for params, so viewers asking the same share one message per update. */
export function paramsKey(p: ViewParams): string {
  return `${p.page}\u0000${p.open}\u0000${p.q}`;
}

/** What every level of one message shares. */
interface Summary {
  size: number;
  states: number[];
  all: readonly Group[];
  matched: readonly Group[];
}

/**
 * Builds the messages of one update. It caches what several views share (group
 * statistics, sparklines, breaker rows): build a new one per update.
 */
export class ViewBuilder {
  readonly #c: Collector;
  readonly #maxBytes: number;
  readonly #now: number;
  readonly #groupStats = new Map<Group, Omit<GroupRow, 'rows' | 'matched' | 'offset' | 'spark'>>();
  readonly #sparks = new Map<Group, Sparklines>();
  readonly #rows = new Map<Tracked, KeyRow>();
  readonly #hot = new Map<Group, Tracked[]>();
  #log: LogEntry[] | null = null;

  constructor(collector: Collector, maxBytes: number) {
    this.#c = collector;
    this.#maxBytes = maxBytes;
    this.#now = collector.now();
  }

  /** The message for `params`, as a JSON string of at most `maxBytes` UTF-8 bytes. */
  build(params: ViewParams): string {
    const all = this.#c.groups;
    const states = [0, 0, 0, 0, 0];
    let size = 0;
    for (const g of all) {
      for (let i = 0; i < states.length; i++) {
        states[i]! += g.counts[i]!;
        size += g.counts[i]!;
      }
    }
    const matched = params.q === '' ? all : all.filter((g) => this.#groupMatches(g, params.q));
    const summary: Summary = { size, states, all, matched };
    for (const level of LEVELS) {
      const json = JSON.stringify(this.#message(params, summary, level));
      if (json.length * 3 <= this.#maxBytes || Buffer.byteLength(json) <= this.#maxBytes) return json;
    }
    // The summary alone: a few hundred bytes whatever the keys.
    return JSON.stringify(this.#message(params, summary, null));
  }

  #message(params: ViewParams, summary: Summary, level: Level | null): Message {
    const { matched } = summary;
    const groups: GroupRow[] = [];
    if (level !== null) {
      const shown = matched.slice(0, level.groups);
      if (params.open !== '' && !shown.some((g) => g.name === params.open)) {
        const opened = matched.find((g) => g.name === params.open);
        if (opened !== undefined && level.groups > 0) {
          if (shown.length < level.groups) shown.push(opened);
          else shown[shown.length - 1] = opened;
        }
      }
      for (const g of shown) groups.push(this.#groupRow(g, params, level));
    }
    return {
      v: 1,
      registry: this.#c.registryName.slice(0, MAX_NAME_LENGTH),
      size: summary.size,
      states: summary.states,
      groupsTotal: summary.all.length,
      groupsMatched: matched.length,
      slotMs: SLOT_MS,
      slots: SLOTS,
      pageSize: level?.page ?? 0,
      groups,
      log: level === null ? [] : this.#logRows(level.log),
      truncated: level !== LEVELS[0],
    };
  }

  #groupMatches(g: Group, q: string): boolean {
    if (g.name.toLowerCase().includes(q)) return true;
    for (const t of g.hot) if (lowerKey(t).includes(q)) return true;
    for (const t of g.cold) if (lowerKey(t).includes(q)) return true;
    return false;
  }

  #groupRow(g: Group, params: ViewParams, level: Level): GroupRow {
    let stats = this.#groupStats.get(g);
    if (stats === undefined) {
      stats = this.#stats(g);
      this.#groupStats.set(g, stats);
    }
    let spark: Sparklines | null = null;
    if (level.spark) {
      spark = this.#sparks.get(g) ?? g.series.sparklines(this.#now);
      this.#sparks.set(g, spark);
    }
    const opened = params.open === g.name;
    const filter = params.q !== '' && !g.name.toLowerCase().includes(params.q) ? params.q : '';
    let hot = this.#hot.get(g);
    if (hot === undefined) {
      hot = sortHot(g.hot);
      this.#hot.set(g, hot);
    }
    let keys: Tracked[];
    let matched: number;
    let offset = 0;
    if (filter === '') {
      matched = hot.length + g.cold.length;
      const want = opened ? level.page : level.top;
      offset = opened ? Math.min(params.page * level.page, Math.max(0, matched - 1)) : 0;
      keys = [];
      for (let i = offset; i < matched && keys.length < want; i++) {
        keys.push(i < hot.length ? hot[i]! : g.cold[i - hot.length]!);
      }
    } else {
      const all = [...hot, ...g.cold].filter((t) => lowerKey(t).includes(filter));
      matched = all.length;
      const want = opened ? level.page : level.top;
      offset = opened ? Math.min(params.page * level.page, Math.max(0, matched - 1)) : 0;
      keys = all.slice(offset, offset + want);
    }
    return { ...stats, spark, rows: keys.map((t) => this.#row(t)), matched, offset };
  }

  #stats(g: Group): Omit<GroupRow, 'rows' | 'matched' | 'offset' | 'spark'> {
    const recent = g.series.recent(this.#now);
    let nextHalfOpenMs: number | null = null;
    let read = 0;
    for (const t of g.hot) {
      if (read >= MAX_OPEN_READ) break;
      if (t.breaker.state !== 'open') continue;
      read++;
      const r = this.#row(t).retryAfterMs;
      if (r !== null && (nextHalfOpenMs === null || r < nextHalfOpenMs)) nextHalfOpenMs = r;
    }
    // Transitions from before the dashboard followed the registry: the latest one shown.
    let last = g.last === null ? null : this.#logRow(g.last);
    if (last === null) {
      read = 0;
      for (const t of g.hot) {
        if (read++ >= MAX_OPEN_READ) break;
        const row = this.#row(t);
        if (row.last !== null && (last === null || row.last.ageMs < last.ageMs)) {
          last = {
            ageMs: row.last.ageMs,
            key: t.key,
            group: g.name,
            from: row.last.from,
            to: row.last.to,
            reason: row.last.reason,
          };
        }
      }
    }
    const keys = g.hot.length + g.cold.length;
    return {
      name: g.name,
      keys,
      worst: STATE_ORDER[g.worst] ?? 'closed',
      states: Array.from(g.counts),
      cps: round2(recent.callsPerSec),
      rps: round2(recent.rejectionsPerSec),
      fr: perMille(recent.failureRate),
      sr: perMille(recent.slowCallRate),
      p50: recent.p50 === null ? null : round2(recent.p50),
      p99: recent.p99 === null ? null : round2(recent.p99),
      nextHalfOpenMs,
      last,
    };
  }

  #row(t: Tracked): KeyRow {
    let row = this.#rows.get(t);
    if (row !== undefined) return row;
    const s = t.breaker.snapshot();
    const clock = t.breaker.options.clock;
    row = {
      key: t.key,
      state: s.state,
      mode: s.mode,
      fr: perMille(s.failureRate),
      sr: perMille(s.slowCallRate),
      calls: s.window.calls,
      retryAfterMs: s.retryAfterMs === null ? null : Math.round(s.retryAfterMs),
      halfOpen: s.halfOpen,
      last:
        s.lastTransition === null
          ? null
          : {
              from: s.lastTransition.from,
              to: s.lastTransition.to,
              reason: s.lastTransition.reason,
              ageMs: Math.max(0, Math.round(clock.now() - s.lastTransition.at)),
            },
    };
    this.#rows.set(t, row);
    return row;
  }

  #logRows(n: number): LogRow[] {
    if (n === 0) return [];
    this.#log ??= this.#c.log();
    const log = this.#log;
    const out: LogRow[] = [];
    for (let i = log.length - 1; i >= 0 && out.length < n; i--) out.push(this.#logRow(log[i]!));
    return out;
  }

  #logRow(e: LogEntry): LogRow {
    const row: LogRow = {
      ageMs: Math.max(0, Math.round(this.#now - e.at)),
      key: e.key,
      group: e.group,
      from: e.from,
      to: e.to,
      reason: e.reason,
    };
    if (e.action !== undefined) row.action = e.action;
    if (e.actor !== undefined) row.actor = e.actor;
    return row;
  }
}

/** Not-closed breakers, most urgent first (stable within a state). */
function sortHot(hot: Tracked[]): Tracked[] {
  if (hot.length < 2) return hot;
  return hot
    .map((t, i) => ({ t, i, r: rankOf(t.breaker.state) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.t);
}

function perMille(rate: number | null): number | null {
  return rate === null || !Number.isFinite(rate) ? null : Math.round(rate * 1000);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
