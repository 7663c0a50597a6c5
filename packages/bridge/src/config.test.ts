import { describe, expect, it } from 'vitest';
import { CniError } from '@cni-ts/cni';
import { decodeConf as decodeNetConf, jsonSchema, loadNetConf } from './config';

const base = { cniVersion: '1.0.0', name: 'n', type: 'bridge' };

function fails(conf: Record<string, unknown>, args = '') {
  try {
    loadNetConf({ ...base, ...conf }, args);
  } catch (err) {
    expect(err).toBeInstanceOf(CniError);
    return (err as CniError).toJSON();
  }
  throw new Error('expected a failure');
}

describe('loadNetConf', () => {
  it('applies upstream defaults', () => {
    expect(loadNetConf(base, '')).toMatchObject({
      brName: 'cni0',
      isGW: false,
      isDefaultGW: false,
      mtu: 0,
      vlan: 0,
      vlans: [],
      hasVlanTrunk: false,
      preserveDefaultVlan: false,
      ipMasqBackend: undefined,
      mac: '',
      ipamType: '',
      dns: {},
    });
  });

  it('matches keys as Go does: exact first, else case-insensitive, last one wins, null leaves the default', () => {
    expect(loadNetConf({ ...base, BRIDGE: 'a', Bridge: 'b' }, '').brName).toBe('b');
    expect(loadNetConf({ ...base, bridge: null }, '').brName).toBe('cni0');
    expect(loadNetConf({ ...base, ISGATEWAY: true, HairpinMode: true, IPAM: { Type: 'host-local' } }, '')).toMatchObject({ isGW: true, hairpinMode: true, ipamType: 'host-local' });
  });

  it('words type errors as Go, the first in document order, with the field in details', () => {
    expect(fails({ mtu: '1500' })).toEqual({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' });
    expect(fails({ vlan: 1.5 }).msg).toBe('failed to load netconf: json: cannot unmarshal number 1.5 into Go struct field NetConf.vlan of type int');
    expect(fails({ promiscMode: 1, mtu: 'x' }).msg).toContain('NetConf.promiscMode of type bool');
    expect(fails({ mtu: 'x', promiscMode: 1 }).msg).toContain('NetConf.mtu of type int');
    expect(fails({ args: { cni: { mac: 5 } } }).msg).toBe('failed to load netconf: json: cannot unmarshal number into Go struct field BridgeArgs.args.cni.mac of type string');
    expect(fails({ args: { cni: 5 } }).msg).toBe('failed to load netconf: json: cannot unmarshal number into Go struct field .args.cni of type main.BridgeArgs');
    expect(fails({ runtimeConfig: { mac: 5 } }).msg).toBe('failed to load netconf: json: cannot unmarshal number into Go struct field .runtimeConfig.mac of type string');
    expect(fails({ vlanTrunk: [{ id: 'x' }] })).toEqual({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field VlanTrunk.vlanTrunk.id of type int', details: 'vlanTrunk[0].id' });
    expect(fails({ vlanTrunk: {} }).msg).toBe('failed to load netconf: json: cannot unmarshal object into Go struct field NetConf.vlanTrunk of type []*main.VlanTrunk');
    expect(fails({ ipam: [] }).msg).toBe('failed to load netconf: json: cannot unmarshal array into Go struct field NetConf.ipam of type types.IPAM');
    expect(fails({ dns: { nameservers: [5] } }).msg).toBe('failed to load netconf: json: cannot unmarshal number into Go struct field DNS.dns.nameservers of type string');
    expect(fails({ prevResult: [] }).msg).toBe('failed to load netconf: json: cannot unmarshal array into Go struct field NetConf.prevResult of type map[string]interface {}');
    expect(fails({ ipMasqBackend: 5 }).msg).toBe('failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.ipMasqBackend of type string');
  });

  it('checks vlan and vlanTrunk after decoding', () => {
    expect(fails({ vlan: 4095 })).toEqual({ code: 999, msg: 'invalid VLAN ID 4095 (must be between 0 and 4094)', details: 'vlan' });
    expect(fails({ vlan: -100 }).msg).toBe('invalid VLAN ID -100 (must be between 0 and 4094)');
    expect(fails({ vlanTrunk: [{ minID: 0, maxID: 5 }] }).msg).toBe('incorrect trunk minID parameter');
    expect(fails({ vlanTrunk: [{ minID: 5, maxID: 4095 }] }).msg).toBe('incorrect trunk maxID parameter');
    expect(fails({ vlanTrunk: [{ minID: 9, maxID: 5 }] }).msg).toBe('minID is greater than maxID in trunk parameter');
    expect(fails({ vlanTrunk: [{ maxID: 5 }] }).msg).toBe('minID and maxID should be configured simultaneously, minID is missing');
    expect(fails({ vlanTrunk: [{ id: 1 }, { id: 0 }] })).toEqual({ code: 999, msg: 'incorrect trunk id parameter', details: 'vlanTrunk[1].id' });
    expect(loadNetConf({ ...base, vlan: 7, vlanTrunk: [{ id: 30 }, { minID: 10, maxID: 12 }, { id: 11 }, null] }, '')).toMatchObject({ vlan: 7, vlans: [10, 11, 12, 30], hasVlanTrunk: true });
    // [] still asks for VLAN filtering; null is absent.
    expect(loadNetConf({ ...base, vlanTrunk: [] }, '')).toMatchObject({ vlans: [], hasVlanTrunk: true });
    expect(loadNetConf({ ...base, vlanTrunk: null }, '')).toMatchObject({ hasVlanTrunk: false });
  });

  it('takes the MAC from CNI_ARGS, then args.cni, then runtimeConfig', () => {
    expect(loadNetConf(base, 'MAC=02:00:00:00:00:01').mac).toBe('02:00:00:00:00:01');
    expect(loadNetConf({ ...base, args: { cni: { mac: '02:00:00:00:00:02' } } }, 'MAC=02:00:00:00:00:01').mac).toBe('02:00:00:00:00:02');
    expect(loadNetConf({ ...base, args: { cni: { mac: 'b' } }, runtimeConfig: { mac: 'c' } }, 'MAC=a').mac).toBe('c');
    expect(loadNetConf({ ...base, runtimeConfig: { mac: '' } }, 'IgnoreUnknown=1;MAC=a;K8S_POD_NAME=p').mac).toBe('a');
    expect(fails({}, 'FOO=bar')).toEqual({ code: 999, msg: 'ARGS: unknown args ["FOO=bar"]', details: 'CNI_ARGS' });
    expect(fails({}, 'MAC').msg).toBe('ARGS: invalid pair "MAC"');
  });

  it('decodeNetConf (STATUS) does not check VLANs', () => {
    expect(decodeNetConf({ ...base, vlan: 9999 }).vlan).toBe(9999);
  });
});

describe('jsonSchema', () => {
  it('describes every option with its default', () => {
    const js = jsonSchema() as { properties: Record<string, { type?: string; default?: unknown; description?: string }> };
    for (const k of ['bridge', 'isGateway', 'isDefaultGateway', 'forceAddress', 'ipMasq', 'ipMasqBackend', 'mtu', 'hairpinMode', 'promiscMode', 'vlan', 'vlanTrunk', 'preserveDefaultVlan', 'macspoofchk', 'enabledad', 'disableContainerInterface', 'portIsolation', 'args', 'runtimeConfig', 'ipam', 'dns']) {
      expect(js.properties[k], k).toBeDefined();
      expect(js.properties[k]!.description, k).toBeTruthy();
    }
    expect(js.properties.bridge).toMatchObject({ type: 'string', default: 'cni0' });
    expect(js.properties.mtu).toMatchObject({ type: 'integer', default: 0 });
  });
});
