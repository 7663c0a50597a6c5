import { describe, expect, it } from 'vitest';
import { canonicalCIDR, canonicalIP, ipFamily, isLoopbackIP, parseIP } from './ip';

describe('go ip text forms', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['2001:DB8::5', '2001:db8::5'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::10.1.2.3', '::a01:203'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['fe80:0:0:0:1:0:0:0', 'fe80::1:0:0:0'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ])('%s renders %s', (input, out) => {
    expect(canonicalIP(input)).toBe(out);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1:2', ':1', '1:', '1:2:3:4:5:6:7:8::', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7:1.2.3.4', 'x'])(
    '%j is rejected',
    (input) => {
      expect(parseIP(input)).toBeUndefined();
    },
  );

  it('keeps host bits of CIDRs and maps v4-in-v6 masks as Go', () => {
    expect(canonicalCIDR('10.1.2.3/24')).toBe('10.1.2.3/24');
    expect(canonicalCIDR('2001:DB8::5/64')).toBe('2001:db8::5/64');
    expect(canonicalCIDR('::ffff:10.1.2.3/120')).toBe('10.1.2.3/24');
    expect(canonicalCIDR('::ffff:10.1.2.3/64')).toBe('10.1.2.3/0');
    expect(canonicalCIDR('10.0.0.0/024')).toBe('10.0.0.0/24');
    expect(canonicalCIDR('10.0.0.0/33')).toBeUndefined();
    expect(canonicalCIDR('10.0.0.0')).toBeUndefined();
    expect(canonicalCIDR('::/129')).toBeUndefined();
  });

  it('families and loopback', () => {
    expect(ipFamily('::ffff:1.2.3.4/120')).toBe(4);
    expect(ipFamily('::1/128')).toBe(6);
    expect(ipFamily('<nil>')).toBeUndefined();
    expect(isLoopbackIP(parseIP('127.9.9.9')!)).toBe(true);
    expect(isLoopbackIP(parseIP('::1')!)).toBe(true);
    expect(isLoopbackIP(parseIP('::2')!)).toBe(false);
  });
});
