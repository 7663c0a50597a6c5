import { z } from 'zod';
import { go } from './_gojson';
import { type CIDR, type IP, parseCIDR, parseIP } from './ip';

/**
 * zod schemas of the fields host-local reads, with Go's decoding rules: what Go's types accept
 * (net.IP, types.IPNet, pkg/ip.IP), and the messages Go prints when they do not.
 */

/** Go `net.IP` text: empty means unset. */
export function netIP(struct: string) {
  return go(z.string(), { struct, type: 'net.IP' }).transform((s, ctx): IP | undefined => {
    if (s === '') return undefined;
    const ip = parseIP(s);
    if (!ip) ctx.addIssue({ code: 'custom', message: `invalid IP address: ${s}` });
    return ip;
  });
}

/** CNI `types.IPNet`: CIDR text, host bits kept; `null` and `""` are errors. */
export function ipNet(struct: string) {
  return go(z.string(), { struct, type: 'string', nullAs: '' }).transform((s, ctx): CIDR | undefined => {
    const c = parseCIDR(s);
    if (!c) ctx.addIssue({ code: 'custom', message: `invalid CIDR address: ${s}` });
    return c;
  });
}

/**
 * plugins `pkg/ip.IP`: an address with an optional prefix (ignored). Empty decodes to "no
 * address", which the caller rejects. Go panics on a `null` entry; we treat it as empty.
 */
export function pkgIP(struct: string) {
  return go(z.string(), { struct, type: '*ip.IP', nullAs: '' }).transform((s, ctx): IP | null => {
    if (s === '') return null;
    const ip = s.includes('/') ? parseCIDR(s)?.ip : parseIP(s);
    if (!ip) ctx.addIssue({ code: 'custom', message: `invalid IP address ${s}` });
    return ip ?? null;
  });
}

function goInt(struct: string, type = 'int') {
  return go(z.number().int(), { struct, type });
}

/** CNI `types.Route` (cni v1.3 fields); dst and gw are parsed and printed back the Go way. */
export const routeSchema = z
  .object({
    dst: ipNet('route').optional(),
    gw: netIP('route').optional(),
    mtu: goInt('route').optional(),
    advmss: goInt('route').optional(),
    priority: goInt('route').optional(),
    table: goInt('route', '*int').optional(),
    scope: goInt('route', '*int').optional(),
  })
  .describe('a route: dst (CIDR), gw, and the CNI 1.1 mtu/advmss/priority/table/scope');

export type Route = z.output<typeof routeSchema>;

/** One range object (also the legacy top-level fields of `ipam`). */
export function rangeShape(struct: string) {
  return {
    rangeStart: netIP(struct).optional().describe('first address handed out (default: network+1)'),
    rangeEnd: netIP(struct)
      .optional()
      .describe('last address handed out (default: IPv4 broadcast-1, IPv6 last address)'),
    subnet: ipNet(struct).optional().describe('the subnet, CIDR without host bits'),
    gateway: netIP(struct).optional().describe('gateway, never handed out (default: network+1)'),
  };
}

export const rangeSchema = z.object(rangeShape('Range'));

export const rangeSetSchema = go(z.array(go(rangeSchema, { struct: 'Range', type: 'allocator.Range' })), {
  struct: 'IPAMConfig',
  type: 'allocator.RangeSet',
}).describe('ranges of one family; one address is allocated per set');

export function rangeSetsSchema(struct: string) {
  return go(z.array(rangeSetSchema), { struct, type: '[]allocator.RangeSet' });
}

export function ipsSchema(struct: string) {
  return go(z.array(pkgIP(struct)), { struct, type: '[]*ip.IP' });
}
