import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { dnsConfSet, jsonSchema, loadConf } from './config';
import plugin from './plugin';

const load = (config: Record<string, unknown>) => loadConf(cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'ptp', ...config } }));

describe('ptp config', () => {
  it('decodes with Go rules: keys in any case, unknown keys ignored', () => {
    expect(load({ MTU: 1400, IPAM: { Type: 'host-local' }, junk: 1 })).toMatchObject({ mtu: 1400, ipam: { type: 'host-local' } });
  });

  it("refuses a wrong type with Go's text, naming the field", () => {
    expect(() => load({ mtu: '1500' })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' }),
    );
  });

  it('defaults, and dns replaces IPAM\'s only when a field of it is set (dnsConfSet)', () => {
    expect(load({})).toMatchObject({ ipMasq: false, mtu: 0 });
    expect(load({ ipMasq: true, ipMasqBackend: 'nftables' })).toMatchObject({ ipMasq: true, ipMasqBackend: 'nftables' });
    expect(dnsConfSet(load({}).dns)).toBe(false);
    expect(dnsConfSet(load({ dns: {} }).dns)).toBe(false);
    expect(dnsConfSet(load({ dns: { nameservers: [] } }).dns)).toBe(true);
    expect(dnsConfSet(load({ dns: { domain: 'x' } }).dns)).toBe(true);
  });

  it('exports a JSON Schema and the plugin object', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['mtu', 'ipam', 'dns']));
    expect(plugin.type).toBe('ptp');
  });
});
