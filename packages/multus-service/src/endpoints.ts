// What the default EndpointSlice controller would publish for a pod (pkg/controller/endpointslice
// utils: podToEndpoint, getEndpointPorts, ShouldPodBeInEndpoints), with the addresses taken from
// the pod's network-status entry of the Service's network instead of status.podIPs.
import { familyOf, attachmentsTo, type Family, type NetworkRef } from './network';
import type { AddressType, Endpoint, EndpointPort, Pod, Service } from './kube-types';

export const addressTypeOf = (f: Family): AddressType => (f === 4 ? 'IPv4' : 'IPv6');

const isHeadless = (svc: Service) => svc.spec?.clusterIP === 'None';

/**
 * The address families the Service's slices cover: its ipFamilies; without them (an old API
 * server) the family of its cluster IP; a headless Service without either gets both.
 */
export function serviceFamilies(svc: Service): Family[] {
  const fams = new Set<Family>();
  for (const f of svc.spec?.ipFamilies ?? []) {
    if (f === 'IPv4') fams.add(4);
    if (f === 'IPv6') fams.add(6);
  }
  if (fams.size) return [...fams].toSorted();
  const ip = svc.spec?.clusterIP;
  if (ip && ip !== 'None') return [familyOf(ip)];
  return [4, 6];
}

export const podReady = (pod: Pod): boolean => (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** ShouldPodBeInEndpoints: not finished for good, and not terminating unless those are wanted. */
export function podInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  const restart = pod.spec?.restartPolicy ?? 'Always';
  if (restart === 'Never' && (phase === 'Failed' || phase === 'Succeeded')) return false;
  if (restart === 'OnFailure' && phase === 'Succeeded') return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** podutil.FindPort: a number as is; a name looked up among the pod's container ports of that protocol. */
function findPort(pod: Pod, target: number | string | undefined, fallback: number, protocol: string): number | undefined {
  if (target === undefined || target === '' || target === 0) return fallback;
  if (typeof target === 'number') return target;
  if (/^[0-9]+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** getEndpointPorts: the Service's ports resolved for this pod (a name the pod lacks is left out). */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const protocol = sp.protocol ?? 'TCP';
    const port = findPort(pod, sp.targetPort, sp.port, protocol);
    if (port === undefined) continue;
    out.push({ name: sp.name ?? '', port, protocol, ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** podToEndpoint: addresses of the family on the network, readiness from the pod's conditions. */
export function podEndpoint(svc: Service, pod: Pod, network: NetworkRef, family: Family): Endpoint | undefined {
  const addresses = [...new Set(attachmentsTo(pod, network).flatMap((a) => a.ips))].filter((ip) => familyOf(ip) === family);
  if (addresses.length === 0) return undefined;
  const serving = podReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating pod is never "ready", unless the Service publishes not-ready addresses.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: Endpoint = {
    addresses,
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  // ShouldSetHostname: a headless Service whose name is the pod's subdomain.
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace && isHeadless(svc)) {
    ep.hostname = pod.spec.hostname;
  }
  return ep;
}

/** The pods the Service's selector picks (a Service without a selector gets no slices from us). */
export function selectedPods(svc: Service, pods: readonly Pod[]): Pod[] {
  const sel = svc.spec?.selector;
  if (!sel) return [];
  const entries = Object.entries(sel);
  return pods.filter((p) => p.metadata.namespace === svc.metadata.namespace && entries.every(([k, v]) => p.metadata.labels?.[k] === v));
}
