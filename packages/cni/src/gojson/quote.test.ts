import { describe, expect, it } from 'vitest';
import { goList, goQuote, goQuoteChar, goQuoteList } from './quote';

describe('go quoting', () => {
  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\')).toBe('"a\\"b\\\\"');
    expect(goQuote('\x07\n\x01\x7f')).toBe('"\\a\\n\\x01\\x7f"');
    expect(goQuote('é\u00a0\u200b')).toBe('"é\\u00a0\\u200b"');
    expect(goQuote('😀')).toBe('"😀"');
  });

  it('renders slices as %q and %s do', () => {
    expect(goQuoteList(['0.1.0', '0.2.0'])).toBe('["0.1.0" "0.2.0"]');
    expect(goQuoteList([])).toBe('[]');
    expect(goList(['', '0.1.0', '0.2.0'])).toBe('[ 0.1.0 0.2.0]');
  });

  it('quotes scanner bytes', () => {
    expect(goQuoteChar(0x27)).toBe("'\\''");
    expect(goQuoteChar(0x22)).toBe(`'"'`);
    expect(goQuoteChar(0x20)).toBe("' '");
    expect(goQuoteChar(0x0a)).toBe("'\\n'");
  });
});
