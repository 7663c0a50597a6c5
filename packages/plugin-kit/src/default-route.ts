// The interface of the first default route: what macvlan and ipvlan use as master when the
// config names none.
import { linkByIndex, routeList, withNetns } from '@cni-ts/netlink';
import { isDefaultDst } from './ip';
import { errText } from './errors';

/**
 * Name of the link of the first default route (IPv4 routes first, then IPv6, main table) of the
 * current namespace, or of `netns` when given. Throws `no default route interface found`.
 */
export function defaultRouteInterface(netns?: string): string {
  if (netns !== undefined) return withNetns(netns, () => defaultRouteInterface());
  for (const r of routeList({ family: 'all' })) {
    if (!isDefaultDst(r.dst)) continue;
    // Upstream reads LinkIndex, which a multipath route does not have; its first hop's is the useful one.
    const oif = r.oif ?? r.multipath?.[0]?.oif ?? 0;
    try {
      return linkByIndex(oif).name;
    } catch (err) {
      throw new Error(errText(err), { cause: err });
    }
  }
  throw new Error('no default route interface found');
}
