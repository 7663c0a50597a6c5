import { describe, expect, it } from 'vitest';
import { cniRequest } from '@cni-ts/cni';
import { jsonSchema as loopbackJsonSchema, loadConf as parseConf } from './config';
import loopback from './plugin';

const req = (config: Record<string, unknown>) => cniRequest({ containerId: 'c', netns: '/x', ifname: 'eth0', config });

describe('loopback config', () => {
  it('parses the common fields, keys matched case-insensitively', () => {
    expect(parseConf(req({ CNIVERSION: '1.0.0', name: 'n', type: 'loopback', extra: { a: 1 } }))).toEqual({ cniVersion: '1.0.0' });
  });

  it('parses prevResult in the config version', () => {
    const prev = { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.2/24' }] };
    expect(parseConf(req({ cniVersion: '0.4.0', name: 'n', prevResult: prev })).prevResult).toEqual({ ...prev, dns: undefined });
  });

  it("rejects bad fields with upstream's code and text, and the field path in details", () => {
    expect(() => parseConf(req({ cniVersion: '1.0.0', name: 'n', capabilities: { portMappings: 'yes' } }))).toThrow(
      expect.objectContaining({
        code: 999,
        msg: 'failed to parse network config: json: cannot unmarshal string into Go struct field PluginConf.capabilities of type bool',
        details: 'capabilities.portMappings',
      }),
    );
    expect(() => parseConf(req({ cniVersion: '1.0.0', name: 'n', prevResult: { ips: [{ address: 'x' }] } }))).toThrow(
      'failed to parse prevResult: could not parse prevResult: ips[0].address: invalid CIDR address: x',
    );
  });

  it('exports a JSON Schema and a lazily loaded zod schema', async () => {
    expect(loopbackJsonSchema()).toMatchObject({ type: 'object', properties: { cniVersion: { type: 'string' }, prevResult: { type: 'object' } } });
    expect(loopback.configSchema?.()).toBeDefined();
  });
});
