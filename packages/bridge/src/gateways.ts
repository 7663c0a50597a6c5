// calcGateways: after IPAM, every IP belongs to the container interface (index 2 of the result),
// gets the subnet's first address as gateway when isGateway and IPAM gave none, and with
// isDefaultGateway each family without a default route (with a gateway) gets one.
import type { Result100 } from '@cni-ts/cni';
import { addrPrefixLen, canonicalCIDR, formatAddr, networkAddr, nextAddr, parseAddrNet } from '@cni-ts/cni';

export interface GatewayInfo {
  family: 4 | 6;
  /** gateway addresses with the prefix length of their IP: `10.1.2.1/24`. */
  gws: string[];
  defaultRouteFound: boolean;
}

const DEFAULT_DST = { 4: '0.0.0.0/0', 6: '::/0' } as const;

function isDefault(dst: string, family: 4 | 6): boolean {
  return canonicalCIDR(dst) === DEFAULT_DST[family];
}

/** Mutates `result` (IP interface indexes, gateways, default routes) and returns the gateways per family. */
export function calcGateways(result: Result100, isGW: boolean, isDefaultGW: boolean): { v4: GatewayInfo; v6: GatewayInfo } {
  const info = { 4: { family: 4, gws: [], defaultRouteFound: false } as GatewayInfo, 6: { family: 6, gws: [], defaultRouteFound: false } as GatewayInfo };
  for (const ipc of result.ips ?? []) {
    const n = parseAddrNet(ipc.address);
    if (!n) throw new Error(`invalid CIDR address: ${ipc.address}`);
    const c = { family: n.ip.bits === 32 ? 4 : 6, prefix: addrPrefixLen(n) } as const;
    const gws = info[c.family];
    ipc.interface = 2;
    // ip.NextIP(network address): the conventional gateway of a subnet.
    if (ipc.gateway === undefined && isGW) ipc.gateway = formatAddr(nextAddr(networkAddr(n.ip, c.prefix)));
    if (isDefaultGW && !gws.defaultRouteFound) {
      gws.defaultRouteFound = (result.routes ?? []).some((r) => r.gw !== undefined && isDefault(r.dst, c.family));
      if (!gws.defaultRouteFound) {
        result.routes = [...(result.routes ?? []), { dst: DEFAULT_DST[c.family], ...(ipc.gateway !== undefined && { gw: ipc.gateway }) }];
        gws.defaultRouteFound = true;
      }
    }
    if (isGW && ipc.gateway !== undefined) gws.gws.push(`${ipc.gateway}/${c.prefix}`);
  }
  return { v4: info[4], v6: info[6] };
}
