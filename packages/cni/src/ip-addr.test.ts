// Moved from packages/host-local (which now uses these): Go's net.ParseIP / ParseCIDR /
// IP.String over Addr, and the range arithmetic of the IPAM plugins.
import { describe, expect, it } from 'vitest';
import {
  addrCmp as ipCmp,
  addrNetContains,
  formatAddr as formatIP,
  formatAddrNet as formatCIDR,
  lastAddr as lastOf,
  networkAddr as networkOf,
  nextAddr as nextIP,
  parseAddrNet as parseCIDR,
  parseAddr as parseIP,
} from './ip';

const fmt = (s: string) => {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : undefined;
};

describe('parseIP / formatIP (Go net.ParseIP / IP.String)', () => {
  it.each([
    ['10.1.0.2', '10.1.0.2'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['fd00::2', 'fd00::2'],
    ['FD00:0:0:0:0:0:0:2', 'fd00::2'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::ffff:a01:203', '10.1.2.3'],
    ['::10.1.2.3', '::a01:203'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ])('%s -> %s', (input, out) => {
    expect(fmt(input)).toBe(out);
  });

  it.each([
    '',
    'zz',
    '10.1.0',
    '10.1.0.256',
    '010.1.0.1',
    '10.1.0.1.',
    '10.1.0.1/24',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '1::2::3',
    'fe80::1%eth0',
    '12345::',
    ':1',
  ])('rejects %j', (input) => {
    expect(parseIP(input)).toBeUndefined();
  });
});

describe('parseCIDR (Go net.ParseCIDR)', () => {
  it('keeps host bits and the written mask length', () => {
    const c = parseCIDR('10.1.2.3/24');
    expect(c && formatCIDR(c)).toBe('10.1.2.3/24');
    expect(c?.maskBits).toBe(32);
    expect(parseCIDR('fd00::1/64')?.maskBits).toBe(128);
    expect(parseCIDR('10.0.0.0/024')?.prefix).toBe(24);
    expect(parseCIDR('10.0.0.0/00000000024')?.prefix).toBe(24);
    expect(parseCIDR('10.0.0.0/99999999999999999999')).toBeUndefined();
  });

  it('treats an IPv4-mapped address as IPv4 with a 128-bit mask', () => {
    const c = parseCIDR('::ffff:10.0.0.0/120');
    expect(c?.ip.bits).toBe(32);
    expect(c?.maskBits).toBe(128);
  });

  it.each(['10.1.0.0/33', '10.1.0.0', '10.1.0.0/', '10.1.0.0/-1', 'fd00::/129', 'x/8', '10.1.0.0/24 '])('rejects %j', (s) => {
    expect(parseCIDR(s)).toBeUndefined();
  });
});

describe('arithmetic', () => {
  it('masks, ends and steps', () => {
    const ip = parseIP('10.1.2.3')!;
    expect(formatIP(networkOf(ip, 24))).toBe('10.1.2.0');
    expect(formatIP(lastOf(ip, 24))).toBe('10.1.2.255');
    expect(formatIP(nextIP(parseIP('10.1.2.255')!))).toBe('10.1.3.0');
    expect(formatIP(nextIP(parseIP('fd00::ffff')!))).toBe('fd00::1:0');
    expect(ipCmp(parseIP('10.0.0.1')!, parseIP('fd00::1')!)).toBe(-2);
  });
});

describe('IPv4-mapped CIDRs (Go net.IPNet.String / Contains)', () => {
  it('print and contain with the last 32 bits of a 128-bit mask', () => {
    expect(formatCIDR(parseCIDR('::ffff:10.1.2.3/120')!)).toBe('10.1.2.3/24');
    expect(formatCIDR(parseCIDR('::ffff:10.0.0.0/127')!)).toBe('10.0.0.0/31');
    expect(formatCIDR(parseCIDR('::ffff:10.1.2.3/64')!)).toBe('10.1.2.3/0');
    expect(formatCIDR({ ip: parseIP('10.1.2.0')!, prefix: 24 })).toBe('10.1.2.0/24');
    expect(addrNetContains(parseCIDR('::ffff:10.1.2.0/120')!, parseIP('10.1.2.200')!)).toBe(true);
    expect(addrNetContains(parseCIDR('::ffff:10.1.2.0/120')!, parseIP('10.1.3.1')!)).toBe(false);
    expect(addrNetContains(parseCIDR('10.0.0.0/8')!, parseIP('fd00::1')!)).toBe(false);
  });

  it('prints an IPv6 address in ::ffff:0:0/96 as IPv4, as Go does', () => {
    expect(formatIP(nextIP({ bits: 128, n: 0xffff0a000000n }))).toBe('10.0.0.1');
  });
});
