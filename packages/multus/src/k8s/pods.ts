// Pod reads and writes: GetPod (the daemon's watch cache first, then GETs with their retry
// budget), the network-status write (PUT of pods/status from the pod just read, a GET only
// after a conflict; the pod round-tripped as raw JSON), and events.
import { NETWORK_STATUS_ANNOTATION } from '../annotations';
import type { K8sArgs } from '../runtime';
import { isConflict, isNotFound, isRetriable, isUnauthorized, objectEvent, type KubeClient, type KubeObject } from '@cni-ts/kube';
import type { ObjectCache } from './source';
import { setTimeout as sleep } from 'node:timers/promises';

export type Pod = KubeObject;

const enc = encodeURIComponent;
export const podPath = (ns: string, name: string) => `/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`;

/** Upstream's poll budget for GetPod, and its interval. */
export const GET_POD_BUDGET_MS = 2500;
export const GET_POD_INTERVAL_MS = 250;
/** Per-request deadline of a pod GET (upstream: 250 ms, which fails on any slow API server). */
export const GET_POD_TIMEOUT_MS = 10_000;


/** IsStaticPod: `kubernetes.io/config.source` present and not "api" (mirror pods have another UID). */
export function isStaticPod(pod: Pod): boolean {
  const src = pod.metadata?.annotations?.['kubernetes.io/config.source'];
  return src !== undefined && src !== 'api';
}

export class PodNotFoundError extends Error {
  constructor(cause: unknown) {
    super(`pod not found during Multus GetPod: ${(cause as Error).message}`, { cause });
    this.name = 'PodNotFoundError';
  }
}

/** A hint for the classic expired-token failure (multus-cni#852). */
export function unauthorizedHint(err: unknown, kubeconfig: string): string {
  if (!isUnauthorized(err)) return '';
  return ` (the API server rejected the credentials of ${kubeconfig || 'the in-cluster service account'}; an expired service-account token? use a kubeconfig with "tokenFile" or refresh it)`;
}

export interface GetPodOptions {
  budgetMs?: number;
  intervalMs?: number;
  timeoutMs?: number;
  /** The daemon's watch cache of the node's pods. */
  cache?: ObjectCache;
  /** How long an ADD waits for the watch to deliver a pod the cache lacks before a GET (default 500 ms, 50 ms polls). */
  cacheWaitMs?: number;
}

/** How often the cache is looked at again while waiting for the watch (upstream: 50 ms). */
const CACHE_POLL_MS = 50;
const CACHE_WAIT_MS = 500;

const uidMatches = (pod: Pod, uid: string) => !uid || pod.metadata?.uid === uid || isStaticPod(pod);

/**
 * The pod from the watch cache: at once, or (ADD) after the watch delivered it within
 * `waitMs`; undefined when the cache is not synced or does not have it (with this UID).
 */
async function cachedPod(cache: ObjectCache, ns: string, name: string, uid: string, waitMs: number): Promise<Pod | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (!cache.synced) return undefined;
    const pod = cache.get(ns, name);
    if (pod && uidMatches(pod, uid)) return pod;
    if (Date.now() + CACHE_POLL_MS > deadline) return undefined;
    await sleep(CACHE_POLL_MS);
  }
}

/**
 * GetPod: GETs retried on transient failures every 250 ms for 2.5 s, then one last GET.
 * NotFound throws PodNotFoundError; a UID mismatch on a non-static pod throws (ADD) or yields
 * undefined (DEL: StatefulSets reuse names).
 */
export async function getPod(client: KubeClient, k: K8sArgs, isDel: boolean, opts: GetPodOptions = {}): Promise<Pod | undefined> {
  const ns = k.K8S_POD_NAMESPACE ?? '';
  const name = k.K8S_POD_NAME ?? '';
  if (opts.cache) {
    // A pod the watch has not delivered yet (it was created a moment ago) or a stale one of the
    // same name: an ADD waits a little for the watch, then asks the API server.
    const hit = await cachedPod(opts.cache, ns, name, k.K8S_POD_UID ?? '', isDel ? 0 : (opts.cacheWaitMs ?? CACHE_WAIT_MS));
    if (hit) return hit;
  }
  const budget = opts.budgetMs ?? GET_POD_BUDGET_MS;
  const deadline = Date.now() + budget;
  const timeoutMs = opts.timeoutMs ?? GET_POD_TIMEOUT_MS;
  let pod: Pod | undefined;
  let lastErr: unknown;
  for (;;) {
    try {
      pod = await client.request('GET', podPath(ns, name), undefined, { timeoutMs });
      break;
    } catch (err) {
      lastErr = err;
      if (isNotFound(err)) throw new PodNotFoundError(err);
      if (!isRetriable(err) || Date.now() + (opts.intervalMs ?? GET_POD_INTERVAL_MS) >= deadline) break;
      await sleep(opts.intervalMs ?? GET_POD_INTERVAL_MS);
    }
  }
  if (!pod) {
    // The final live query, as upstream.
    try {
      pod = await client.request('GET', podPath(ns, name), undefined, { timeoutMs });
    } catch (err) {
      if (isNotFound(err)) throw new PodNotFoundError(err);
      throw new Error(`error waiting for pod: ${(err as Error).message}`, { cause: err ?? lastErr });
    }
  }
  const uid = k.K8S_POD_UID ?? '';
  if (uid && pod.metadata?.uid !== uid && !isStaticPod(pod)) {
    if (isDel) return undefined;
    throw new Error(`expected pod UID "${uid}" but got "${pod.metadata?.uid ?? ''}" from Kube API`);
  }
  return pod;
}

/** retry.DefaultRetry: 5 steps, 10 ms apart (jitter 0.1). */
const CONFLICT_STEPS = 5;
const CONFLICT_DELAY_MS = 10;

/**
 * SetNetworkStatus: GET the pod, check its UID, set the annotation, PUT pods/status; again on
 * a resourceVersion conflict. The pod is written back exactly as read apart from that one
 * annotation, so fields this code does not know (resourceClaimStatuses...) survive.
 */
export async function setNetworkStatus(client: KubeClient, k: K8sArgs, value: string, base?: Pod): Promise<void> {
  const ns = k.K8S_POD_NAMESPACE ?? '';
  const name = k.K8S_POD_NAME ?? '';
  const uid = k.K8S_POD_UID ?? '';
  for (let step = 1; ; step++) {
    let pod: Pod;
    // The pod this ADD already read (from the watch cache or a GET) is the first try; a conflict
    // (it changed since) reads it again. pods/status takes only the status, labels and
    // annotations of the body, so a cached pod trimmed of its volumes and container commands
    // (and managedFields, which the server keeps for a subresource) writes the same thing.
    if (step === 1 && base) pod = base;
    else {
      try {
        pod = await client.request('GET', podPath(ns, name));
      } catch (err) {
        throw new Error(`SetPodNetworkStatusAnnotation: failed to query the pod ${name} in out of cluster comm: ${(err as Error).message}`, { cause: err });
      }
    }
    if (uid && pod.metadata?.uid !== uid && !isStaticPod(pod)) {
      throw new Error(`SetNetworkStatus: expected pod ${ns}/${name} UID "${uid}" but got "${pod.metadata?.uid ?? ''}" from Kube API`);
    }
    const metadata = { ...pod.metadata };
    metadata.annotations = { ...metadata.annotations, [NETWORK_STATUS_ANNOTATION]: value };
    try {
      await client.request('PUT', `${podPath(ns, name)}/status`, { ...pod, metadata });
      return;
    } catch (err) {
      if (isConflict(err) && step < CONFLICT_STEPS) {
        await sleep(CONFLICT_DELAY_MS * (1 + Math.random() * 0.1));
        continue;
      }
      throw new Error(`SetPodNetworkStatusAnnotation: failed to update the pod ${name} in out of cluster comm: SetNetworkStatus: failed to update the pod ${name} in out of cluster comm: status update failed for pod ${ns}/${name}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** A core/v1 Event about the pod, as client-go's recorder makes it (component "multus"). */
export function podEvent(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string, now = new Date()): KubeObject {
  return objectEvent(pod, 'Pod', type, reason, message, 'multus', now);
}

/**
 * Events are best effort (upstream sends them asynchronously and may exit first). With
 * `combine`, the AddedInterface events of one call become one event at flush(), its message
 * the per-interface messages joined with "; " (the daemon: one POST per ADD, not per interface).
 */
export class EventSink {
  readonly #pending: Promise<unknown>[] = [];
  readonly #held: { pod: Pod; messages: string[] }[] = [];
  readonly client: KubeClient | undefined;
  readonly combine: boolean;
  constructor(client: KubeClient | undefined, combine = false) {
    this.client = client;
    this.combine = combine;
  }

  emit(pod: Pod | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (!this.client || !pod) return;
    if (this.combine && type === 'Normal' && reason === 'AddedInterface') {
      const held = this.#held.find((h) => h.pod === pod);
      if (held) held.messages.push(message);
      else this.#held.push({ pod, messages: [message] });
      return;
    }
    this.#post(pod, podEvent(pod, type, reason, message));
  }

  #post(pod: Pod, event: KubeObject): void {
    const ns = pod.metadata?.namespace ?? '';
    this.#pending.push(this.client!.request('POST', `/api/v1/namespaces/${enc(ns)}/events`, event, { timeoutMs: 2000, maxRetries: 0 }).catch(() => undefined));
  }

  /** Sends what was held, then waits for the events sent so far (each has its own short deadline). */
  async flush(): Promise<void> {
    for (const h of this.#held.splice(0)) this.#post(h.pod, podEvent(h.pod, 'Normal', 'AddedInterface', h.messages.join('; ')));
    await Promise.allSettled(this.#pending.splice(0));
  }
}
