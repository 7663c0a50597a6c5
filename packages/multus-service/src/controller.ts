// The multus-service EndpointSlice controller: for each Service labelled
// `service.kubernetes.io/service-proxy-name: multus-proxy` and annotated with
// `k8s.v1.cni.cncf.io/service-network`, EndpointSlices (`<svc>-multus-*`, managed-by
// multus-endpointslice-controller.npwg.k8s.io) whose endpoints are the selected pods'
// addresses on that network (their network-status entry), readiness from the pods'
// conditions. It watches Services (that label), Pods, NetworkAttachmentDefinitions and its own
// EndpointSlices (list+watch informers), and syncs one Service at a time from a work queue.
// Slices of a Service that is gone, lost the label or the annotation, or has no selector are
// deleted by the controller itself (not left to the garbage collector), as are slices of ours
// whose Service does not exist when the controller starts.
import { Informer, isConflict, isNotFound, objectEvent, type KubeClient, type KubeObject } from '@cni-ts/kube';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, SERVICE_NETWORK_ANNOTATION, SERVICE_PROXY_NAME, SERVICE_PROXY_NAME_LABEL } from './constants';
import { selectedPods } from './endpoints';
import { keyOf, type EndpointSlice, type Pod, type Service } from './kube-types';
import { serviceNetwork, type NetworkRef } from './network';
import { WorkQueue } from './queue';
import { planSlices } from './slices';
import { SliceTracker } from './tracker';

export interface ControllerOptions {
  /** Resync period of the informers (default 10 min; 0 = none). */
  resyncMs?: number;
  maxEndpointsPerSlice?: number;
  /** Informer and queue retry delays (tests shorten them). */
  backoffMs?: { initial: number; max: number };
  log?: (msg: string) => void;
  /** Each sync and write (-v). */
  debug?: (msg: string) => void;
}

const enc = encodeURIComponent;
const SLICES = '/apis/discovery.k8s.io/v1';
const COMPONENT = 'multus-endpoint-slice-controller';

/** The Service a slice of ours belongs to (its service-name label). */
const sliceService = (s: EndpointSlice) => `${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
const names = (l: EndpointSlice[]) => l.map((s) => s.metadata.name ?? `${s.metadata.generateName}*`).join(',') || '-';

/** Labelled for multus-proxy and annotated with a network: a Service this controller serves. */
export const isMultusService = (svc: Service): boolean =>
  svc.metadata.labels?.[SERVICE_PROXY_NAME_LABEL] === SERVICE_PROXY_NAME && svc.metadata.annotations?.[SERVICE_NETWORK_ANNOTATION] !== undefined;

export class ServiceController {
  readonly services: Informer<Service>;
  readonly pods: Informer<Pod>;
  readonly nads: Informer;
  readonly slices: Informer<EndpointSlice>;
  readonly queue: WorkQueue;
  readonly #client: KubeClient;
  readonly #opts: ControllerOptions;
  readonly #tracker = new SliceTracker();
  /** Events sent, by `uid reason message`, so a repeating problem is reported once per 10 minutes. */
  readonly #eventsSent = new Map<string, number>();
  /** Syncs done and writes made (tests, logs). */
  readonly stats = { syncs: 0, creates: 0, updates: 0, deletes: 0 };

  constructor(client: KubeClient, opts: ControllerOptions = {}) {
    this.#client = client;
    this.#opts = opts;
    const common = { resyncMs: opts.resyncMs ?? 600_000, backoffMs: opts.backoffMs, log: opts.log };
    this.services = new Informer<Service>(client, { ...common, path: '/api/v1/services', labelSelector: `${SERVICE_PROXY_NAME_LABEL}=${SERVICE_PROXY_NAME}` });
    this.pods = new Informer<Pod>(client, { ...common, path: '/api/v1/pods' });
    this.nads = new Informer(client, { ...common, path: '/apis/k8s.cni.cncf.io/v1/network-attachment-definitions' });
    this.slices = new Informer<EndpointSlice>(client, { ...common, path: `${SLICES}/endpointslices`, labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}` });
    this.queue = new WorkQueue({ backoffMs: opts.backoffMs, log: opts.log });

    this.services.on({ add: (s) => this.queue.add(keyOf(s)), update: (_, s) => this.queue.add(keyOf(s)), delete: (s) => this.queue.add(keyOf(s)) });
    this.pods.on({
      add: (p) => this.#podChanged(p),
      update: (old, p) => {
        this.#podChanged(old);
        this.#podChanged(p);
      },
      delete: (p) => this.#podChanged(p),
    });
    const nadChanged = (n: KubeObject) => {
      const key = `${n.metadata?.namespace}/${n.metadata?.name}`;
      for (const s of this.services.list()) {
        const net = serviceNetwork(s);
        if (net && 'key' in net && net.key === key) this.queue.add(keyOf(s));
      }
    };
    this.nads.on({ add: nadChanged, update: nadChanged, delete: nadChanged });
    this.slices.on({
      add: (s) => {
        this.#tracker.observe(s);
        this.queue.add(sliceService(s));
      },
      update: (old, s) => {
        this.#tracker.observe(s);
        this.queue.add(sliceService(s));
        if (sliceService(old) !== sliceService(s)) this.queue.add(sliceService(old));
      },
      delete: (s) => {
        this.#tracker.observeDelete(s);
        this.queue.add(sliceService(s));
      },
    });
  }

  #log(msg: string): void {
    this.#opts.log?.(msg);
  }

  /** Queues the Services of the pod's namespace whose selector picks it. */
  #podChanged(pod: Pod): void {
    for (const s of this.services.list(pod.metadata.namespace)) {
      if (selectedPods(s, [pod]).length) this.queue.add(keyOf(s));
    }
  }

  /** Starts the informers; once all four are listed, syncs every Service and every slice's Service. */
  async start(): Promise<void> {
    const all = [this.services, this.pods, this.nads, this.slices];
    for (const i of all) i.start();
    await Promise.all(all.map((i) => i.whenSynced()));
    this.queue.run((key) => this.sync(key));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await Promise.all([this.services, this.pods, this.nads, this.slices].map((i) => i.stop()));
  }

  /** The slices labelled as ours for the Service `namespace/name`. */
  #slicesOf(ns: string, name: string): EndpointSlice[] {
    return this.slices.list(ns).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
  }

  /** Brings the slices of one Service (`namespace/name`) to what they should be. */
  async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (!ns || !name) return;
    if (this.#tracker.stale(key)) {
      // Our last write has not come back through the watch yet: wait for it.
      this.queue.add(key, 50);
      return;
    }
    this.stats.syncs++;
    const svc = this.services.get(ns, name);
    const existing = this.#slicesOf(ns, name);
    if (!svc || !isMultusService(svc) || !svc.spec?.selector) {
      // Not (or no longer) ours: its slices go.
      await this.#apply(undefined, { create: [], update: [], delete: existing });
      return;
    }
    let network: NetworkRef | undefined;
    const ref = serviceNetwork(svc);
    if (ref && 'error' in ref) this.#event(svc, 'InvalidServiceNetwork', ref.error);
    else if (ref && !this.nads.get(ref.namespace, ref.name)) this.#event(svc, 'NetworkNotFound', `NetworkAttachmentDefinition ${ref.key} not found: the Service gets no endpoints until it exists`);
    else network = ref;
    const pods = selectedPods(svc, this.pods.list(ns));
    const plan = planSlices(svc, network, pods, existing, this.#opts.maxEndpointsPerSlice);
    if (svc.metadata.deletionTimestamp) plan.create = []; // the garbage collector is removing it
    await this.#apply(svc, plan);
  }

  async #apply(svc: Service | undefined, plan: { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] }): Promise<void> {
    const errors: string[] = [];
    const n = plan.create.length + plan.update.length + plan.delete.length;
    if (n && this.#opts.debug) {
      this.#opts.debug(`${svc ? keyOf(svc) : 'gone'}: create ${names(plan.create)} update ${names(plan.update)} delete ${names(plan.delete)}`);
    }
    for (const s of plan.create) {
      try {
        const made = (await this.#client.request('POST', `${SLICES}/namespaces/${enc(s.metadata.namespace!)}/endpointslices`, s)) as EndpointSlice;
        this.#tracker.wrote(made);
        this.stats.creates++;
      } catch (err) {
        errors.push(`creating an EndpointSlice: ${(err as Error).message}`);
      }
    }
    for (const s of plan.update) {
      try {
        const put = (await this.#client.request('PUT', `${SLICES}/namespaces/${enc(s.metadata.namespace!)}/endpointslices/${enc(s.metadata.name!)}`, s)) as EndpointSlice;
        this.#tracker.wrote(put);
        this.stats.updates++;
      } catch (err) {
        // A conflict means our cache is behind: the next sync reads the newer slice.
        errors.push(`updating EndpointSlice ${s.metadata.name}: ${(err as Error).message}`);
      }
    }
    for (const s of plan.delete) {
      try {
        await this.#client.request('DELETE', `${SLICES}/namespaces/${enc(s.metadata.namespace!)}/endpointslices/${enc(s.metadata.name!)}`, {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          preconditions: { uid: s.metadata.uid },
        });
        this.#tracker.deleted(s);
        this.stats.deletes++;
      } catch (err) {
        if (isNotFound(err)) continue;
        if (!isConflict(err)) errors.push(`deleting EndpointSlice ${s.metadata.name}: ${(err as Error).message}`);
      }
    }
    if (errors.length) {
      if (svc) this.#event(svc, 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${keyOf(svc)}: ${errors.join('; ')}`);
      throw new Error(errors.join('; '));
    }
  }

  #event(svc: Service, reason: string, message: string): void {
    const id = `${svc.metadata.uid} ${reason} ${message}`;
    const now = Date.now();
    if ((this.#eventsSent.get(id) ?? 0) > now - 600_000) return;
    if (this.#eventsSent.size > 1000) this.#eventsSent.clear();
    this.#eventsSent.set(id, now);
    this.#log(`${keyOf(svc)}: ${reason}: ${message}`);
    this.#client
      .request('POST', `/api/v1/namespaces/${enc(svc.metadata.namespace!)}/events`, objectEvent(svc, 'Service', 'Warning', reason, message, COMPONENT), { timeoutMs: 5000 })
      .catch((err: Error) => this.#log(`sending event ${reason}: ${err.message}`));
  }
}
