// A scripted run that shows what Breakwater puts in your traces and metrics, with no
// collector to install: an OTLP receiver (@elastic/mockotlpserver) on 127.0.0.1, the
// example upstream, and the gateway started the usual way,
// `node --require ./otel.cjs server.cjs`, exporting over OTLP/HTTP to the receiver.
// Some healthy traffic, an upstream outage that opens the breaker, rejected requests;
// then the gateway stops (flushing its telemetry) and the received spans and metrics
// are printed. Exits 1 if Breakwater's data did not arrive.
//
//   pnpm --filter @breakwater/example-otel trace
//   pnpm --filter @breakwater/example-otel trace:esm   # the ES-module app: --import ./otel.mjs server.mjs
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startUpstream } from '@breakwater/example-upstream';
import { MockOtlpServer, normalizeMetrics, normalizeTrace } from '@elastic/mockotlpserver';

const here = fileURLToPath(new URL('.', import.meta.url));
const spans = [];
const metricBatches = [];

const receiver = new MockOtlpServer({
  services: ['http'],
  httpHostname: '127.0.0.1',
  httpPort: 0,
  logLevel: 'warn',
  onTrace: (raw) => {
    for (const r of normalizeTrace(raw).resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
  },
  onMetrics: (raw) => {
    metricBatches.push(normalizeMetrics(raw).resourceMetrics.flatMap((r) => r.scopeMetrics));
  },
});
await receiver.start();
const upstream = await startUpstream();

const esm = process.argv.includes('--esm');
const command = esm ? ['--import', './otel.mjs', 'server.mjs'] : ['--require', './otel.cjs', 'server.cjs'];
console.log(`gateway: node ${command.join(' ')}`);
const gateway = spawn(process.execPath, command, {
  cwd: here,
  env: {
    ...process.env,
    PORT: '0',
    UPSTREAM_URL: upstream.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: String(receiver.httpUrl).replace(/\/$/, ''),
    OTEL_METRIC_EXPORT_INTERVAL: '60000',
    NODE_ENV: 'production',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((resolve, reject) => {
  gateway.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
  gateway.stdout.setEncoding('utf8');
  gateway.stdout.on('data', (text) => {
    const match = /listening on (http:\/\/\S+)/.exec(text);
    if (match) resolve(match[1]);
  });
});

const get = async (path) => (await fetch(`${base}${path}`)).status;
const statuses = [];
for (let i = 0; i < 3; i++) statuses.push(await get(`/stock/${i}`));
upstream.setMode({ mode: 'failing', path: '/stock' });
for (let i = 0; i < 7; i++) statuses.push(await get(`/stock/${i}`));
statuses.push(await get('/products/1'));
console.log(`requests: ${statuses.join(' ')}`);

gateway.kill('SIGTERM'); // otel.cjs (loaded by otel.mjs too) flushes spans and metrics before exiting
await once(gateway, 'exit');
await upstream.close();
for (let i = 0; i < 100 && (spans.length === 0 || metricBatches.length === 0); i++) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await receiver.close();

// --- What arrived.
const attr = (s, key) => s.attributes?.[key];
const servers = spans
  .filter((s) => s.kind === 'SPAN_KIND_SERVER')
  .sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
console.log(`\n${servers.length} traces received; each server span, with its children:\n`);
for (const server of servers) {
  const ms = Number(BigInt(server.endTimeUnixNano) - BigInt(server.startTimeUnixNano)) / 1e6;
  console.log(
    `${server.traceId.slice(0, 8)}  ${server.name.padEnd(18)} ${String(attr(server, 'http.response.status_code')).padEnd(4)}` +
      `${ms.toFixed(1).padStart(6)} ms  ` +
      ['circuit_breaker.name', 'circuit_breaker.state', 'circuit_breaker.outcome', 'http.route']
        .map((k) => `${k}=${attr(server, k)}`)
        .join(' '),
  );
  for (const event of server.events ?? []) {
    const a = event.attributes ?? {};
    console.log(
      `          event ${event.name}: ${a['circuit_breaker.previous_state']} -> ${a['circuit_breaker.state']} (${a['circuit_breaker.reason']})`,
    );
  }
  const children = spans.filter((s) => s.traceId === server.traceId && s !== server).map((s) => s.name);
  console.log(`          children: ${children.join(', ')}`);
}

const scopes = metricBatches.at(-1) ?? [];
const breakwater = scopes.find((s) => s.scope?.name === '@breakwater/core');
console.log(`\nmetrics of scope ${breakwater?.scope?.name}@${breakwater?.scope?.version}:`);
for (const metric of breakwater?.metrics ?? []) {
  const points = metric.sum?.dataPoints ?? metric.histogram?.dataPoints ?? [];
  for (const p of points) {
    const a = { ...p.attributes };
    delete a['circuit_breaker.name'];
    const value = p.asInt ?? p.asDouble ?? `count=${p.count} sum=${Number(p.sum).toFixed(3)}`;
    if (value === '0' || value === 0) continue;
    const labels = Object.entries(a)
      .map(([k, v]) => `${k.replace('circuit_breaker.', '')}=${v}`)
      .join(' ');
    console.log(`  ${metric.name.padEnd(30)} ${String(metric.unit).padEnd(18)} ${labels}  ${value}`);
  }
}

const ok =
  servers.some((s) => attr(s, 'circuit_breaker.outcome') === 'rejected') &&
  servers.some((s) => (s.events ?? []).some((e) => e.name === 'circuit_breaker.state_change')) &&
  (breakwater?.metrics ?? []).some((m) => m.name === 'circuit_breaker.calls');
// The Express instrumentation saw the app (under ESM only with the loader hook).
const instrumented = spans.some((s) => s.name === 'middleware - circuitBreaker');
if (!ok || !instrumented) {
  console.error(
    ok
      ? '\nNo Express instrumentation spans: the instrumentations did not see express (for ESM, --import ./otel.mjs).'
      : '\nBreakwater’s spans or metrics did not arrive.',
  );
  process.exit(1);
}
