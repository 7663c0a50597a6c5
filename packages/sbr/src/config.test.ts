import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf, staticGateways } from './config';
import plugin from './plugin';

const req = (config: Record<string, unknown>) => cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'sbr', ...config } });

describe('sbr config', () => {
  it('decodes with Go rules (keys in any case, *int table, the prefix of parseConfig)', () => {
    expect(loadConf(req({ TABLE: 7, AddSourceHints: true, gateways: ['10.0.0.1'] })).conf).toMatchObject({ table: 7, addSourceHints: true, gateways: ['10.0.0.1'] });
    expect(loadConf(req({})).conf).toMatchObject({ addSourceHints: false });
    expect(() => loadConf(req({ table: 'x' }))).toThrow(
      expect.objectContaining({ msg: 'failed to parse network configuration: json: cannot unmarshal string into Go struct field PluginConf.table of type int' }),
    );
  });

  it('static gateways: one per family at most, as upstream words it', () => {
    expect(staticGateways(undefined)).toEqual({});
    expect(staticGateways(['fd00::1', '10.0.0.1'])).toEqual({ v4: '10.0.0.1', v6: 'fd00::1' });
    expect(() => staticGateways(['10.0.0.1', 'fd00::1', '10.0.0.2'])).toThrow('gateways list cannot contain more than 2 entries (one IPv4, one IPv6)');
    expect(() => staticGateways(['zz'])).toThrow('invalid static gateway IP address: zz');
    expect(() => staticGateways(['fd00::1', 'fd00::2'])).toThrow('gateways list contains multiple IPv6 addresses: fd00::1 and fd00::2');
  });

  it('ADD needs a previous result with addresses', async () => {
    await expect(async () => plugin.add(req({}))).rejects.toThrow('This plugin must be called as chained plugin');
    await expect(async () => plugin.add({ ...req({ prevResult: { cniVersion: '1.0.0' } }), ifname: 'eth1' })).rejects.toThrow('No IP addresses supplied on interface: eth1');
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['table', 'gateways', 'addSourceHints']));
  });
});
