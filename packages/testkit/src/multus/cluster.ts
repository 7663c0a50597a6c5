// The API server the tests talk to: the stand-in of e2e/src/k8s-stub by default, or a real
// cluster when MULTUS_E2E_KUBECONFIG names a kubeconfig (see README "Tests against a real
// cluster"). Objects are created through the API in a fresh namespace either way, so the same
// tests run against both; tests that need fault injection look at `stub` and skip without it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nadObject, podObject, relayIntoNetns, startStub, writeKubeconfig, type K8sStub, type KubeObject, type NadSpec, type PodSpec } from '../../../../e2e/src/k8s-stub/index';
import { loadKubeClient, type KubeClient } from '@cni-ts/kube';

export const REAL_KUBECONFIG = process.env.MULTUS_E2E_KUBECONFIG ?? '';

export interface TestCluster {
  kubeconfig: string;
  /** The stand-in server (undefined against a real cluster). */
  stub?: K8sStub;
  namespace: string;
  client: KubeClient;
  createPod(p: Omit<PodSpec, 'namespace'>): Promise<KubeObject>;
  getPod(name: string): Promise<KubeObject>;
  createNad(n: Omit<NadSpec, 'namespace'> & { namespace?: string }): Promise<KubeObject>;
  /** A kubeconfig reaching the API server from inside netns `netnsName` (a relay, closed with the test). */
  kubeconfigIn(netnsName: string): Promise<string>;
  /** A kubeconfig whose server refuses connections (the API server is "down"). */
  deadKubeconfig(): string;
  close(): Promise<void>;
}

const enc = encodeURIComponent;

export async function testCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-k8s-'));
  let stub: K8sStub | undefined;
  let kubeconfig = REAL_KUBECONFIG;
  if (!kubeconfig) {
    stub = await startStub();
    kubeconfig = writeKubeconfig(path.join(dir, 'kubeconfig'), { server: stub.url });
  }
  const client = (await loadKubeClient({ kubeconfig, env: {} }))!;
  const namespace = `cnits-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  await client.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const created: string[] = [];
  return {
    kubeconfig,
    stub,
    namespace,
    client,
    async createPod(p) {
      const pod = await client.request('POST', `/api/v1/namespaces/${enc(namespace)}/pods`, podObject({ ...p, namespace }));
      created.push(`/api/v1/namespaces/${enc(namespace)}/pods/${enc(p.name)}`);
      return pod;
    },
    getPod: (name) => client.request('GET', `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`),
    async createNad(n) {
      const ns = n.namespace ?? namespace;
      const base = `/apis/k8s.cni.cncf.io/v1/namespaces/${enc(ns)}/network-attachment-definitions`;
      const nad = await client.request('POST', base, nadObject({ ...n, namespace: ns }));
      created.push(`${base}/${enc(n.name)}`);
      return nad;
    },
    async kubeconfigIn(netnsName) {
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      const cluster = kc.getCurrentCluster()!;
      const url = new URL(cluster.server);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const relay = await relayIntoNetns(netnsName, { host: url.hostname.replace(/^\[|\]$/g, ''), port });
      onTestFinished(() => relay.close());
      const local = new URL(cluster.server);
      local.hostname = '127.0.0.1';
      local.port = String(relay.port);
      const clusters = kc.clusters.map((c) =>
        c.name === cluster.name ? { ...c, server: local.href.replace(/\/$/, ''), tlsServerName: c.tlsServerName ?? url.hostname } : c,
      );
      kc.loadFromOptions({ clusters, users: kc.users, contexts: kc.contexts, currentContext: kc.currentContext });
      const file = path.join(dir, `kubeconfig-${netnsName}`);
      writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
      return file;
    },
    deadKubeconfig: () => writeKubeconfig(path.join(dir, 'dead-kubeconfig'), { server: 'http://127.0.0.1:1' }),
    async close() {
      for (const p of created.reverse()) await client.request('DELETE', p).catch(() => undefined);
      await client.request('DELETE', `/api/v1/namespaces/${enc(namespace)}`).catch(() => undefined);
      await stub?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
