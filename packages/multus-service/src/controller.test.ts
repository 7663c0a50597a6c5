// The controller against the stand-in API server: slices from network-status, readiness,
// ports, families, headless, deletions, NADs, orphans, an API server restart with compaction
// (no duplicate slices), and the exact RBAC verbs it needs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '@cni-ts/testkit';
import { nadObject, podObject, startStub, writeKubeconfig, type K8sStub } from '../../../e2e/src/k8s-stub/index';
import { loadKubeClient, type KubeClient, type KubeObject } from '@cni-ts/kube';
import { ServiceController } from './controller';
import type { EndpointSlice } from './kube-types';

let stub: K8sStub;
let client: KubeClient;
const dir = mkdtempSync(path.join(tmpdir(), 'cnits-msvc-ctl-'));
const controllers: ServiceController[] = [];

beforeAll(async () => {
  stub = await startStub();
  client = (await loadKubeClient({ kubeconfig: writeKubeconfig(path.join(dir, 'kc'), { server: stub.url }), env: {} }))!;
});
afterEach(async () => {
  await Promise.all(controllers.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await stub.close();
  rmSync(dir, { recursive: true, force: true });
});


const rand = () => Math.random().toString(36).slice(2, 7);

async function startController(opts: ConstructorParameters<typeof ServiceController>[1] = {}) {
  const c = new ServiceController(client, { backoffMs: { initial: 20, max: 200 }, ...opts });
  controllers.push(c);
  await c.start();
  return c;
}

function service(ns: string, name: string, o: { network?: string; clusterIP?: string; families?: string[]; ports?: unknown[]; labels?: Record<string, string>; affinity?: boolean } = {}): KubeObject {
  const ips = o.clusterIP === 'None' ? ['None'] : (o.clusterIP ?? '10.96.0.10').split(',');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: ns,
      labels: { 'service.kubernetes.io/service-proxy-name': 'multus-proxy', team: 'a', ...o.labels },
      annotations: o.network === undefined ? { 'k8s.v1.cni.cncf.io/service-network': 'macvlan1' } : o.network ? { 'k8s.v1.cni.cncf.io/service-network': o.network } : {},
    },
    spec: {
      selector: { app: 'web' },
      clusterIP: ips[0],
      clusterIPs: ips,
      ipFamilies: o.families ?? ['IPv4'],
      ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      type: 'ClusterIP',
    },
  };
}

function pod(ns: string, name: string, o: { ips?: string[]; ready?: boolean; app?: string; network?: string; ports?: unknown[] } = {}): KubeObject {
  const status = [
    { name: 'cbr0', interface: 'eth0', ips: ['10.88.0.9'], default: true, dns: {} },
    ...(o.ips ? [{ name: o.network ?? `${ns}/macvlan1`, interface: 'net1', ips: o.ips, mac: '02:00:00:00:00:01', dns: {} }] : []),
  ];
  const p = podObject({
    namespace: ns,
    name,
    nodeName: 'node-a',
    labels: { app: o.app ?? 'web' },
    annotations: { 'k8s.v1.cni.cncf.io/network-status': JSON.stringify(status) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  });
  if (o.ports) (p.spec as { containers: { ports?: unknown[] }[] }).containers[0]!.ports = o.ports;
  return p;
}

const slicesOf = (ns: string, svc: string) => (stub.list('endpointslices', ns) as unknown as EndpointSlice[]).filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);
const addrs = (ns: string, svc: string, type = 'IPv4') =>
  slicesOf(ns, svc)
    .filter((s) => s.addressType === type)
    .flatMap((s) => (s.endpoints ?? []).map((e) => `${e.targetRef?.name}=${e.addresses.join(',')}${e.conditions?.ready ? '' : ' (not ready)'}`))
    .toSorted();

function seed(ns: string) {
  stub.put('nads', nadObject({ namespace: ns, name: 'macvlan1', config: { cniVersion: '1.0.0', type: 'macvlan' } }));
}

describe('ServiceController', () => {
  it('builds a slice from the network-status of the selected pods: addresses, readiness, ports, labels, owner', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    const svc = stub.put('services', service(ns, 'web'));
    stub.put('pods', pod(ns, 'a', { ips: ['10.77.0.2'] }));
    stub.put('pods', pod(ns, 'b', { ips: ['10.77.0.3'], ready: false }));
    stub.put('pods', pod(ns, 'other', { ips: ['10.77.0.4'], app: 'db' }));
    stub.put('pods', pod(ns, 'not-attached'));
    stub.put('pods', pod(ns, 'elsewhere', { ips: ['10.78.0.5'], network: `${ns}/other-net` }));
    const c = await startController();
    await until('slice', () => addrs(ns, 'web').length === 2);
    expect(addrs(ns, 'web')).toEqual(['a=10.77.0.2', 'b=10.77.0.3 (not ready)']);
    const [s] = slicesOf(ns, 'web');
    expect(s!.metadata.name).toMatch(/^web-multus-[a-z0-9]{5}$/);
    expect(s!.metadata.labels).toEqual({
      'service.kubernetes.io/service-proxy-name': 'multus-proxy',
      team: 'a',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'multus-endpointslice-controller.npwg.k8s.io',
    });
    expect(s!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: false }]);
    expect(s!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s!.endpoints![0]).toEqual({
      addresses: ['10.77.0.2'],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-a',
      targetRef: { kind: 'Pod', namespace: ns, name: 'a', uid: stub.get('pods', ns, 'a')!.metadata!.uid },
    });

    // Readiness follows the pod; a deleted pod leaves the slice; a terminating one is listed, not ready.
    stub.mutate('pods', ns, 'b', (p) => ((p.status as { conditions: unknown[] }).conditions = [{ type: 'Ready', status: 'True' }]));
    await until('ready', () => addrs(ns, 'web').includes('b=10.77.0.3'));
    stub.delete('pods', ns, 'a');
    await until('removed', () => addrs(ns, 'web').length === 1);
    stub.mutate('pods', ns, 'b', (p) => ((p.metadata as Record<string, unknown>).deletionTimestamp = new Date().toISOString()));
    await until('terminating', () => addrs(ns, 'web')[0] === 'b=10.77.0.3 (not ready)');
    expect(slicesOf(ns, 'web')[0]!.endpoints![0]!.conditions).toEqual({ ready: false, serving: true, terminating: true });
    expect(slicesOf(ns, 'web')).toHaveLength(1);
    // Nothing changes: no write. Counted once the controller has settled (on a loaded machine the
    // terminating pod's slice update may still be in flight when the slice already shows it).
    const total = () => c.stats.creates + c.stats.updates + c.stats.deletes;
    let writes = total();
    for (let quiet = 0; quiet < 3; ) {
      await new Promise((r) => setTimeout(r, 100));
      quiet = total() === writes ? quiet + 1 : 0;
      writes = total();
    }
    stub.mutate('pods', ns, 'other', (p) => ((p.metadata as { labels: Record<string, string> }).labels.x = '1'));
    await new Promise((r) => setTimeout(r, 300));
    expect(total()).toBe(writes);
  });

  it('dual-stack: one slice per family; headless: the headless label and both families without ipFamilies', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    stub.put('services', service(ns, 'dual', { clusterIP: '10.96.0.11,fd00:96::11', families: ['IPv4', 'IPv6'] }));
    stub.put('services', { ...service(ns, 'hl', { clusterIP: 'None', families: [] }), spec: { ...(service(ns, 'hl', { clusterIP: 'None' }).spec as object), ipFamilies: undefined } });
    stub.put('pods', pod(ns, 'a', { ips: ['10.77.0.2', 'fd00:77::2'] }));
    await startController();
    await until('dual', () => addrs(ns, 'dual', 'IPv6').length === 1 && addrs(ns, 'dual').length === 1);
    expect(addrs(ns, 'dual', 'IPv6')).toEqual(['a=fd00:77::2']);
    await until('headless', () => addrs(ns, 'hl', 'IPv6').length === 1 && addrs(ns, 'hl').length === 1);
    for (const s of slicesOf(ns, 'hl')) expect(s.metadata.labels!['service.kubernetes.io/headless']).toBe('');
    expect(slicesOf(ns, 'dual').every((s) => !('service.kubernetes.io/headless' in s.metadata.labels!))).toBe(true);
    // The Service drops IPv6: its IPv6 slice goes.
    stub.mutate('services', ns, 'dual', (s) => Object.assign(s.spec as object, { ipFamilies: ['IPv4'], clusterIPs: ['10.96.0.11'] }));
    await until('v6 gone', () => slicesOf(ns, 'dual').length === 1);
    expect(slicesOf(ns, 'dual')[0]!.addressType).toBe('IPv4');
  });

  it('named target ports are resolved per pod (pods with other numbers get their own slice)', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    stub.put('services', service(ns, 'np', { ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] }));
    stub.put('pods', pod(ns, 'a', { ips: ['10.77.0.2'], ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }));
    stub.put('pods', pod(ns, 'b', { ips: ['10.77.0.3'], ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] }));
    stub.put('pods', pod(ns, 'c', { ips: ['10.77.0.4'], ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }));
    await startController();
    await until('slices', () => addrs(ns, 'np').length === 3);
    const byPort = Object.fromEntries(slicesOf(ns, 'np').map((s) => [s.ports![0]!.port, (s.endpoints ?? []).map((e) => e.targetRef!.name).toSorted()]));
    expect(byPort).toEqual({ 8080: ['a', 'c'], 9090: ['b'] });
  });

  it('splits at maxEndpointsPerSlice and packs again as pods go', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    stub.put('services', service(ns, 'many'));
    for (let i = 0; i < 5; i++) stub.put('pods', pod(ns, `p${i}`, { ips: [`10.77.0.${10 + i}`] }));
    await startController({ maxEndpointsPerSlice: 2 });
    await until('slices', () => addrs(ns, 'many').length === 5);
    expect(slicesOf(ns, 'many').map((s) => s.endpoints!.length).toSorted()).toEqual([1, 2, 2]);
    for (const i of [0, 1, 2, 3]) stub.delete('pods', ns, `p${i}`);
    await until('one left', () => addrs(ns, 'many').length === 1 && slicesOf(ns, 'many').length === 1);
  });

  it('a missing or invalid network gives a placeholder slice and a Warning event; the NAD appearing fills it', async () => {
    const ns = `msvc-${rand()}`;
    stub.put('services', service(ns, 'nonad'));
    stub.put('services', service(ns, 'bad', { network: 'a/b/c' }));
    stub.put('pods', pod(ns, 'a', { ips: ['10.77.0.2'] }));
    await startController();
    await until('placeholders', () => slicesOf(ns, 'nonad').length === 1 && slicesOf(ns, 'bad').length === 1);
    expect(slicesOf(ns, 'nonad')[0]).toMatchObject({ addressType: 'IPv4', endpoints: [], ports: [] });
    await until('events', () => stub.list('events', ns).length === 2);
    const reasons = stub.list('events', ns).map((e) => `${(e.involvedObject as { name: string }).name} ${e.reason}: ${e.message}`).toSorted();
    expect(reasons).toEqual([
      'bad InvalidServiceNetwork: invalid k8s.v1.cni.cncf.io/service-network annotation "a/b/c": want <[namespace/]name> of a NetworkAttachmentDefinition',
      `nonad NetworkNotFound: NetworkAttachmentDefinition ${ns}/macvlan1 not found: the Service gets no endpoints until it exists`,
    ]);
    const placeholder = slicesOf(ns, 'nonad')[0]!.metadata.name;
    seed(ns);
    await until('filled', () => addrs(ns, 'nonad').length === 1);
    // The placeholder became the slice (updated, not replaced).
    expect(slicesOf(ns, 'nonad').map((s) => s.metadata.name)).toEqual([placeholder]);
    stub.delete('nads', ns, 'macvlan1');
    await until('emptied', () => addrs(ns, 'nonad').length === 0);
    expect(slicesOf(ns, 'nonad')).toHaveLength(1);
  });

  it('deletes the slices when the Service goes, loses its label or annotation; orphans at start-up too', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    for (const n of ['gone', 'unlabelled', 'unannotated']) stub.put('services', service(ns, n));
    stub.put('pods', pod(ns, 'a', { ips: ['10.77.0.2'] }));
    // A slice of ours left by a previous run, for a Service that no longer exists.
    stub.put('endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'old-multus-abcde', namespace: ns, labels: { 'kubernetes.io/service-name': 'old', 'endpointslice.kubernetes.io/managed-by': 'multus-endpointslice-controller.npwg.k8s.io' } },
      addressType: 'IPv4',
      endpoints: [],
    });
    // Someone else's slice is never touched.
    stub.put('endpointslices', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'gone-xyz', namespace: ns, labels: { 'kubernetes.io/service-name': 'gone', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } }, addressType: 'IPv4', endpoints: [] });
    await startController();
    await until('slices', () => ['gone', 'unlabelled', 'unannotated'].every((n) => addrs(ns, n).length === 1));
    await until('orphan deleted', () => slicesOf(ns, 'old').length === 0);
    stub.delete('services', ns, 'gone');
    stub.mutate('services', ns, 'unlabelled', (s) => delete (s.metadata!.labels as Record<string, string>)['service.kubernetes.io/service-proxy-name']);
    stub.mutate('services', ns, 'unannotated', (s) => (s.metadata!.annotations = {}));
    await until('all deleted', () => ['gone', 'unlabelled', 'unannotated'].every((n) => slicesOf(ns, n).filter((s) => s.metadata.labels!['endpointslice.kubernetes.io/managed-by']!.startsWith('multus')).length === 0));
    expect(stub.get('endpointslices', ns, 'gone-xyz')).toBeDefined();
  });

  it('survives an API server restart with a compacted history: re-lists, no duplicate slices, catches up', async () => {
    const ns = `msvc-${rand()}`;
    seed(ns);
    stub.put('services', service(ns, 'web', { clusterIP: '10.96.0.12,fd00:96::12', families: ['IPv4', 'IPv6'] }));
    stub.put('services', service(ns, 'doomed'));
    for (const n of ['a', 'b']) stub.put('pods', pod(ns, n, { ips: [n === 'a' ? '10.77.0.2' : '10.77.0.3', n === 'a' ? 'fd00:77::2' : 'fd00:77::3'] }));
    const c = await startController();
    await until('slices', () => addrs(ns, 'web').length === 2 && addrs(ns, 'web', 'IPv6').length === 2 && slicesOf(ns, 'doomed').length === 1);
    const port = Number(new URL(stub.url).port);
    await stub.close();
    stub.delete('pods', ns, 'a');
    stub.delete('services', ns, 'doomed');
    stub.put('pods', pod(ns, 'c', { ips: ['10.77.0.4'] }));
    stub.compact();
    await new Promise((r) => setTimeout(r, 200));
    await stub.start(port);
    await until('caught up', () => addrs(ns, 'web').join() === 'b=10.77.0.3,c=10.77.0.4' && addrs(ns, 'web', 'IPv6').join() === 'b=fd00:77::3' && slicesOf(ns, 'doomed').length === 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(slicesOf(ns, 'web').map((s) => s.addressType).toSorted()).toEqual(['IPv4', 'IPv6']);
    expect(c.services.stats.expired + c.pods.stats.expired + c.slices.stats.expired).toBeGreaterThanOrEqual(3);
  });
});
