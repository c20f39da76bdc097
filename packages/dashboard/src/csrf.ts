/**
 * CSRF protection of the control actions: a double-submit token signed with an HMAC
 * and bound to an `HttpOnly`, `SameSite=Strict` cookie, plus an Origin check.
 *
 * The page gets a random session id in the cookie and, in its HTML, a token
 * `<issuedAt>.<HMAC(secret, sid|issuedAt)>`. A control action must carry the cookie
 * and the token in the `X-Breakwater-CSRF` header, the token must match the cookie's
 * session and be younger than `tokenTtlMs`, and the request's `Origin` must be the
 * dashboard's own (or a trusted one). Another site can neither read the token (the
 * page is same-origin and framing is denied) nor send the cookie (SameSite=Strict),
 * nor post JSON with a custom header without a CORS preflight, which is never granted.
 *
 * @internal
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'breakwater_dashboard';
export const TOKEN_HEADER = 'x-breakwater-csrf';
const SID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const TOKEN_PATTERN = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;
/** Tokens issued this far in the future (clock skew between instances) are accepted, in ms. */
const MAX_SKEW_MS = 60_000;

export class Csrf {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #trusted: ReadonlySet<string>;

  constructor(secret: Uint8Array | string | undefined, ttlMs: number, trustedOrigins: readonly string[]) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    this.#ttlMs = ttlMs;
    this.#trusted = new Set(trustedOrigins.map((o) => o.toLowerCase()));
  }

  /**
   * A token for the page, and the session id for its cookie (the request's own when it
   * has a valid one, so several tabs share a session).
   */
  issue(req: IncomingMessage, now: number): { sid: string; token: string; setCookie: string | null } {
    const existing = readCookie(req, COOKIE_NAME);
    const sid =
      existing !== null && SID_PATTERN.test(existing) ? existing : randomBytes(16).toString('base64url');
    const issued = Math.floor(now).toString(36);
    const token = `${issued}.${this.#mac(sid, issued)}`;
    const secure = isTls(req) ? '; Secure' : '';
    const setCookie =
      sid === existing ? null : `${COOKIE_NAME}=${sid}; Path=/; HttpOnly; SameSite=Strict${secure}`;
    return { sid, token, setCookie };
  }

  /** Whether a control request carries a valid token for its cookie, from an allowed origin. */
  verify(req: IncomingMessage, now: number): boolean {
    if (!this.originAllowed(req)) return false;
    const sid = readCookie(req, COOKIE_NAME);
    if (sid === null || !SID_PATTERN.test(sid)) return false;
    const header = req.headers[TOKEN_HEADER];
    if (typeof header !== 'string') return false;
    const match = TOKEN_PATTERN.exec(header);
    if (match === null) return false;
    const issued = match[1]!;
    const at = Number.parseInt(issued, 36);
    if (!Number.isSafeInteger(at) || at > now + MAX_SKEW_MS || now - at > this.#ttlMs) return false;
    const expected = Buffer.from(this.#mac(sid, issued));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * The request's `Origin` must be present and equal the dashboard's own origin (the
   * `Host` header, over http or https) or a trusted one; a `Sec-Fetch-Site`
   * header, when sent, must say `same-origin`.
   */
  originAllowed(req: IncomingMessage): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin === 'null') return false;
    const lower = origin.toLowerCase();
    if (this.#trusted.has(lower)) return true;
    const host = req.headers.host;
    if (typeof host !== 'string' || host === '') return false;
    // Either scheme: behind a TLS-terminating proxy the connection is plain HTTP while the
    // browser's origin is https. A browser never lets a page forge its Origin.
    const own = host.toLowerCase();
    return lower === `https://${own}` || lower === `http://${own}`;
  }

  #mac(sid: string, issued: string): string {
    return createHmac('sha256', this.#secret).update(`csrf|${sid}|${issued}`).digest('base64url');
  }
}

function isTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}

/** One cookie's value, or null. */
export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8_192) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
