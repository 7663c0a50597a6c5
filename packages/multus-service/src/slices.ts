// The EndpointSlices a Service should have, and the creates, updates and deletes that get there
// from the ones it has: the default controller's reconciler (pkg/controller/endpointslice) in a
// smaller form. Per address family, endpoints are grouped by their resolved ports; an endpoint
// stays in the slice that holds it, new ones fill the fullest slices first, then new slices;
// an emptied slice is deleted, a create is turned into an update of a slice that would be
// deleted, and a family without endpoints keeps one placeholder slice (no ports, no endpoints),
// as the default controller does. Pure: the controller applies the plan.
import { CONTROLLER_NAME, HEADLESS_LABEL, MANAGED_BY_LABEL, MAX_ENDPOINTS_PER_SLICE, SERVICE_NAME_LABEL } from './constants';
import { addressTypeOf, endpointPorts, podEndpoint, podInEndpoints, serviceFamilies } from './endpoints';
import type { Endpoint, EndpointPort, EndpointSlice, OwnerReference, Pod, Service } from './kube-types';
import type { NetworkRef } from './network';

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

const RESERVED = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

export const sliceNamePrefix = (svc: Service) => `${svc.metadata.name}-multus-`;

/** The Service's labels (minus the reserved ones), plus service-name, managed-by and headless. */
export function sliceLabels(svc: Service): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED.has(k)) out[k] = v;
  if (!svc.spec?.clusterIP || svc.spec.clusterIP === 'None') out[HEADLESS_LABEL] = '';
  out[SERVICE_NAME_LABEL] = svc.metadata.name!;
  out[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return out;
}

/** A controller reference to the Service; blockOwnerDeletion false, as upstream (no finalizer rights needed). */
export function ownerRef(svc: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: false };
}

export const ownedBy = (s: EndpointSlice, svc: Service) =>
  (s.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');

const portsKey = (ports: readonly EndpointPort[] | null | undefined) =>
  JSON.stringify(
    (ports ?? [])
      .map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])
      .toSorted((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[2]) - Number(b[2])),
  );

const endpointId = (e: Endpoint) => e.targetRef?.uid ?? `${e.targetRef?.namespace}/${e.targetRef?.name}`;

/** Endpoint fields as we write them, in a fixed order: what decides whether a slice needs an update. */
function canonEndpoint(e: Endpoint): unknown {
  const c = e.conditions ?? {};
  return [e.addresses, c.ready ?? null, c.serving ?? null, c.terminating ?? null, e.hostname ?? null, e.nodeName ?? null, e.targetRef?.kind ?? null, e.targetRef?.namespace ?? null, e.targetRef?.name ?? null, e.targetRef?.uid ?? null];
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  sameJson(Object.entries(a ?? {}).toSorted(), Object.entries(b).toSorted());

interface Group {
  ports: EndpointPort[];
  /** Desired endpoints not yet placed, by endpoint id. */
  pending: Map<string, Endpoint>;
}

/**
 * The plan for one Service (labelled and annotated for us, its network resolved or undefined
 * when it has none usable: then every family gets just its placeholder). `existing` are the
 * slices labelled as ours for this Service name.
 */
export function planSlices(svc: Service, network: NetworkRef | undefined, pods: readonly Pod[], existing: readonly EndpointSlice[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const labels = sliceLabels(svc);
  const owner = ownerRef(svc);
  const families = serviceFamilies(svc);
  const includeTerminating = true; // EndpointSliceTerminatingCondition is GA: terminating pods are listed, not ready
  const sorted = pods.toSorted((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));

  for (const s of existing) {
    if (!ownedBy(s, svc) || !families.some((f) => addressTypeOf(f) === s.addressType)) plan.delete.push(s);
  }

  for (const family of families) {
    const addressType = addressTypeOf(family);
    const groups = new Map<string, Group>();
    if (network) {
      for (const pod of sorted) {
        if (!podInEndpoints(pod, includeTerminating)) continue;
        const ep = podEndpoint(svc, pod, network, family);
        if (!ep) continue;
        const ports = endpointPorts(svc, pod);
        const key = portsKey(ports);
        const g = groups.get(key) ?? { ports, pending: new Map() };
        groups.set(key, g);
        g.pending.set(endpointId(ep), ep);
      }
    }
    const mine = existing.filter((s) => ownedBy(s, svc) && s.addressType === addressType);
    const toDelete: EndpointSlice[] = [];
    const changed: EndpointSlice[] = [];
    const unchanged: EndpointSlice[] = [];

    // 1. Existing slices keep the endpoints still wanted in their port group (updated in place).
    for (const s of mine) {
      const g = groups.get(portsKey(s.ports));
      const kept: Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const want = g?.pending.get(endpointId(e));
        if (!want) continue;
        kept.push(want);
        g!.pending.delete(endpointId(e));
      }
      const next: EndpointSlice = { ...s, metadata: { ...s.metadata, labels: { ...labels }, ownerReferences: [owner] }, endpoints: kept };
      if (kept.length === 0) toDelete.push(s);
      else if (!sameJson((s.endpoints ?? []).map(canonEndpoint), kept.map(canonEndpoint)) || !sameLabels(s.metadata.labels, labels) || (s.metadata.ownerReferences ?? []).length !== 1) changed.push(next);
      else unchanged.push(next);
    }

    // 2. The rest fill slices being written anyway (fullest first), then unchanged ones, then new ones.
    const fresh: EndpointSlice[] = [];
    for (const [key, g] of groups) {
      if (g.pending.size === 0) continue;
      const open = (list: EndpointSlice[]) => list.filter((s) => portsKey(s.ports) === key).toSorted((a, b) => b.endpoints!.length - a.endpoints!.length);
      for (const s of open(changed)) fill(s, g, maxPerSlice);
      for (const s of open(unchanged)) {
        if (g.pending.size === 0) break;
        fill(s, g, maxPerSlice);
        unchanged.splice(unchanged.indexOf(s), 1);
        changed.push(s);
      }
      while (g.pending.size > 0) {
        const s = newSlice(svc, labels, owner, addressType, g.ports);
        fill(s, g, maxPerSlice);
        fresh.push(s);
      }
    }

    // 3. No endpoints at all: one placeholder slice for the family.
    if (changed.length + unchanged.length + fresh.length === 0) {
      const existingPlaceholder = toDelete.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0 && sameLabels(s.metadata.labels, labels) && (s.metadata.ownerReferences ?? []).length === 1);
      if (existingPlaceholder) toDelete.splice(toDelete.indexOf(existingPlaceholder), 1);
      else fresh.push(newSlice(svc, labels, owner, addressType, []));
    }

    // 4. A create becomes an update of a slice that would be deleted (same family, ours): fewer writes, stable names.
    while (fresh.length > 0 && toDelete.length > 0) {
      const s = fresh.pop()!;
      const old = toDelete.shift()!;
      changed.push({ ...old, metadata: { ...old.metadata, labels: s.metadata.labels, ownerReferences: s.metadata.ownerReferences }, ports: s.ports, endpoints: s.endpoints });
    }
    plan.create.push(...fresh);
    plan.update.push(...changed);
    plan.delete.push(...toDelete);
  }
  return plan;
}

function fill(s: EndpointSlice, g: Group, max: number): void {
  const eps = (s.endpoints ??= []);
  for (const [id, e] of g.pending) {
    if (eps.length >= max) break;
    eps.push(e);
    g.pending.delete(id);
  }
}

function newSlice(svc: Service, labels: Record<string, string>, owner: OwnerReference, addressType: string, ports: EndpointPort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: sliceNamePrefix(svc), namespace: svc.metadata.namespace, labels: { ...labels }, ownerReferences: [owner] },
    addressType,
    endpoints: [],
    ports,
  };
}
