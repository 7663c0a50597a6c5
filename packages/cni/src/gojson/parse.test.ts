import { describe, expect, it } from 'vitest';
import { goJsonParse } from './parse';

function err(input: string | Uint8Array): string {
  try {
    goJsonParse(input);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('goJsonParse', () => {
  it('parses values like JSON.parse', () => {
    expect(goJsonParse('{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"]}')).toEqual({ a: [1, -2500, true, false, null, 'xé\n'] });
    expect(goJsonParse(' 0 ')).toBe(0);
    expect(goJsonParse('"\\ud83d\\ude00"')).toBe('😀');
  });

  it('keeps the last of duplicate keys, in last position', () => {
    const v = goJsonParse('{"mtu":1,"MTU":2,"mtu":3}') as Record<string, number>;
    expect(v.mtu).toBe(3);
    expect(Object.keys(v)).toEqual(['MTU', 'mtu']);
  });

  it('does not let __proto__ change the prototype', () => {
    const v = goJsonParse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });

  it('replaces lone surrogate escapes with U+FFFD', () => {
    expect(goJsonParse('"a\\ud800b"')).toBe('a\ufffdb');
  });

  // Texts observed from the Go oracle (/usr/lib/cni/loopback with these stdins).
  it.each([
    ['', 'unexpected end of JSON input'],
    ['   ', 'unexpected end of JSON input'],
    ['{"name":"x"', 'unexpected end of JSON input'],
    ['[1', 'unexpected end of JSON input'],
    ['{"n":"é', 'unexpected end of JSON input'],
    ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['nul', "invalid character ' ' in literal null (expecting 'l')"],
    ['fx', "invalid character 'x' in literal false (expecting 'a')"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[1 2]', "invalid character '2' after array element"],
    ['01', "invalid character '1' after top-level value"],
    ['{} x', "invalid character 'x' after top-level value"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12', "invalid character ' ' in \\u hexadecimal character escape"],
    ['"\\u12g0"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-', "invalid character ' ' in numeric literal"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.', "invalid character ' ' after decimal point in numeric literal"],
    ['1e', "invalid character ' ' in exponent of numeric literal"],
    ['1e+x', "invalid character 'x' in exponent of numeric literal"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ["'", "invalid character '\\'' looking for beginning of value"],
    ['}', "invalid character '}' looking for beginning of value"],
  ])('%j fails with Go text', (input, text) => {
    expect(err(input)).toBe(text);
  });

  it('names a non-ASCII first byte the way Go does (as a Latin-1 rune)', () => {
    expect(err(Uint8Array.of(0xc3))).toBe("invalid character 'Ã' looking for beginning of value");
    expect(err(Uint8Array.of(0x80))).toBe("invalid character '\\u0080' looking for beginning of value");
  });

  it('limits nesting depth', () => {
    expect(err('['.repeat(10001))).toBe('exceeded max depth');
  });
});
