import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { bandwidthOf, jsonSchema, loadConf } from './config';
import plugin, { ifbName } from './plugin';

const req = (config: Record<string, unknown>) => cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'bandwidth', ...config } });

describe('bandwidth config', () => {
  it('decodes with Go rules (keys case-insensitive, uint64, the prefix of parseConfig)', () => {
    expect(loadConf(req({ INGRESSRATE: 8, ingressburst: 16 })).bandwidth).toEqual({ ingressRate: 8, ingressBurst: 16, egressRate: 0, egressBurst: 0 });
    expect(() => loadConf(req({ egressRate: -1 }))).toThrow(
      expect.objectContaining({ msg: 'failed to parse network configuration: json: cannot unmarshal number -1 into Go struct field PluginConf.egressRate of type uint64' }),
    );
  });

  it('a top-level key, even 0, wins over the capability as a whole', () => {
    const rc = { runtimeConfig: { bandwidth: { egressRate: 100, egressBurst: 10 } } };
    expect(bandwidthOf(loadConf(req(rc)).conf)).toEqual({ ingressRate: 0, ingressBurst: 0, egressRate: 100, egressBurst: 10 });
    expect(bandwidthOf(loadConf(req({ ...rc, ingressRate: 0 })).conf)).toEqual({ ingressRate: 0, ingressBurst: 0, egressRate: 0, egressBurst: 0 });
    expect(loadConf(req({})).bandwidth).toBeUndefined();
    expect(loadConf(req({ runtimeConfig: { bandwidth: null } })).bandwidth).toBeUndefined();
  });

  it('validates rate and burst of the entry in force, as upstream words it', () => {
    expect(() => loadConf(req({ ingressRate: 1 }))).toThrow('if rate is set, burst must also be set');
    expect(() => loadConf(req({ runtimeConfig: { bandwidth: { egressBurst: 1 } } }))).toThrow('if burst is set, rate must also be set');
    expect(() => loadConf(req({ egressRate: 1, egressBurst: 8 * 0xffffffff }))).toThrow('burst cannot be more than 4GB');
    // The capability is not validated when the top level wins.
    expect(() => loadConf(req({ ingressRate: 0, runtimeConfig: { bandwidth: { egressBurst: 1 } } }))).not.toThrow();
  });

  it('names the IFB bwp + 12 hex digits of sha512(network name + container ID)', () => {
    expect(ifbName('mynet', 'abc123')).toBe('bwp70a29d9dc18b');
  });

  it('ADD without prevResult is an error (upstream panics), with no shaping it passes prevResult on', async () => {
    await expect(async () => plugin.add(req({}))).rejects.toThrow('must be called as chained plugin');
    const prevResult = { cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }] };
    expect(await plugin.add(req({ prevResult }))).toMatchObject({ cniVersion: '1.1.0', ips: [{ address: '10.1.0.5/24' }] });
    expect(await plugin.add(req({ prevResult, runtimeConfig: { bandwidth: {} } }))).toMatchObject({ ips: [{ address: '10.1.0.5/24' }] });
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['ingressRate', 'egressBurst', 'runtimeConfig']));
  });
});
