// deploy/*.yaml against the Kubernetes API schemas (the OpenAPI schemas of the npm package
// kubernetes-models, generated from a current Kubernetes release; offline, no cluster), plus
// what a schema cannot see: RBAC matching our calls, the netns overlay, and the daemon's
// config parsing with our own schema. Unknown keys are not caught: the Kubernetes schemas
// allow them (as kubeconform without -strict).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseDaemonConfig } from './daemon-config';

const DEPLOY = path.resolve(import.meta.dirname, '../../../deploy');
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

const load = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8')).map((d) => {
    if (d.errors.length) throw d.errors[0];
    return d.toJS() as Obj;
  }).filter(Boolean);

const MODELS: Record<string, () => Promise<{ new (o: unknown): { validate(): void } }>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': async () => (await import('kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition')).CustomResourceDefinition as never,
  'v1/ServiceAccount': async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount as never,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as never,
  'rbac.authorization.k8s.io/v1/ClusterRole': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole as never,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding')).ClusterRoleBinding as never,
  'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet as never,
};

async function validate(obj: Obj): Promise<void> {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = await MODELS[key]?.();
  if (!Model) throw new Error(`no schema for ${key}`);
  new Model(obj).validate();
}

const FILES = ['crd.yaml', 'rbac.yaml', 'thin.yaml', 'thick.yaml'];

describe('deploy manifests', () => {
  for (const file of FILES) {
    it(`${file} validates against the Kubernetes API schemas`, async () => {
      const objs = load(file);
      expect(objs.length).toBeGreaterThan(0);
      for (const o of objs) await validate(o);
    });
  }

  it('a broken manifest is rejected (the check is real)', async () => {
    const ds = load('thick.yaml').find((o) => o.kind === 'DaemonSet')!;
    const bad = structuredClone(ds) as unknown as { spec: { template: { spec: { containers: { name?: string; ports?: unknown[] }[] } } } };
    delete bad.spec.template.spec.containers[0]!.name;
    bad.spec.template.spec.containers[0]!.ports = [{ containerPort: 'nine' }];
    await expect(validate(bad as unknown as Obj)).rejects.toThrow(/must have required property name.*containerPort must be integer/);
  });

  it('RBAC grants exactly what Multus calls', () => {
    const role = load('rbac.yaml').find((o) => o.kind === 'ClusterRole') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    const grants = role.rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}:${[...r.verbs].sort().join(',')}`))).sort();
    expect(grants).toEqual(['/events:create', '/pods/status:update', '/pods:get,list,watch', 'events.k8s.io/events:create', 'k8s.cni.cncf.io/network-attachment-definitions:get,list,watch']);
  });

  it('the thick daemon config parses with our schema and the thick DaemonSet mounts its socket dir', () => {
    const cm = load('thick.yaml').find((o) => o.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    const { config } = parseDaemonConfig(JSON.parse(cm.data['daemon-config.json']!));
    expect(config).toMatchObject({ socketDir: '/host/run/multus/', chrootDir: '/hostroot', multusConfigFile: 'auto' });
    const ds = load('thick.yaml').find((o) => o.kind === 'DaemonSet') as unknown as { spec: { template: { spec: { containers: { volumeMounts: { mountPath: string }[] }[] } } } };
    expect(ds.spec.template.spec.containers[0]!.volumeMounts.map((m) => m.mountPath)).toEqual(expect.arrayContaining(['/host/run', '/run/netns', '/hostroot', '/opt/cni/bin', '/var/lib/cni']));
  });

  it('the var-run-netns overlay moves the netns mount to /var/run/netns and still validates', async () => {
    const ds = structuredClone(load('thick.yaml').find((o) => o.kind === 'DaemonSet')!) as Record<string, unknown>;
    const ops = parseAllDocuments(readFileSync(path.join(DEPLOY, 'overlays/var-run-netns/netns-patch.yaml'), 'utf8'))[0]!.toJS() as { op: string; path: string; value: string }[];
    const at = (p: string) => {
      const parts = p.split('/').slice(1);
      const last = parts.pop()!;
      let cur: Record<string, unknown> = ds;
      for (const k of parts) cur = cur[k] as Record<string, unknown>;
      return { cur, last };
    };
    for (const op of ops) {
      const { cur, last } = at(op.path);
      expect(op.op).toBe('replace');
      expect(cur[last]).toBe('/run/netns');
      cur[last] = op.value;
    }
    const spec = (ds.spec as { template: { spec: { volumes: { name: string; hostPath?: { path: string } }[]; containers: { volumeMounts: { name: string; mountPath: string }[] }[] } } }).template.spec;
    expect(spec.volumes.find((v) => v.name === 'host-netns')!.hostPath!.path).toBe('/var/run/netns');
    expect(spec.containers[0]!.volumeMounts.find((m) => m.name === 'host-netns')!.mountPath).toBe('/var/run/netns');
    await validate(ds as Obj);
  });
});
