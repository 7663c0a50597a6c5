import { describe, expect, it } from 'vitest';
import { ConfigError, decodeNetConf, jsonSchema } from './config';
import { parseMode } from './mode';
import { macvlan } from './plugin';

describe('macvlan config', () => {
  it('decodes with Go rules', () => {
    expect(decodeNetConf({ name: 'n', Master: 'eth0', MODE: 'vepa', mtu: 1400, ipam: { type: 'host-local', subnet: 'x' }, runtimeConfig: { MAC: '02:00:00:00:00:01' }, extra: 1 })).toEqual({
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
      decodeNetConf({ bcqueuelen: -1 }, 'failed to load netConf');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe('failed to load netConf: json: cannot unmarshal number -1 into Go struct field NetConf.bcqueuelen of type uint32');
    expect((e as ConfigError).field).toBe('bcqueuelen');
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

  it('the plugin object', async () => {
    expect(macvlan.type).toBe('macvlan');
    expect(macvlan.gc).toBeUndefined();
    expect(await macvlan.configSchema?.()).toBeDefined();
  });
});
