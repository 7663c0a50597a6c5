import { describe, expect, it } from 'vitest';
import { parseResolvConf } from './dns';

describe('parseResolvConf', () => {
  it('reads nameserver, domain, search and options like upstream', () => {
    const text = [
      '# comment',
      '; another',
      '  nameserver 10.0.0.53  ',
      'nameserver 10.0.0.54 ignored',
      'domain a.example',
      'domain b.example',
      'search x.example y.example',
      'search z.example',
      'options ndots:5 edns0\r',
      'options',
      'sortlist 10.0.0.0',
    ].join('\n');
    expect(parseResolvConf(text)).toEqual({
      nameservers: ['10.0.0.53', '10.0.0.54'],
      domain: 'b.example',
      search: ['x.example', 'y.example', 'z.example'],
      options: ['ndots:5', 'edns0'],
    });
    expect(parseResolvConf('')).toEqual({});
  });
});
