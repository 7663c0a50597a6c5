// The Go types the dhcp plugin and daemon exchange over net/rpc, as gob sees them, and their
// conversion to and from our forms. Field sets are the newest library's (cni v1.3); gob matches
// fields by name, so the oracle (cni 1.1.2, fewer fields) decodes what it knows and skips the rest.

import type { Result100, Route } from '@cni-ts/cni';
import type { EnvArgs } from '@cni-ts/cni/skel';
import { formatIP, isIPv4, parseCIDR, parseIP } from '@cni-ts/cni/ip';
import type { GobValue } from './gob/decoder';
import { type GobType, gBytes, gInt, gSlice, gString, gStruct, gUint } from './gob/types';

/** net/rpc's Request header (its unexported `next` is not sent). */
export const REQUEST_T = gStruct('Request', [
  ['ServiceMethod', gString],
  ['Seq', gUint],
]);

/** net/rpc's Response header. */
export const RESPONSE_T = gStruct('Response', [
  ['ServiceMethod', gString],
  ['Seq', gUint],
  ['Error', gString],
]);

/** skel.CmdArgs (cni v1.3 order; 1.1.2 lacks NetnsOverride). */
export const CMD_ARGS_T = gStruct('CmdArgs', [
  ['ContainerID', gString],
  ['Netns', gString],
  ['IfName', gString],
  ['Args', gString],
  ['Path', gString],
  ['NetnsOverride', gString],
  ['StdinData', gBytes],
]);

/** `struct{}`: Release's reply, and the body net/rpc sends with an error. */
export const EMPTY_T = gStruct('', []);

// net.IP and net.IPMask are plain bytes on the wire: gob deliberately ignores net.IP's MarshalText
// (golang.org/issue/6760), so an address is its 4 or 16 bytes.
const IP_T = gBytes;
const IPNET_T = gStruct('IPNet', [
  ['IP', IP_T],
  ['Mask', gBytes],
]);

const INTERFACE_T = gStruct('Interface', [
  ['Name', gString],
  ['Mac', gString],
  ['Mtu', gInt],
  ['Sandbox', gString],
  ['SocketPath', gString],
  ['PciID', gString],
]);
const IPCONFIG_T = gStruct('IPConfig', [
  ['Interface', gInt],
  ['Address', IPNET_T],
  ['Gateway', IP_T],
]);
const ROUTE_T = gStruct('Route', [
  ['Dst', IPNET_T],
  ['GW', IP_T],
  ['MTU', gInt],
  ['AdvMSS', gInt],
  ['Priority', gInt],
  ['Table', gInt],
  ['Scope', gInt],
]);
const DNS_T = gStruct('DNS', [
  ['Nameservers', gSlice(gString)],
  ['Domain', gString],
  ['Search', gSlice(gString)],
  ['Options', gSlice(gString)],
]);

/** types100.Result. */
export const RESULT_T: GobType = gStruct('Result', [
  ['CNIVersion', gString],
  ['Interfaces', gSlice(INTERFACE_T, '[]*types100.Interface')],
  ['IPs', gSlice(IPCONFIG_T, '[]*types100.IPConfig')],
  ['Routes', gSlice(ROUTE_T, '[]*types.Route')],
  ['DNS', DNS_T],
]);

/** skel.CmdArgs in our form: the skeleton's environment variables and stdin. */
export type CmdArgs = Omit<EnvArgs, 'command'> & { stdin: Uint8Array };

export function cmdArgsToGob(a: CmdArgs): Record<string, unknown> {
  return {
    ContainerID: a.containerId,
    Netns: a.netns,
    IfName: a.ifname,
    Args: a.args,
    Path: a.path,
    NetnsOverride: a.netnsOverride,
    StdinData: a.stdin,
  };
}

type Obj = { [field: string]: GobValue };

function str(v: GobValue | undefined): string {
  return typeof v === 'string' ? v : '';
}
function int(v: GobValue | undefined): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}
function obj(v: GobValue | undefined): Obj {
  return v && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v) && !(v instanceof Map) ? (v as Obj) : {};
}
function list(v: GobValue | undefined): GobValue[] {
  return Array.isArray(v) ? v : [];
}
/** A net.IP's bytes as Go prints it; '' for nil. */
function ipText(v: GobValue | undefined): string {
  if (!(v instanceof Uint8Array) || v.length === 0) return '';
  if (v.length === 4) return `${v[0]}.${v[1]}.${v[2]}.${v[3]}`;
  if (v.length === 16) return formatIP(v);
  return `?${Buffer.from(v).toString('hex')}`;
}

/** net.IP bytes of an address text: 4 for IPv4 (what Go's DHCP code holds), 16 for IPv6. */
function ipBytes(s: string): Uint8Array {
  const ip = parseIP(s);
  if (!ip) throw new Error(`invalid IP address: ${s}`);
  return isIPv4(ip) ? ip.slice(12) : ip;
}

export function cmdArgsFromGob(v: GobValue): CmdArgs {
  const o = obj(v);
  return {
    containerId: str(o.ContainerID),
    netns: str(o.Netns),
    ifname: str(o.IfName),
    args: str(o.Args),
    path: str(o.Path),
    netnsOverride: str(o.NetnsOverride),
    stdin: o.StdinData instanceof Uint8Array ? o.StdinData : new Uint8Array(),
  };
}

// ---- net.IPNet <-> "a.b.c.d/n" ----------------------------------------------------------------

/** The mask of a prefix, in the length Go uses for the family (4 bytes for IPv4). */
function maskBytes(prefix: number, v4: boolean): Uint8Array {
  const out = new Uint8Array(v4 ? 4 : 16);
  for (let i = 0; i < out.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (0xff00 >> bits) & 0xff;
  }
  return out;
}

/** A CIDR as gob's net.IPNet (host bits kept, as types.IPNet does). */
function ipNetToGob(cidr: string): Obj {
  const n = parseCIDR(cidr);
  if (!n) throw new Error(`invalid CIDR address: ${cidr}`);
  const v4 = isIPv4(n.ip) && n.maskBits === 32;
  return { IP: v4 ? n.ip.slice(12) : n.ip, Mask: maskBytes(n.prefix, v4) };
}

/** net.IPNet.String() of a decoded IPNet: canonical masks as a length, others in hex. */
function ipNetFromGob(v: GobValue | undefined): string {
  const o = obj(v);
  const ip = parseIP(ipText(o.IP));
  const mask = o.Mask instanceof Uint8Array ? o.Mask : new Uint8Array();
  if (!ip) return '<nil>';
  let ones = 0;
  let canonical = true;
  let seenZero = false;
  for (const b of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (seenZero) canonical = false;
        ones++;
      } else seenZero = true;
    }
  }
  // Go prints an IPv4 address with a 16-byte mask using the mask's last 32 bits.
  const v4 = isIPv4(ip);
  let prefix = ones;
  if (v4 && mask.length === 16) prefix = Math.max(0, ones - 96);
  const ipStr = formatIP(ip);
  if (!canonical || mask.length === 0) return `${ipStr}/${Buffer.from(mask).toString('hex')}`;
  return `${ipStr}/${prefix}`;
}

/** Our 1.x result as gob's types100.Result. Like the Go daemon, CNIVersion is left to the caller. */
export function resultToGob(r: Result100): Record<string, unknown> {
  return {
    Interfaces: (r.interfaces ?? []).map((i) => ({
      Name: i.name,
      Mac: i.mac,
      Mtu: i.mtu,
      Sandbox: i.sandbox,
      SocketPath: i.socketPath,
      PciID: i.pciID,
    })),
    IPs: (r.ips ?? []).map((ip) => ({
      Interface: ip.interface,
      Address: ipNetToGob(ip.address),
      Gateway: ip.gateway ? ipBytes(ip.gateway) : undefined,
    })),
    Routes: (r.routes ?? []).map((rt) => ({
      Dst: ipNetToGob(rt.dst),
      GW: rt.gw ? ipBytes(rt.gw) : undefined,
      MTU: rt.mtu,
      AdvMSS: rt.advmss,
      Priority: rt.priority,
      Table: rt.table,
      Scope: rt.scope,
    })),
    DNS: {
      Nameservers: r.dns?.nameservers,
      Domain: r.dns?.domain,
      Search: r.dns?.search,
      Options: r.dns?.options,
    },
  };
}

/**
 * A decoded types100.Result as our 1.x result. `cniVersion` is what the caller pre-set (the Go
 * plugin fills CNIVersion before the call and gob only overwrites fields that were sent).
 */
export function resultFromGob(v: GobValue, cniVersion: string): Result100 {
  const o = obj(v);
  const out: Result100 = { cniVersion: str(o.CNIVersion) || cniVersion };
  const ifaces = list(o.Interfaces).map((x) => {
    const i = obj(x);
    const iface: NonNullable<Result100['interfaces']>[number] = { name: str(i.Name) };
    if (str(i.Mac)) iface.mac = str(i.Mac);
    if (int(i.Mtu)) iface.mtu = int(i.Mtu);
    if (str(i.Sandbox)) iface.sandbox = str(i.Sandbox);
    if (str(i.SocketPath)) iface.socketPath = str(i.SocketPath);
    if (str(i.PciID)) iface.pciID = str(i.PciID);
    return iface;
  });
  if (ifaces.length) out.interfaces = ifaces;
  const ips = list(o.IPs).map((x) => {
    const i = obj(x);
    const ip: NonNullable<Result100['ips']>[number] = { address: ipNetFromGob(i.Address) };
    const idx = int(i.Interface);
    if (idx !== undefined) ip.interface = idx;
    const gw = ipText(i.Gateway);
    if (gw) ip.gateway = gw;
    return ip;
  });
  if (ips.length) out.ips = ips;
  const routes = list(o.Routes).map((x) => {
    const r = obj(x);
    const route: Route = { dst: ipNetFromGob(r.Dst) };
    const gw = ipText(r.GW);
    if (gw) route.gw = gw;
    for (const [k, f] of [
      ['mtu', 'MTU'],
      ['advmss', 'AdvMSS'],
      ['priority', 'Priority'],
      ['table', 'Table'],
      ['scope', 'Scope'],
    ] as const) {
      const n = int(r[f]);
      if (n !== undefined && n !== 0) route[k] = n;
    }
    return route;
  });
  if (routes.length) out.routes = routes;
  const d = obj(o.DNS);
  const dns: NonNullable<Result100['dns']> = {};
  if (list(d.Nameservers).length) dns.nameservers = list(d.Nameservers).map(str);
  if (str(d.Domain)) dns.domain = str(d.Domain);
  if (list(d.Search).length) dns.search = list(d.Search).map(str);
  if (list(d.Options).length) dns.options = list(d.Options).map(str);
  out.dns = dns;
  return out;
}
