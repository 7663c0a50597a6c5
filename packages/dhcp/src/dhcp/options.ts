// What the daemon sends and what it makes of the answer: upstream's options.go and the result
// part of lease.go.

import type { Result100, Route } from '@cni-ts/cni';
import type { ProvideOption, RequestOption } from '../config';
import {
  classlessRoutes,
  type DhcpMessage,
  ip4Text,
  maskPrefix,
  Opt,
  optIPs,
  staticRoutes,
} from './message';

/** The option names upstream accepts (`optionNameToID`); anything else must be a decimal code. */
export const OPTION_NAMES: Readonly<Record<string, number>> = {
  'dhcp-client-identifier': Opt.ClientId,
  'subnet-mask': Opt.SubnetMask,
  routers: Opt.Router,
  'host-name': Opt.HostName,
  'user-class': Opt.UserClass,
  'vendor-class-identifier': Opt.ClassId,
};

/** The options requested unless an entry says `skipDefault`. */
export const DEFAULT_REQUESTED = [Opt.Router, Opt.SubnetMask];

/** What nclient4's DISCOVER asks for when the configuration leaves the list empty. */
export const LIBRARY_REQUESTED = [Opt.SubnetMask, Opt.Router, Opt.DomainName, Opt.DomainNameServer];

/** strconv.ParseUint(s, 10, 8)'s error text. */
function parseUint8Error(s: string): string | undefined {
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
  if (Number(s) > 255) return `strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`;
  return undefined;
}

/** upstream's parseOptionName. */
export function parseOptionName(option: string): number {
  const named = OPTION_NAMES[option];
  if (named !== undefined) return named;
  const err = parseUint8Error(option);
  if (err) throw new Error(`Can not parse option ${goQ(option)}: Can not parse option: ${err}`);
  return Number(option);
}

/** Go's %q for the texts upstream prints (ASCII-safe JSON quoting is close enough for option names). */
function goQ(s: string): string {
  return JSON.stringify(s);
}

/** The options every message of a lease carries: provided values and the parameter request list. */
export interface LeaseOptions {
  /** code -> value, in configuration order (a later entry for the same code replaces the earlier) */
  provide: [number, Uint8Array][];
  /** option 55, sorted (as the Go library sends it) */
  requested: number[];
}

/** upstream's prepareOptions: CNI_ARGS pairs split on `;` and the first `=`, unparsed keys ignored. */
export function prepareOptions(cniArgs: string, provide: ProvideOption[], request: RequestOption[]): LeaseOptions {
  const args = new Map<string, string>();
  for (const pair of cniArgs.split(';')) {
    const eq = pair.indexOf('=');
    if (eq >= 0) args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const provided = new Map<number, Uint8Array>();
  for (const p of provide) {
    const option = p.option ?? '';
    const code = parseOptionName(option);
    const value = p.value ?? '';
    if (value.length > 0) {
      if (Buffer.byteLength(value) > 255) throw new Error(`value too long for option ${goQ(option)}: ${goQ(value)}`);
      provided.set(code, Buffer.from(value));
    }
    const fromArg = args.get(p.fromArg ?? '');
    if (fromArg !== undefined) {
      if (Buffer.byteLength(fromArg) > 255) {
        throw new Error(`value too long for option ${goQ(option)} from CNI_ARGS ${goQ(p.fromArg ?? '')}: ${goQ(value)}`);
      }
      provided.set(code, Buffer.from(fromArg));
    }
  }
  const requested = new Set<number>();
  let skipDefault = false;
  for (const r of request) {
    if (r.skipDefault) skipDefault = true;
    if (!r.option) continue;
    requested.add(parseOptionName(r.option));
  }
  if (!skipDefault) for (const c of DEFAULT_REQUESTED) requested.add(c);
  const list = requested.size > 0 ? [...requested] : [...LIBRARY_REQUESTED];
  return { provide: [...provided], requested: list.toSorted((a, b) => a - b) };
}

/** The client identifier of a lease: containerID/network/ifname, at most 254 bytes. */
export function clientIdOf(containerId: string, netName: string, ifname: string): string {
  const id = `${containerId}/${netName}/${ifname}`;
  const b = Buffer.from(id);
  return b.length > 254 ? b.subarray(0, 254).toString('latin1') : id;
}

/** Option 61's value: type 0 then the identifier's bytes. */
export function clientIdOption(clientId: string): Uint8Array {
  return Buffer.concat([Uint8Array.of(0), Buffer.from(clientId, 'latin1')]);
}

const SCOPE_LINK = 253;

/**
 * The IPAM result of an ACK (upstream's IPNet, Gateway and Routes): the address with the
 * option 1 mask, the first router as gateway; routes from option 121 alone when present (a
 * 0.0.0.0 router means on-link: scope link), else option 33's and a default route via the router.
 */
export function resultFromAck(ack: DhcpMessage, priority = 0): Result100 {
  const mask = ack.options.get(Opt.SubnetMask);
  if (!mask || mask.length !== 4) throw new Error('DHCP option Subnet Mask not found in DHCPACK');
  const prefix = maskPrefix(mask);
  const address = prefix === undefined ? `${ack.yiaddr}/${Buffer.from(mask).toString('hex')}` : `${ack.yiaddr}/${prefix}`;
  const gateway = optIPs(ack, Opt.Router)[0];
  const routes: Route[] = [];
  const classless = classlessRoutes(ack);
  if (classless && classless.length > 0) {
    for (const r of classless) {
      const route: Route = { dst: r.dst, gw: r.router };
      if (r.router === '0.0.0.0') route.scope = SCOPE_LINK;
      routes.push(route);
    }
  } else {
    for (const r of staticRoutes(ack)) routes.push({ dst: r.dst, gw: r.router });
    if (gateway) routes.push({ dst: '0.0.0.0/0', gw: gateway });
  }
  if (priority !== 0) for (const r of routes) r.priority = priority;
  const ip: NonNullable<Result100['ips']>[number] = { address };
  if (gateway) ip.gateway = gateway;
  const result: Result100 = { cniVersion: '1.1.0', ips: [ip], dns: {} };
  if (routes.length > 0) result.routes = routes;
  return result;
}

export { ip4Text };
