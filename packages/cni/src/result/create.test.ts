import { describe, expect, it } from 'vitest';
import { createResult, createResultFromBytes, parsePrevResult } from './create';

describe('createResult', () => {
  it('decodes with Go rules: case-insensitive keys, canonical addresses, "" gateway absent', () => {
    expect(
      createResult('1.0.0', {
        CNIVersion: '1.0.0',
        IPS: [{ Address: '2001:DB8::5/64', gateway: '', Interface: 0, extra: 1 }],
        routes: [{ dst: '0.0.0.0/0', gw: null }],
        junk: true,
      }),
    ).toEqual({ cniVersion: '1.0.0', ips: [{ address: '2001:db8::5/64', interface: 0 }], routes: [{ dst: '0.0.0.0/0' }] });
  });

  it('accepts an empty version in the 020 family as 0.1.0', () => {
    expect(createResult('0.2.0', { ip4: { ip: '10.0.0.1/8' } })).toEqual({ cniVersion: '0.1.0', ip4: { ip: '10.0.0.1/8' } });
  });

  it('fails with Go texts', () => {
    expect(() => createResult('9.9.9', {})).toThrow('unsupported CNI result version "9.9.9"');
    expect(() => createResult('1.1.0', { cniVersion: '0.4.0' })).toThrow('result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"');
    expect(() => createResult('0.4.0', {})).toThrow('result type supports [0.3.0 0.3.1 0.4.0] but unmarshalled CNIVersion is ""');
    expect(() => createResult('0.1.0', { cniVersion: '1.0.0' })).toThrow('result type supports [ 0.1.0 0.2.0] but unmarshalled CNIVersion is "1.0.0"');
    expect(() => createResult('1.0.0', { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1' }] })).toThrow('ips[0].address: invalid CIDR address: 10.0.0.1');
    expect(() => createResult('1.0.0', { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/8', gateway: 'zz' }] })).toThrow('invalid IP address: zz');
    expect(() => createResult('1.0.0', { cniVersion: '1.0.0', ips: [{ interface: 1.5 }] })).toThrow('ips[0].interface');
  });

  it('creates from bytes with the result own version', () => {
    expect(createResultFromBytes('{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.0.0.1/8"}]}')).toEqual({
      cniVersion: '0.3.1',
      ips: [{ version: '4', address: '10.0.0.1/8' }],
    });
    expect(createResultFromBytes('{"ip4":{"ip":"10.0.0.1/8"}}').cniVersion).toBe('0.1.0');
  });
});

describe('parsePrevResult', () => {
  it('is undefined when absent', () => {
    expect(parsePrevResult(undefined, '1.0.0')).toBeUndefined();
  });

  it('takes the config version when the prevResult has none', () => {
    expect(parsePrevResult({ ips: [{ address: '10.0.0.1/8' }] }, '1.0.0')).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/8' }] });
  });

  it('keeps its own version inside the config family', () => {
    expect(parsePrevResult({ cniVersion: '0.4.0', ips: [] }, '0.3.1')?.cniVersion).toBe('0.4.0');
  });

  it('fails across families (issue #862)', () => {
    expect(() => parsePrevResult({ cniVersion: '0.4.0' }, '1.0.0')).toThrow(
      'could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"',
    );
  });

  it('lets a lower-case cniVersion beat other spellings, as Go sorted-map re-decoding does', () => {
    expect(parsePrevResult({ CNIVERSION: '0.3.0', cniVersion: '0.3.1' }, '0.4.0')?.cniVersion).toBe('0.3.1');
    expect(parsePrevResult({ CNIVersion: '0.3.0' }, '0.4.0')?.cniVersion).toBe('0.3.0');
  });
});
