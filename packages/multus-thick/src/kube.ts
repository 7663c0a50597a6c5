// The daemon's Kubernetes access, as upstream's server has it: one client for every request
// (the per-node certificate's, the `kubeconfig` of daemon-config.json, or the pod's service
// account), kept-alive connections, client-go's rate limit, and two list+watch caches (the
// Informer of @cni-ts/kube): the pods of this node (spec.nodeName = MULTUS_NODE_NAME; all pods
// without it, as upstream) and every NetworkAttachmentDefinition. Requests read from them and
// fall back to a GET for what they have not seen yet. Cached pods keep what Multus reads and
// writes back through pods/status (metadata, spec.nodeName, status...): managedFields, volumes
// and the containers' command, args, env and volumeMounts are dropped, as upstream's transform
// does. A NAD whose config is larger than maxConfigBytes is kept only as a marker (it is read
// live, under the request's size budget, when a pod names it).
import { Informer, loadKubeClient, type KubeClient, type KubeObject } from '@cni-ts/kube';
import { LIVE, TOO_LARGE, type KubeSource } from '@cni-ts/multus';
import type { DaemonConfig } from './daemon-config';

export const POD_PATH = '/api/v1/pods';
export const NAD_PATH = '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions';
/** How long start-up waits for each cache's first list before serving anyway (upstream: 20 s). */
export const SYNC_WAIT_MS = 20_000;

type Obj = Record<string, unknown>;

/** upstream's informerObjectTrim, on raw JSON. */
export function trimPod(pod: KubeObject): KubeObject {
  const meta = { ...(pod.metadata as Obj | undefined) };
  delete meta.managedFields;
  const spec = { ...(pod.spec as Obj | undefined) };
  if (spec.volumes !== undefined) spec.volumes = [];
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[key];
    if (!Array.isArray(list)) continue;
    spec[key] = list.map((c: Obj) => {
      const { command: _c, args: _a, env: _e, volumeMounts: _v, ...rest } = c ?? {};
      return rest;
    });
  }
  return { ...pod, metadata: meta as KubeObject['metadata'], spec };
}

/** A NAD as cached: managedFields dropped; a config over `maxBytes` replaced by the TOO_LARGE marker. */
export function trimNad(nad: KubeObject, maxBytes: number): KubeObject {
  const meta = { ...(nad.metadata as Obj | undefined) } as NonNullable<KubeObject['metadata']> & Obj;
  delete meta.managedFields;
  const config = (nad.spec as { config?: unknown } | undefined)?.config;
  if (typeof config === 'string' && Buffer.byteLength(config) > maxBytes) {
    return { ...nad, metadata: { ...meta, annotations: { ...meta.annotations, [TOO_LARGE]: String(Buffer.byteLength(config)) } }, spec: {} };
  }
  return { ...nad, metadata: meta };
}

export interface DaemonKube {
  /** What the Multus plugin is given (LIVE when the daemon has no client of its own). */
  source: KubeSource;
  client?: KubeClient;
  pods?: Informer;
  nads?: Informer;
  stop(): Promise<void>;
}

export interface DaemonKubeOptions {
  config: DaemonConfig;
  raw: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  log: (line: string) => void;
  /** A client already made (the per-node certificate's). */
  client?: KubeClient;
  /** How long to wait for the caches' first lists (default SYNC_WAIT_MS). */
  syncWaitMs?: number;
}

/** The daemon's client: the given one, daemon-config.json's `kubeconfig`, else the in-cluster service account; undefined when none. */
export async function daemonClient(raw: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>): Promise<KubeClient | undefined> {
  const kubeconfig = typeof raw.kubeconfig === 'string' ? raw.kubeconfig : '';
  return loadKubeClient({ kubeconfig, env, keepAlive: true, userAgent: 'multus-daemon-cni-ts' });
}

export async function startDaemonKube(o: DaemonKubeOptions): Promise<DaemonKube> {
  const client = o.client ?? (await daemonClient(o.raw, o.env));
  if (!client) {
    o.log('no Kubernetes client (no kubeconfig in daemon-config.json and not in a cluster): each request uses its own configuration');
    return { source: LIVE, stop: async () => {} };
  }
  const node = o.env.MULTUS_NODE_NAME ?? '';
  const log = (m: string) => o.log(`watch ${m}`);
  if (node) o.log(`filtering the pod watch for node ${JSON.stringify(node)}`);
  else o.log('MULTUS_NODE_NAME is not set: watching the pods of every node');
  const pods = new Informer(client, { path: POD_PATH, ...(node ? { fieldSelector: `spec.nodeName=${node}` } : {}), transform: trimPod, log }).start();
  const maxBytes = o.config.maxConfigBytes;
  const nads = new Informer(client, { path: NAD_PATH, transform: (n) => trimNad(n, maxBytes), log }).start();
  const wait = o.syncWaitMs ?? SYNC_WAIT_MS;
  for (const [what, inf] of [['pod', pods], ['net-attach-def', nads]] as const) {
    let timer: NodeJS.Timeout | undefined;
    const synced = await Promise.race([inf.whenSynced().then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), wait)))]);
    clearTimeout(timer);
    if (!synced) o.log(`failed to sync the ${what} informer cache within ${wait / 1000} s; serving anyway (misses are read live)`);
  }
  const source: KubeSource = {
    client: async () => client,
    pods,
    nads,
    combineEvents: o.config.eventPerInterface !== true,
  };
  return {
    source,
    client,
    pods,
    nads,
    async stop() {
      await Promise.all([pods.stop(), nads.stop()]);
      client.close?.();
    },
  };
}
