import { describe, expect, it } from 'vitest';
import { familyOf, isDefaultDst, isGlobalUnicast, networkOf, splitCIDR } from './ip';

describe('address helpers', () => {
  it('families and networks', () => {
    expect(familyOf('10.1.2.3/24')).toBe(4);
    expect(familyOf('::ffff:10.1.2.3')).toBe(4);
    expect(familyOf('fd00::1')).toBe(6);
    expect(networkOf('10.1.2.3/24')).toBe('10.1.2.0/24');
    expect(networkOf('10.1.2.3/23')).toBe('10.1.2.0/23');
    expect(networkOf('fd00:1:2::3/64')).toBe('fd00:1:2::/64');
    expect(networkOf('10.1.2.3/32')).toBe('10.1.2.3/32');
    expect(splitCIDR('10.1.2.3/24')).toEqual({ ip: '10.1.2.3', prefix: 24, family: 4 });
  });

  it('default destinations', () => {
    expect(isDefaultDst(undefined)).toBe(true);
    expect(isDefaultDst('0.0.0.0/0')).toBe(true);
    expect(isDefaultDst('::/0')).toBe(true);
    expect(isDefaultDst('10.0.0.0/0')).toBe(false);
    expect(isDefaultDst('0.0.0.0/8')).toBe(false);
  });

  it('global unicast', () => {
    expect(isGlobalUnicast('10.1.2.3')).toBe(true);
    expect(isGlobalUnicast('169.254.1.1')).toBe(false);
    expect(isGlobalUnicast('fe80::1')).toBe(false);
    expect(isGlobalUnicast('fd00::1')).toBe(true);
    expect(isGlobalUnicast('ff02::1')).toBe(false);
  });
});
