// The host routes that send a cluster IP out of the pod's secondary interface with the pod's
// address there as the source: `ip route add <vip>/32 dev net1 src <pod ip> proto 164`. The
// protocol number marks them as ours, so a sync (even after a restart) finds and removes the
// ones no longer wanted without any state of its own.
import type { NetlinkHandle, Route } from '@cni-ts/netlink';
import type { RoutePlan } from './plan';

/** RTPROT value of our routes (unassigned in iproute2's rt_protos). */
export const ROUTE_PROTOCOL = 164;

const key = (dst: string | undefined, oif: number | undefined, src: string | undefined) => `${dst} ${oif} ${src}`;
const hostPrefix = (r: RoutePlan) => `${r.dst}/${r.family === 4 ? 32 : 128}`;

/** Makes our routes in `h`'s namespace exactly `want`; returns what it changed (for logs). */
export function syncRoutes(h: NetlinkHandle, want: readonly RoutePlan[]): { added: number; deleted: number } {
  const ifindex = new Map<string, number>();
  const index = (dev: string) => {
    let i = ifindex.get(dev);
    if (i === undefined) ifindex.set(dev, (i = h.linkByName(dev).index));
    return i;
  };
  const have = h.routeList({ family: 'all' }).filter((r) => r.protocol === ROUTE_PROTOCOL);
  const wanted = new Map<string, RoutePlan>();
  for (const r of want) {
    try {
      wanted.set(key(hostPrefix(r), index(r.dev), r.src), r);
    } catch {
      // The interface is not there (yet, or any more): no route through it.
    }
  }
  const present = new Set<string>();
  let deleted = 0;
  for (const r of have) {
    const k = key(r.dst, r.oif, r.src);
    if (wanted.has(k) && !present.has(k)) {
      present.add(k);
      continue;
    }
    deleteRoute(h, r);
    deleted++;
  }
  let added = 0;
  for (const [k, r] of wanted) {
    if (present.has(k)) continue;
    h.routeAdd({ dst: hostPrefix(r), oif: r.dev, src: r.src, protocol: ROUTE_PROTOCOL, scope: r.family === 4 ? 'link' : 'universe' });
    added++;
  }
  return { added, deleted };
}

function deleteRoute(h: NetlinkHandle, r: Route): void {
  h.routeDel({ dst: r.dst, oif: r.oif, src: r.src, protocol: ROUTE_PROTOCOL, family: r.family, scope: r.scope as never, table: r.table });
}
