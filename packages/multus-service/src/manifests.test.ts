// deploy/*.yaml against the Kubernetes API schemas (kubernetes-models, offline), and RBAC
// against what the programs really call: the controller and the proxy each run through a full
// life (Services, pods, NADs, slices created, updated and deleted, an event) against a stand-in
// API server of their own, and the verbs it recorded must be exactly what their ClusterRole grants.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifests, until, validateManifest } from '@cni-ts/testkit';
import { nadObject, podObject, startStub, writeKubeconfig, type K8sStub } from '../../../e2e/src/k8s-stub/index';
import { loadKubeClient, type KubeClient } from '@cni-ts/kube';
import { isMultusService, ServiceController } from './controller';
import type { Service } from './kube-types';
import { serviceNetwork } from './network';
import { MultusProxy } from './proxy/proxy';

const DEPLOY = path.resolve(import.meta.dirname, '../deploy');
const load = (file: string) => loadManifests(path.join(DEPLOY, file));

/** A ClusterRole's grants as the stand-in's verb record spells them: `verb resource[.group]`. */
function grants(role: string): string[] {
  const r = load('rbac.yaml').find((o) => o.kind === 'ClusterRole' && o.metadata.name === role) as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  return r.rules.flatMap((x) => x.apiGroups.flatMap((g) => x.resources.flatMap((res) => x.verbs.map((v) => `${v} ${res}${g ? `.${g}` : ''}`)))).toSorted();
}

async function withStub(fn: (stub: K8sStub, client: KubeClient) => Promise<void>): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-msvc-rbac-'));
  const stub = await startStub();
  try {
    const client = (await loadKubeClient({ kubeconfig: writeKubeconfig(path.join(dir, 'kc'), { server: stub.url }), env: {} }))!;
    await fn(stub, client);
    return stub.verbs();
  } finally {
    await stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const SVC = (name: string, network = 'mv') => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', labels: { 'service.kubernetes.io/service-proxy-name': 'multus-proxy' }, annotations: { 'k8s.v1.cni.cncf.io/service-network': network } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
});
const POD = (name: string, ip: string) =>
  podObject({
    namespace: 'ns',
    name,
    nodeName: 'node-a',
    labels: { app: 'web' },
    annotations: { 'k8s.v1.cni.cncf.io/network-status': JSON.stringify([{ name: 'ns/mv', interface: 'net1', ips: [ip] }]) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });

describe('deploy manifests', () => {
  for (const file of ['rbac.yaml', 'multus-service.yaml']) {
    it(`${file} validates against the Kubernetes API schemas`, async () => {
      const objs = load(file);
      expect(objs.length).toBeGreaterThan(0);
      for (const o of objs) await validateManifest(o);
    });
  }

  it('demo.yaml: the workloads validate; the NAD is macvlan + whereabouts; the Service is one of ours on that NAD', async () => {
    const objs = load('demo.yaml');
    for (const o of objs.filter((x) => x.kind !== 'NetworkAttachmentDefinition')) await validateManifest(o);
    const nad = objs.find((o) => o.kind === 'NetworkAttachmentDefinition') as unknown as { metadata: { name: string }; spec: { config: string } };
    expect(JSON.parse(nad.spec.config)).toMatchObject({ type: 'macvlan', ipam: { type: 'whereabouts' } });
    const svc = objs.find((o) => o.kind === 'Service') as unknown as Service;
    expect(isMultusService(svc)).toBe(true);
    expect(serviceNetwork(svc)).toEqual({ namespace: 'default', name: nad.metadata.name, key: `default/${nad.metadata.name}` });
  });

  it('each workload runs as the service account its role is bound to', () => {
    const bound = Object.fromEntries(
      load('rbac.yaml')
        .filter((o) => o.kind === 'ClusterRoleBinding')
        .map((b) => [(b as unknown as { subjects: { name: string }[] }).subjects[0]!.name, (b as unknown as { roleRef: { name: string } }).roleRef.name]),
    );
    const sa = (kind: string) => (load('multus-service.yaml').find((o) => o.kind === kind) as unknown as { spec: { template: { spec: { serviceAccountName: string } } } }).spec.template.spec.serviceAccountName;
    expect(bound[sa('Deployment')]).toBe('multus-service-controller');
    expect(bound[sa('DaemonSet')]).toBe('multus-proxy');
    // No leader election: one controller, and never two during a rollout.
    const dep = load('multus-service.yaml').find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number; strategy: { type: string } } };
    expect([dep.spec.replicas, dep.spec.strategy.type]).toEqual([1, 'Recreate']);
  });

  it('the controller ClusterRole grants exactly the verbs the controller calls', async () => {
    const verbs = await withStub(async (stub, client) => {
      stub.put('nads', nadObject({ namespace: 'ns', name: 'mv', config: { cniVersion: '1.0.0', type: 'macvlan' } }));
      stub.put('services', SVC('web'));
      stub.put('pods', POD('a', '10.77.0.2'));
      const c = new ServiceController(client, { backoffMs: { initial: 20, max: 200 } });
      await c.start();
      try {
        const slices = () => stub.list('endpointslices', 'ns');
        await until('a slice', () => slices().length === 1);
        stub.put('pods', POD('b', '10.77.0.3'));
        await until('an update', () => c.stats.updates > 0);
        stub.put('services', SVC('broken', 'x/y/z')); // an event
        await until('an event', () => stub.list('events', 'ns').length > 0);
        stub.delete('services', 'ns', 'web');
        stub.delete('services', 'ns', 'broken');
        await until('deleted', () => slices().length === 0);
      } finally {
        await c.stop();
      }
    });
    expect(verbs).toEqual(grants('multus-service-controller'));
  });

  it('the proxy ClusterRole grants exactly the verbs the proxy calls', async () => {
    const verbs = await withStub(async (stub, client) => {
      stub.put('services', SVC('web'));
      stub.put('pods', POD('a', '10.77.0.2'));
      // No netns is ever found here: the proxy only reads the API.
      const p = new MultusProxy(client, {
        nodeName: 'node-a',
        backend: { name: 'none', sync: () => Promise.resolve(), forget: () => {} },
        resolver: { refresh: () => {}, resolve: () => undefined },
        backoffMs: { initial: 20, max: 200 },
      });
      await p.start();
      try {
        stub.put('endpointslices', {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'web-multus-x', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'multus-endpointslice-controller.npwg.k8s.io' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.77.0.2'] }],
        });
        await until('the slice', () => p.slices.list().length === 1);
      } finally {
        await p.stop();
      }
    });
    expect(verbs).toEqual(grants('multus-proxy'));
  });
});
