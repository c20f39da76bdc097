/**
 * The server-sent-events side of the dashboard: open streams, one unref'd timer per
 * dashboard, and an early update shortly after a state change.
 *
 * Each update rescans the registry once and builds one message per distinct view
 * (search, opened group, page), shared by the streams that asked for it. A stream
 * whose client reads slowly is skipped until it drains (the next update replaces the
 * missed one), so a stream holds at most one message in memory. A stream ends when
 * its client goes away, after `maxStreamMs`, or on `close()`; it leaves nothing behind.
 *
 * @internal
 */
import type { ServerResponse } from 'node:http';
import type { Collector } from './collector.js';
import { paramsKey, ViewBuilder, type ViewParams } from './view.js';

/** How long after a state change the streams get an early update, in ms. */
const EARLY_UPDATE_MS = 100;
/** Without viewers, the registry is scanned every this many ticks (for new breakers). */
const IDLE_SCAN_EVERY = 5;

export interface StreamHubOptions {
  collector: Collector;
  intervalMs: number;
  maxMessageBytes: number;
  maxConnections: number;
  maxStreamMs: number;
}

interface Stream {
  readonly res: ServerResponse;
  readonly params: ViewParams;
  readonly key: string;
  readonly openedAt: number;
  blocked: boolean;
  end: () => void;
}

export class StreamHub {
  readonly #o: StreamHubOptions;
  readonly #streams = new Set<Stream>();
  #timer: ReturnType<typeof setInterval> | null;
  #early: ReturnType<typeof setTimeout> | null = null;
  #ticks = 0;
  #closed = false;

  constructor(options: StreamHubOptions) {
    this.#o = options;
    this.#timer = setInterval(() => this.#tick(), options.intervalMs);
    this.#timer.unref();
  }

  /** How many streams are open. */
  get size(): number {
    return this.#streams.size;
  }

  /** Whether another stream may open. */
  get full(): boolean {
    return this.#streams.size >= this.#o.maxConnections;
  }

  /**
   * Starts a stream on `res` (the caller has authorized it): writes the headers and a
   * first message at once.
   *
   * @returns false when the hub is closed or full (nothing was written).
   */
  open(res: ServerResponse, params: ViewParams, headers: Record<string, string>): boolean {
    if (this.#closed || this.full || res.destroyed) return false;
    const stream: Stream = {
      res,
      params,
      key: paramsKey(params),
      openedAt: this.#o.collector.now(),
      blocked: false,
      end: () => {},
    };
    const onDrain = () => {
      stream.blocked = false;
    };
    const onClose = () => {
      stream.end();
    };
    stream.end = () => {
      if (!this.#streams.delete(stream)) return;
      res.off('drain', onDrain);
      res.off('close', onClose);
      res.off('error', onClose);
      if (!res.writableEnded) res.end();
    };
    this.#streams.add(stream);
    res.on('drain', onDrain);
    res.on('close', onClose);
    res.on('error', onClose);
    res.writeHead(200, headers);
    // A client that reconnects waits 2 s; the first comment flushes the headers through proxies.
    res.write(': breakwater dashboard\nretry: 2000\n\n');
    // A burst of (re)connections shares one scan per interval.
    const collector = this.#o.collector;
    if (collector.stale(this.#o.intervalMs)) collector.scan();
    this.#send(stream, new ViewBuilder(this.#o.collector, this.#o.maxMessageBytes).build(params));
    return true;
  }

  /** Sends an update soon (after a state change or a control action). */
  updateSoon(): void {
    if (this.#early !== null || this.#streams.size === 0 || this.#closed) return;
    this.#early = setTimeout(() => {
      this.#early = null;
      this.update();
    }, EARLY_UPDATE_MS);
    this.#early.unref();
  }

  /** Rescans the registry and sends every stream its view. */
  update(): void {
    const collector = this.#o.collector;
    collector.scan();
    if (this.#streams.size === 0) return;
    const now = collector.now();
    const builder = new ViewBuilder(collector, this.#o.maxMessageBytes);
    const messages = new Map<string, string>();
    for (const stream of [...this.#streams]) {
      if (now - stream.openedAt >= this.#o.maxStreamMs) {
        stream.end();
        continue;
      }
      if (stream.blocked) continue;
      let message = messages.get(stream.key);
      if (message === undefined) {
        message = builder.build(stream.params);
        messages.set(stream.key, message);
      }
      this.#send(stream, message);
    }
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#early !== null) clearTimeout(this.#early);
    this.#early = null;
    for (const stream of [...this.#streams]) stream.end();
  }

  #tick(): void {
    this.#ticks++;
    if (this.#early !== null) return;
    if (this.#streams.size > 0) this.update();
    else if (this.#ticks % IDLE_SCAN_EVERY === 0) this.#o.collector.scan();
  }

  #send(stream: Stream, message: string): void {
    const res = stream.res;
    if (res.destroyed || res.writableEnded) {
      stream.end();
      return;
    }
    if (!res.write(`event: update\ndata: ${message}\n\n`)) stream.blocked = true;
  }
}
