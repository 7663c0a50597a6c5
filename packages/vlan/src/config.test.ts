import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { decodeConf, jsonSchema, validateConf } from './config';
import plugin from './plugin';

const load = (config: Record<string, unknown>) => validateConf(decodeConf(cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'vlan', ...config } })));

describe('vlan config', () => {
  it('decodes with Go rules: keys in any case, unknown keys ignored; vlanId defaults to 0', () => {
    expect(load({ Master: 'eth0', VLANID: 7, MTU: 1400, junk: 1 })).toMatchObject({ master: 'eth0', vlanId: 7, mtu: 1400 });
    expect(load({ master: 'eth0' }).vlanId).toBe(0);
  });

  it("refuses wrong types and ranges with upstream's texts", () => {
    expect(() => load({ master: 'eth0', vlanId: 1.5 })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal number 1.5 into Go struct field NetConf.vlanId of type int', details: 'vlanId' }),
    );
    expect(() => load({ vlanId: 1 })).toThrow('"master" field is required. It specifies the host interface name to create the VLAN for');
    expect(() => load({ master: 'eth0', vlanId: -1 })).toThrow('invalid VLAN ID -1 (must be between 0 and 4095 inclusive)');
    expect(() => load({ master: 'eth0', vlanId: 4095 })).toThrow('invalid VLAN ID 4095 (must be between 0 and 4095 inclusive)');
    expect(load({ master: 'eth0', vlanId: 4094 }).vlanId).toBe(4094);
  });

  it('exports a JSON Schema and the plugin object', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['master', 'vlanId', 'mtu', 'linkInContainer', 'ipam']));
    expect(plugin.type).toBe('vlan');
  });
});
