import { describe, expect, it } from 'vitest';
import { parseNetworkAnnotation, parseNetworkObjectName } from './annotations';

describe('networks annotation, comma form', () => {
  it('parses namespaces, names and interface names, keeping duplicates', () => {
    expect(parseNetworkAnnotation('net-a, other-ns/net-b@macvlan1, net-a', 'pod-ns')).toEqual([
      { name: 'net-a', namespace: 'pod-ns' },
      { name: 'net-b', namespace: 'other-ns', interfaceRequest: 'macvlan1' },
      { name: 'net-a', namespace: 'pod-ns' },
    ]);
  });

  it('rejects what upstream rejects, with its texts', () => {
    expect(() => parseNetworkObjectName('a/b/c')).toThrow("parsePodNetworkObjectName: Invalid network object (failed at '/')");
    expect(() => parseNetworkObjectName('a@b@c')).toThrow("Invalid network object (failed at '@')");
    expect(() => parseNetworkObjectName('Net_A')).toThrow("mismatch @ 'Net_A'");
    expect(() => parseNetworkObjectName('a@averyveryverylongname')).toThrow('must be less than 15 chars');
    expect(() => parseNetworkAnnotation('', 'ns')).toThrow('pod annotation does not have "network" as key');
  });

  it('allows interface names upstream allows (not DNS-1123)', () => {
    expect(parseNetworkObjectName('net@eth_1.X')).toEqual({ namespace: '', name: 'net', ifname: 'eth_1.X' });
  });
});

describe('networks annotation, JSON form', () => {
  it('reads every key Multus understands', () => {
    const text = JSON.stringify([
      {
        name: 'net-b',
        namespace: 'other-ns',
        interface: 'eth1',
        ips: ['10.2.2.42/24', '2001:db8::5'],
        mac: '02:23:45:67:89:01',
        'infiniband-guid': '24:8a:07:03:00:8d:ae:2f',
        portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
        bandwidth: { ingressRate: 2048, ingressBurst: 300, egressRate: 8000, egressBurst: 200 },
        'cni-args': { spoofchk: 'on' },
        'default-route': ['10.0.0.1'],
        deviceID: '0000:18:02.5',
        'ipam-claim-reference': 'ignored',
      },
      { name: 'net-c', interfaceRequest: 'legacy0' },
    ]);
    expect(parseNetworkAnnotation(text, 'pod-ns')).toEqual([
      {
        name: 'net-b',
        namespace: 'other-ns',
        interfaceRequest: 'eth1',
        ipRequest: ['10.2.2.42/24', '2001:db8::5'],
        macRequest: '02:23:45:67:89:01',
        infinibandGUIDRequest: '24:8a:07:03:00:8d:ae:2f',
        portMappingsRequest: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
        bandwidthRequest: { ingressRate: 2048, ingressBurst: 300, egressRate: 8000, egressBurst: 200 },
        cniArgs: { spoofchk: 'on' },
        gatewayRequest: ['10.0.0.1'],
        deviceID: '0000:18:02.5',
      },
      { name: 'net-c', namespace: 'pod-ns', interfaceRequest: 'legacy0' },
    ]);
  });

  it('fails the whole annotation on a bad entry', () => {
    expect(() => parseNetworkAnnotation('{"name":"x"}', 'ns')).toThrow(/cannot unmarshal object into Go value of type \[\]\*types.NetworkSelectionElement/);
    expect(() => parseNetworkAnnotation('[{"name":"x","mac":"nope"}]', 'ns')).toThrow('failed to mac: address nope: invalid MAC address');
    expect(() => parseNetworkAnnotation('[{"name":"x","ips":["10.0.0.300"]}]', 'ns')).toThrow('failed to parse IP address "10.0.0.300"');
    expect(() => parseNetworkAnnotation('[{"name":"x","ips":["10.0.0.1/33"]}]', 'ns')).toThrow('failed to parse CIDR "10.0.0.1/33"');
    expect(() => parseNetworkAnnotation('[{"name":"x","default-route":["gw"]}]', 'ns')).toThrow('invalid IP address: gw');
    expect(() => parseNetworkAnnotation('[{"name":1}]', 'ns')).toThrow('json: cannot unmarshal number into Go struct field NetworkSelectionElement.name of type string');
  });

  it('matches keys case-insensitively, as Go does', () => {
    expect(parseNetworkAnnotation('[{"Name":"x","Interface":"e1"}]', 'ns')).toEqual([{ name: 'x', namespace: 'ns', interfaceRequest: 'e1' }]);
  });
});
