// The reconciler (whereabouts' ip-reconciler): one pass over every IPPool and
// OverlappingRangeIPReservation of the whereabouts namespace, releasing what belongs to pods
// that no longer exist, that the taint manager is evicting, or whose network-status no longer
// lists the address. It never releases an address a pod may still have: a pod of the same name
// that exists (a StatefulSet's new instance gets its predecessor's address back) keeps it while
// its network-status lists it, while it is Pending, and while it has no network-status at all
// (upstream releases those, and so races a starting pod: whereabouts#162, #176).
import type { Addr } from '@cni-ts/cni/ip';
import { isNotFound, type KubeClient, type KubeObject } from '@cni-ts/kube';
import type { Reservation } from '../allocate';
import { poolsPath, readPool, readReservation, reservationsPath } from '../k8s/objects';
import type { KubernetesStore } from '../k8s/store';
import { type Logger, silentLogger } from '../log';
import { poolName, reservationIP, reservationName } from '../names';
import { ipText, parseIPSloppy } from '../range';
import { DEL_TIMEOUT_MS } from '../store';

export const NETWORK_STATUS = 'k8s.v1.cni.cncf.io/network-status';

export interface ReconcileSummary {
  /** `<pool>/<ip>` of each released allocation. */
  released: string[];
  /** Names of the deleted OverlappingRangeIPReservations. */
  reservationsDeleted: string[];
  /** Allocations kept although their address is missing from the pod's status, and why. */
  kept: string[];
  errors: string[];
}

type Verdict = { orphan: true; why: string } | { orphan: false; why?: string };

interface PodInfo {
  phase: string;
  /** Addresses of the non-default networks in its network-status; undefined when it has none (or an unreadable one). */
  ips?: Set<string>;
  evicted: boolean;
}

function podInfo(pod: KubeObject): PodInfo {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: { type?: string; status?: string; reason?: string }[] };
  const evicted = (status.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'DeletionByTaintManager');
  const text = pod.metadata?.annotations?.[NETWORK_STATUS];
  let ips: Set<string> | undefined;
  if (text) {
    try {
      const list = JSON.parse(text) as { default?: boolean; ips?: string[] }[];
      if (Array.isArray(list)) {
        ips = new Set();
        for (const n of list) {
          if (n?.default) continue;
          for (const ip of n?.ips ?? []) {
            const a = parseIPSloppy(String(ip).split('/')[0]!);
            if (a) ips.add(ipText(a));
          }
        }
      }
    } catch {
      ips = undefined;
    }
  }
  return { phase: status.phase ?? '', ips, evicted };
}

/** Whether an allocation of `podRef` for `ip` is an orphan. */
export function judge(pods: ReadonlyMap<string, PodInfo>, podRef: string, ip: Addr): Verdict {
  const pod = pods.get(podRef);
  if (!pod) return { orphan: true, why: 'the pod no longer exists' };
  if (pod.evicted) return { orphan: true, why: 'the pod is being evicted (DeletionByTaintManager)' };
  if (pod.ips?.has(ipText(ip))) return { orphan: false };
  if (!pod.ips) return { orphan: false, why: 'the pod has no network-status' };
  if (pod.phase === 'Pending' || pod.phase === '') return { orphan: false, why: 'the pod is still Pending' };
  return { orphan: true, why: 'the address is not in the pod network-status' };
}

async function listAll(client: KubeClient, path: string): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let cont = '';
  do {
    const q = new URLSearchParams({ limit: '500', ...(cont ? { continue: cont } : {}) });
    const page = await client.request('GET', `${path}?${q}`);
    items.push(...((page.items ?? []) as KubeObject[]));
    cont = String((page.metadata as { continue?: string } | undefined)?.continue ?? '');
  } while (cont);
  return items;
}

/** The network_name of a pool named `<network_name>-<normalised range>` (or "" for the bare range). */
function networkNameOf(pool: string, range: string): string {
  const bare = poolName(range);
  return pool === bare ? '' : pool.endsWith(`-${bare}`) ? pool.slice(0, -bare.length - 1) : '';
}

export interface ReconcileOptions {
  log?: Logger;
  /** Budget of one pool write (default: whereabouts' DEL budget). */
  timeoutMs?: number;
}

/** One reconciler pass. */
export async function reconcile(store: KubernetesStore, opts: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const log = opts.log ?? silentLogger;
  const { client, namespace } = store;
  const summary: ReconcileSummary = { released: [], reservationsDeleted: [], kept: [], errors: [] };
  const [pools, podList, reservations] = await Promise.all([listAll(client, poolsPath(namespace)), listAll(client, '/api/v1/pods'), listAll(client, reservationsPath(namespace))]);
  const pods = new Map(podList.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, podInfo(p)]));
  const deadline = () => Date.now() + (opts.timeoutMs ?? DEL_TIMEOUT_MS);

  // Addresses that stay allocated, per pod: their reservations stay too.
  const held = new Set<string>();
  // Released with their pool entry (their reservations went with them).
  const released = new Set<string>();
  const networks = new Set<string>();
  for (const obj of pools) {
    const view = readPool(obj);
    const name = obj.metadata?.name ?? '';
    if (!view) {
      summary.errors.push(`IPPool ${name}: spec.range is not a CIDR`);
      continue;
    }
    const range = String((obj.spec as { range?: string }).range);
    const network = networkNameOf(name, range);
    networks.add(network);
    for (const r of view.reservations) {
      if (!r.podRef) {
        log.error(`IPPool ${name}: allocation ${r.key} (${ipText(r.ip)}) has no pod reference; left alone`);
        continue;
      }
      const v = judge(pods, r.podRef, r.ip);
      if (!v.orphan) {
        held.add(`${r.podRef} ${ipText(r.ip)}`);
        if (v.why) summary.kept.push(`${name}/${ipText(r.ip)} of ${r.podRef}: ${v.why}`);
        continue;
      }
      try {
        const rr: Reservation = { ip: r.ip, containerID: r.containerID, podRef: r.podRef, ifname: r.ifname };
        if (await store.removeFromPool(name, rr, network, deadline())) {
          released.add(`${r.podRef} ${ipText(r.ip)}`);
          summary.released.push(`${name}/${ipText(r.ip)}`);
          log.verbose(`released ${ipText(r.ip)} of ${r.podRef} from IPPool ${name}: ${v.why}`);
        }
      } catch (err) {
        held.add(`${r.podRef} ${ipText(r.ip)}`);
        summary.errors.push(`IPPool ${name}/${ipText(r.ip)}: ${(err as Error).message}`);
      }
    }
  }

  for (const obj of reservations) {
    const res = readReservation(obj);
    const ip = ipOfReservation(res.name, networks);
    if (!ip) {
      log.error(`OverlappingRangeIPReservation ${res.name}: not an address; left alone`);
      continue;
    }
    if (held.has(`${res.podRef} ${ipText(ip)}`) || released.has(`${res.podRef} ${ipText(ip)}`)) continue;
    const v = judge(pods, res.podRef, ip);
    if (!v.orphan) continue;
    try {
      if (!(await store.deleteReservation(res.name, res.uid))) continue;
      summary.reservationsDeleted.push(res.name);
      log.verbose(`deleted OverlappingRangeIPReservation ${res.name} of ${res.podRef}: ${v.why}`);
    } catch (err) {
      if (!isNotFound(err)) summary.errors.push(`OverlappingRangeIPReservation ${res.name}: ${(err as Error).message}`);
    }
  }
  return summary;
}

/**
 * The address an OverlappingRangeIPReservation stands for: its name under one of the pools'
 * network names (the longest that fits), else the name itself.
 */
function ipOfReservation(name: string, networks: ReadonlySet<string>): Addr | undefined {
  const candidates = [...networks].filter((n) => n !== '' && name.startsWith(`${n}-`)).toSorted((a, b) => b.length - a.length);
  for (const n of candidates) {
    const ip = reservationIP(name, n);
    if (ip && reservationName(ip, n) === name) return ip;
  }
  const ip = reservationIP(name);
  return ip && reservationName(ip) === name ? ip : undefined;
}

