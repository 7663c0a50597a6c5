// Where a call's Kubernetes objects come from. The thin plugin (one process per call) makes a
// client from its config and reads live; the thick daemon hands every call its one shared
// client (keep-alive, rate limit) and its watch caches of the node's pods and of the NADs
// (upstream's informers), falling back to a GET for what a cache has not seen yet.
import { loadKubeClient, type KubeClient, type KubeObject } from '@cni-ts/kube';

/** A list+watch cache of one resource (the daemon's Informer). */
export interface ObjectCache {
  /** True once the first list is in: before that a miss means nothing. */
  readonly synced: boolean;
  get(namespace: string, name: string): KubeObject | undefined;
}

export interface KubeSource {
  /** The API client of one call (undefined: no Kubernetes at all). */
  client(kubeconfig: string, env: Readonly<Record<string, string | undefined>>): Promise<KubeClient | undefined>;
  /** The node's pods (spec.nodeName = MULTUS_NODE_NAME), kept by a watch. */
  pods?: ObjectCache;
  /** NetworkAttachmentDefinitions, kept by a watch. */
  nads?: ObjectCache;
  /**
   * One AddedInterface event per ADD naming every interface, instead of one per interface:
   * under pod churn the events were most of the daemon's API requests.
   */
  combineEvents?: boolean;
}

/** The thin plugin's: a client from the config (or the in-cluster environment), live reads. */
export const LIVE: KubeSource = { client: (kubeconfig, env) => loadKubeClient({ kubeconfig, env }) };

/**
 * A NAD the cache holds in place of one whose spec.config was larger than the daemon's
 * maxConfigBytes: the cache keeps nothing that big, a lookup reads it live, under the call's
 * size budget (which fails it).
 */
export const TOO_LARGE = 'cni-ts.io/too-large';
