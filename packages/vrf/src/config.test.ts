import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf } from './config';
import plugin from './plugin';

const load = (config: Record<string, unknown>) => loadConf(cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'vrf', ...config } }));

describe('vrf config', () => {
  it('decodes with Go rules; table defaults to 0 (pick one); prevResult may be absent (DEL)', () => {
    expect(load({ VRFName: 'blue', Table: 7 })).toMatchObject({ vrfname: 'blue', table: 7, result: undefined });
    expect(load({ vrfname: 'blue' }).table).toBe(0);
  });

  it("refuses what upstream refuses, with its texts", () => {
    expect(() => load({})).toThrow('configuration is expected to have a valid vrf name');
    expect(() => load({ vrfname: 'blue', table: -1 })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal number -1 into Go struct field VRFNetConf.table of type uint32', details: 'table' }),
    );
    expect(() => load({ vrfname: 'blue', prevResult: { cniVersion: '1.0.0', ips: 'x' } })).toThrow(/^could not parse prevResult: /);
  });

  it('exports a JSON Schema and the plugin object (spec versions from 0.3.1)', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['vrfname', 'table']));
    expect(plugin.supportedVersions).toEqual(['0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  });
});
