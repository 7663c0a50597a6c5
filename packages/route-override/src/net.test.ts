import { describe, expect, it } from 'vitest';
import { isZeroIP, kernelKey, netKey, sameIP } from './net';

describe('route keys', () => {
  it('mask host bits and render as Go does', () => {
    expect(netKey('20.0.0.5/24')).toEqual({ family: 4, key: '20.0.0.0/24', linkLocal: false });
    expect(netKey('2001:DB8:2::1/64')).toEqual({ family: 6, key: '2001:db8:2::/64', linkLocal: false });
    expect(netKey('10.1.2.3/32')!.key).toBe('10.1.2.3/32');
    expect(netKey('x')).toBeUndefined();
  });

  it('give kernel default routes (no dst) the key of 0.0.0.0/0 and ::/0', () => {
    expect(kernelKey(undefined, 4)).toEqual(netKey('0.0.0.0/0'));
    expect(kernelKey(undefined, 6)).toEqual(netKey('::/0'));
    expect(kernelKey('10.0.0.0/24', 4).key).toBe('10.0.0.0/24');
  });

  it('know link-local networks', () => {
    expect(netKey('169.254.0.0/16')!.linkLocal).toBe(true);
    expect(netKey('fe80::/64')!.linkLocal).toBe(true);
    expect(netKey('febf::/64')!.linkLocal).toBe(true);
    expect(netKey('fec0::/64')!.linkLocal).toBe(false);
  });

  it('compare addresses, not texts', () => {
    expect(sameIP('2001:DB8::1', '2001:db8:0::1')).toBe(true);
    expect(sameIP('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(sameIP(undefined, undefined)).toBe(true);
    expect(isZeroIP('0.0.0.0')).toBe(true);
    expect(isZeroIP('::')).toBe(true);
    expect(isZeroIP('10.0.0.1')).toBe(false);
  });
});
