// Results as Go prints them: types.PrintResult = GetAsVersion + MarshalIndent(4 spaces),
// no trailing newline. 1.x results are marshalled through a map (keys sorted at every level,
// dns omitted when empty); 0.x results follow struct field order and always carry "dns".
import { goMarshal, goMarshalIndent, sortKeysDeep } from '../gojson/encode';
import { convertResult } from './convert';
import { isResult020, isResult040 } from './family';
import type { DNS, IPConfig020, Result, Result020, Result040, Result100, Route } from './types';

type Obj = Record<string, unknown>;

/** Sets key only when Go's omitempty would keep it ("" , 0, empty arrays and undefined dropped). */
function put(o: Obj, key: string, v: unknown): void {
  if (v === undefined || v === null || v === '' || v === 0) return;
  if (Array.isArray(v) && v.length === 0) return;
  o[key] = v;
}

function dnsJson(d: DNS | undefined): Obj {
  const o: Obj = {};
  put(o, 'nameservers', d?.nameservers);
  put(o, 'domain', d?.domain);
  put(o, 'search', d?.search);
  put(o, 'options', d?.options);
  return o;
}

/** types.Route's wire struct order: dst, gw, mtu, advmss, priority, table, scope. */
function routeJson(r: Route): Obj {
  const o: Obj = { dst: r.dst ?? '<nil>' };
  put(o, 'gw', r.gw);
  put(o, 'mtu', r.mtu);
  put(o, 'advmss', r.advmss);
  put(o, 'priority', r.priority);
  if (r.table !== undefined) o.table = r.table;
  if (r.scope !== undefined) o.scope = r.scope;
  return o;
}

function list<T>(a: T[] | undefined, f: (x: T) => Obj): Obj[] | undefined {
  return a?.length ? a.map(f) : undefined;
}

/** An interface as Go prints it: `name` always, then whichever of `keys` are set, in that order. */
function ifaceJson<I extends { name?: string }>(i: I, keys: readonly (keyof I & string)[]): Obj {
  const x: Obj = { name: i.name ?? '' };
  for (const k of keys) put(x, k, i[k]);
  return x;
}

/** An IP config as Go prints it, after what `x` holds already (0.4.0's version). */
function ipJson(x: Obj, i: { interface?: number; address?: string; gateway?: string }): Obj {
  if (i.interface !== undefined) x.interface = i.interface;
  x.address = i.address ?? '<nil>';
  put(x, 'gateway', i.gateway);
  return x;
}

function json100(r: Result100): Obj {
  const o: Obj = {};
  put(o, 'cniVersion', r.cniVersion);
  put(o, 'interfaces', list(r.interfaces, (i) => ifaceJson(i, ['mac', 'mtu', 'sandbox', 'socketPath', 'pciID'])));
  put(o, 'ips', list(r.ips, (i) => ipJson({}, i)));
  put(o, 'routes', list(r.routes, routeJson));
  const dns = dnsJson(r.dns);
  if (Object.keys(dns).length) o.dns = dns;
  return sortKeysDeep(o) as Obj;
}

function json040(r: Result040): Obj {
  const o: Obj = {};
  put(o, 'cniVersion', r.cniVersion);
  put(o, 'interfaces', list(r.interfaces, (i) => ifaceJson(i, ['mac', 'sandbox'])));
  put(o, 'ips', list(r.ips, (i) => ipJson({ version: i.version ?? '' }, i)));
  put(o, 'routes', list(r.routes, routeJson));
  o.dns = dnsJson(r.dns);
  return o;
}

function ipc020(c: IPConfig020 | undefined): Obj | undefined {
  if (!c) return undefined;
  const x: Obj = { ip: c.ip ?? '<nil>' };
  put(x, 'gateway', c.gateway);
  put(x, 'routes', list(c.routes, routeJson));
  return x;
}

function json020(r: Result020): Obj {
  const o: Obj = {};
  put(o, 'cniVersion', r.cniVersion);
  put(o, 'ip4', ipc020(r.ip4));
  put(o, 'ip6', ipc020(r.ip6));
  o.dns = dnsJson(r.dns);
  return o;
}

/** The result as the plain object Go would marshal (key order included), in its own version. */
export function resultToJson(r: Result): Obj {
  if (isResult020(r)) return json020(r);
  if (isResult040(r)) return json040(r);
  return json100(r as Result100);
}

/** Result.PrintTo's bytes: MarshalIndent with four spaces, no trailing newline. */
export function formatResult(r: Result): string {
  return goMarshalIndent(resultToJson(r));
}

/** json.Marshal of a result (compact), e.g. for a result cache. */
export function marshalResult(r: Result): string {
  return goMarshal(resultToJson(r));
}

/** types.PrintResult without the writing: converts to `version` then formats. */
export function formatResultAs(r: Result, version: string): string {
  return formatResult(convertResult(r, version));
}
