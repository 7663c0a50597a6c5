import { describe, expect, it } from 'vitest';
import { loadDelegateNetConf } from './delegate';
import { delegateArgs, ifnameFor, runtimeFor } from './runtime';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const k8s = { K8S_POD_NAMESPACE: 'demo', K8S_POD_NAME: 'web-0', K8S_POD_INFRA_CONTAINER_ID: 'sb', K8S_POD_UID: 'u1' };

describe('delegate runtime', () => {
  it('CNI_ARGS: the Kubernetes keys first, then the runtime\'s, duplicates kept as upstream', () => {
    expect(delegateArgs({ K8S_POD_NAMESPACE: 'demo' }, 'IgnoreUnknown=1;K8S_POD_NAME=web-0;FOO=a=b;bad')).toEqual([
      ['IgnoreUnknown', 'true'],
      ['K8S_POD_NAMESPACE', 'demo'],
      ['K8S_POD_NAME', 'web-0'],
      ['K8S_POD_INFRA_CONTAINER_ID', ''],
      ['K8S_POD_UID', ''],
      ['IgnoreUnknown', '1'],
      ['FOO', 'a=b'],
    ]);
  });

  it('interface names: request, master gets CNI_IFNAME, else net<idx>', () => {
    const d = loadDelegateNetConf(enc({ name: 'n', type: 'macvlan' }), undefined, '', '');
    expect(ifnameFor(d, 'eth0', 2)).toBe('net2');
    expect(ifnameFor({ ...d, masterPlugin: true }, 'eth0', 0)).toBe('eth0');
    expect(ifnameFor({ ...d, ifnameRequest: 'foo' }, 'eth0', 1)).toBe('foo');
  });

  it('runtimeConfig: the master gets the runtime\'s; a secondary gets it overlaid with its requests', () => {
    const rc = { portMappings: [{ hostPort: 80, containerPort: 8080 }], mac: 'aa:aa:aa:aa:aa:aa' };
    const sec = loadDelegateNetConf(enc({ name: 'n', type: 'sriov' }), { name: 'nad', namespace: 'ns', ipRequest: ['10.0.0.5/24'], macRequest: '02:00:00:00:00:01' }, '0000:18:02.5', 'intel.com/vf');
    const input = { containerId: 'c1', netns: '/ns', ifname: 'eth0', k8s, cniArgs: '', runtimeConfig: rc, devInfoDir: '/var/run/k8s.cni.cncf.io/devinfo' };
    const r = runtimeFor(sec, 1, input);
    expect(r.rt.ifName).toBe('net1');
    expect(r.rt.capabilityArgs).toEqual({
      portMappings: [{ hostPort: 80, containerPort: 8080 }],
      ips: ['10.0.0.5/24'],
      mac: '02:00:00:00:00:01',
      deviceID: '0000:18:02.5',
      CNIDeviceInfoFile: '/var/run/k8s.cni.cncf.io/devinfo/cni/ns-nad-c1_net1',
    });
    const master = { ...loadDelegateNetConf(enc({ name: 'cbr0', type: 'bridge' }), undefined, '', ''), masterPlugin: true };
    expect(runtimeFor(master, 0, input).rt.capabilityArgs).toEqual({ portMappings: [{ hostPort: 80, containerPort: 8080 }], mac: 'aa:aa:aa:aa:aa:aa' });
  });

  it('cni-args are merged into args.cni of every plugin (the annotation wins)', () => {
    const d = loadDelegateNetConf(
      enc({ name: 'l', plugins: [{ type: 'macvlan', args: { cni: { a: 1, b: 1 } } }, { type: 'route-override' }] }),
      { name: 'nad', namespace: 'ns', cniArgs: { b: 2, addroutes: [{ dst: '10.0.0.0/8' }] } },
      '',
      '',
    );
    const out = JSON.parse(new TextDecoder().decode(d.bytes));
    expect(out.plugins[0].args.cni).toEqual({ a: 1, b: 2, addroutes: [{ dst: '10.0.0.0/8' }] });
    expect(out.plugins[1].args.cni).toEqual({ b: 2, addroutes: [{ dst: '10.0.0.0/8' }] });
    expect(d.name).toBe('ns/nad');
  });
});
