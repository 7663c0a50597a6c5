// multus-proxy, the per-node part: watches the multus Services, their EndpointSlices (ours only)
// and the pods of its node; for each running pod attached to a Service's network, makes that
// pod's netns hold exactly the plan (proxy/plan.ts): the rules through the chosen backend and
// the host routes through netlink. Changes are batched (a few ms) and synced by comparing each
// pod's new plan with the one last applied; the first sync after start-up visits every pod it
// can find a netns for, so rules a previous run left for a Service that has since gone are
// removed. A pod that stops running, loses the attachment, or is deleted while its netns still
// exists is cleaned; stopping the proxy leaves the rules in place (traffic keeps flowing while
// a new version starts), `cleanup()` removes them all.
import { existsSync } from 'node:fs';
import { Informer, type KubeClient } from '@cni-ts/kube';
import { NetlinkHandle, openNetfilterHandle } from '@cni-ts/netlink';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_PROXY_NAME, SERVICE_PROXY_NAME_LABEL } from '../constants';
import { keyOf, type EndpointSlice, type Pod, type Service } from '../kube-types';
import type { RuleBackend } from './backend';
import type { NetnsResolver } from './netns';
import { EMPTY_PLAN, isTargetPod, podPlan, staleFlows, type PodPlan } from './plan';
import { syncRoutes } from './routes';

export interface ProxyOptions {
  /** This node's name (pods are watched with spec.nodeName=<it>). */
  nodeName: string;
  backend: RuleBackend;
  resolver: NetnsResolver;
  /** Re-apply every programmed pod's rules this often, changed or not (default 5 min; 0 = never). */
  syncPeriodMs?: number;
  /** Pods written at the same time (default 8). */
  concurrency?: number;
  /** After an event, wait this long for more before syncing (default 20 ms). */
  batchMs?: number;
  /** Informer retry delays (tests shorten them). */
  backoffMs?: { initial: number; max: number };
  log?: (msg: string) => void;
  debug?: (msg: string) => void;
  /** Called after a pod's netns was written (tests, metrics). */
  onApplied?: (pod: Pod, plan: PodPlan, netns: string) => void;
}

interface Applied {
  netns: string;
  plan: PodPlan;
  /** The plan, serialized: equal text, equal rules. */
  key: string;
  pod: Pod;
}

type SyncMode = 'changed' | 'programmed' | 'all';

export class MultusProxy {
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;
  readonly pods: Informer<Pod>;
  readonly #opts: ProxyOptions;
  /** By pod UID: what its netns holds now. */
  readonly #applied = new Map<string, Applied>();
  /** Pods whose last apply failed: retried at the next sync. */
  readonly #failed = new Set<string>();
  /** Pods we could not find a netns for, reported once. */
  readonly #unresolved = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #periodic: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again: SyncMode | undefined;
  #stopped = false;
  /** Syncs run, pods applied, pods cleaned, failures (tests, logs). */
  readonly stats = { syncs: 0, applies: 0, cleans: 0, errors: 0 };

  constructor(client: KubeClient, opts: ProxyOptions) {
    this.#opts = opts;
    const common = { backoffMs: opts.backoffMs, log: opts.log };
    this.services = new Informer<Service>(client, { ...common, path: '/api/v1/services', labelSelector: `${SERVICE_PROXY_NAME_LABEL}=${SERVICE_PROXY_NAME}` });
    this.slices = new Informer<EndpointSlice>(client, { ...common, path: '/apis/discovery.k8s.io/v1/endpointslices', labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}` });
    this.pods = new Informer<Pod>(client, { ...common, path: '/api/v1/pods', fieldSelector: `spec.nodeName=${opts.nodeName}` });
    const changed = { add: () => this.#schedule(), update: () => this.#schedule(), delete: () => this.#schedule() };
    for (const i of [this.services, this.slices, this.pods] as Informer[]) i.on(changed);
  }

  #log(msg: string): void {
    this.#opts.log?.(msg);
  }

  /** Starts watching; resolves after the first full sync (every pod visited). */
  async start(): Promise<void> {
    const all = [this.services, this.slices, this.pods] as Informer[];
    for (const i of all) i.start();
    await Promise.all(all.map((i) => i.whenSynced()));
    await this.sync('all');
    const period = this.#opts.syncPeriodMs ?? 300_000;
    if (period > 0) {
      this.#periodic = setInterval(() => void this.sync('programmed'), period);
      this.#periodic.unref();
    }
  }

  /** Stops watching and syncing; the rules stay. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#periodic);
    await Promise.all(([this.services, this.slices, this.pods] as Informer[]).map((i) => i.stop()));
    await this.#running;
  }

  /** Removes our rules and routes from every pod of the node it finds a netns for (--cleanup). */
  async cleanup(): Promise<number> {
    this.#opts.resolver.refresh();
    let n = 0;
    for (const pod of this.pods.list()) {
      const netns = this.#opts.resolver.resolve(pod);
      if (!netns) continue;
      try {
        await this.#write(netns, EMPTY_PLAN, true);
        n++;
      } catch (err) {
        this.#log(`${keyOf(pod)}: cleaning ${netns}: ${(err as Error).message}`);
      }
    }
    this.#applied.clear();
    return n;
  }

  #schedule(delay = this.#opts.batchMs ?? 20): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sync('changed');
    }, delay);
  }

  /** One sync of every pod of the node (serialized: a sync asked for meanwhile runs afterwards). */
  async sync(mode: SyncMode = 'changed'): Promise<void> {
    if (this.#running) {
      if (mode === 'all' || this.#again === 'all') this.#again = 'all';
      else if (mode === 'programmed' || this.#again === 'programmed') this.#again = 'programmed';
      else this.#again = 'changed';
      return this.#running;
    }
    this.#running = (async () => {
      let next: SyncMode | undefined = mode;
      while (next && !this.#stopped) {
        this.#again = undefined;
        await this.#syncOnce(next);
        next = this.#again;
      }
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #syncOnce(mode: SyncMode): Promise<void> {
    this.stats.syncs++;
    this.#opts.resolver.refresh();
    const services = this.services.list();
    const slices = this.slices.list();
    const seen = new Set<string>();
    const work: (() => Promise<void>)[] = [];
    for (const pod of this.pods.list()) {
      const uid = pod.metadata.uid ?? keyOf(pod);
      seen.add(uid);
      const plan = isTargetPod(pod) ? podPlan(pod, services, slices) : EMPTY_PLAN;
      const empty = plan.services.length === 0 && plan.routes.length === 0;
      const prev = this.#applied.get(uid);
      const retry = this.#failed.has(uid);
      if (empty && !prev && !retry && mode !== 'all') continue; // never programmed, nothing to do
      const key = JSON.stringify(plan);
      if (mode === 'changed' && !retry && prev?.key === key && existsSync(prev.netns)) continue;
      work.push(() => this.#syncPod(pod, uid, plan, key, prev, mode !== 'changed'));
    }
    // Pods that are gone: their netns normally went with them; clean it if it did not.
    for (const [uid, prev] of this.#applied) if (!seen.has(uid)) work.push(() => this.#forget(uid, prev));
    for (const uid of this.#failed) if (!seen.has(uid)) this.#failed.delete(uid);
    // Netns are independent: several at a time (each write is a tool run or a netlink batch).
    const before = this.stats.errors;
    const queue = work.values();
    const worker = async () => {
      for (let next = queue.next(); !next.done; next = queue.next()) await next.value();
    };
    await Promise.all(Array.from({ length: Math.min(this.#opts.concurrency ?? 8, work.length) }, worker));
    if (this.stats.errors > before) this.#schedule(1000);
  }

  async #syncPod(pod: Pod, uid: string, plan: PodPlan, key: string, prev: Applied | undefined, verify: boolean): Promise<void> {
    const empty = plan.services.length === 0 && plan.routes.length === 0;
    const netns = this.#opts.resolver.resolve(pod);
    if (!netns) {
      if (!empty && !this.#unresolved.has(uid)) {
        this.#unresolved.add(uid);
        this.#log(`${keyOf(pod)}: no network namespace found in the CNI caches; its Service rules wait for it`);
      }
      if (prev) await this.#forget(uid, prev);
      return;
    }
    this.#unresolved.delete(uid);
    if (prev && prev.netns !== netns) await this.#forget(uid, prev); // a new sandbox: the old netns is cleaned if still there
    try {
      await this.#write(netns, plan, verify);
      this.#flushFlows(netns, prev?.netns === netns ? prev.plan : EMPTY_PLAN, plan);
      this.#failed.delete(uid);
      if (empty) {
        if (prev) this.stats.cleans++;
        this.#applied.delete(uid);
      } else {
        this.stats.applies++;
        this.#applied.set(uid, { netns, plan, key, pod });
      }
      this.#opts.debug?.(`${keyOf(pod)}: ${plan.services.length} service ports, ${plan.routes.length} routes in ${netns}`);
      this.#opts.onApplied?.(pod, plan, netns);
    } catch (err) {
      this.stats.errors++;
      this.#failed.add(uid);
      this.#log(`${keyOf(pod)}: programming ${netns}: ${(err as Error).message}`);
    }
  }

  async #forget(uid: string, prev: Applied): Promise<void> {
    this.#applied.delete(uid);
    if (!existsSync(prev.netns)) {
      this.#opts.backend.forget(prev.netns);
      return;
    }
    try {
      await this.#write(prev.netns, EMPTY_PLAN, true);
      this.#flushFlows(prev.netns, prev.plan, EMPTY_PLAN);
      this.stats.cleans++;
      this.#opts.onApplied?.(prev.pod, EMPTY_PLAN, prev.netns);
    } catch (err) {
      this.#log(`${keyOf(prev.pod)}: cleaning ${prev.netns}: ${(err as Error).message}`);
    }
  }

  /** Rules, then routes (a route to a cluster IP never exists without its translation). */
  async #write(netns: string, plan: PodPlan, verify: boolean): Promise<void> {
    if (plan.routes.length === 0) this.#routes(netns, []);
    await this.#opts.backend.sync(netns, plan.services, { verify });
    if (plan.routes.length > 0) this.#routes(netns, plan.routes);
  }

  /** Deletes the UDP flows the change left stale (best effort: a failure is logged, the rules stand). */
  #flushFlows(netns: string, prev: PodPlan, next: PodPlan): void {
    const stale = staleFlows(prev, next);
    if (stale.length === 0) return;
    try {
      const h = openNetfilterHandle(netns);
      try {
        for (const f of stale) h.conntrackDelete(f);
      } finally {
        h.close();
      }
    } catch (err) {
      this.#log(`${netns}: deleting stale UDP flows: ${(err as Error).message}`);
    }
  }

  #routes(netns: string, routes: PodPlan['routes']): void {
    const h = NetlinkHandle.open(netns);
    try {
      syncRoutes(h, routes);
    } finally {
      h.close();
    }
  }
}
