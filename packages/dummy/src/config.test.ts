import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { ipamType, jsonSchema, loadConf } from './config';
import plugin from './plugin';

const load = (config: Record<string, unknown>) => loadConf(cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'dummy', ...config } }));

describe('dummy config', () => {
  it('decodes with Go rules: keys in any case, unknown keys ignored', () => {
    expect(load({ IPAM: { Type: 'host-local' }, junk: 1 })).toMatchObject({ ipam: { type: 'host-local' } });
  });

  it("refuses a wrong type with Go's text and upstream's prefix, naming the field", () => {
    expect(() => load({ ipam: 'host-local' })).toThrow(
      expect.objectContaining({
        code: 999,
        msg: 'failed to parse network config: json: cannot unmarshal string into Go struct field NetConf.ipam of type types.IPAM',
        details: 'ipam',
      }),
    );
  });

  it('requires an IPAM type', () => {
    expect(() => ipamType(load({}))).toThrow('dummy interface requires an IPAM configuration');
    expect(() => ipamType(load({ ipam: {} }))).toThrow('dummy interface requires an IPAM configuration');
    expect(ipamType(load({ ipam: { type: 'static' } }))).toBe('static');
  });

  it('exports a JSON Schema and the plugin object', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['ipam', 'dns']));
    expect(plugin.type).toBe('dummy');
  });
});
