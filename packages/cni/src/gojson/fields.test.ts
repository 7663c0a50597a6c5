import { describe, expect, it } from 'vitest';
import { goStringField } from './fields';

describe('goStringField', () => {
  it('matches keys case-insensitively, last wins, null ignored', () => {
    expect(goStringField({ NAME: 'a', name: 'b' }, 'name', 'Name')).toBe('b');
    expect(goStringField({ name: 'a', Name: null }, 'name', 'Name')).toBe('a');
    expect(goStringField({}, 'name', 'Name')).toBe('');
    expect(goStringField(null, 'name', 'Name')).toBe('');
  });

  it('fails with the oracle texts', () => {
    expect(() => goStringField({ name: 5 }, 'name', 'Name')).toThrow('json: cannot unmarshal number into Go struct field .name of type string');
    expect(() => goStringField({ cniVersion: ['a'] }, 'cniVersion', 'CNIVersion')).toThrow(
      'json: cannot unmarshal array into Go struct field .cniVersion of type string',
    );
    expect(() => goStringField(5, 'name', 'Name')).toThrow(
      'json: cannot unmarshal number into Go value of type struct { Name string "json:\\"name\\"" }',
    );
    expect(() => goStringField([1], 'name', 'Name')).toThrow('cannot unmarshal array into Go value');
  });
});
