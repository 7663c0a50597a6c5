// `default-route` requests (upstream CheckGatewayConfig and netutils' cache edits): at most one
// gateway per family over all delegates; every delegate without a request for a family has
// that family's default routes removed, in the pod and in its libcni cache entry.
import { readFileSync } from 'node:fs';
import { cacheFilePath } from '@cni-ts/chain';
import { goMarshal, ipFamily, parseCIDR, formatIP, writeFileAtomic } from '@cni-ts/cni';
import type { DelegateNetConf } from './delegate';

/**
 * CheckGatewayConfig, applied only when some delegate asks for gateways. An empty
 * `default-route: []` is no request at all (upstream counts it and then strips the default
 * routes of every delegate, that one included).
 */
export function checkGatewayConfig(delegates: DelegateNetConf[]): void {
  if (!delegates.some((d) => d.gatewayRequest?.length)) return;
  let v4 = 0;
  let v6 = 0;
  for (const d of delegates) {
    for (const gw of d.gatewayRequest ?? []) {
      if (ipFamily(gw) === 4) v4++;
      else v6++;
    }
  }
  if (v4 > 1 || v6 > 1) throw new Error('multus does not support ECMP for default-route');
  for (const d of delegates) {
    d.isFilterV4Gateway = !(d.gatewayRequest ?? []).some((gw) => ipFamily(gw) === 4);
    d.isFilterV6Gateway = !(d.gatewayRequest ?? []).some((gw) => ipFamily(gw) === 6);
  }
}

type Obj = Record<string, unknown>;

function isDefaultDst(dst: unknown, family: 4 | 6): boolean {
  if (typeof dst !== 'string') return false;
  const n = parseCIDR(dst);
  if (!n || n.prefix !== 0) return false;
  return family === 4 ? formatIP(n.ip) === '0.0.0.0' : formatIP(n.ip) === '::';
}

function editCacheFile(file: string, edit: (result: Obj) => void): void {
  const info = JSON.parse(readFileSync(file, 'utf8')) as Obj;
  const result = info.result;
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw new Error('cannot get result from cache');
  edit(result as Obj);
  writeFileAtomic(file, goMarshal(info));
}

const legacy = (r: Obj) => r.cniVersion === undefined || r.cniVersion === '0.1.0' || r.cniVersion === '0.2.0';

/** The attachment whose libcni cache entry is edited (its path is chain's, names checked). */
export interface CacheEntry {
  network: string;
  containerId: string;
  ifName: string;
}

const entryPath = (cacheDir: string, e: CacheEntry) => cacheFilePath(cacheDir, e.network, e);

/** DeleteDefaultGWCache: drops the default routes of the given families from the cached result. */
export function deleteDefaultGWCache(cacheDir: string, entry: CacheEntry, v4: boolean, v6: boolean): void {
  editCacheFile(entryPath(cacheDir, entry), (r) => {
    const strip = (routes: unknown, family: 4 | 6) => (Array.isArray(routes) ? routes.filter((rt) => !isDefaultDst((rt as Obj)?.dst, family)) : routes);
    if (legacy(r)) {
      for (const [key, fam, on] of [['ip4', 4, v4], ['ip6', 6, v6]] as const) {
        const ip = r[key] as Obj | undefined;
        if (on && ip && Array.isArray(ip.routes)) ip.routes = strip(ip.routes, fam);
      }
      return;
    }
    let routes = r.routes;
    if (routes === undefined) return;
    if (v4) routes = strip(routes, 4);
    if (v6) routes = strip(routes, 6);
    if (Array.isArray(routes) && routes.length === 0) delete r.routes;
    else r.routes = routes;
  });
}

/** AddDefaultGWCache: appends `{dst: default, gw}` for each requested gateway. */
export function addDefaultGWCache(cacheDir: string, entry: CacheEntry, gateways: readonly string[]): void {
  editCacheFile(entryPath(cacheDir, entry), (r) => {
    for (const gw of gateways) {
      const v4 = ipFamily(gw) === 4;
      const route = { dst: v4 ? '0.0.0.0/0' : '::/0', gw };
      if (legacy(r)) {
        const ip = r[v4 ? 'ip4' : 'ip6'] as Obj | undefined;
        if (ip) ip.routes = [...((ip.routes as unknown[]) ?? []), route];
      } else {
        r.routes = [...((r.routes as unknown[]) ?? []), route];
      }
    }
  });
}
