// netlink.RouteAddEcmp as CNI's ConfigureIface uses it: NLM_F_CREATE without EXCL, so an
// IPv4 route with the same key but another gateway is inserted (first), an IPv6 one becomes
// an ECMP sibling, and only an identical route fails with EEXIST.
import { codec, defaultHandle } from '@cni-ts/netlink';
import { splitCIDR } from './ip';

const { AF_INET, AF_INET6, NLM_F, RTM, RT_TABLE, RTPROT, RTN } = codec;

export interface EcmpRoute {
  /** destination CIDR (0.0.0.0/0 for the default route). */
  dst: string;
  /** outgoing link index. */
  oif: number;
  gateway?: string;
  /** metric; 0 = not sent (kernel default). */
  priority?: number;
  /** routing table; 0/undefined = main. */
  table?: number;
  /** RT_SCOPE_* number; default universe (0). */
  scope?: number;
}

/** Adds a route in the current namespace the way vishvananda/netlink's RouteAddEcmp does. */
export function routeAddEcmp(r: EcmpRoute): void {
  const { ip, prefix, family } = splitCIDR(r.dst);
  // Sent as written: like vishvananda, host bits are not cleared (the kernel rejects them for IPv4).
  const m: codec.RouteMessage = {
    family: family === 4 ? AF_INET : AF_INET6,
    dstLen: prefix,
    table: RT_TABLE.MAIN,
    protocol: RTPROT.boot,
    scope: r.scope ?? 0,
    type: RTN.unicast,
    dst: ip,
    oif: r.oif,
  };
  if (r.table && r.table > 0) {
    if (r.table >= 256) {
      m.table = RT_TABLE.UNSPEC;
      m.tableId = r.table;
    } else {
      m.table = r.table;
    }
  }
  if (r.gateway !== undefined) m.gateway = r.gateway;
  if (r.priority && r.priority > 0) m.priority = r.priority;
  defaultHandle().sock.request(RTM.NEWROUTE, NLM_F.CREATE, codec.encodeRouteMessage(m), {
    op: 'adding route',
    object: JSON.stringify(r.dst),
  });
}

/** netlink.Scope's String(): the name Go prints in route errors. */
export function scopeName(scope: number | undefined): string {
  switch (scope ?? 0) {
    case 0:
      return 'universe';
    case 200:
      return 'site';
    case 253:
      return 'link';
    case 254:
      return 'host';
    case 255:
      return 'nowhere';
    default:
      return 'unknown';
  }
}
