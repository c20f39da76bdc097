import { BreakerConfigError } from '../src/errors.js';
import { clientKey, isLoopbackRequest, UNKNOWN_CLIENT } from '../src/index.js';

describe('clientKey', () => {
  it('keeps IPv4 addresses as they are', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('keys IPv4-mapped IPv6 addresses as IPv4, in both notations', () => {
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('masks IPv6 addresses to /56 by default, in RFC 5952 form', () => {
    expect(clientKey('2001:db8:abcd:12ff::1')).toBe('2001:db8:abcd:1200::/56');
    expect(clientKey('2001:0DB8:ABCD:1234:5678:9abc:def0:1234')).toBe('2001:db8:abcd:1200::/56');
  });

  it('gives every address inside one /56 the same key, and a neighbouring /56 another', () => {
    const inside = ['2001:db8:1:ff00::1', '2001:db8:1:ff12:aaaa::', '2001:db8:1:ffff:ffff:ffff:ffff:ffff'];
    expect(new Set(inside.map((ip) => clientKey(ip)))).toEqual(new Set(['2001:db8:1:ff00::/56']));
    expect(clientKey('2001:db8:1:fe00::1')).toBe('2001:db8:1:fe00::/56');
  });

  it('takes the subnet from ipv6Subnet, or keeps the whole address with false or 128', () => {
    expect(clientKey('2001:db8:abcd:12ff::1', { ipv6Subnet: 64 })).toBe('2001:db8:abcd:12ff::/64');
    expect(clientKey('2001:db8:abcd:12ff::1', { ipv6Subnet: 48 })).toBe('2001:db8:abcd::/48');
    expect(clientKey('2001:db8:abcd:12ff::1', { ipv6Subnet: 60 })).toBe('2001:db8:abcd:12f0::/60');
    expect(clientKey('2001:db8:abcd:12ff::1', { ipv6Subnet: false })).toBe('2001:db8:abcd:12ff::1');
    expect(clientKey('2001:db8:0:0:1:0:0:1', { ipv6Subnet: 128 })).toBe('2001:db8::1:0:0:1');
  });

  it('drops a zone and parses embedded IPv4 tails', () => {
    expect(clientKey('fe80::1%eth0', { ipv6Subnet: false })).toBe('fe80::1');
    expect(clientKey('2001:db8::192.0.2.33', { ipv6Subnet: false })).toBe('2001:db8::c000:221');
  });

  // Issue #9, item 11: ::1, every ::a.b.c.d and every 64:ff9b::a.b.c.d shared one /56 key.
  it('keys IPv4-compatible and NAT64 addresses by their IPv4 address, so NAT64 clients do not share one breaker', () => {
    const nat64 = [
      '64:ff9b::192.0.2.33',
      '64:ff9b::c000:222',
      '64:ff9b::203.0.113.7',
      '64:FF9B:0:0:0:0:a00:1',
    ];
    expect(nat64.map((ip) => clientKey(ip))).toEqual(['192.0.2.33', '192.0.2.34', '203.0.113.7', '10.0.0.1']);
    expect(clientKey('64:ff9b::192.0.2.33', { ipv6Subnet: false })).toBe('192.0.2.33');
    expect(clientKey('::192.0.2.33')).toBe('192.0.2.33');
    expect(clientKey('::c000:221')).toBe('192.0.2.33');
    // 64:ff9b:1::/48 (local-use NAT64) and other neighbours of the /96 stay IPv6 subnets.
    expect(clientKey('64:ff9b:1::192.0.2.33')).toBe('64:ff9b:1::/56');
    expect(clientKey('64:ff9b::1:0:c000:221', { ipv6Subnet: false })).toBe('64:ff9b::1:0:c000:221');
  });

  it('keeps ::1 apart from every other address', () => {
    expect(clientKey('::1')).toBe('::1');
    expect(clientKey('0:0:0:0:0:0:0:1', { ipv6Subnet: 48 })).toBe('::1');
    expect(clientKey('::')).toBe('::/56');
    const keys = ['::1', '::', '::192.0.2.33', '64:ff9b::192.0.2.33', '::ffff:192.0.2.34'].map((ip) =>
      clientKey(ip),
    );
    expect(new Set(keys).size).toBe(4);
    expect(keys).toEqual(['::1', '::/56', '192.0.2.33', '192.0.2.33', '192.0.2.34']);
  });

  // Issue #9, item 11: under trust proxy, ip:port and [v6] forms were keys of their own.
  it('strips a port and brackets, so that a changing port keeps one key', () => {
    expect(clientKey('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(clientKey('203.0.113.7:443')).toBe('203.0.113.7');
    expect(clientKey('[2001:db8:abcd:12ff::1]')).toBe('2001:db8:abcd:1200::/56');
    expect(clientKey('[2001:db8:abcd:12ff::1]:443')).toBe('2001:db8:abcd:1200::/56');
    expect(clientKey('[2001:db8::1]:8080', { ipv6Subnet: false })).toBe('2001:db8::1');
    expect(clientKey('[::ffff:203.0.113.7]:51234')).toBe('203.0.113.7');
    expect(clientKey('[64:ff9b::203.0.113.7]:1')).toBe('203.0.113.7');
    expect(clientKey('[::1]:3000')).toBe('::1');
    expect(clientKey('[fe80::1%eth0]:80', { ipv6Subnet: false })).toBe('fe80::1');
  });

  it('keeps strings that are no address, with or without something like a port, as they are', () => {
    for (const odd of [
      '203.0.113.7:',
      '203.0.113.7:http',
      '203.0.113.7:123456',
      'host:80',
      '[2001:db8::1',
      '[2001:db8::1]x',
      '[203.0.113.7]',
      '[]:80',
    ]) {
      expect(clientKey(odd)).toBe(odd);
    }
  });

  it('keys a missing address as the unknown client, and anything else as it is', () => {
    expect(clientKey(undefined)).toBe(UNKNOWN_CLIENT);
    expect(clientKey('')).toBe(UNKNOWN_CLIENT);
    expect(clientKey('unix-socket')).toBe('unix-socket');
  });

  it.each([0, 129, 1.5, '56', null, true])('refuses ipv6Subnet %p', (ipv6Subnet) => {
    expect(() => clientKey('::1', { ipv6Subnet: ipv6Subnet as never })).toThrow(BreakerConfigError);
    expect(() => clientKey('::1', { ipv6Subnet: ipv6Subnet as never })).toThrow(
      /ipv6Subnet must be an integer in \[1, 128\] or false/,
    );
  });
});

describe('isLoopbackRequest', () => {
  const from = (remoteAddress: unknown, headers: Record<string, string> = {}) => ({
    socket: { remoteAddress },
    headers,
  });

  it('accepts a peer on loopback: 127.0.0.0/8, ::1, IPv4-mapped 127/8', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '::1',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      '::FFFF:7f00:1',
    ]) {
      expect(isLoopbackRequest(from(address))).toBe(true);
    }
  });

  it('refuses any other peer, NAT64 and IPv4-compatible forms of 127/8 included', () => {
    for (const address of [
      '10.0.0.1',
      '128.0.0.1',
      '::',
      '::2',
      '::127.0.0.1',
      '64:ff9b::127.0.0.1',
      '::ffff:10.0.0.1',
      'fe80::1%lo',
      '2001:db8::1',
      'localhost',
      '',
      undefined,
      7,
    ]) {
      expect(isLoopbackRequest(from(address))).toBe(false);
    }
  });

  it('refuses a loopback peer that relays for someone (Forwarded, X-Forwarded-For, X-Real-IP)', () => {
    for (const header of ['forwarded', 'x-forwarded-for', 'x-real-ip']) {
      expect(isLoopbackRequest(from('127.0.0.1', { [header]: '127.0.0.1' }))).toBe(false);
    }
    expect(isLoopbackRequest(from('127.0.0.1', { 'x-forwarded-proto': 'https' }))).toBe(true);
  });

  it('refuses what is not a Node request', () => {
    for (const req of [
      undefined,
      null,
      'req',
      {},
      { socket: null, headers: {} },
      { socket: { remoteAddress: '127.0.0.1' } },
    ]) {
      expect(isLoopbackRequest(req)).toBe(false);
    }
  });
});
