import { describe, expect, it } from 'vitest';
import { cniArgs, K8S_ARGS, loadArgs } from './args';

describe('loadArgs (types.LoadArgs)', () => {
  const spec = { IP: 'ip', MAC: 'string', ...K8S_ARGS } as const;

  it('decodes known keys', () => {
    expect(loadArgs('IP=10.0.0.5;MAC=aa:bb;K8S_POD_NAME=p', spec)).toEqual({ IP: '10.0.0.5', MAC: 'aa:bb', K8S_POD_NAME: 'p' });
    expect(loadArgs('', spec)).toEqual({});
  });

  it('ignores unknown keys only with IgnoreUnknown true (evaluated at the end)', () => {
    expect(loadArgs('FOO=bar;IgnoreUnknown=1', spec)).toEqual({ IgnoreUnknown: true });
    expect(loadArgs('IgnoreUnknown=TRUE;FOO=bar', spec)).toEqual({ IgnoreUnknown: true });
    expect(() => loadArgs('FOO=bar;ip=1.2.3.4', spec)).toThrow('ARGS: unknown args ["FOO=bar" "ip=1.2.3.4"]');
    expect(() => loadArgs('IgnoreUnknown=0;FOO=bar', spec)).toThrow('ARGS: unknown args ["FOO=bar"]');
  });

  it('rejects malformed pairs and values with Go texts', () => {
    expect(() => loadArgs('A=b=c', spec)).toThrow('ARGS: invalid pair "A=b=c"');
    expect(() => loadArgs('A=b;', spec)).toThrow('ARGS: invalid pair ""');
    expect(() => loadArgs('IgnoreUnknown=Yes', spec)).toThrow(
      'ARGS: error parsing value of pair "IgnoreUnknown=Yes": boolean unmarshal error: invalid input yes',
    );
    expect(() => loadArgs('IP=zz', spec)).toThrow('ARGS: error parsing value of pair "IP=zz": invalid IP address: zz');
    expect(() => loadArgs('CommonArgs=x', spec)).toThrow("ARGS: cannot unmarshal into field 'CommonArgs'");
  });

  it('exposes raw text and pairs', () => {
    const a = cniArgs('IgnoreUnknown=1;K8S_POD_NAME=a=b');
    expect(a.raw).toBe('IgnoreUnknown=1;K8S_POD_NAME=a=b');
    expect(a.pairs()).toEqual([
      ['IgnoreUnknown', '1'],
      ['K8S_POD_NAME', 'a=b'],
    ]);
  });
});
