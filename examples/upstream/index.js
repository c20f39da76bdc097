// A small HTTP upstream for the Breakwater examples: an "inventory service" whose
// behaviour can be switched at runtime, per path prefix, to healthy, failing (500),
// slow (a configurable delay) or hanging (no answer until the client gives up or
// the server closes). It listens on 127.0.0.1 only.
//
//   GET  /products/:id   -> { id, name, priceCents, servedAt }
//   GET  /stock/:id      -> { id, available, servedAt }
//   GET  /__control      -> the current behaviour and counters
//   POST /__control      -> change it: JSON { mode, delayMs?, path? } or the same as query parameters
import { createServer } from 'node:http';

/** @typedef {'healthy' | 'failing' | 'slow' | 'hanging'} UpstreamMode */

/**
 * @typedef {object} Behaviour
 * @property {UpstreamMode} mode
 * @property {number} delayMs How long a `slow` answer takes, in ms.
 */

/**
 * @typedef {object} SetModeOptions
 * @property {UpstreamMode} mode
 * @property {number} [delayMs] For `slow`: how long an answer takes, in ms (default 1,500).
 * @property {string} [path] A path prefix such as `/stock`: only requests under it change.
 *   Without it, every path changes and per-path settings are cleared.
 */

/**
 * @typedef {object} UpstreamStats
 * @property {number} requests Requests received (the control endpoint excluded).
 * @property {number} ok Answered 2xx.
 * @property {number} failed Answered 500 on purpose.
 * @property {number} hanging Requests being held right now.
 * @property {number} abandoned Requests whose client went away before an answer.
 */

/**
 * @typedef {object} Upstream
 * @property {string} url The base URL, e.g. `http://127.0.0.1:40123`.
 * @property {number} port
 * @property {(options: SetModeOptions) => void} setMode Switch the behaviour at runtime.
 * @property {() => { default: Behaviour, paths: Record<string, Behaviour> }} behaviour The current settings.
 * @property {() => UpstreamStats} stats Counters since start.
 * @property {() => Promise<void>} close Stops listening, drops held requests and closes every connection.
 */

export const MODES = /** @type {const} */ (['healthy', 'failing', 'slow', 'hanging']);
const DEFAULT_SLOW_MS = 1_500;
const MAX_DELAY_MS = 60_000;
const MAX_CONTROL_BODY = 1_024;

/**
 * Starts the upstream on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {number} [options.port] Default 0: any free port.
 * @param {[number, number]} [options.latencyMs] The latency range of a healthy or failing answer, in ms. Default [2, 8].
 * @returns {Promise<Upstream>}
 *
 * @example
 * const upstream = await startUpstream();
 * upstream.setMode({ path: '/stock', mode: 'hanging' });
 * // ... later
 * upstream.setMode({ mode: 'healthy' });
 * await upstream.close();
 */
export async function startUpstream(options = {}) {
  const port = options.port ?? 0;
  const [minLatency, maxLatency] = options.latencyMs ?? [2, 8];
  /** @type {Behaviour} */
  let fallback = { mode: 'healthy', delayMs: DEFAULT_SLOW_MS };
  /** @type {Map<string, Behaviour>} */
  const paths = new Map();
  /** @type {Set<import('node:http').ServerResponse>} */
  const held = new Set();
  /** @type {Set<NodeJS.Timeout>} */
  const timers = new Set();
  const stats = { requests: 0, ok: 0, failed: 0, abandoned: 0 };

  /** @param {SetModeOptions} change */
  function setMode(change) {
    const behaviour = checkMode(change);
    if (change.path === undefined) {
      fallback = behaviour;
      paths.clear();
    } else {
      paths.set(checkPath(change.path), behaviour);
    }
  }

  /** @param {string} pathname @returns {Behaviour} */
  function behaviourFor(pathname) {
    let best = fallback;
    let bestLength = -1;
    for (const [prefix, behaviour] of paths) {
      const under = pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
      if (under && prefix.length > bestLength) {
        best = behaviour;
        bestLength = prefix.length;
      }
    }
    return best;
  }

  /**
   * Runs `fn` after `ms` unless the response is closed first.
   * @param {import('node:http').ServerResponse} res @param {number} ms @param {() => void} fn
   */
  function later(res, ms, fn) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) fn();
    }, ms);
    timers.add(timer);
    res.once('close', () => {
      clearTimeout(timer);
      timers.delete(timer);
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream.invalid');
    if (url.pathname === '/__control') {
      control(req, res, url);
      return;
    }
    stats.requests++;
    res.once('close', () => {
      if (!res.writableFinished) stats.abandoned++;
    });
    const body = resource(url.pathname);
    if (body === undefined) {
      send(res, 404, { error: 'not found' });
      return;
    }
    const behaviour = behaviourFor(url.pathname);
    const latency = minLatency + Math.random() * (maxLatency - minLatency);
    switch (behaviour.mode) {
      case 'healthy':
        later(res, latency, () => {
          stats.ok++;
          send(res, 200, body());
        });
        return;
      case 'slow':
        later(res, behaviour.delayMs, () => {
          stats.ok++;
          send(res, 200, body());
        });
        return;
      case 'failing':
        later(res, latency, () => {
          stats.failed++;
          send(res, 500, { error: 'inventory database unavailable' });
        });
        return;
      case 'hanging':
        held.add(res);
        res.once('close', () => held.delete(res));
        return;
    }
  });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {URL} url
   */
  function control(req, res, url) {
    const current = () => ({ default: fallback, paths: Object.fromEntries(paths), stats: statsNow() });
    if (req.method === 'GET') {
      send(res, 200, current());
      return;
    }
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.setHeader('allow', 'GET, POST, PUT');
      send(res, 405, { error: 'use GET to read, POST to change' });
      return;
    }
    let raw = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
      if (raw.length > MAX_CONTROL_BODY) tooBig = true;
    });
    req.on('end', () => {
      if (tooBig) {
        send(res, 413, { error: `body over ${MAX_CONTROL_BODY} bytes` });
        return;
      }
      try {
        /** @type {Record<string, unknown>} */
        const input = raw.trim() === '' ? {} : JSON.parse(raw);
        for (const [name, value] of url.searchParams) input[name] = value;
        /** @type {SetModeOptions} */
        const change = { mode: /** @type {UpstreamMode} */ (input['mode']) };
        if (input['delayMs'] !== undefined) change.delayMs = Number(input['delayMs']);
        if (input['path'] !== undefined) change.path = String(input['path']);
        setMode(change);
        send(res, 200, current());
      } catch (error) {
        send(res, 400, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  function statsNow() {
    return { ...stats, hanging: held.size };
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('upstream: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    setMode,
    behaviour: () => ({ default: { ...fallback }, paths: Object.fromEntries(paths) }),
    stats: statsNow,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const res of held) res.destroy();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Validates a behaviour change.
 * @param {SetModeOptions} change
 * @returns {Behaviour}
 */
function checkMode(change) {
  if (typeof change !== 'object' || change === null)
    throw new TypeError('setMode expects { mode, delayMs?, path? }');
  if (!MODES.includes(change.mode)) {
    throw new TypeError(`mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(change.mode)}`);
  }
  const delayMs = change.delayMs ?? DEFAULT_SLOW_MS;
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new TypeError(
      `delayMs must be a number in [0, ${MAX_DELAY_MS}], got ${JSON.stringify(change.delayMs)}`,
    );
  }
  return { mode: change.mode, delayMs };
}

/** @param {string} path */
function checkPath(path) {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 200) {
    throw new TypeError(`path must be a path prefix such as "/stock", got ${JSON.stringify(path)}`);
  }
  return path;
}

/**
 * The answer for a known resource, or undefined.
 * @param {string} pathname
 * @returns {(() => Record<string, unknown>) | undefined}
 */
function resource(pathname) {
  const match = /^\/(products|stock)\/([A-Za-z0-9_-]{1,40})$/.exec(pathname);
  if (match === null) return undefined;
  const [, kind, id] = match;
  const n = hash(id ?? '');
  if (kind === 'products') {
    return () => ({
      id,
      name: `Product ${id}`,
      priceCents: 500 + (n % 9_500),
      servedAt: new Date().toISOString(),
    });
  }
  return () => ({ id, available: n % 40, servedAt: new Date().toISOString() });
}

/** @param {string} text */
function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function send(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
