import { type Addr, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { goCIDRAddr, goField, goIPAddr, goRoute } from '@cni-ts/cni/schema';
import { z } from 'zod';

/**
 * zod schemas of the fields host-local reads, with Go's decoding rules (cni's goField and
 * goNormalize): what Go's types accept (net.IP, types.IPNet, pkg/ip.IP), and the messages Go
 * prints when they do not.
 */

/** Go `net.IP` text: empty means unset. */
export function netIP(struct: string) {
  return goField(goIPAddr(), struct, 'net.IP');
}

/** CNI `types.IPNet`: CIDR text, host bits kept; `null` and `""` are errors. */
export function ipNet(struct: string) {
  return goField(goCIDRAddr(), struct, 'string', { nullAs: '' });
}

/**
 * plugins `pkg/ip.IP`: an address with an optional prefix (ignored). Empty decodes to "no
 * address", which the caller rejects. Go panics on a `null` entry; we treat it as empty.
 */
export function pkgIP(struct: string) {
  return goField(z.string(), struct, '*ip.IP', { nullAs: '' }).transform((s, ctx): Addr | null => {
    if (s === '') return null;
    const ip = s.includes('/') ? parseAddrNet(s)?.ip : parseAddr(s);
    if (!ip) ctx.addIssue({ code: 'custom', message: `invalid IP address ${s}` });
    return ip ?? null;
  });
}

/** `routes` of the config: CNI `types.Route`s, output as the result prints them. */
export function routesSchema(struct: string) {
  return goField(z.array(goField(goRoute(), struct, 'types.route', { nullAs: {} })), struct, '[]*types.Route');
}

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

// A null range decodes to an empty one, a null range set to an empty set (Go's zero values).
export const rangeSchema = goField(z.object(rangeShape('Range')), 'Range', 'allocator.Range', { nullAs: {} });

export const rangeSetSchema = goField(z.array(rangeSchema), 'IPAMConfig', 'allocator.RangeSet', { nullAs: [] }).describe(
  'ranges of one family; one address is allocated per set',
);

export function rangeSetsSchema(struct: string) {
  return goField(z.array(rangeSetSchema), struct, '[]allocator.RangeSet');
}

export function ipsSchema(struct: string) {
  return goField(z.array(pkgIP(struct)), struct, '[]*ip.IP');
}
