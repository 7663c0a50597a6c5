import { DecodeError } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { decodeConf, jsonSchema, parseMode } from './config';
import macvlan from './plugin';

describe('macvlan config', () => {
  it('decodes with Go rules', () => {
    expect(decodeConf({ name: 'n', Master: 'eth0', MODE: 'vepa', mtu: 1400, ipam: { type: 'host-local', subnet: 'x' }, runtimeConfig: { MAC: '02:00:00:00:00:01' }, extra: 1 })).toEqual({
      name: 'n',
      master: 'eth0',
      mode: 'vepa',
      mtu: 1400,
      ipam: { type: 'host-local', subnet: 'x' },
      runtimeConfig: { mac: '02:00:00:00:00:01' },
    });
  });

  it('names the field of a type error and keeps upstream wording', () => {
    let e: unknown;
    try {
      decodeConf({ bcqueuelen: -1 }, 'failed to load netConf');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).toJSON()).toEqual({
      code: 999,
      msg: 'failed to load netConf: json: cannot unmarshal number -1 into Go struct field NetConf.bcqueuelen of type uint32',
      details: 'bcqueuelen',
    });
  });

  it('exports a JSON Schema of what users write', () => {
    const s = jsonSchema() as { type: string; properties: Record<string, { type?: string; description?: string }> };
    expect(s.type).toBe('object');
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['master', 'mode', 'mtu', 'mac', 'linkInContainer', 'bcqueuelen', 'ipam', 'dns', 'runtimeConfig']));
    expect(s.properties.mtu?.type).toBe('integer');
    expect(s.properties.master?.description).toMatch(/default route/);
  });

  it('parses modes as upstream', () => {
    expect(parseMode(undefined)).toBe('bridge');
    expect(parseMode('')).toBe('bridge');
    expect(parseMode('passthru')).toBe('passthru');
    expect(() => parseMode('source')).toThrow('unknown macvlan mode: "source"');
  });

  it('the plugin object', () => {
    expect(macvlan.type).toBe('macvlan');
    expect(macvlan.gc).toBeUndefined();
    expect(macvlan.configSchema?.()).toBeDefined();
  });
});
