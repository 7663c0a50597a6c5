import { formatCIDR, formatIP } from './ip';
import type { Route } from './schema';

/** A route of the result: Go's rendering of types.Route (cni v1.3 fields). */
export interface ResultRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

/** dst keeps its host bits, gw is canonical, zero mtu/advmss/priority are omitted. */
export function renderRoute(r: Route): ResultRoute {
  const out: ResultRoute = { dst: r.dst ? formatCIDR(r.dst) : '<nil>' };
  if (r.gw) out.gw = formatIP(r.gw);
  if (r.mtu) out.mtu = r.mtu;
  if (r.advmss) out.advmss = r.advmss;
  if (r.priority) out.priority = r.priority;
  if (r.table !== undefined) out.table = r.table;
  if (r.scope !== undefined) out.scope = r.scope;
  return out;
}
