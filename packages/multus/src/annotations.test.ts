import { describe, expect, it } from 'vitest';
import { invalidInterfaceName, invalidNadName, invalidNamespace, MAX_ANNOTATION_BYTES, parseNetworkAnnotation, parseNetworkObjectName, type AnnotationError } from './annotations';

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

describe('untrusted names (issue 18): checked where they enter, errors name the field', () => {
  const field = (text: string, ns = 'pod-ns', key?: string) => {
    try {
      parseNetworkAnnotation(text, ns, key);
    } catch (err) {
      return [(err as AnnotationError).field, (err as Error).message];
    }
    return undefined;
  };

  it('interface names follow the skeleton rule for CNI_IFNAME in both forms', () => {
    for (const [text, f] of [
      ['[{"name":"a","interface":"../../etc/x"}]', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['[{"name":"a"},{"name":"a","interface":"a:b"}]', 'k8s.v1.cni.cncf.io/networks[1].interface'],
      ['[{"name":"a","interfaceRequest":".."}]', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['[{"name":"a","interface":"0123456789abcdef"}]', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['[{"name":"a","interface":"a\\u0000b"}]', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['[{"name":"a","interface":"eth\\u00a00"}]', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['a@..', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['a@.', 'k8s.v1.cni.cncf.io/networks[0].interface'],
      ['a, b@x:y', 'k8s.v1.cni.cncf.io/networks[1].interface'],
      ['a@0123456789abcdef', 'k8s.v1.cni.cncf.io/networks[0].interface'],
    ] as const) {
      const r = field(text);
      expect(r?.[0], text).toBe(f);
      expect(r?.[1], text).toContain(f);
    }
    // What the kernel accepts stays accepted (upstream allows more than DNS-1123 here).
    expect(parseNetworkAnnotation('[{"name":"a","interface":"eth_1.X"}]', 'ns')[0]!.interfaceRequest).toBe('eth_1.X');
  });

  it('NAD names are required object names, namespaces DNS-1123 labels: "", ".", ".." never reach a URL', () => {
    for (const [text, f] of [
      ['[{"name":".."}]', 'networks[0].name'],
      ['[{"name":"."}]', 'networks[0].name'],
      ['[{"name":""}]', 'networks[0].name'],
      ['[null]', 'networks[0].name'],
      ['[{"namespace":"x"}]', 'networks[0].name'],
      ['[{"name":"a/b"}]', 'networks[0].name'],
      ['[{"name":"a%2f.."}]', 'networks[0].name'],
      ['[{"name":"a","namespace":".."}]', 'networks[0].namespace'],
      ['[{"name":"a","namespace":"a.b"}]', 'networks[0].namespace'],
      ['ns/', 'networks[0].name'],
      ['@eth1', 'networks[0].name'],
      ['ns/..', 'networks[0].name'],
      ['a, ../b', 'networks[1].namespace'],
    ] as const) {
      expect(field(text)?.[0], text).toBe(`k8s.v1.cni.cncf.io/${f}`);
    }
    // Dots are fine inside an object name (JSON form), as the API server allows them.
    expect(parseNetworkAnnotation('[{"name":"macvlan.conf-1"}]', 'ns')[0]!.name).toBe('macvlan.conf-1');
  });

  it('the default-network annotation gets its own field names; huge annotations are refused first', () => {
    expect(field('x@a:b', 'ns', 'v1.multus-cni.io/default-network')?.[0]).toBe('v1.multus-cni.io/default-network[0].interface');
    const big = field(`[{"name":"${'a'.repeat(MAX_ANNOTATION_BYTES)}"}]`);
    expect(big?.[0]).toBe('k8s.v1.cni.cncf.io/networks');
    expect(big?.[1]).toMatch(/more than the 262144 bytes/);
    // Error texts quote untrusted values cut short.
    expect(field(`[{"name":"${'A'.repeat(100_000)}"}]`)?.[1]!.length).toBeLessThan(600);
  });

  it('the shared rules', () => {
    expect(invalidNadName('a'.repeat(254))).toMatch(/DNS-1123 subdomain/);
    expect(invalidNadName('a.b-c')).toBeUndefined();
    expect(invalidNamespace('a'.repeat(64))).toMatch(/DNS-1123 label/);
    expect(invalidInterfaceName('net1')).toBeUndefined();
    expect(invalidInterfaceName('')).toMatch(/empty/);
  });
});
