// The stand-in API server (e2e/src/k8s-stub) serving whereabouts' CRDs from deploy/crds.yaml,
// a kubeconfig for it whose context namespace is kube-system (where whereabouts keeps its
// objects), and a network config naming that kubeconfig.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { startStub, writeKubeconfig, type K8sStub, type KubeObject } from '../../../e2e/src/k8s-stub/index';

export const NS = 'kube-system';
export const DEPLOY = path.resolve(import.meta.dirname, '../deploy');

export function crds(): KubeObject[] {
  return loadAll(readFileSync(path.join(DEPLOY, 'crds.yaml'), 'utf8')) as KubeObject[];
}

export interface WaStub {
  stub: K8sStub;
  kubeconfig: string;
  dir: string;
  /** A network config with a whereabouts ipam section on this stub. */
  conf(ipam: Record<string, unknown>, extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function whereaboutsStub(): Promise<WaStub> {
  const stub = await startStub();
  for (const crd of crds()) stub.define(crd);
  stub.put('namespaces', { metadata: { name: NS } });
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-wa-'));
  const kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), { server: stub.url, namespace: NS });
  return {
    stub,
    kubeconfig,
    dir,
    conf: (ipam, extra = {}) => ({ cniVersion: '1.0.0', name: 'wa-net', type: 'macvlan', ipam: { type: 'whereabouts', kubernetes: { kubeconfig }, ...ipam }, ...extra }),
    async close() {
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** No host flat file may leak into a test. */
export const NO_FLAT_FILE = { flatFiles: ['/nonexistent/whereabouts.conf'] };

/** CNI_ARGS as kubelet sends them. */
export const podArgs = (ns: string, name: string) => `IgnoreUnknown=1;K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=x`;
