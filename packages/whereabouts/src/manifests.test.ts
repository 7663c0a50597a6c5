// deploy/*.yaml against the Kubernetes API schemas (kubernetes-models, offline), and what a
// schema cannot see: the CRDs accepted by the stand-in API server and serving whereabouts'
// objects, the NAD's config loading with our decoder. RBAC against the calls the code makes is
// checked where the calls are made (test/kubernetes.e2e.ts, test/reconcile.e2e.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startStub } from '../../../e2e/src/k8s-stub/index';
import { loadConfig } from './config';

const DEPLOY = path.resolve(import.meta.dirname, '../deploy');
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

const load = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8'))
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as Obj;
    })
    .filter(Boolean);

const MODELS: Record<string, () => Promise<{ new (o: unknown): { validate(): void } }>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': async () => (await import('kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition')).CustomResourceDefinition as never,
  'v1/ServiceAccount': async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount as never,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as never,
  'rbac.authorization.k8s.io/v1/ClusterRole': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole as never,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding')).ClusterRoleBinding as never,
  'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet as never,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment as never,
};

describe('deploy manifests', () => {
  for (const file of ['crds.yaml', 'rbac.yaml', 'daemonset.yaml', 'reconciler.yaml']) {
    it(`${file} validates against the Kubernetes API schemas`, async () => {
      const objs = load(file);
      expect(objs.length).toBeGreaterThan(0);
      for (const o of objs) {
        const Model = await MODELS[`${o.apiVersion}/${o.kind}`]?.();
        if (!Model) throw new Error(`no schema for ${o.apiVersion}/${o.kind}`);
        new Model(o).validate();
      }
    });
  }

  it('the CRDs serve the objects whereabouts writes (stand-in API server)', async () => {
    const stub = await startStub();
    try {
      for (const crd of load('crds.yaml')) {
        const r = await fetch(`${stub.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(crd) });
        expect(r.status).toBe(201);
      }
      await fetch(`${stub.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'kube-system' } }) });
      const base = `${stub.url}/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/kube-system`;
      const pool = { apiVersion: 'whereabouts.cni.cncf.io/v1alpha1', kind: 'IPPool', metadata: { name: '10.0.0.0-24' }, spec: { range: '10.0.0.0/24', allocations: { '1': { id: 'c', podref: 'ns/p', ifname: 'net1' } } } };
      const made = await fetch(`${base}/ippools`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pool) });
      expect(((await made.json()) as { spec: unknown }).spec).toEqual(pool.spec);
      const orip = { apiVersion: 'whereabouts.cni.cncf.io/v1alpha1', kind: 'OverlappingRangeIPReservation', metadata: { name: '10.0.0.1' }, spec: { podref: 'ns/p', ifname: 'net1' } };
      expect((await fetch(`${base}/overlappingrangeipreservations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orip) })).status).toBe(201);
      // The schema holds: an allocation without podref is refused, as on a cluster.
      const bad = await fetch(`${base}/ippools`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...pool, metadata: { name: 'bad' }, spec: { range: 'x', allocations: { '1': { id: 'c' } } } }) });
      expect(bad.status).toBe(422);
    } finally {
      await stub.close();
    }
  });

  it('the NAD example is a whereabouts config our decoder reads (with the flat file the DaemonSet writes)', () => {
    const nad = load('nad-example.yaml')[0] as unknown as { spec: { config: string } };
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-nad-'));
    try {
      const flat = path.join(dir, 'whereabouts.conf');
      writeFileSync(flat, JSON.stringify({ datastore: 'kubernetes', kubernetes: { kubeconfig: '/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig' } }));
      const c = loadConfig(JSON.parse(nad.spec.config), { flatFiles: [flat], args: 'K8S_POD_NAMESPACE=default;K8S_POD_NAME=p' });
      expect(c.ranges.map((r) => [r.cidr, r.exclude])).toEqual([['192.168.2.224/28', ['192.168.2.229/30', '192.168.2.236/32']]]);
      expect(c.podRef).toBe('default/p');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
