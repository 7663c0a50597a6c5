// types.Route as a field of a plugin's config (the IPAM plugins' `ipam.routes`): decoded as Go
// decodes it, output as the result's Route that Go would print for it.
import * as z from 'zod';
import type { Route } from '../result/types';
import { go } from './go';
import { goCIDR, goIP } from './net';

/**
 * A config's types.Route (CNI 1.1 fields), output as a result Route: dst keeps its host bits
 * ("<nil>" when absent, as Go prints a nil IPNet), gw is canonical, zero mtu/advmss/priority are
 * omitted, table and scope are kept when set. A null dst is an empty CIDR, an error as in Go.
 * A new schema each call, so that callers can annotate it (`go(goRoute(), 'types.route', ...)`).
 */
export function goRoute() {
  // types.Route decodes through its own UnmarshalJSON into the unexported struct `route`.
  const route = z
    .object({
      dst: go(goCIDR(), 'string', { nullAs: '' }).optional(),
      gw: goIP().optional(),
      mtu: z.number().int().optional(),
      advmss: z.number().int().optional(),
      priority: z.number().int().optional(),
      table: go(z.number().int(), '*int').optional(),
      scope: go(z.number().int(), '*int').optional(),
    })
    .describe('a route: dst (CIDR), gw, and the CNI 1.1 mtu/advmss/priority/table/scope')
    .transform((r): Route => {
      const out: Route = { dst: r.dst ?? '<nil>' };
      if (r.gw) out.gw = r.gw;
      if (r.mtu) out.mtu = r.mtu;
      if (r.advmss) out.advmss = r.advmss;
      if (r.priority) out.priority = r.priority;
      if (r.table !== undefined) out.table = r.table;
      if (r.scope !== undefined) out.scope = r.scope;
      return out;
    });
  return go(route, 'types.Route', { struct: 'route' });
}
