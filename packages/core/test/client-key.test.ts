import { BreakerConfigError } from '../src/errors.js';
import { clientKey, UNKNOWN_CLIENT } from '../src/index.js';

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
    expect(clientKey('::1')).toBe('::/56');
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
    expect(clientKey('64:ff9b::192.0.2.33', { ipv6Subnet: false })).toBe('64:ff9b::c000:221');
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
