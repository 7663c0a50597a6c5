// The static IPAM plugin: the configured addresses, routes and dns as the result; no state, so
// DEL, GC and STATUS have nothing to do (the skeleton still validated stdin).
import { foldEq, parsePrevResult, toCurrentResult, type DNS, type Plugin, type Route } from '@cni-ts/cni';
import { addrEqual, formatAddr, formatAddrNet, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { configSchema, loadStaticConfig, type StaticConfig } from './config';

/** The result static prints (spec 1.x; the skeleton converts to the config's version). */
export interface StaticResult {
  cniVersion: string;
  ips?: { address: string; gateway?: string }[];
  routes?: Route[];
  dns: DNS;
}

const staticIpam: Plugin = {
  type: 'static',
  configSchema: () => configSchema,

  add(req) {
    return buildResult(loadStaticConfig(req)) as never;
  },

  // Needs prevResult; every configured address present there must carry the configured gateway.
  check(req) {
    const conf = loadStaticConfig(req);
    let prev: unknown;
    for (const [k, v] of Object.entries(req.config)) if (foldEq(k, 'prevResult') && v !== null) prev = v;
    const parsed = prev === undefined ? undefined : parsePrevResult(prev, req.cniVersion);
    if (!parsed) throw new Error('Required prevResult missing');
    checkAgainst(conf, toCurrentResult(parsed).ips ?? [], req.ifname);
  },

  del: () => undefined,
  gc: () => undefined,
  status: () => undefined,
};

export default staticIpam;

/** Go's types.DNS with omitempty fields. */
function renderDNS(d: StaticConfig['dns']): DNS {
  const out: DNS = {};
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
      a.gateway ? { address: formatAddrNet(a.address), gateway: formatAddr(a.gateway) } : { address: formatAddrNet(a.address) },
    );
  }
  if (conf.routes.length > 0) result.routes = conf.routes;
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
      const ip = slash >= 0 ? parseAddrNet(got.address)?.ip : parseAddr(got.address);
      if (!addrEqual(want.address.ip, ip)) continue;
      if (!want.gateway) break;
      if (addrEqual(want.gateway, got.gateway ? parseAddr(got.gateway) : undefined)) break;
      throw new Error(`static: Failed to match addr ${ip ? formatAddr(ip) : got.address} on interface ${ifname}`);
    }
  }
}
