import { describe, expect, it } from 'vitest';
import { goMarshal, goMarshalIndent, goString, sortKeysDeep } from './encode';

describe('go json encoding', () => {
  it('escapes HTML characters and controls as Go does', () => {
    expect(goString('ex<&>.com')).toBe('"ex\\u003c\\u0026\\u003e.com"');
    expect(goString('a"b\\c\n\r\t\b\f\x01\u2028')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u2028"');
    expect(goString('é😀')).toBe('"é😀"');
    expect(goString('\ud800')).toBe('"\\ufffd"');
  });

  it('indents like MarshalIndent with compact empty containers', () => {
    expect(goMarshalIndent({ code: 4, msg: 'x', e: {}, a: [], n: [1, { b: null }] })).toBe(
      '{\n    "code": 4,\n    "msg": "x",\n    "e": {},\n    "a": [],\n    "n": [\n        1,\n        {\n            "b": null\n        }\n    ]\n}',
    );
    expect(goMarshal({ a: [1, 'x'], b: undefined, c: true })).toBe('{"a":[1,"x"],"c":true}');
  });

  it('sorts map keys by byte order', () => {
    expect(Object.keys(sortKeysDeep({ cniVersion: 1, CNIVersion: 2, b: 3, a: 4 }) as object)).toEqual(['CNIVersion', 'a', 'b', 'cniVersion']);
  });
});
