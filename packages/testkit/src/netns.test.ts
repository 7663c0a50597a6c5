import { describe, expect, it } from 'vitest';
import { NETNS_PREFIX, netnsPath, uniqueName } from './netns';

describe('uniqueName', () => {
  it('carries the prefix and the pid so a later run can reap it', () => {
    const a = uniqueName('host');
    const b = uniqueName('host');
    expect(a.startsWith(`${NETNS_PREFIX}${process.pid}-`)).toBe(true);
    expect(a.endsWith('-host')).toBe(true);
    expect(a).not.toBe(b);
    expect(netnsPath(a)).toBe(`/run/netns/${a}`);
  });
});
