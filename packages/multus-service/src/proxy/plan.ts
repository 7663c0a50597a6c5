// What one client pod's netns should hold, computed from the Services, their EndpointSlices and
// the pod's network-status: for each Service on a network the pod is attached to, per address
// family the pod has there, a host route to the cluster IP over that interface (so the first
// route lookup picks the secondary interface and its address as the source) and, per Service
// port, the DNAT of clusterIP:port to the ready endpoints. Headless Services get nothing here
// (their EndpointSlices are for DNS). Pure and deterministic: equal plans mean equal rules.
import { isMultusService } from '../controller';
import { DEFAULT_AFFINITY_SECONDS, SERVICE_NAME_LABEL } from '../constants';
import type { EndpointSlice, Pod, Service } from '../kube-types';
import { familyOf, networkStatus, serviceNetwork, type Family } from '../network';
import { canonicalIP } from '@cni-ts/cni';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface RoutePlan {
  family: Family;
  /** The cluster IP (a host route). */
  dst: string;
  /** The pod's interface on the Service's network. */
  dev: string;
  /** The pod's address on it. */
  src: string;
}

export interface Backend {
  ip: string;
  port: number;
}

export interface ServicePortPlan {
  /** `namespace/name:port-name` (Kubernetes' ServicePortName), for names and comments. */
  name: string;
  family: Family;
  clusterIP: string;
  protocol: Protocol;
  port: number;
  /** Session affinity timeout (ClientIP), in seconds; undefined without affinity. */
  affinitySeconds?: number;
  /** Ready endpoints, sorted. Empty: the cluster IP is routed but not translated. */
  endpoints: Backend[];
}

export interface PodPlan {
  routes: RoutePlan[];
  services: ServicePortPlan[];
}

export const EMPTY_PLAN: PodPlan = { routes: [], services: [] };

const PROTOCOLS: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/** The cluster IPs of a Service that has them (not headless), canonical. */
function clusterIPs(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== 'None' && ip !== '').flatMap((ip) => canonicalIP(ip) ?? []);
}

function affinity(svc: Service): number | undefined {
  if (svc.spec?.sessionAffinity !== 'ClientIP') return undefined;
  const t = svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  return Number.isInteger(t) && t! > 0 && t! <= 86_400 ? t : DEFAULT_AFFINITY_SECONDS;
}

/** The plan for `pod`; `slices` are this controller's, of any Service. */
export function podPlan(pod: Pod, services: readonly Service[], slices: readonly EndpointSlice[]): PodPlan {
  const plan: PodPlan = { routes: [], services: [] };
  const attachments = networkStatus(pod);
  if (attachments.length === 0) return plan;
  const routes = new Map<string, RoutePlan>();
  for (const svc of services.toSorted((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))) {
    if (!isMultusService(svc)) continue;
    const net = serviceNetwork(svc);
    if (!net || 'error' in net) continue;
    const att = attachments.find((a) => a.name === net.key && a.interface);
    if (!att) continue;
    const mySlices = slices.filter((s) => s.metadata.namespace === svc.metadata.namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
    for (const vip of clusterIPs(svc)) {
      const family = familyOf(vip);
      const src = att.ips.find((ip) => familyOf(ip) === family);
      if (!src) continue; // the pod has no address of that family on the network
      if (!routes.has(vip)) routes.set(vip, { family, dst: vip, dev: att.interface!, src });
      const addressType = family === 4 ? 'IPv4' : 'IPv6';
      for (const sp of svc.spec?.ports ?? []) {
        const protocol = PROTOCOLS[sp.protocol ?? 'TCP'];
        if (!protocol || !Number.isInteger(sp.port) || sp.port < 1 || sp.port > 65535) continue;
        const portName = sp.name ?? '';
        const endpoints = new Map<string, Backend>();
        for (const s of mySlices) {
          if (s.addressType !== addressType) continue;
          const p = (s.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'));
          if (!p?.port || p.port < 1 || p.port > 65535) continue;
          for (const e of s.endpoints ?? []) {
            // kube-proxy: an endpoint whose readiness is unknown counts as ready.
            if (e.conditions?.ready === false) continue;
            for (const a of e.addresses ?? []) {
              const ip = canonicalIP(a);
              if (ip && familyOf(ip) === family) endpoints.set(`${ip} ${p.port}`, { ip, port: p.port });
            }
          }
        }
        plan.services.push({
          name: `${svc.metadata.namespace}/${svc.metadata.name}:${portName}`,
          family,
          clusterIP: vip,
          protocol,
          port: sp.port,
          affinitySeconds: affinity(svc),
          endpoints: [...endpoints.values()].toSorted((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port),
        });
      }
    }
  }
  plan.routes = [...routes.values()];
  return plan;
}

/** Whether the proxy programs this pod at all: running, in its own netns. */
export const isTargetPod = (pod: Pod): boolean => pod.status?.phase === 'Running' && !pod.spec?.hostNetwork;

/** Which tracked flows a change of plan leaves stale (kube-proxy's UDP conntrack clean-up). */
export interface StaleFlows {
  family: Family;
  proto: 'udp';
  origDst: string;
  origDstPort: number;
  /** Only the flows translated to this endpoint; absent: every flow to the cluster IP and port. */
  replySrc?: string;
}

/**
 * UDP has no connection end, so its conntrack entries outlive a change: a flow to an endpoint
 * that is gone would keep being sent there, and one tracked while the Service had no endpoint
 * (not translated) would never be. TCP needs nothing (a dead endpoint resets the connection; an
 * established one keeps its endpoint, which is the point).
 */
export function staleFlows(prev: PodPlan, next: PodPlan): StaleFlows[] {
  const out: StaleFlows[] = [];
  const key = (s: ServicePortPlan) => `${s.clusterIP} ${s.protocol} ${s.port}`;
  const nextBy = new Map(next.services.map((s) => [key(s), s]));
  const prevBy = new Map(prev.services.map((s) => [key(s), s]));
  for (const p of prev.services) {
    if (p.protocol !== 'udp') continue;
    const n = nextBy.get(key(p));
    const base = { family: p.family, proto: 'udp' as const, origDst: p.clusterIP, origDstPort: p.port };
    if (!n) {
      out.push(base);
      continue;
    }
    for (const ep of p.endpoints) if (!n.endpoints.some((e) => e.ip === ep.ip && e.port === ep.port)) out.push({ ...base, replySrc: ep.ip });
  }
  for (const n of next.services) {
    if (n.protocol !== 'udp' || n.endpoints.length === 0) continue;
    const p = prevBy.get(key(n));
    if (!p || p.endpoints.length === 0) out.push({ family: n.family, proto: 'udp', origDst: n.clusterIP, origDstPort: n.port });
  }
  return out;
}
