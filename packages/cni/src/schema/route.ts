// types.Route as a field of a plugin's config (the IPAM plugins' `ipam.routes`): decoded as Go
// decodes it, output as the result's Route that Go would print for it.
import * as z from 'zod';
import type { Route } from '../result/types';
import { goField } from './go-types';
import { goCIDR, goInt, goIP } from './net';

function field<S extends z.ZodType>(schema: S, type: string, opts?: { nullAs?: unknown }) {
  // types.Route decodes through its own UnmarshalJSON into the unexported struct `route`.
  return goField(schema, 'route', type, opts).optional();
}

/**
 * A config's types.Route (CNI 1.1 fields), output as a result Route: dst keeps its host bits
 * ("<nil>" when absent, as Go prints a nil IPNet), gw is canonical, zero mtu/advmss/priority are
 * omitted, table and scope are kept when set. A null dst is an empty CIDR, an error as in Go.
 * A new schema each call, so that callers can annotate it with their own Go field.
 */
export function goRoute() {
  return z
    .object({
      dst: field(goCIDR(), 'string', { nullAs: '' }),
      gw: field(goIP(), 'net.IP'),
      mtu: field(goInt(), 'int'),
      advmss: field(goInt(), 'int'),
      priority: field(goInt(), 'int'),
      table: field(goInt(), '*int'),
      scope: field(goInt(), '*int'),
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
}
