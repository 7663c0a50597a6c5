import { formatCIDR, formatIP, ipEqual, parseCIDR, parseIP } from './_ip';
import type { RouteConf, StaticConfig } from './config';

/** The result shapes static prints (spec 1.x; the skeleton converts to the config's version). */
export interface StaticRoute {
  dst: string;
  gw?: string;
  mtu?: number;
  advmss?: number;
  priority?: number;
  table?: number;
  scope?: number;
}

export interface StaticDNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface StaticResult {
  cniVersion: string;
  ips?: { address: string; gateway?: string }[];
  routes?: StaticRoute[];
  dns: StaticDNS;
}

/** A route printed back the Go way: dst keeps host bits, gw canonical, zero ints omitted. */
export function renderRoute(r: RouteConf): StaticRoute {
  const out: StaticRoute = { dst: r.dst ? formatCIDR(r.dst) : '<nil>' };
  if (r.gw) out.gw = formatIP(r.gw);
  if (r.mtu) out.mtu = r.mtu;
  if (r.advmss) out.advmss = r.advmss;
  if (r.priority) out.priority = r.priority;
  if (r.table !== undefined) out.table = r.table;
  if (r.scope !== undefined) out.scope = r.scope;
  return out;
}

/** Go's types.DNS with omitempty fields. */
export function renderDNS(d: StaticConfig['dns']): StaticDNS {
  const out: StaticDNS = {};
  if (d.nameservers?.length) out.nameservers = d.nameservers;
  if (d.domain) out.domain = d.domain;
  if (d.search?.length) out.search = d.search;
  if (d.options?.length) out.options = d.options;
  return out;
}

/** ADD: the configured addresses, routes and dns, in upstream's order. */
export function buildResult(conf: StaticConfig, cniVersion = '1.1.0'): StaticResult {
  const result: StaticResult = { cniVersion, dns: renderDNS(conf.dns) };
  if (conf.addresses.length > 0) {
    result.ips = conf.addresses.map((a) =>
      a.gateway ? { address: formatCIDR(a.address), gateway: formatIP(a.gateway) } : { address: formatCIDR(a.address) },
    );
  }
  if (conf.routes.length > 0) result.routes = conf.routes.map(renderRoute);
  return result;
}

/**
 * CHECK: every configured address that appears in the previous result must carry the
 * configured gateway (when one is configured). Addresses missing from the previous result are
 * not reported, as upstream.
 */
export function checkAgainst(conf: StaticConfig, prevIPs: readonly { address: string; gateway?: string }[], ifname: string): void {
  for (const want of conf.addresses) {
    for (const got of prevIPs) {
      const slash = got.address.indexOf('/');
      const ip = slash >= 0 ? parseCIDR(got.address)?.ip : parseIP(got.address);
      if (!ipEqual(want.address.ip, ip)) continue;
      if (!want.gateway) break;
      if (ipEqual(want.gateway, got.gateway ? parseIP(got.gateway) : undefined)) break;
      throw new Error(`static: Failed to match addr ${ip ? formatIP(ip) : got.address} on interface ${ifname}`);
    }
  }
}
