import { describe, expect, it } from 'vitest';
import { jsonSchema, loadNetConf } from './config';

const load = (v: unknown) => loadNetConf(new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v)));

describe('loadNetConf', () => {
  it('fills upstream\'s defaults', () => {
    const c = load({ name: 'm', type: 'multus', clusterNetwork: 'flannel' });
    expect(c).toMatchObject({
      confDir: '/etc/cni/multus/net.d',
      cniDir: '/var/lib/cni/multus',
      binDir: '/opt/cni/bin',
      kubeconfig: '',
      logToStderr: true,
      logLevel: '',
      multusNamespace: 'kube-system',
      systemNamespaces: ['kube-system'],
      nonIsolatedNamespaces: ['default'],
      namespaceIsolation: false,
      readinessindicatorfile: '',
      retryDeleteOnError: false,
      delegateList: [],
    });
  });

  it('reads every v4 key of the reference example (clusterNetwork mode)', () => {
    const c = load({
      cniVersion: '0.3.1',
      name: 'node-cni-network',
      type: 'multus',
      kubeconfig: '/etc/kubernetes/node-kubeconfig.yaml',
      confDir: '/etc/cni/multus/net.d',
      cniDir: '/var/lib/cni/multus',
      binDir: '/opt/cni/bin',
      logFile: '/var/log/multus.log',
      logLevel: 'debug',
      logOptions: { maxAge: 5, maxSize: 100, maxBackups: 5, compress: true },
      capabilities: { portMappings: true },
      namespaceIsolation: false,
      clusterNetwork: '/etc/cni/net.d/99-flannel.conf',
      defaultNetworks: ['sidecarCRD', 'exampleNetwork'],
      systemNamespaces: ['kube-system', 'admin'],
      multusNamespace: 'kube-system',
      auxiliaryCNIChainName: 'cni-chain-config',
      retryDeleteOnError: false,
      globalNamespaces: 'default, shared ,tools',
      readinessindicatorfile: '/run/ready',
      runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080 }], ips: ['10.0.0.1/24'], 'io.kubernetes.cri.pod-annotations': { a: 'b' } },
    });
    expect(c.defaultNetworks).toEqual(['sidecarCRD', 'exampleNetwork']);
    expect(c.nonIsolatedNamespaces).toEqual(['default', 'shared', 'tools']);
    // Only the keys Multus knows survive in runtimeConfig.
    expect(c.runtimeConfig).toEqual({ portMappings: [{ hostPort: 80, containerPort: 8080 }], ips: ['10.0.0.1/24'] });
    expect(c.delegateList).toEqual([]);
  });

  it('the 2017 delegates form: delegates[0] is the master; lists are recognised', () => {
    const c = load({
      name: 'multus-demo',
      type: 'multus',
      delegates: [
        { type: 'flannel', name: 'flannel.1', masterplugin: true, delegate: { isDefaultGateway: true } },
        { cniVersion: '0.3.1', name: 'chain', plugins: [{ type: 'macvlan', master: 'eth0' }, { type: 'tuning' }] },
      ],
    });
    expect(c.delegateList.map((d) => [d.name, d.masterPlugin, d.confListPlugin])).toEqual([
      ['flannel.1', true, false],
      ['chain', false, true],
    ]);
    // json.Marshal of the map: keys sorted.
    expect(new TextDecoder().decode(c.delegateList[0]!.bytes)).toBe('{"delegate":{"isDefaultGateway":true},"masterplugin":true,"name":"flannel.1","type":"flannel"}');
  });

  it('2017 form: the delegate marked "masterplugin" becomes the master (v4 would take delegates[0])', () => {
    const c = load({
      name: 'multus-demo-network',
      type: 'multus',
      delegates: [
        { type: 'sriov', name: 'sriov-net', if0: 'enp12s0f0', ipam: { type: 'host-local', subnet: '10.56.217.0/24' } },
        { type: 'ptp', name: 'ptp-net', ipam: { type: 'host-local', subnet: '10.168.1.0/24' } },
        { type: 'flannel', name: 'flannel-net', masterplugin: true, delegate: { isDefaultGateway: true } },
      ],
    });
    expect(c.delegateList.map((d) => [d.name, d.masterPlugin])).toEqual([
      ['flannel-net', true],
      ['sriov-net', false],
      ['ptp-net', false],
    ]);
  });

  it('rejects with upstream\'s texts', () => {
    expect(() => load({ name: 'm' })).toThrow('LoadNetConf: at least one delegate/clusterNetwork must be specified');
    expect(() => load({ name: 'm', delegates: [{ name: 'x' }] })).toThrow(
      "LoadNetConf: failed to load delegate 0 config: LoadDelegateNetConf: failed with: LoadDelegateNetConfList: delegate must have the 'type' or 'plugin' field",
    );
    expect(() => load({ name: 'm', delegates: [{ name: 'x', plugins: [{ name: 'y' }] }] })).toThrow("a plugin delegate must have the 'type' field");
    expect(() => load({ name: 'm', clusterNetwork: 5 })).toThrow('LoadNetConf: failed to load netconf: json: cannot unmarshal number into Go struct field NetConf.clusterNetwork of type string');
    expect(() => load({ name: 'm', clusterNetwork: 'x', systemNamespaces: 'kube-system' })).toThrow('Go struct field NetConf.systemNamespaces of type []string');
    expect(() => load('{"name":')).toThrow(/^LoadNetConf: failed to load netconf: /);
  });

  it('null leaves a default alone; [] replaces it', () => {
    expect(load({ name: 'm', clusterNetwork: 'x', systemNamespaces: null }).systemNamespaces).toEqual(['kube-system']);
    expect(load({ name: 'm', clusterNetwork: 'x', systemNamespaces: [] }).systemNamespaces).toEqual([]);
    expect(load({ name: 'm', clusterNetwork: 'x', logToStderr: false }).logToStderr).toBe(false);
  });

  it('has a JSON Schema', () => {
    const s = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['clusterNetwork', 'delegates', 'readinessindicatorfile', 'auxiliaryCNIChainName']));
  });
});
