import { describe, expect, it } from 'vitest';
import { ALL_VERSIONS, parseVersion, versionGt, versionGte, versionsStartingFrom, versionSupported } from './version';

describe('versions', () => {
  it('parses like Go ParseVersion', () => {
    expect(parseVersion('')).toEqual([0, 1, 0]);
    expect(parseVersion('1')).toEqual([1, 0, 0]);
    expect(parseVersion('0.4')).toEqual([0, 4, 0]);
    expect(parseVersion('0.-42.0')).toEqual([0, -42, 0]);
    expect(parseVersion('+1.2.3')).toEqual([1, 2, 3]);
  });

  it('fails with Go texts', () => {
    expect(() => parseVersion('x.0.0')).toThrow('failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax');
    expect(() => parseVersion('1.x')).toThrow('failed to convert minor version part "x"');
    expect(() => parseVersion('1.0.')).toThrow('failed to convert micro version part "": strconv.Atoi: parsing "": invalid syntax');
    expect(() => parseVersion('1.0.0.0')).toThrow('invalid version "1.0.0.0": too many parts');
    expect(() => parseVersion('99999999999999999999')).toThrow('value out of range');
  });

  it('compares numerically', () => {
    expect(versionGte('1.0.0', '0.4.0')).toBe(true);
    expect(versionGte('0.3.1', '0.4.0')).toBe(false);
    expect(versionGte('0.4', '0.4.0')).toBe(true);
    expect(versionGt('0.4', '0.4.0')).toBe(false);
    expect(versionGte('', '0.1.0')).toBe(true);
  });

  it('matches exactly', () => {
    expect(versionSupported('1.0', ALL_VERSIONS)).toBe(false);
    expect(versionSupported('1.0.0', ALL_VERSIONS)).toBe(true);
    expect(versionsStartingFrom('0.4.0')).toEqual(['0.4.0', '1.0.0', '1.1.0']);
    expect(versionsStartingFrom('9')).toEqual([]);
  });
});
