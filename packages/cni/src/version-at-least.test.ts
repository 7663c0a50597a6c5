import { describe, expect, it } from 'vitest';
import { versionAtLeast } from './version';

describe('versionAtLeast', () => {
  it('compares like GreaterThanOrEqualTo and reads a parse error as false', () => {
    expect(versionAtLeast('0.3.0', '0.3.0')).toBe(true);
    expect(versionAtLeast('1.1.0', '0.3.0')).toBe(true);
    expect(versionAtLeast('0.2.0', '0.3.0')).toBe(false);
    expect(versionAtLeast('', '0.3.0')).toBe(false);
    expect(versionAtLeast('0.3.0-rc1', '0.3.0')).toBe(false);
  });
});
