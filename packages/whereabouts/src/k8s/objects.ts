// whereabouts' custom resources (group whereabouts.cni.cncf.io, version v1alpha1), written and
// read exactly as whereabouts v0.9 does, so that both can share one cluster's pools:
//
//   IPPool  <network_name->10.0.0.0-24   spec: {range: "10.0.0.0/24", allocations: {"<offset>": {id, podref, ifname}}}
//   OverlappingRangeIPReservation  <network_name->10.0.0.1   spec: {podref, ifname}
import { type Addr, parseAddr } from '@cni-ts/cni/ip';
import type { KubeObject } from '@cni-ts/kube';
import type { Reservation } from '../allocate';
import { ipAtOffset } from '../names';

export const GROUP = 'whereabouts.cni.cncf.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

const enc = encodeURIComponent;
export const poolsPath = (ns: string) => `/apis/${API_VERSION}/namespaces/${enc(ns)}/ippools`;
export const poolPath = (ns: string, name: string) => `${poolsPath(ns)}/${enc(name)}`;
export const reservationsPath = (ns: string) => `/apis/${API_VERSION}/namespaces/${enc(ns)}/overlappingrangeipreservations`;
export const reservationPath = (ns: string, name: string) => `${reservationsPath(ns)}/${enc(name)}`;

/** IPAllocation as stored: `ifname` is omitted when empty (omitempty). */
export interface IPAllocation {
  id: string;
  podref: string;
  ifname?: string;
}

export function allocationOf(r: Pick<Reservation, 'containerID' | 'podRef' | 'ifname'>): IPAllocation {
  return r.ifname ? { id: r.containerID, podref: r.podRef, ifname: r.ifname } : { id: r.containerID, podref: r.podRef };
}

/** A new pool, as getPool creates it. */
export function newPool(name: string, cidr: string): KubeObject {
  return { apiVersion: API_VERSION, kind: 'IPPool', metadata: { name }, spec: { range: cidr, allocations: {} } };
}

/** A reservation, as UpdateOverlappingRangeAllocation creates it. */
export function newReservation(name: string, namespace: string, podRef: string, ifname: string): KubeObject {
  return { apiVersion: API_VERSION, kind: 'OverlappingRangeIPReservation', metadata: { name, namespace }, spec: ifname ? { podref: podRef, ifname } : { podref: podRef } };
}

export interface PoolView {
  name: string;
  resourceVersion: string;
  /** The pool's first address: spec.range's address as written (net.ParseCIDR). */
  base: Addr;
  /** spec.allocations is an object (a pool written by another client might lack it). */
  hasAllocations: boolean;
  reservations: (Reservation & { key: string; raw: unknown })[];
}

/** Reads a pool; undefined when spec.range is not a CIDR (upstream fails the same way). */
export function readPool(obj: KubeObject): PoolView | undefined {
  const spec = (obj.spec ?? {}) as { range?: unknown; allocations?: unknown };
  const range = typeof spec.range === 'string' ? spec.range : '';
  const slash = range.indexOf('/');
  const base = slash > 0 ? parseAddr(range.slice(0, slash)) : undefined;
  if (!base || !/^[0-9]+$/.test(range.slice(slash + 1))) return undefined;
  const allocations = spec.allocations && typeof spec.allocations === 'object' && !Array.isArray(spec.allocations) ? (spec.allocations as Record<string, unknown>) : undefined;
  const reservations: PoolView['reservations'] = [];
  for (const [key, raw] of Object.entries(allocations ?? {})) {
    const ip = ipAtOffset(base, key);
    if (!ip || !raw || typeof raw !== 'object') continue;
    const a = raw as { id?: unknown; podref?: unknown; ifname?: unknown };
    reservations.push({ key, raw, ip, containerID: String(a.id ?? ''), podRef: String(a.podref ?? ''), ifname: typeof a.ifname === 'string' ? a.ifname : '' });
  }
  return { name: obj.metadata?.name ?? '', resourceVersion: obj.metadata?.resourceVersion ?? '', base, hasAllocations: !!allocations, reservations };
}

export interface ReservationView {
  name: string;
  uid: string;
  resourceVersion: string;
  podRef: string;
  ifname: string;
  containerID: string;
}

export function readReservation(obj: KubeObject): ReservationView {
  const spec = (obj.spec ?? {}) as { podref?: unknown; ifname?: unknown; containerid?: unknown };
  return {
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    resourceVersion: obj.metadata?.resourceVersion ?? '',
    podRef: typeof spec.podref === 'string' ? spec.podref : '',
    ifname: typeof spec.ifname === 'string' ? spec.ifname : '',
    containerID: typeof spec.containerid === 'string' ? spec.containerid : '',
  };
}
