import { describe, expect, it } from 'vitest';
import { decodeConf as decodeNetConf, jsonSchema, parseFlag, parseMode } from './config';
import ipvlan from './plugin';

describe('ipvlan config', () => {
  it('decodes with Go rules', () => {
    expect(decodeNetConf({ name: 'n', MASTER: 'eth0', mode: 'l3s', Flag: 'private', mtu: 1400, linkInContainer: true, ipam: { type: 'static' } })).toEqual({
      name: 'n',
      master: 'eth0',
      mode: 'l3s',
      flag: 'private',
      mtu: 1400,
      linkInContainer: true,
      ipam: { type: 'static' },
    });
    expect(() => decodeNetConf({ mtu: 'x' })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' }),
    );
  });

  it('exports a JSON Schema', () => {
    const s = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['master', 'mode', 'flag', 'mtu', 'linkInContainer', 'ipam', 'dns']));
  });

  it('modes and flags', () => {
    expect(parseMode('')).toBe('l2');
    expect(parseMode('l3s')).toBe('l3s');
    expect(() => parseMode('l4')).toThrow('unknown ipvlan mode: "l4"');
    expect(parseFlag(undefined)).toBe('bridge');
    expect(parseFlag('vepa')).toBe('vepa');
    expect(() => parseFlag('x')).toThrow('unknown ipvlan flag: "x"');
  });

  it('the plugin object', () => {
    expect(ipvlan.type).toBe('ipvlan');
    expect(ipvlan.gc).toBeUndefined();
  });
});
