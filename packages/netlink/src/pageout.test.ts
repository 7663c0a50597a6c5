import { describe, expect, it } from 'vitest';
import { pageOutFileMappings, readOnlyFileMappings, trimMalloc } from './pageout';

describe('readOnlyFileMappings', () => {
  it('keeps read-only and executable file mappings, not writable, anonymous or deleted ones', () => {
    const maps = [
      '00400000-00746000 r--p 00000000 fd:00 123 /usr/bin/node',
      '0074a000-03044000 r-xp 0034a000 fd:00 123 /usr/bin/node',
      '06b51000-06b60000 rw-p 06751000 fd:00 123 /usr/bin/node',
      '43262000-434ac000 rw-p 00000000 00:00 0 [heap]',
      '7f5b6642e000-7f5b6653e000 rw-p 00000000 00:00 0 ',
      '7f5b66564000-7f5b666ba000 r-xp 00028000 fd:00 77 /usr/lib/x86_64-linux-gnu/libc.so.6',
      '7f5b66700000-7f5b66710000 r-xp 00000000 fd:00 78 /tmp/x.node (deleted)',
      '7ffd1c1f2000-7ffd1c1f4000 r-xp 00000000 00:00 0 [vdso]',
    ].join('\n');
    expect(readOnlyFileMappings(maps)).toEqual([
      { start: 0x400000n, end: 0x746000n },
      { start: 0x74a000n, end: 0x3044000n },
      { start: 0x7f5b66564000n, end: 0x7f5b666ba000n },
    ]);
  });
});

describe('pageOutFileMappings', () => {
  it('advises every read-only file mapping of this process and leaves it working', () => {
    const r = pageOutFileMappings();
    expect(r.unsupported).toBe(false);
    expect(r.mappings).toBeGreaterThan(2);
    expect(r.bytes).toBeGreaterThan(1 << 20);
    // Everything paged out faults back in: this process goes on running code and reading data.
    expect(JSON.parse(JSON.stringify({ a: [1, 2, 3] }))).toEqual({ a: [1, 2, 3] });
    expect(new Intl.NumberFormat('en').format(1234.5)).toBe('1,234.5');
  });
});

describe('trimMalloc', () => {
  it('returns free C heap to the kernel without breaking later allocations', () => {
    expect(typeof trimMalloc()).toBe('boolean');
    expect(Buffer.alloc(1 << 20, 1).reduce((a, b) => a + b, 0)).toBe(1 << 20);
  });
});
