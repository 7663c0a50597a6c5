import { describe, expect, it } from 'vitest';
import { randomVethName } from './pkgip';

describe('randomVethName', () => {
  it('is veth and 8 hex digits, different each time', () => {
    const names = new Set(Array.from({ length: 20 }, () => randomVethName()));
    for (const n of names) expect(n).toMatch(/^veth[0-9a-f]{8}$/);
    expect(names.size).toBeGreaterThan(15);
  });
});
