import { isIPv4, isIPv6 } from 'node:net';
import { describeValue } from './describe.js';
import { BreakerConfigError, ErrorCodes } from './errors.js';

/** The prefix length IPv6 clients are grouped by when `ipv6Subnet` is not set: a /56 is a typical end-site allocation. */
export const DEFAULT_IPV6_SUBNET = 56;

/** The client key of a request whose address is unknown (for example, its socket already closed). */
export const UNKNOWN_CLIENT = '(unknown client)';

/** Options of {@link clientKey}. */
export interface ClientKeyOptions {
  /**
   * The prefix length, in bits (an integer in [1, 128]), IPv6 addresses are masked to, so
   * that one client rotating addresses inside its allocation keeps one key; `false` keys
   * every IPv6 address on its own. Default 56, as express-rate-limit.
   */
  ipv6Subnet?: number | false;
}

/**
 * Checks an `ipv6Subnet` option.
 *
 * @param value - the option as given.
 * @param option - the option's name in the message.
 * @returns the subnet in bits, or `false`.
 * @throws BreakerConfigError (`ERR_BREAKWATER_INVALID_OPTION`) unless `value` is
 *   `undefined`, `false` or an integer in [1, 128].
 * @internal
 */
export function checkIpv6Subnet(value: unknown, option = 'ipv6Subnet'): number | false {
  if (value === undefined) return DEFAULT_IPV6_SUBNET;
  if (value === false) return false;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 128) return value;
  throw new BreakerConfigError(
    ErrorCodes.INVALID_OPTION,
    option,
    value,
    `${option} must be an integer in [1, 128] or false, got ${describeValue(value)}`,
  );
}

/**
 * Turns a client address (Express `req.ip`, Koa `ctx.ip`) into a breaker key.
 *
 * - A port and brackets are dropped first: behind `trust proxy` the address comes from
 *   `X-Forwarded-For` as the proxy wrote it, and `203.0.113.7:51234`,
 *   `[2001:db8::1]:443` or `[2001:db8::1]` must key the same client as the bare address
 *   (a changing port would otherwise make a fresh breaker per connection).
 * - IPv4 addresses are returned as they are: `203.0.113.7`.
 * - IPv6 addresses that embed an IPv4 address are keyed as that IPv4 address: mapped
 *   (`::ffff:203.0.113.7`, as a dual-stack server reports IPv4 clients), compatible
 *   (`::203.0.113.7`) and NAT64 (`64:ff9b::203.0.113.7`, the well-known prefix
 *   `64:ff9b::/96`), so that behind NAT64 every IPv4 client keeps a key of its own.
 * - `::1` (loopback) is keyed as `::1`, apart from every other address.
 * - Other IPv6 addresses are masked to their `/ipv6Subnet` prefix (default /56) and
 *   written in RFC 5952 form with the prefix length: `2001:db8:abcd:1200::/56`. A zone
 *   (`%eth0`) is dropped. With `ipv6Subnet: false` (or 128) the whole address is kept.
 * - An empty or missing address is {@link UNKNOWN_CLIENT}; anything else (a custom
 *   trust-proxy function may yield any string) is returned unchanged and bounded later
 *   by the registry.
 *
 * The address should come from the framework (`req.ip`), so that its trust-proxy
 * setting decides whether `X-Forwarded-For` is believed; never parse the header yourself.
 *
 * @param ip - the client address, or `undefined`.
 * @param options - `ipv6Subnet`.
 * @returns the client key.
 * @throws BreakerConfigError when `options.ipv6Subnet` is invalid.
 *
 * @example
 * ```ts
 * clientKey('203.0.113.7');                         // '203.0.113.7'
 * clientKey('203.0.113.7:51234');                   // '203.0.113.7'
 * clientKey('::ffff:203.0.113.7');                  // '203.0.113.7'
 * clientKey('64:ff9b::203.0.113.7');                // '203.0.113.7'
 * clientKey('[2001:db8:abcd:12ff::1]:443');         // '2001:db8:abcd:1200::/56'
 * clientKey('2001:db8::1', { ipv6Subnet: 64 });     // '2001:db8::/64'
 * clientKey('::1');                                 // '::1'
 * ```
 */
export function clientKey(ip: string | undefined, options: ClientKeyOptions = {}): string {
  return clientKeyWith(ip, checkIpv6Subnet(options.ipv6Subnet));
}

/**
 * {@link clientKey} with an already validated subnet, for the hot path.
 *
 * @internal
 */
export function clientKeyWith(ip: string | undefined, subnet: number | false): string {
  if (typeof ip !== 'string' || ip.length === 0) return UNKNOWN_CLIENT;
  if (isIPv4(ip)) return ip;
  const address = bareAddress(ip);
  if (address === null) return ip;
  if (isIPv4(address)) return address;
  const words = parseIpv6(address);
  if (words === null) return ip;
  if (embedsIpv4(words)) {
    const high = words[6] as number;
    const low = words[7] as number;
    return `${high >>> 8}.${high & 0xff}.${low >>> 8}.${low & 0xff}`;
  }
  if (isLoopbackWords(words)) return '::1';
  if (subnet === false || subnet === 128) return formatIpv6(words);
  maskIpv6(words, subnet);
  return `${formatIpv6(words)}/${subnet}`;
}

/**
 * The address without brackets, port or zone (`[fe80::1%eth0]:443` → `fe80::1`,
 * `203.0.113.7:80` → `203.0.113.7`), or `null` when what is left is no IP address.
 */
function bareAddress(ip: string): string | null {
  let text = ip;
  if (text.charCodeAt(0) === 0x5b /* [ */) {
    const close = text.indexOf(']');
    if (close === -1) return null;
    const after = text.slice(close + 1);
    if (after !== '' && !/^:\d{1,5}$/.test(after)) return null;
    text = text.slice(1, close);
  } else {
    const colon = text.indexOf(':');
    // One colon: an IPv4 address with a port (an IPv6 address has at least two).
    if (colon !== -1 && colon === text.lastIndexOf(':')) {
      if (!/^\d{1,5}$/.test(text.slice(colon + 1))) return null;
      text = text.slice(0, colon);
      return isIPv4(text) ? text : null;
    }
  }
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  return isIPv6(text) ? text : null;
}

/**
 * IPv6 forms whose last 32 bits are an IPv4 address: mapped `::ffff:0:0/96`,
 * compatible `::/96` (but `::` and `::1`), and NAT64 `64:ff9b::/96`.
 */
function embedsIpv4(words: Uint16Array): boolean {
  for (let i = 2; i < 5; i++) if (words[i] !== 0) return false;
  const first = words[0];
  const second = words[1];
  const sixth = words[5];
  if (first === 0x64 && second === 0xff9b) return sixth === 0; // NAT64
  if (first !== 0 || second !== 0) return false;
  if (sixth === 0xffff) return true; // mapped
  return sixth === 0 && !(words[6] === 0 && (words[7] as number) <= 1); // compatible
}

/** `::1` */
function isLoopbackWords(words: Uint16Array): boolean {
  for (let i = 0; i < 7; i++) if (words[i] !== 0) return false;
  return words[7] === 1;
}

/** Parses a valid IPv6 address (without zone) into eight 16-bit words. */
function parseIpv6(address: string): Uint16Array | null {
  let text = address;
  const words = new Uint16Array(8);
  // A trailing dotted IPv4 part stands for the last two words.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let tailWords: number[] = [];
  if (tail.includes('.')) {
    const parts = tail.split('.').map(Number);
    tailWords = [((parts[0] ?? 0) << 8) | (parts[1] ?? 0), ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];
  const gap = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : gap < 0) return null;
  let i = 0;
  for (const word of head) words[i++] = Number.parseInt(word, 16);
  i += halves.length === 2 ? gap : 0;
  for (const word of rest) words[i++] = Number.parseInt(word, 16);
  if (tailWords.length === 2) {
    words[6] = tailWords[0] as number;
    words[7] = tailWords[1] as number;
  }
  return words;
}

function maskIpv6(words: Uint16Array, bits: number): void {
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, bits - i * 16));
    words[i] = keep === 0 ? 0 : (words[i] as number) & ((0xffff << (16 - keep)) & 0xffff);
  }
}

/** RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero words as `::`, the first on a tie. */
function formatIpv6(words: Uint16Array): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => {
    const out: string[] = [];
    for (let i = from; i < to; i++) out.push((words[i] as number).toString(16));
    return out.join(':');
  };
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}

/** Headers a proxy adds when it relays a request: with one, the socket's peer is the proxy, not the client. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * Whether an address is a loopback address: `127.0.0.0/8`, `::1`, or `127.0.0.0/8` mapped
 * into IPv6 (`::ffff:127.0.0.1`, as a dual-stack server reports it).
 *
 * @param address - a socket's `remoteAddress`.
 * @returns `true` for a loopback address; `false` for anything else, or no address.
 *
 * @example
 * ```ts
 * isLoopbackAddress('::ffff:127.0.0.1'); // true
 * isLoopbackAddress('10.0.0.1');         // false
 * ```
 * @internal
 */
export function isLoopbackAddress(address: unknown): boolean {
  if (typeof address !== 'string') return false;
  if (isIPv4(address)) return address.startsWith('127.');
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(bare)) return false;
  const words = parseIpv6(bare);
  if (words === null) return false;
  if (isLoopbackWords(words)) return true;
  for (let i = 0; i < 5; i++) if (words[i] !== 0) return false;
  return words[5] === 0xffff && (words[6] as number) >>> 8 === 127;
}

/**
 * The rule of the endpoints that show client addresses (the status endpoint, the
 * dashboard) when no `authorize` hook is given: whether a Node request comes from this
 * machine. The socket's peer must be a loopback address ({@link isLoopbackAddress}), and
 * the request must carry none of the headers a proxy adds (`Forwarded`,
 * `X-Forwarded-For`, `X-Real-IP`): a proxy on the same machine relays every client from
 * loopback. The framework's `req.ip` is not used: under `trust proxy` it is whatever
 * `X-Forwarded-For` says.
 *
 * A proxy on this machine that adds none of those headers (nginx's `proxy_pass` adds
 * none unless configured) makes every client look local: give `authorize` there.
 *
 * @param req - Node's `IncomingMessage` (Express `req`, Koa `ctx.req`); anything else is not loopback.
 * @returns `true` only for a request from this machine, not relayed by a proxy.
 *
 * @example
 * ```ts
 * if (!isLoopbackRequest(req)) return res.writeHead(403).end();
 * ```
 */
export function isLoopbackRequest(req: unknown): boolean {
  if (typeof req !== 'object' || req === null) return false;
  const { socket, headers } = req as {
    socket?: { remoteAddress?: unknown } | null;
    headers?: Record<string, unknown> | null;
  };
  if (typeof socket !== 'object' || socket === null || !isLoopbackAddress(socket.remoteAddress)) return false;
  if (typeof headers !== 'object' || headers === null) return false;
  for (const name of FORWARDING_HEADERS) if (headers[name] !== undefined) return false;
  return true;
}
