import { describe, expect, it } from 'vitest';
import { canonicalMac } from './mac';

describe('canonicalMac (net.ParseMAC)', () => {
  it.each([
    ['00:00:5E:00:53:01', '00:00:5e:00:53:01'],
    ['00-00-5e-00-53-01', '00:00:5e:00:53:01'],
    ['0000.5e00.5301', '00:00:5e:00:53:01'],
    ['02:00:5e:10:00:00:00:01', '02:00:5e:10:00:00:00:01'],
    ['0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001', '00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01'],
  ])('accepts %s', (s, want) => {
    expect(canonicalMac(s)).toBe(want);
  });

  it.each(['', '00:00:5e:00:53', '00:00:5e:00:53:1', '00:00-5e:00:53:01', 'zz:00:5e:00:53:01', '0000.5e00.530', '00005e005301'])('rejects %j', (s) => {
    expect(() => canonicalMac(s)).toThrow(`address ${s}: invalid MAC address`);
  });
});
