// The `k8s.v1.cni.cncf.io/network-status` annotation: entries built from each delegate's result
// as the net-attach-def client builds them (CreateNetworkStatuses), serialised byte for byte
// as upstream writes them (each element MarshalIndent'ed with 4 spaces, joined with ",").
import { goMarshalIndent, parseCIDR, parseIP, formatIP, toCurrentResult, type DNS, type Result, type Result100, type Route } from '@cni-ts/cni';

export interface DeviceInfo {
  type?: string;
  version?: string;
  pci?: Record<string, string>;
  vdpa?: Record<string, string>;
  'vhost-user'?: Record<string, string>;
  memif?: Record<string, string>;
}

export interface NetworkStatus {
  name: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  mtu?: number;
  default?: boolean;
  dns: DNS;
  'device-info'?: DeviceInfo;
  gateway?: string[];
}

// DeviceInfo's Go struct fields, in order: what survives a round trip through it.
const DEVICE_INFO_FIELDS: Record<string, readonly string[]> = {
  pci: ['pci-address', 'vhost-net', 'rdma-device', 'pf-pci-address', 'representor-device'],
  vdpa: ['parent-device', 'driver', 'path', 'pci-address', 'pf-pci-address', 'representor-device'],
  'vhost-user': ['mode', 'path'],
  memif: ['role', 'path', 'mode'],
};

function pick(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  if (key in rec) return rec[key];
  const k = Object.keys(rec).findLast((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : rec[k];
}

/** A device-info document as Go decodes and re-encodes it (known fields, struct order). */
export function normalizeDeviceInfo(raw: unknown): DeviceInfo {
  const out: DeviceInfo = {};
  for (const k of ['type', 'version'] as const) {
    const v = pick(raw, k);
    if (typeof v === 'string' && v) out[k] = v;
  }
  for (const [k, fields] of Object.entries(DEVICE_INFO_FIELDS)) {
    const sub = pick(raw, k);
    if (!sub || typeof sub !== 'object') continue;
    const o: Record<string, string> = {};
    for (const f of fields) {
      const v = pick(sub, f);
      if (typeof v === 'string' && v) o[f] = v;
    }
    (out as Record<string, unknown>)[k] = o;
  }
  return out;
}

function convertDNS(dns: DNS | undefined): DNS {
  const out: DNS = {};
  if (dns?.nameservers?.length) out.nameservers = [...dns.nameservers];
  if (dns?.domain) out.domain = dns.domain;
  if (dns?.search?.length) out.search = [...dns.search];
  if (dns?.options?.length) out.options = [...dns.options];
  return out;
}

const addressIP = (cidr: string) => cidr.split('/')[0]!;

/** isDefaultRoute: no destination, or a destination address of 0.0.0.0 or :: (any prefix). */
export function isDefaultRoute(r: Route): boolean {
  if (!r.dst) return true;
  const n = parseCIDR(r.dst);
  if (!n) return false;
  const text = formatIP(n.ip);
  return text === '0.0.0.0' || text === '::';
}

/** Gateways of the default routes; a default route without a gateway is left out (upstream writes "<nil>"). */
function defaultGateways(routes: Route[] | undefined): string[] | undefined {
  const gws = (routes ?? []).filter((r) => isDefaultRoute(r) && r.gw && parseIP(r.gw)).map((r) => formatIP(parseIP(r.gw!)!));
  return gws.length ? gws : undefined;
}

function single(r: Result100, name: string, isDefault: boolean, dev: DeviceInfo | undefined): NetworkStatus {
  const s: NetworkStatus = { name, dns: {} };
  for (const i of r.interfaces ?? []) {
    if (!i.sandbox) continue;
    s.interface = i.name;
    s.mac = i.mac;
    s.mtu = i.mtu;
  }
  const ips = (r.ips ?? []).map((ip) => addressIP(ip.address));
  if (ips.length) s.ips = ips;
  if (isDefault) s.default = true;
  s.dns = convertDNS(r.dns);
  if (dev) s['device-info'] = dev;
  const gw = defaultGateways(r.routes);
  if (gw) s.gateway = gw;
  return s;
}

/**
 * CreateNetworkStatuses: one entry for a result with exactly one interface; otherwise one per
 * sandbox interface, IPs placed by their interface index (index-less IPs on the last entry),
 * `default` on the master's gateway interface (else its first sandbox interface).
 */
export function createNetworkStatuses(result: Result, name: string, isDefault: boolean, dev?: DeviceInfo): NetworkStatus[] {
  const r = toCurrentResult(result);
  const ifaces = r.interfaces ?? [];
  if (ifaces.length === 1) return [single(r, name, isDefault, dev)];
  const gateway = defaultGateways(r.routes);
  const dns = convertDNS(r.dns);
  const gwIndex = isDefault ? (r.ips ?? []).find((ip) => ip.gateway && ip.interface !== undefined)?.interface ?? -1 : -1;
  const statuses: NetworkStatus[] = [];
  const indexMap = new Map<number, number>();
  let setDefault = false;
  ifaces.forEach((iface, i) => {
    if (!iface.sandbox) return;
    let def = false;
    if (isDefault && !setDefault && (gwIndex === -1 || i === gwIndex)) {
      def = true;
      setDefault = true;
    }
    const s: NetworkStatus = { name, interface: iface.name, ips: [], mac: iface.mac, mtu: iface.mtu, dns };
    if (def) s.default = true;
    if (dev) s['device-info'] = dev;
    if (gateway) s.gateway = gateway;
    indexMap.set(i, statuses.length);
    statuses.push(s);
  });
  const last = statuses.at(-1);
  for (const ip of r.ips ?? []) {
    const target = ip.interface !== undefined ? statuses[indexMap.get(ip.interface) ?? -1] : last;
    target?.ips!.push(addressIP(ip.address));
  }
  return statuses;
}

/** One element as Go's MarshalIndent writes it (omitempty fields dropped, `dns` always there). */
function toGoOrder(s: NetworkStatus): Record<string, unknown> {
  return {
    name: s.name,
    interface: s.interface || undefined,
    ips: s.ips?.length ? s.ips : undefined,
    mac: s.mac || undefined,
    mtu: s.mtu || undefined,
    default: s.default || undefined,
    dns: {
      nameservers: s.dns.nameservers?.length ? s.dns.nameservers : undefined,
      domain: s.dns.domain || undefined,
      search: s.dns.search?.length ? s.dns.search : undefined,
      options: s.dns.options?.length ? s.dns.options : undefined,
    },
    'device-info': s['device-info'],
    gateway: s.gateway?.length ? s.gateway : undefined,
  };
}

/** The annotation value: `[` + elements (4-space MarshalIndent) joined by `,` + `]`. */
export function formatNetworkStatus(statuses: readonly NetworkStatus[]): string {
  return `[${statuses.map((s) => goMarshalIndent(toGoOrder(s))).join(',')}]`;
}
