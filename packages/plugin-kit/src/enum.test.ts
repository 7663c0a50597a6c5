import { describe, expect, it } from 'vitest';
import { enumFromString } from './enum';

describe('enumFromString', () => {
  const modes = ['l2', 'l3', 'l3s'] as const;
  it('maps "" and absent to the first value', () => {
    expect(enumFromString('ipvlan mode', modes, '')).toBe('l2');
    expect(enumFromString('ipvlan mode', modes, undefined)).toBe('l2');
  });
  it('accepts known values and refuses others as Go does', () => {
    expect(enumFromString('ipvlan mode', modes, 'l3s')).toBe('l3s');
    expect(() => enumFromString('ipvlan mode', modes, 'L3')).toThrow('unknown ipvlan mode: "L3"');
  });
});
