import { describe, expect, it } from 'vitest';
import { decode } from '../schema/decode';
import { selectListVersion } from './list';
import { netConfListSchema } from './schema';

describe('selectListVersion', () => {
  it.each([
    ['1.0.0', ['0.1.0', '0.4.0'], '1.0.0'],
    [undefined, ['99.0.0', '1.1.0', '0.4.0'], '1.1.0'],
    [undefined, [], ''],
    ['2.0.0', ['99.0.0'], '2.0.0'],
    ['junk', undefined, 'junk'],
    ['0.3.1', undefined, '0.3.1'],
  ] as const)('cniVersion %j + cniVersions %j => %j', (v, vs, want) => {
    expect(selectListVersion(v, vs)).toBe(want);
  });

  it('fails on unparseable entries with libcni texts', () => {
    expect(() => selectListVersion(undefined, ['x'])).toThrow('error parsing configuration list: invalid cniVersions entry x at index 0');
    expect(() => selectListVersion('junk', ['1.0.0'])).toThrow('error parsing configuration list: invalid cniVersion junk');
  });
});

describe('netConfListSchema', () => {
  it('accepts string booleans and requires plugin types', () => {
    const l = decode(netConfListSchema, {
      name: 'n',
      disableCheck: 'TRUE',
      disableGC: false,
      plugins: [{ type: 'bridge', extra: 1 }],
    });
    expect(l).toMatchObject({ disableCheck: true, disableGC: false, plugins: [{ type: 'bridge', extra: 1 }] });
    expect(() => decode(netConfListSchema, { name: 'n', disableCheck: 'maybe' }, { pathInMessage: true })).toThrow('disableCheck');
    expect(() => decode(netConfListSchema, { name: 'n', plugins: [] }, { pathInMessage: true })).toThrow('plugins: no plugins in list');
    expect(() => decode(netConfListSchema, { name: 'n', plugins: [{ type: '' }] }, { pathInMessage: true })).toThrow("plugins[0].type: missing 'type'");
  });
});
