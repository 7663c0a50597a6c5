import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadIPAMConfig as load } from './config';

const loadIPAMConfig = (config: unknown, args = '') => load(cniRequest({ config: config as Record<string, unknown>, args }));
import { formatAddr as formatIP } from '@cni-ts/cni/ip';
import { rangeSetString } from './rangeset';

const conf = (ipam: unknown, extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', name: 'n1', ipam, ...extra });
const sets = (c: ReturnType<typeof loadIPAMConfig>) => c.ranges.map(rangeSetString);

function fails(stdin: unknown, message: string, field?: string) {
  expect(() => loadIPAMConfig(stdin)).toThrow(expect.objectContaining(field === undefined ? { msg: message } : { msg: message, details: field }));
}

describe('loadIPAMConfig', () => {
  it('merges ipRanges, the legacy range and ranges, in that order', () => {
    const c = loadIPAMConfig(
      conf(
        { subnet: '10.2.0.0/24', rangeStart: '10.2.0.10', ranges: [[{ subnet: '10.3.0.0/24' }], [{ subnet: 'fd00::/64' }]] },
        { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/24' }]] } },
      ),
    );
    expect(sets(c)).toEqual([
      '10.1.0.1-10.1.0.254',
      '10.2.0.10-10.2.0.254',
      '10.3.0.1-10.3.0.254',
      'fd00::1-fd00::ffff:ffff:ffff:ffff',
    ]);
  });

  it('ignores a legacy rangeStart without subnet', () => {
    expect(sets(loadIPAMConfig(conf({ rangeStart: '10.9.0.5', ranges: [[{ subnet: '10.1.0.0/24' }]] })))).toEqual([
      '10.1.0.1-10.1.0.254',
    ]);
  });

  it('matches keys case-insensitively and drops unknown ones', () => {
    const c = loadIPAMConfig({ cniVersion: '1.0.0', name: 'n1', IPAM: { TYPE: 'host-local', SUBNET: '10.1.0.0/24', RangeSTART: '10.1.0.5', datadir: '/x', foo: 1 } });
    expect(sets(c)).toEqual(['10.1.0.5-10.1.0.254']);
    expect(c.dataDir).toBe('/x');
  });

  it('gathers requested addresses: CNI_ARGS, then args, then runtimeConfig', () => {
    const c = loadIPAMConfig(
      conf({ subnet: '10.1.0.0/24' }, { args: { cni: { ips: ['10.1.0.6/24'] } }, runtimeConfig: { ips: ['10.1.0.7'] } }),
      'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.5/16',
    );
    expect(c.requestedIPs.map(formatIP)).toEqual(['10.1.0.5', '10.1.0.6', '10.1.0.7']);
  });

  it('treats null as unset, except for a subnet', () => {
    expect(sets(loadIPAMConfig(conf({ subnet: '10.1.0.0/24', rangeStart: null, routes: null })))).toEqual(['10.1.0.1-10.1.0.254']);
    fails(conf({ subnet: null }), 'invalid CIDR address: ', 'ipam.subnet');
    fails(conf({ ranges: [[{ subnet: '10.1.0.0/24', rangeStart: '' }], [null]] }), 'invalid range set 1: IP <nil> not v4 nor v6');
  });

  it.each([
    [{ cniVersion: '1.0.0', name: 'n1' }, "IPAM config missing 'ipam' key", 'ipam'],
    [conf({}), 'no IP ranges specified', 'ipam.ranges'],
    [conf({ subnet: '10.1.0.0/32' }), 'invalid range set 0: Network 10.1.0.0/32 too small to allocate from', 'ipam.subnet'],
    [
      conf({ ranges: [[{ subnet: '10.1.0.0/24' }, { subnet: '10.2.0.0/24', rangeStart: '10.3.0.1' }]] }),
      'invalid range set 0: RangeStart 10.3.0.1 not in network 10.2.0.0/24',
      'ipam.ranges[0][1].rangeStart',
    ],
    [conf({ ranges: [[]] }), 'invalid range set 0: empty range set', 'ipam.ranges[0]'],
    [conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.1.0.0/25' }]] }), 'range set 0 overlaps with 1', 'ipam.ranges[1]'],
    [conf({ subnet: '10.1.0.0/33' }), 'invalid CIDR address: 10.1.0.0/33', 'ipam.subnet'],
    [conf({ subnet: '10.1.0.0/24', gateway: 'zz' }), 'invalid IP address: zz', 'ipam.gateway'],
    [conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: ['zz'] } }), 'invalid IP address zz', 'runtimeConfig.ips[0]'],
    [conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: [''] } }), 'cannot understand ip: IP <nil> not v4 nor v6'],
    [
      conf({ ranges: 'x' }),
      'json: cannot unmarshal string into Go struct field IPAMConfig.ipam.ranges of type []allocator.RangeSet',
      'ipam.ranges',
    ],
    [
      conf({ ranges: [[{ subnet: '10.0.0.0/24', rangeStart: 5 }]] }),
      'json: cannot unmarshal number into Go struct field Range.ipam.ranges.rangeStart of type net.IP',
      'ipam.ranges[0][0].rangeStart',
    ],
    [
      conf({ ranges: [[{ subnet: 5 }]] }),
      'json: cannot unmarshal number into Go struct field Range.ipam.ranges.subnet of type string',
    ],
    [conf({ subnet: '10.1.0.0/24', dataDir: 5 }), 'json: cannot unmarshal number into Go struct field IPAMConfig.ipam.dataDir of type string'],
    [{ cniVersion: '1.0.0', name: 'n1', ipam: 'x' }, 'json: cannot unmarshal string into Go struct field Net.ipam of type allocator.IPAMConfig'],
    [
      conf({ subnet: '10.1.0.0/24' }, { args: { cni: { ips: [5] } } }),
      'json: cannot unmarshal number into Go struct field IPAMArgs.args.cni.ips of type *ip.IP',
    ],
    [
      { ...conf({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24' }]] }), cniVersion: '0.2.0' },
      'CNI version 0.2.0 does not support more than 1 address per family',
    ],
  ])('rejects %j', (stdin, message, field?: string) => fails(stdin, message, field));

  it.each([
    ['FOO=bar', 'ARGS: unknown args ["FOO=bar"]'],
    ['ip=1.2.3.4', 'ARGS: unknown args ["ip=1.2.3.4"]'],
    ['IP=zz', 'ARGS: error parsing value of pair "IP=zz": invalid IP address zz'],
    ['IP=a=b', 'ARGS: invalid pair "IP=a=b"'],
    ['IgnoreUnknown=x', 'ARGS: error parsing value of pair "IgnoreUnknown=x": boolean unmarshal error: invalid input x'],
  ])('rejects CNI_ARGS %s', (args, message) => {
    expect(() => loadIPAMConfig(conf({ subnet: '10.1.0.0/24' }), args)).toThrow(expect.objectContaining({ msg: message, details: 'CNI_ARGS' }));
  });

  it('exports a JSON Schema', () => {
    const s = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['ipam', 'runtimeConfig', 'args']));
  });
});
