import { describe, expect, it } from 'vitest';
import { formatAddr as formatIP, parseAddrNet as parseCIDR, parseAddr as parseIP } from '@cni-ts/cni/ip';
import { canonicalizeRange, type RangeInput, rangesOverlap, rangeString } from './range';
import { canonicalizeRangeSet, rangeSetString } from './rangeset';

function input(o: { subnet?: string; rangeStart?: string; rangeEnd?: string; gateway?: string }): RangeInput {
  return {
    subnet: o.subnet === undefined ? undefined : parseCIDR(o.subnet),
    rangeStart: o.rangeStart === undefined ? undefined : parseIP(o.rangeStart),
    rangeEnd: o.rangeEnd === undefined ? undefined : parseIP(o.rangeEnd),
    gateway: o.gateway === undefined ? undefined : parseIP(o.gateway),
  };
}

const canon = (o: Parameters<typeof input>[0]) => {
  const r = canonicalizeRange(input(o));
  return { range: rangeString(r), gateway: formatIP(r.gateway) };
};

describe('canonicalizeRange', () => {
  it('fills the defaults', () => {
    expect(canon({ subnet: '10.1.0.0/24' })).toEqual({ range: '10.1.0.1-10.1.0.254', gateway: '10.1.0.1' });
    expect(canon({ subnet: '10.1.0.0/30' })).toEqual({ range: '10.1.0.1-10.1.0.2', gateway: '10.1.0.1' });
    // IPv6 ends on the last address of the prefix (not broadcast-1)
    expect(canon({ subnet: 'fd00::/126' })).toEqual({ range: 'fd00::1-fd00::3', gateway: 'fd00::1' });
    expect(canon({ subnet: 'fd00::/64' }).range).toBe('fd00::1-fd00::ffff:ffff:ffff:ffff');
  });

  it('keeps explicit values, even a gateway outside the subnet', () => {
    expect(canon({ subnet: '10.1.0.0/24', rangeStart: '10.1.0.0', rangeEnd: '10.1.0.255', gateway: '10.9.9.9' })).toEqual({
      range: '10.1.0.0-10.1.0.255',
      gateway: '10.9.9.9',
    });
  });

  it.each([
    [{ subnet: '10.1.0.0/32' }, 'Network 10.1.0.0/32 too small to allocate from', 'subnet'],
    [{ subnet: '10.1.0.0/31' }, 'Network 10.1.0.0/31 too small to allocate from', 'subnet'],
    [{ subnet: 'fd00::/127' }, 'Network fd00::/127 too small to allocate from', 'subnet'],
    [{ subnet: '::ffff:10.0.0.0/120' }, 'IPNet IP and Mask version mismatch', 'subnet'],
    [
      { subnet: '10.1.0.1/24' },
      'Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0',
      'subnet',
    ],
    [{ rangeStart: '10.1.0.1' }, 'IP <nil> not v4 nor v6', 'subnet'],
    [{ subnet: '10.1.0.0/24', rangeStart: '10.2.0.1' }, 'RangeStart 10.2.0.1 not in network 10.1.0.0/24', 'rangeStart'],
    [{ subnet: '10.1.0.0/24', rangeEnd: '10.2.0.1' }, 'RangeEnd 10.2.0.1 not in network 10.1.0.0/24', 'rangeEnd'],
    [{ subnet: '10.1.0.0/24', rangeStart: 'fd00::1' }, 'RangeStart fd00::1 not in network 10.1.0.0/24', 'rangeStart'],
    // upstream checks rangeStart against the (not yet defaulted) explicit rangeEnd
    [
      { subnet: '10.1.0.0/24', rangeStart: '10.1.0.100', rangeEnd: '10.1.0.50' },
      'RangeStart 10.1.0.100 not in network 10.1.0.0/24',
      'rangeStart',
    ],
  ])('rejects %j', (o, msg, field) => {
    expect(() => canonicalizeRange(input(o))).toThrow(expect.objectContaining({ message: msg, field }));
  });
});

describe('canonicalizeRangeSet', () => {
  it('accepts disjoint ranges of one family', () => {
    const set = canonicalizeRangeSet([
      input({ subnet: '10.1.0.0/24', rangeStart: '10.1.0.10', rangeEnd: '10.1.0.20' }),
      input({ subnet: '10.1.0.0/24', rangeStart: '10.1.0.30', rangeEnd: '10.1.0.40' }),
      input({ subnet: '10.2.0.0/24' }),
    ]);
    expect(rangeSetString(set)).toBe('10.1.0.10-10.1.0.20,10.1.0.30-10.1.0.40,10.2.0.1-10.2.0.254');
  });

  it('rejects empty, mixed and overlapping sets', () => {
    expect(() => canonicalizeRangeSet([])).toThrow('empty range set');
    expect(() => canonicalizeRangeSet([input({ subnet: '10.1.0.0/24' }), input({ subnet: 'fd00::/64' })])).toThrow(
      expect.objectContaining({ message: 'mixed address families', index: 1 }),
    );
    expect(() =>
      canonicalizeRangeSet([input({ subnet: '10.1.0.0/24' }), input({ subnet: '10.1.0.0/24', rangeStart: '10.1.0.200' })]),
    ).toThrow('subnets 10.1.0.1-10.1.0.254 and 10.1.0.200-10.1.0.254 overlap');
    expect(() => canonicalizeRangeSet([input({ subnet: '10.1.0.0/24' }), input({ subnet: '10.1.0.0/32' })])).toThrow(
      expect.objectContaining({ index: 1, field: 'subnet' }),
    );
  });

  it('overlap ignores other families', () => {
    const a = canonicalizeRange(input({ subnet: '10.1.0.0/24' }));
    const b = canonicalizeRange(input({ subnet: 'fd00::/64' }));
    expect(rangesOverlap(a, b)).toBe(false);
  });
});
