// Result conversion between spec versions, with the exact table of converters Go registers
// (pkg/types/{020,040,100}): a pair without a converter fails like Go's does.
import { ipFamily } from '../ip';
import { resultVersion } from './family';
import type {
  DNS,
  IPConfig020,
  IPConfig040,
  Result,
  Result020,
  Result040,
  Result100,
  Route,
} from './types';

type ConvertFn = (from: Result, to: string) => Result;

const V02 = ['0.1.0', '0.2.0'];
const V04 = ['0.3.0', '0.3.1', '0.4.0'];
const V10 = ['1.0.0', '1.1.0'];

function copyDns(d: DNS | undefined): DNS {
  const out: DNS = {};
  if (d?.nameservers?.length) out.nameservers = [...d.nameservers];
  if (d?.domain) out.domain = d.domain;
  if (d?.search?.length) out.search = [...d.search];
  if (d?.options?.length) out.options = [...d.options];
  return out;
}

function copyRoute(r: Route): Route {
  return { ...r };
}

function nonEmpty<T>(a: T[]): T[] | undefined {
  return a.length ? a : undefined;
}

/** 0.1.0 <-> 0.2.0: only the version changes. */
function within020(from: Result, to: string): Result020 {
  const r = from as Result020;
  const out: Result020 = { cniVersion: to, dns: copyDns(r.dns) };
  if (r.ip4) out.ip4 = copyIpc020(r.ip4);
  if (r.ip6) out.ip6 = copyIpc020(r.ip6);
  return out;
}

function copyIpc020(c: IPConfig020): IPConfig020 {
  const out: IPConfig020 = { ip: c.ip };
  if (c.gateway) out.gateway = c.gateway;
  if (c.routes?.length) out.routes = c.routes.map(copyRoute);
  return out;
}

/** 0.1.0/0.2.0 -> 0.3.x/0.4.0: ip4 then ip6 become ips with a version, routes follow in that order. */
function from020to040(from: Result, to: string): Result040 {
  const r = from as Result020;
  const ips: IPConfig040[] = [];
  const routes: Route[] = [];
  for (const [c, version] of [[r.ip4, '4'], [r.ip6, '6']] as const) {
    if (!c) continue;
    ips.push(c.gateway ? { version, address: c.ip, gateway: c.gateway } : { version, address: c.ip });
    routes.push(...(c.routes ?? []).map(copyRoute));
  }
  return { cniVersion: to, ips: nonEmpty(ips), routes: nonEmpty(routes), dns: copyDns(r.dns) };
}

/** Between 0.3.0, 0.3.1 and 0.4.0: a deep copy. */
function within040(from: Result, to: string): Result040 {
  const r = from as Result040;
  return {
    cniVersion: to,
    interfaces: r.interfaces?.length ? r.interfaces.map((i) => ({ ...i })) : undefined,
    ips: r.ips?.length ? r.ips.map((i) => ({ ...i })) : undefined,
    routes: r.routes?.length ? r.routes.map(copyRoute) : undefined,
    dns: copyDns(r.dns),
  };
}

/**
 * 0.3.x/0.4.0 -> 0.1.0/0.2.0: the first IP whose version field is "4" (resp. "6") wins; each
 * route goes to the family of its destination if that family has an IP, keeping dst and gw.
 */
function from040to020(from: Result, to: string): Result020 {
  const r = from as Result040;
  const out: Result020 = { cniVersion: to, dns: copyDns(r.dns) };
  for (const ip of r.ips ?? []) {
    const c: IPConfig020 = ip.gateway ? { ip: ip.address, gateway: ip.gateway } : { ip: ip.address };
    if (ip.version === '4' && !out.ip4) out.ip4 = c;
    else if (ip.version === '6' && !out.ip6) out.ip6 = c;
    if (out.ip4 && out.ip6) break;
  }
  for (const route of r.routes ?? []) {
    const target = ipFamily(route.dst) === 4 ? out.ip4 : out.ip6;
    if (!target) continue;
    (target.routes ??= []).push(route.gw ? { dst: route.dst, gw: route.gw } : { dst: route.dst });
  }
  if (!out.ip4 && !out.ip6) throw new Error('cannot convert: no valid IP addresses');
  return out;
}

/** 0.3.x/0.4.0 -> 1.x: drop ips[].version; interfaces keep name, mac and sandbox. */
function from040to100(from: Result, to: string): Result100 {
  return acrossMajor(from as Result040, to, (i) => dropUndefined({ interface: i.interface, address: i.address, gateway: i.gateway }));
}

/** 1.x -> 0.3.x/0.4.0: each IP gets version "4" when its address is IPv4 (or IPv4-mapped), else "6". */
function from100to040(from: Result, to: string): Result040 {
  return acrossMajor(from as Result100, to, (i) =>
    dropUndefined({ version: ipFamily(i.address) === 4 ? '4' : '6', interface: i.interface, address: i.address, gateway: i.gateway }),
  );
}

/** Between 0.3.x/0.4.0 and 1.x: interfaces keep name, mac and sandbox; each IP is made by `ip`. */
function acrossMajor<R extends Result040 | Result100, I>(r: R, to: string, ip: (i: NonNullable<R['ips']>[number]) => I) {
  return {
    cniVersion: to,
    interfaces: r.interfaces?.length ? r.interfaces.map((i) => dropUndefined({ name: i.name, mac: i.mac, sandbox: i.sandbox })) : undefined,
    ips: r.ips?.length ? (r.ips as NonNullable<R['ips']>[number][]).map(ip) : undefined,
    routes: r.routes?.length ? r.routes.map(copyRoute) : undefined,
    dns: copyDns(r.dns),
  };
}

/** 1.0.0 <-> 1.1.0: only the version changes (1.1 fields survive in "1.0.0"). */
function within100(from: Result, to: string): Result100 {
  const r = from as Result100;
  return {
    cniVersion: to,
    interfaces: r.interfaces?.map((i) => ({ ...i })),
    ips: r.ips?.map((i) => ({ ...i })),
    routes: r.routes?.map(copyRoute),
    dns: copyDns(r.dns),
  };
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

interface Converter {
  from: string;
  to: readonly string[];
  fn: ConvertFn;
}

// Registration order matters only for duplicates, which Go forbids; kept in Go's order anyway.
const CONVERTERS: Converter[] = [
  { from: '0.1.0', to: ['0.2.0'], fn: within020 },
  { from: '0.2.0', to: ['0.1.0'], fn: within020 },
  { from: '0.1.0', to: V04, fn: from020to040 },
  { from: '0.2.0', to: V04, fn: from020to040 },
  { from: '0.3.0', to: V04, fn: within040 },
  { from: '0.3.1', to: V04, fn: within040 },
  { from: '0.4.0', to: ['0.3.0', '0.3.1'], fn: within040 },
  { from: '0.4.0', to: V02, fn: from040to020 },
  { from: '0.3.1', to: V02, fn: from040to020 },
  { from: '0.3.0', to: V02, fn: from040to020 },
  { from: '0.1.0', to: V10, fn: (r, to) => from040to100(convertResult(r, '0.4.0'), to) },
  { from: '0.2.0', to: V10, fn: (r, to) => from040to100(convertResult(r, '0.4.0'), to) },
  { from: '0.3.0', to: V10, fn: from040to100 },
  { from: '0.3.1', to: V10, fn: from040to100 },
  { from: '0.4.0', to: V10, fn: from040to100 },
  { from: '1.0.0', to: ['1.1.0'], fn: within100 },
  { from: '1.0.0', to: V04, fn: from100to040 },
  { from: '1.0.0', to: V02, fn: (r, to) => convertResult(from100to040(r, '0.4.0'), to) },
  { from: '1.1.0', to: V04, fn: from100to040 },
  { from: '1.1.0', to: V02, fn: (r, to) => convertResult(from100to040(r, '0.4.0'), to) },
  { from: '1.1.0', to: ['1.0.0'], fn: within100 },
];

/**
 * Result.GetAsVersion: converts a result to another spec version (""  means 0.1.0). The same
 * version returns the object itself. Fails with Go's texts: `no converter for CNI result
 * version 0.1.0 to 9.9.9`, or `cannot convert: no valid IP addresses` going down to 0.2.0.
 */
export function convertResult(result: Result, toVersion: string): Result {
  const to = toVersion === '' ? '0.1.0' : toVersion;
  const from = resultVersion(result);
  if (from === to) return result.cniVersion === from ? result : { ...result, cniVersion: from };
  const c = CONVERTERS.find((x) => x.from === from && x.to.includes(to));
  if (!c) throw new Error(`no converter for CNI result version ${from} to ${to}`);
  return c.fn(result, to);
}

/** Converts any result to the newest (1.1.0) shape: types100.NewResultFromResult / GetResult. */
export function toCurrentResult(result: Result): Result100 {
  return convertResult(result, '1.1.0') as Result100;
}
