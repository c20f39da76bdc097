/**
 * The dashboard page: one self-contained HTML document (no CDN, no external fetch)
 * with its stylesheet and script inline under a per-response CSP nonce.
 *
 * @internal
 */
import { randomBytes } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { DashboardAccess } from './types.js';

/** What the page's script is told, in a non-executed JSON script element. */
export interface PageConfig {
  access: Exclude<DashboardAccess, 'none'>;
  /** The CSRF token for control actions, `null` without control access. */
  token: string | null;
}

/**
 * The page's Content-Security-Policy: nothing but its own nonce'd script and style,
 * connections to its own origin, no framing, no forms, no plugins, and Trusted Types
 * required so that no HTML string can ever reach an HTML sink.
 */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** Headers every dashboard answer carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A fresh nonce: 128 random bits. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element: no `<`, `>`, `&` or line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The page's HTML for a registry name, a nonce and the script's configuration. */
export function renderPage(registryName: string, nonce: string, config: PageConfig): string {
  const name = escapeHtml(registryName.slice(0, 256));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Breakwater · ${name}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head>
<body>
<header class="top">
  <h1>Breakwater</h1>
  <span class="reg">registry <span id="registry">${name}</span></span>
  <span id="live" class="live off" role="status" aria-live="polite">Connecting…</span>
  <span id="totals" class="totals" aria-label="Breakers per state"></span>
  <label class="search"><span class="sr-only">Search breakers</span>
    <input id="search" type="search" placeholder="Search routes and keys" autocomplete="off" spellcheck="false" maxlength="200">
  </label>
</header>
<main class="layout">
  <section aria-label="Breakers">
    <p id="summary" class="note">Waiting for the first update…</p>
    <div id="groups" class="groups"></div>
  </section>
  <aside class="side" aria-label="Recent transitions">
    <h2>Recent transitions</h2>
    <ol id="log" class="log"></ol>
  </aside>
</main>
<div id="toast" class="toast" role="status" aria-live="polite" hidden></div>
<script type="application/json" id="bw-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
