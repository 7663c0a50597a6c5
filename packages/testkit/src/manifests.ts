// Kubernetes manifests in tests: the documents of a YAML file, and a check of each against the
// API schemas of a current Kubernetes release (the npm package kubernetes-models, offline: no
// cluster). Unknown keys are not caught: the schemas allow them (as kubeconform without -strict).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

/** Every document of a YAML file (a parse error throws). */
export function loadManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as Manifest;
    })
    .filter(Boolean);
}

type Model = { new (o: unknown): { validate(): void } };

const MODELS: Record<string, () => Promise<Model>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': async () => (await import('kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition')).CustomResourceDefinition as never,
  'v1/ServiceAccount': async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount as never,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap as never,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service as never,
  'v1/Pod': async () => (await import('kubernetes-models/v1/Pod')).Pod as never,
  'rbac.authorization.k8s.io/v1/ClusterRole': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole as never,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding')).ClusterRoleBinding as never,
  'apps/v1/DaemonSet': async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet as never,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment as never,
};

/** Validates one object against its kind's schema; a kind without one is an error (never a silent pass). */
export async function validateManifest(obj: Manifest): Promise<void> {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const load = Object.hasOwn(MODELS, key) ? MODELS[key] : undefined;
  if (!load) throw new Error(`no schema for ${key}`);
  const M = await load();
  new M(obj).validate();
}
