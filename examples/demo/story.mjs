// The demo's script: one upstream, two copies of the same gateway in front of it (one
// bare, one with Breakwater), the same traffic to both, and an outage of the
// upstream's /stock endpoint, printed as a timeline. Everything listens on 127.0.0.1,
// every loop is bounded, and the story ends on its own.
import { startUpstream } from '../upstream/index.js';
import { colourFor, event, header, legend, row, stateCell } from './timeline.mjs';
import { createTraffic, emptyTally, percentile } from './traffic.mjs';

/** The breaker options of the demo: short durations so the whole story fits in half a minute. */
export const DEMO_BREAKER = Object.freeze({
  window: Object.freeze({ kind: 'count', size: 20 }),
  minimumCalls: 10,
  failureRateThreshold: 0.5,
  openDurationMs: 2_000,
  halfOpenMaxCalls: 3,
  rampUpMs: 3_000,
  timeoutMs: 800,
});

const PRODUCTS = 'GET /products/:id';
const STOCK = 'GET /stock/:id';
const ROUTES = [PRODUCTS, STOCK];
const RATE_PER_ROUTE = 20;
const TICK_MS = 1_000;
/** The upstream's /stock endpoint through the story; the rest of the upstream stays healthy. */
const OUTAGE = [
  { at: 4_000, mode: 'failing', say: 'upstream /stock starts FAILING: every call answers 500 at once' },
  { at: 9_000, mode: 'hanging', say: 'upstream /stock now HANGS: calls get no answer at all' },
  // Recovers while the breaker is open (not in the middle of a probe), so the next probes pass.
  { at: 12_500, mode: 'healthy', say: 'upstream /stock is HEALTHY again', whileOpen: true },
];
/** The most the script waits for the breaker to be open before recovering anyway. */
const MAX_WAIT_FOR_OPEN_MS = 3_000;
/** The story ends this long after the /stock breaker is back to full traffic. */
const AFTERGLOW_MS = 2_000;
/** Hard bound on the story, whatever happens. */
const MAX_STORY_MS = 45_000;

/**
 * @typedef {object} Gateway
 * @property {string} url
 * @property {import('@breakwater/core').BreakerRegistry | null} registry
 * @property {() => Promise<void>} close
 */

/**
 * @typedef {object} DemoOptions
 * @property {(options: { upstreamUrl: string, breakwater: boolean, breaker: typeof DEMO_BREAKER }) => Promise<Gateway>} startGateway
 * @property {string} framework e.g. `Express`
 * @property {string} adapter e.g. `@breakwater/express`
 * @property {boolean} [serve] Keep the servers up after the story, until Ctrl-C.
 * @property {NodeJS.WriteStream} [out]
 * @property {NodeJS.ProcessEnv} [env]
 */

/**
 * Runs the story and resolves with the exit code (0 when the breaker went
 * closed -> open -> half_open -> closed and recovered, else 1).
 * @param {DemoOptions} options
 */
export async function runDemo({
  startGateway,
  framework,
  adapter,
  serve = false,
  out = process.stdout,
  env = process.env,
}) {
  const c = colourFor(out, env);
  /** @param {string} line */
  const print = (line) => out.write(`${line}\n`);

  /** @type {Array<() => unknown>} */
  const cleanup = [];
  try {
    const upstream = await startUpstream();
    cleanup.push(() => upstream.close());
    const bare = await startGateway({ upstreamUrl: upstream.url, breakwater: false, breaker: DEMO_BREAKER });
    cleanup.push(() => bare.close());
    const guarded = await startGateway({
      upstreamUrl: upstream.url,
      breakwater: true,
      breaker: DEMO_BREAKER,
    });
    cleanup.push(() => guarded.close());
    return await tell({ c, print, serve, framework, adapter, upstream, bare, guarded, cleanup });
  } finally {
    // Close in reverse order of opening; every close is bounded (connections are destroyed).
    for (const close of cleanup.reverse()) await close();
  }
}

/**
 * @param {object} o
 * @param {Colour} o.c
 * @param {(line: string) => void} o.print
 * @param {boolean} o.serve
 * @param {string} o.framework
 * @param {string} o.adapter
 * @param {import('../upstream/index.js').Upstream} o.upstream
 * @param {Gateway} o.bare
 * @param {Gateway} o.guarded
 * @param {Array<() => unknown>} o.cleanup
 * @returns {Promise<number>}
 */
async function tell({ c, print, serve, framework, adapter, upstream, bare, guarded, cleanup }) {
  const registry = guarded.registry;
  if (registry === null) throw new Error('the Breakwater gateway has no registry');

  let start = performance.timeOrigin + performance.now();
  const elapsed = () => performance.timeOrigin + performance.now() - start;

  print(
    c.bold(`Breakwater demo: one upstream, two copies of the same ${framework} gateway, one with Breakwater`),
  );
  print('');
  print(`  upstream            ${upstream.url}   an inventory service: /products/:id and /stock/:id`);
  print(`  without Breakwater  ${bare.url}   gives up on the upstream after 1 s (504)`);
  print(`  with Breakwater     ${guarded.url}   ${adapter}, per-route breakers, cache as degraded answer`);
  print(`  dashboard           ${guarded.url}/dashboard   open it in a browser to watch the breakers live`);
  print(`  traffic             ${RATE_PER_ROUTE} req/s per route to each gateway, the same requests to both`);
  print(
    `  breaker             window of ${DEMO_BREAKER.window.size} calls, opens at ${DEMO_BREAKER.failureRateThreshold * 100}% failures, ` +
      `open ${DEMO_BREAKER.openDurationMs / 1_000} s, ${DEMO_BREAKER.halfOpenMaxCalls} probes, ` +
      `ramp-up ${DEMO_BREAKER.rampUpMs / 1_000} s, timeout ${DEMO_BREAKER.timeoutMs} ms`,
  );
  print('');
  print(
    "  Both gateways forward GET /products/:id and GET /stock/:id; only the upstream's /stock will fail.",
  );
  print('');
  print(header(c, ROUTES));

  /** @type {Array<{ key: string, from: string, to: string }>} */
  const transitions = [];
  const stopListening = registry.onStateChange(({ key, from, to, reason }) => {
    transitions.push({ key, from, to });
    const at = elapsed();
    // Read the breaker once the transition is over, not from inside it.
    queueMicrotask(() => print(event(at, describeTransition(c, registry, key, from, to, reason))));
  });

  let id = 0;
  /** @param {string} prefix */
  const nextPath = (prefix) => () => `${prefix}/${(id++ % 12) + 1}`;
  const traffic = createTraffic({
    targets: [
      { name: 'bare', url: bare.url },
      { name: 'guarded', url: guarded.url },
    ],
    paths: [nextPath('/products'), nextPath('/stock')],
    ratePerRoute: RATE_PER_ROUTE,
  });
  cleanup.push(() => traffic.close(), stopListening);

  const totals = { bare: emptyTally(), guarded: emptyTally() };
  let outageStep = 0;
  let recoveredAt = Number.NaN;
  let completed = false;
  await traffic.warmUp(24);
  start = performance.timeOrigin + performance.now();
  print(event(0, c.cyan('>> upstream healthy: every call answers in a few ms')));
  traffic.start();

  try {
    for (let tick = 1; elapsed() < MAX_STORY_MS; tick++) {
      const tickEnd = tick * TICK_MS;
      // Switch the upstream at the scripted instants inside this tick.
      while (outageStep < OUTAGE.length && /** @type {{ at: number }} */ (OUTAGE[outageStep]).at < tickEnd) {
        const step = /** @type {(typeof OUTAGE)[number]} */ (OUTAGE[outageStep]);
        await sleep(step.at - elapsed());
        if ('whileOpen' in step)
          await until(() => registry.get(STOCK).state === 'open', MAX_WAIT_FOR_OPEN_MS);
        upstream.setMode({
          path: '/stock',
          mode: /** @type {'failing' | 'hanging' | 'healthy'} */ (step.mode),
        });
        print(event(elapsed(), c.cyan(`>> ${step.say}`)));
        outageStep++;
      }
      await sleep(tickEnd - elapsed());

      const tallies = traffic.take();
      const bareTally = tallies.get('bare') ?? emptyTally();
      const guardedTally = tallies.get('guarded') ?? emptyTally();
      if (tickEnd > (OUTAGE[0]?.at ?? 0)) {
        add(totals.bare, bareTally);
        add(totals.guarded, guardedTally);
      }
      const states = await readStates(guarded.url);
      print(
        row(
          c,
          tickEnd,
          ROUTES.map((route) =>
            stateCell(c, states.get(route)?.state ?? 'closed', states.get(route)?.rampUpShare ?? null),
          ),
          bareTally,
          guardedTally,
        ),
      );

      // The story is over once /stock recovered and has served full traffic for a while.
      const stock = states.get(STOCK);
      const recovered =
        outageStep === OUTAGE.length &&
        wentThroughEveryState(transitions) &&
        stock?.state === 'closed' &&
        stock.rampUpShare === null;
      if (recovered && Number.isNaN(recoveredAt)) recoveredAt = elapsed();
      if (!recovered) recoveredAt = Number.NaN;
      if (!Number.isNaN(recoveredAt) && elapsed() - recoveredAt >= AFTERGLOW_MS - TICK_MS / 2) {
        completed = true;
        break;
      }
    }
  } finally {
    traffic.stop();
  }

  /** @param {string} key */
  const storyOfKey = (key) => storyOf(transitions.filter((t) => t.key === key).map((t) => t.to));
  const products = storyOfKey(PRODUCTS);
  print('');
  print(legend(c));
  print('');
  print(c.bold('What happened'));
  print(`  ${STOCK} went ${storyOfKey(STOCK)}.`);
  print(
    products === 'closed'
      ? `  ${PRODUCTS} stayed closed all along: one breaker per route, the healthy route never noticed.`
      : `  ${PRODUCTS} went ${products}.`,
  );
  print(summary(c, totals));
  print('');
  print(
    `  Run the gateways yourself: examples/express-gateway and examples/koa-gateway (README in each).` +
      (serve ? '' : '\n  Keep everything running after the story: pnpm demo --serve'),
  );

  if (!completed) {
    print(c.red(`The story did not complete within ${MAX_STORY_MS / 1_000} s.`));
  }

  if (serve) {
    await serveUntilInterrupted(print, c, upstream.url, bare.url, guarded.url);
  }
  return completed ? 0 : 1;
}

/**
 * @param {Colour} c
 * @param {import('@breakwater/core').BreakerRegistry} registry
 * @param {string} key
 * @param {string} from
 * @param {string} to
 * @param {string} reason
 */
function describeTransition(c, registry, key, from, to, reason) {
  const arrow = `${key}: ${from} -> ${to}`;
  const snapshot = registry.get(key).snapshot();
  const sample = snapshot.window;
  /** @type {string} */
  let why;
  switch (reason) {
    case 'failure_rate':
      why =
        from === 'half_open'
          ? `probes failed (${sample.failures} of ${sample.calls}); refusing again for ${DEMO_BREAKER.openDurationMs / 1_000} s`
          : `${sample.failures} of the last ${sample.calls} calls failed; refusing for ${DEMO_BREAKER.openDurationMs / 1_000} s, answering from cache`;
      break;
    case 'slow_call_rate':
      why = `too many slow calls (${sample.slowCalls} of ${sample.calls})`;
      break;
    case 'open_elapsed':
      why = `open period over: letting ${DEMO_BREAKER.halfOpenMaxCalls} probe requests through`;
      break;
    case 'probes_passed':
      why = `probes passed: ramping traffic back up over ${DEMO_BREAKER.rampUpMs / 1_000} s`;
      break;
    default:
      why = reason;
  }
  const paint = to === 'open' ? c.red : to === 'closed' ? c.green : c.yellow;
  return `${paint(c.bold(`** ${arrow}`))}  ${why}`;
}

/**
 * The states a breaker went through, from closed, with repeated open/half-open rounds folded:
 * `closed -> open -> (half_open -> open) x3 -> half_open -> closed`.
 * @param {string[]} states
 */
function storyOf(states) {
  /** @type {string[]} */
  const parts = ['closed'];
  let i = 0;
  while (i < states.length) {
    let rounds = 0;
    while (states[i] === 'half_open' && states[i + 1] === 'open') {
      rounds++;
      i += 2;
    }
    if (rounds === 1) parts.push('half_open', 'open');
    else if (rounds > 1) parts.push(`(half_open -> open) x${rounds}`);
    else parts.push(/** @type {string} */ (states[i++]));
  }
  return parts.join(' -> ');
}

/**
 * True when the /stock breaker went closed -> open, later open -> half_open, later
 * half_open -> closed, and is closed now.
 * @param {Array<{ key: string, from: string, to: string }>} transitions
 */
function wentThroughEveryState(transitions) {
  const stock = transitions.filter((t) => t.key === STOCK);
  const opened = stock.findIndex((t) => t.from === 'closed' && t.to === 'open');
  const probed = stock.findIndex((t, i) => i > opened && t.from === 'open' && t.to === 'half_open');
  const closed = stock.findIndex((t, i) => i > probed && t.from === 'half_open' && t.to === 'closed');
  return opened >= 0 && probed > opened && closed > probed && stock[stock.length - 1]?.to === 'closed';
}

/**
 * Breaker state per route, read from the gateway's status endpoint.
 * @param {string} gatewayUrl
 * @returns {Promise<Map<string, { state: string, rampUpShare: number | null }>>}
 */
async function readStates(gatewayUrl) {
  /** @type {Map<string, { state: string, rampUpShare: number | null }>} */
  const states = new Map();
  try {
    const res = await fetch(`${gatewayUrl}/breakers`, { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) return states;
    const body =
      /** @type {{ breakers: Array<{ key: string, state: string, rampUpShare: number | null }> }} */ (
        await res.json()
      );
    for (const b of body.breakers) states.set(b.key, { state: b.state, rampUpShare: b.rampUpShare });
  } catch {
    // A missed reading shows as the default; the next tick reads again.
  }
  return states;
}

/**
 * @param {Colour} c
 * @param {{ bare: Tally, guarded: Tally }} totals
 */
function summary(c, totals) {
  const b = totals.bare;
  const g = totals.guarded;
  /** @param {number} ms */
  const ms = (ms) => (Number.isNaN(ms) ? '-' : `${Math.round(ms)} ms`);
  return [
    `  From the outage on, each gateway got the same ${Math.max(b.sent, g.sent)} requests:`,
    `    without Breakwater  ${c.red(String(b.errors))} errors, p50 ${ms(percentile(b.latencies, 50))}, p99 ${ms(percentile(b.latencies, 99))}, up to ${b.peakInFlight} requests waiting at once`,
    `    with Breakwater     ${g.errors === 0 ? c.green('0') : c.red(String(g.errors))} errors, p50 ${ms(percentile(g.latencies, 50))}, p99 ${ms(percentile(g.latencies, 99))}, up to ${g.peakInFlight} requests waiting at once;`,
    `                        ${g.rejected} refused at once and ${g.cached} answered from cache, so the upstream was spared ${g.rejected} calls`,
  ].join('\n');
}

/** @typedef {import('./traffic.mjs').Tally} Tally */
/** @typedef {import('./timeline.mjs').Colour} Colour */

/** @param {Tally} into @param {Tally} from */
function add(into, from) {
  into.sent += from.sent;
  into.requests += from.requests;
  into.ok += from.ok;
  into.errors += from.errors;
  into.failures += from.failures;
  into.rejected += from.rejected;
  into.cached += from.cached;
  into.peakInFlight = Math.max(into.peakInFlight, from.peakInFlight);
  for (const l of from.latencies) into.latencies.push(l);
}

/**
 * @param {(line: string) => void} print
 * @param {Colour} c
 * @param {string} upstreamUrl
 * @param {string} bareUrl
 * @param {string} guardedUrl
 */
async function serveUntilInterrupted(print, c, upstreamUrl, bareUrl, guardedUrl) {
  print('');
  print(c.bold('Still running (--serve). Try:'));
  print(`  curl ${guardedUrl}/stock/7                          # through Breakwater`);
  print(`  curl ${bareUrl}/stock/7                          # without`);
  print(`  curl ${guardedUrl}/breakers                         # every breaker's state`);
  print(`  open ${guardedUrl}/dashboard                        # the live dashboard, with incident controls`);
  print(
    `  curl -X POST '${upstreamUrl}/__control?path=/stock&mode=failing'   # healthy | failing | slow | hanging`,
  );
  print('Ctrl-C to stop.');
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/**
 * Waits until `condition()` holds, checking every 20 ms, for at most `maxMs`.
 * @param {() => boolean} condition @param {number} maxMs
 */
async function until(condition, maxMs) {
  const deadline = performance.now() + maxMs;
  while (!condition() && performance.now() < deadline) await sleep(20);
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
