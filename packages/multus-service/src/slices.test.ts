// The pure parts: the two annotations as untrusted input, endpoint building, and slice plans
// (placement, packing, placeholders, creates turned into updates, ownership).
import { describe, expect, it } from 'vitest';
import { endpointPorts, podEndpoint, podInEndpoints, serviceFamilies } from './endpoints';
import type { EndpointSlice, Pod, Service } from './kube-types';
import { networkStatus, serviceNetwork, type NetworkRef } from './network';
import { planSlices } from './slices';

const NET: NetworkRef = { namespace: 'ns', name: 'mv', key: 'ns/mv' };

function svc(spec: Service['spec'] = {}, annotations: Record<string, string> = { 'k8s.v1.cni.cncf.io/service-network': 'mv' }): Service {
  return {
    metadata: { name: 's', namespace: 'ns', uid: 'svc-uid', labels: { 'service.kubernetes.io/service-proxy-name': 'multus-proxy' }, annotations },
    spec: { selector: { app: 'x' }, clusterIP: '10.96.0.1', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec },
  };
}

function pod(name: string, ips: string[], extra: Partial<Pod['metadata']> = {}, ready = true): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: { app: 'x' },
      annotations: { 'k8s.v1.cni.cncf.io/network-status': JSON.stringify([{ name: 'ns/mv', interface: 'net1', ips }]) },
      ...extra,
    },
    spec: { nodeName: 'n1' },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const withAnn = (v: string): Pod => ({ metadata: { name: 'p', namespace: 'ns', annotations: { 'k8s.v1.cni.cncf.io/network-status': v } } });

describe('annotations (untrusted)', () => {
  it('service-network: <nad> in the Service namespace (spaces dropped), <ns>/<nad>; anything else is an error', () => {
    expect(serviceNetwork(svc({}, { 'k8s.v1.cni.cncf.io/service-network': ' mv ' }))).toEqual({ namespace: 'ns', name: 'mv', key: 'ns/mv' });
    expect(serviceNetwork(svc({}, { 'k8s.v1.cni.cncf.io/service-network': 'other/mv.v2' }))).toEqual({ namespace: 'other', name: 'mv.v2', key: 'other/mv.v2' });
    expect(serviceNetwork(svc({}, {}))).toBeUndefined();
    for (const bad of ['', '/', 'a/', '/b', 'a/b/c', 'UPPER', '../etc', 'a_b', `${'x'.repeat(64)}/n`, 'n\n']) {
      expect(serviceNetwork(svc({}, { 'k8s.v1.cni.cncf.io/service-network': bad })), bad).toHaveProperty('error');
    }
  });

  it('network-status: entries with a name; addresses canonical, invalid ones dropped; junk gives []', () => {
    expect(networkStatus(withAnn(JSON.stringify([{ name: 'ns/mv', interface: 'net1', ips: ['10.0.0.1', 'fd00:0::1', 'bogus', 7, '10.0.0.1/24'], mac: 'x' }, { interface: 'eth0' }, null, 'x'])))).toEqual([
      { name: 'ns/mv', interface: 'net1', ips: ['10.0.0.1', 'fd00::1'] },
    ]);
    for (const junk of ['', 'not json', '{}', '"x"', 'null', '[[]]', '{"name":"ns/mv"}']) expect(networkStatus(withAnn(junk)), junk).toEqual([]);
    expect(networkStatus({ metadata: {} })).toEqual([]);
  });
});

describe('endpoints', () => {
  it('families: ipFamilies, else the cluster IP family, else both for a headless Service', () => {
    expect(serviceFamilies(svc({ ipFamilies: ['IPv6', 'IPv4'] }))).toEqual([4, 6]);
    expect(serviceFamilies(svc({ ipFamilies: undefined, clusterIP: 'fd00::1' }))).toEqual([6]);
    expect(serviceFamilies(svc({ ipFamilies: undefined, clusterIP: 'None' }))).toEqual([4, 6]);
  });

  it('ports: numbers, numeric strings, names per protocol; a name the pod lacks is left out', () => {
    const p = pod('a', ['10.0.0.1']);
    p.spec!.containers = [{ ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }, { name: 'web', containerPort: 8080 }] }];
    const s = svc({
      ports: [
        { name: 'a', port: 80 },
        { name: 'b', port: 81, targetPort: '9090' },
        { name: 'c', port: 53, targetPort: 'dns', protocol: 'UDP' },
        { name: 'd', port: 53, targetPort: 'dns', protocol: 'TCP' },
        { name: 'e', port: 443, targetPort: 'web', appProtocol: 'https' },
      ],
    });
    expect(endpointPorts(s, p)).toEqual([
      { name: 'a', port: 80, protocol: 'TCP' },
      { name: 'b', port: 9090, protocol: 'TCP' },
      { name: 'c', port: 5353, protocol: 'UDP' },
      { name: 'e', port: 8080, protocol: 'TCP', appProtocol: 'https' },
    ]);
  });

  it('readiness, publishNotReadyAddresses, finished pods, hostname of a headless subdomain', () => {
    expect(podEndpoint(svc(), pod('a', ['10.0.0.1'], {}, false), NET, 4)!.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(podEndpoint(svc({ publishNotReadyAddresses: true }), pod('a', ['10.0.0.1'], {}, false), NET, 4)!.conditions!.ready).toBe(true);
    expect(podEndpoint(svc(), pod('a', ['10.0.0.1']), NET, 6)).toBeUndefined();
    const done: Pod = { ...pod('a', ['10.0.0.1']), spec: { restartPolicy: 'Never' }, status: { phase: 'Succeeded' } };
    expect(podInEndpoints(done, true)).toBe(false);
    const h = pod('h', ['10.0.0.1']);
    h.spec = { hostname: 'h0', subdomain: 's' };
    expect(podEndpoint(svc({ clusterIP: 'None' }), h, NET, 4)!.hostname).toBe('h0');
    expect(podEndpoint(svc(), h, NET, 4)!.hostname).toBeUndefined();
  });
});

const mine = (name: string, endpoints: EndpointSlice['endpoints'], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }], owner = 'svc-uid'): EndpointSlice => ({
  metadata: {
    name,
    namespace: 'ns',
    labels: { 'service.kubernetes.io/service-proxy-name': 'multus-proxy', 'kubernetes.io/service-name': 's', 'endpointslice.kubernetes.io/managed-by': 'multus-endpointslice-controller.npwg.k8s.io' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 's', uid: owner, controller: true, blockOwnerDeletion: false }],
  },
  addressType: 'IPv4',
  endpoints,
  ports,
});
const names = (l: EndpointSlice[]) => l.map((s) => s.metadata.name ?? '*');
const eps = (l: EndpointSlice[]) => l.map((s) => (s.endpoints ?? []).map((e) => e.targetRef?.name).join(','));

describe('planSlices', () => {
  it('creates one slice per family; nothing to do when it is already right', () => {
    const pods = [pod('a', ['10.0.0.1', 'fd00::1']), pod('b', ['10.0.0.2'])];
    const s = svc({ ipFamilies: ['IPv4', 'IPv6'] });
    const p1 = planSlices(s, NET, pods, []);
    expect(p1.create.map((x) => [x.addressType, eps([x])[0]])).toEqual([
      ['IPv4', 'a,b'],
      ['IPv6', 'a'],
    ]);
    const existing = p1.create.map((x, i) => ({ ...x, metadata: { ...x.metadata, name: `s-multus-${i}` } }));
    expect(planSlices(s, NET, pods, existing)).toEqual({ create: [], update: [], delete: [] });
  });

  it('keeps endpoints where they are, fills the fullest open slice, deletes emptied slices', () => {
    const pods = ['a', 'b', 'c', 'd'].map((n, i) => pod(n, [`10.0.0.${i + 1}`]));
    const existing = [mine('one', podsEps(pods.slice(0, 1))), mine('two', podsEps(pods.slice(1, 2))), mine('gone', podsEps([pod('z', ['10.0.0.9'])]))];
    const plan = planSlices(svc(), NET, pods, existing, 3);
    expect(plan.create).toEqual([]);
    // a and b stay put; c and d go into the first of the equally full slices; z's slice goes.
    expect(names(plan.delete)).toEqual(['gone']);
    expect(plan.update.map((s) => [s.metadata.name, eps([s])[0]])).toEqual([['one', 'a,c,d']]);
  });

  it('a family without endpoints keeps one placeholder; a create reuses a slice that would be deleted', () => {
    const empty = planSlices(svc(), NET, [], []);
    expect(empty.create).toMatchObject([{ addressType: 'IPv4', endpoints: [], ports: [] }]);
    const placeholder = mine('ph', [], []);
    expect(planSlices(svc(), NET, [], [placeholder])).toEqual({ create: [], update: [], delete: [] });
    const filled = planSlices(svc(), NET, [pod('a', ['10.0.0.1'])], [placeholder]);
    expect(filled.create).toEqual([]);
    expect(names(filled.update)).toEqual(['ph']);
    expect(filled.update[0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  it("deletes slices another Service (same name, other uid) owned, and families the Service dropped", () => {
    const stale = mine('old', podsEps([pod('a', ['10.0.0.1'])]), undefined, 'other-uid');
    const v6: EndpointSlice = { ...mine('v6', []), addressType: 'IPv6' };
    const plan = planSlices(svc(), NET, [pod('a', ['10.0.0.1'])], [stale, v6]);
    expect(names(plan.delete).toSorted()).toEqual(['old', 'v6']);
    expect(eps(plan.create)).toEqual(['a']);
  });

  it('without a usable network, every family gets only its placeholder', () => {
    const plan = planSlices(svc(), undefined, [pod('a', ['10.0.0.1'])], [mine('x', podsEps([pod('a', ['10.0.0.1'])]))]);
    expect(plan.create).toEqual([]);
    expect(plan.update).toMatchObject([{ metadata: { name: 'x' }, endpoints: [], ports: [] }]);
  });
});

function podsEps(pods: Pod[]) {
  return pods.map((p) => podEndpoint(svc(), p, NET, 4)!);
}
