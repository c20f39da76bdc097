/**
 * The dashboard page's stylesheet, served inline under the page's CSP nonce.
 *
 * @internal
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --fg: #111827; --muted: #4b5563; --card: #ffffff; --line: #d1d5db;
  --open: #b91c1c; --forced_open: #7e22ce; --half_open: #b45309; --disabled: #4b5563; --closed: #15803d;
  --spark: #2563eb; --accent: #1d4ed8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --fg: #e5e7eb; --muted: #9ca3af; --card: #171a21; --line: #2d333d;
    --spark: #60a5fa; --accent: #93c5fd;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg); }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.top { position: sticky; top: 0; z-index: 2; background: var(--card); border-bottom: 1px solid var(--line);
  padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; }
.top h1 { font-size: 17px; margin: 0; }
.top .reg { color: var(--muted); overflow-wrap: anywhere; }
.live { font-size: 12px; padding: 2px 8px; border-radius: 999px; border: 1px solid var(--line); }
.live.on { color: var(--closed); border-color: var(--closed); }
.live.off { color: var(--open); border-color: var(--open); }
.totals { display: flex; flex-wrap: wrap; gap: 6px; }
.search { flex: 1 1 220px; min-width: 0; max-width: 420px; }
.search input { width: 100%; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); font: inherit; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; padding: 16px; }
@media (min-width: 1200px) { .layout { grid-template-columns: minmax(0, 1fr) 380px; } }
.groups { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.note { color: var(--muted); margin: 0; }
.group { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--closed);
  border-radius: 8px; padding: 12px 14px; min-width: 0; }
.group.s-open { border-left-color: var(--open); }
.group.s-forced_open { border-left-color: var(--forced_open); }
.group.s-half_open { border-left-color: var(--half_open); }
.group.s-disabled { border-left-color: var(--disabled); }
.g-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.g-name { font-size: 15px; margin: 0; overflow-wrap: anywhere; min-width: 0; }
.g-counts { color: var(--muted); font-size: 12px; }
.badge { display: inline-flex; align-items: center; gap: 4px; padding: 1px 8px; border-radius: 999px;
  color: #fff; font-size: 12px; font-weight: 600; white-space: nowrap; background: var(--closed); }
.badge.s-open { background: var(--open); }
.badge.s-forced_open { background: var(--forced_open); }
.badge.s-half_open { background: var(--half_open); }
.badge.s-disabled { background: var(--disabled); }
.metrics { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px 14px; margin-top: 10px; }
.metric { min-width: 0; }
.metric .label { display: block; color: var(--muted); font-size: 12px; }
.metric .value { font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.metric.wide { grid-column: 1 / -1; }
.spark { display: block; width: 100%; height: 22px; }
.spark path { fill: none; stroke: var(--spark); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.spark.rate path { stroke: var(--open); }
.keys { margin-top: 10px; border-top: 1px solid var(--line); }
.krow { display: grid; grid-template-columns: minmax(0, 1fr); gap: 4px 12px; padding: 8px 0;
  border-bottom: 1px solid var(--line); align-items: center; }
@media (min-width: 900px) {
  .krow { grid-template-columns: 120px minmax(180px, 2fr) minmax(150px, 1.2fr) minmax(140px, 1fr) minmax(0, 1.3fr) auto; }
}
.k-key { overflow-wrap: anywhere; min-width: 0; }
.k-cell { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.k-ctl { display: flex; flex-wrap: wrap; gap: 4px; }
button { font: inherit; font-size: 12px; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--bg); color: var(--fg); cursor: pointer; min-height: 28px; }
button:hover { border-color: var(--accent); }
button:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button.confirm { background: var(--open); border-color: var(--open); color: #fff; }
button[disabled] { opacity: .5; cursor: default; }
.g-foot { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
.g-foot .note { font-size: 12px; }
.side { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
  min-width: 0; align-self: start; }
.side h2 { font-size: 15px; margin: 0 0 8px; }
.log { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.log li { display: flex; flex-direction: column; gap: 2px; border-bottom: 1px solid var(--line); padding-bottom: 6px; min-width: 0; }
.log .what { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.log .meta { color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
.toast { position: fixed; bottom: 16px; left: 50%; transform: translateX(-50%); max-width: calc(100vw - 32px);
  background: var(--fg); color: var(--bg); padding: 8px 14px; border-radius: 8px; overflow-wrap: anywhere; z-index: 3; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
[hidden] { display: none !important; }
`;
