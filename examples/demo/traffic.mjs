// Open-loop traffic for the demo: the same requests, at a fixed rate, to every target
// gateway, whatever their answers take (a closed loop would hide a pile-up). Bounded:
// a request gives up after `requestTimeoutMs`, in-flight requests per target are
// capped, and `stop()` ends everything.
import { Agent, request } from 'node:http';

/** Rejection reasons a Breakwater gateway reports in `x-degraded`; `timeout` is the other one. */
const REJECTIONS = new Set(['open', 'half_open_full', 'ramp_up', 'forced_open']);

/**
 * @typedef {object} Tally What one target answered during one tick.
 * @property {number} sent Requests sent in the tick.
 * @property {number} requests Requests answered (or given up) in the tick.
 * @property {number} ok 2xx from the upstream's data.
 * @property {number} errors 5xx or no answer: what a client of the gateway saw as an error.
 * @property {number} failures Answers the gateway's breaker counts as failures: upstream errors and timeouts.
 * @property {number} rejected Requests the breaker refused (never reached the handler).
 * @property {number} cached Answers served from the gateway's cache (rejections and timeouts).
 * @property {number} peakInFlight The most requests waiting at once.
 * @property {number[]} latencies Milliseconds, one per request.
 */

/** @returns {Tally} */
export function emptyTally() {
  return {
    sent: 0,
    requests: 0,
    ok: 0,
    errors: 0,
    failures: 0,
    rejected: 0,
    cached: 0,
    peakInFlight: 0,
    latencies: [],
  };
}

/**
 * @param {object} options
 * @param {Array<{ name: string, url: string }>} options.targets
 * @param {Array<() => string>} options.paths One function per route, returning the next path.
 * @param {number} options.ratePerRoute Requests per second per route and target.
 * @param {number} [options.requestTimeoutMs] Default 5,000.
 * @param {number} [options.maxInFlight] Per target. Default 500.
 */
export function createTraffic({ targets, paths, ratePerRoute, requestTimeoutMs = 5_000, maxInFlight = 500 }) {
  /** @type {Map<string, { agent: Agent, inFlight: number, tally: Tally, url: URL }>} */
  const state = new Map();
  for (const target of targets) {
    state.set(target.name, {
      agent: new Agent({ keepAlive: true, maxSockets: maxInFlight }),
      inFlight: 0,
      tally: emptyTally(),
      url: new URL(target.url),
    });
  }
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  let startedAt = 0;
  let rounds = 0;

  function fire() {
    for (const next of paths) {
      const path = next();
      for (const [name, s] of state) {
        s.tally.sent++;
        if (s.inFlight >= maxInFlight) {
          s.tally.requests++;
          s.tally.errors++;
          continue;
        }
        send(name, s, path);
      }
    }
  }

  /**
   * @param {string} name
   * @param {{ agent: Agent, inFlight: number, tally: Tally, url: URL }} s
   * @param {string} path
   */
  function send(name, s, path) {
    const began = performance.now();
    s.inFlight++;
    if (s.inFlight > s.tally.peakInFlight) s.tally.peakInFlight = s.inFlight;
    let done = false;
    /** @param {number} status @param {string | undefined} degraded */
    const finish = (status, degraded) => {
      if (done) return;
      done = true;
      s.inFlight--;
      const t = s.tally;
      t.requests++;
      t.latencies.push(performance.now() - began);
      if (degraded !== undefined) {
        if (REJECTIONS.has(degraded)) t.rejected++;
        else t.failures++; // a timeout answered by the degraded handler
        if (status < 500) t.cached++;
        else t.errors++;
      } else if (status >= 200 && status < 300) {
        t.ok++;
      } else {
        t.errors++;
        if (status >= 500 || status === 0) t.failures++;
      }
    };
    const req = request(
      { host: s.url.hostname, port: s.url.port, path, agent: s.agent, timeout: requestTimeoutMs },
      (res) => {
        const header = res.headers['x-degraded'];
        const degraded = typeof header === 'string' ? header : undefined;
        res.resume();
        res.once('end', () => finish(res.statusCode ?? 0, degraded));
        res.once('error', () => finish(0, undefined));
        res.once('close', () => finish(res.complete ? (res.statusCode ?? 0) : 0, degraded));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`no answer from ${name} within ${requestTimeoutMs} ms`)));
    req.once('error', () => finish(0, undefined));
    req.end();
  }

  return {
    /** Starts sending; `ratePerRoute` requests per second per route to every target. */
    start() {
      startedAt = performance.now();
      rounds = 0;
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - startedAt) / 1_000) * ratePerRoute);
        // Catch up at most a few rounds if the loop was late; never a burst.
        for (let i = 0; rounds < due && i < 5; i++, rounds++) fire();
        rounds = Math.max(rounds, due - 5);
      }, 5);
    },
    /**
     * Sends `count` rounds at once and waits for their answers (at most
     * `requestTimeoutMs`), then forgets them: warms up connections, code and caches.
     * @param {number} count
     */
    async warmUp(count) {
      for (let i = 0; i < count; i++) fire();
      const until = performance.now() + requestTimeoutMs;
      while (this.inFlight() > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
      this.take();
    },
    /** Stops sending new requests. */
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /**
     * Takes the tally of every target since the last call and starts new ones.
     * @returns {Map<string, Tally>}
     */
    take() {
      /** @type {Map<string, Tally>} */
      const out = new Map();
      for (const [name, s] of state) {
        out.set(name, s.tally);
        s.tally = emptyTally();
        s.tally.peakInFlight = s.inFlight;
      }
      return out;
    },
    /** @returns {number} Requests still waiting, over every target. */
    inFlight() {
      let n = 0;
      for (const s of state.values()) n += s.inFlight;
      return n;
    },
    /** Stops, and closes every connection (waiting requests end as errors). */
    close() {
      this.stop();
      for (const s of state.values()) s.agent.destroy();
    },
  };
}

/**
 * The p-th percentile (0..100) of some milliseconds, nearest-rank; NaN when empty.
 * @param {number[]} values @param {number} p
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return /** @type {number} */ (sorted[Math.min(rank, sorted.length) - 1]);
}
