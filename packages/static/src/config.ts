import type { ArgSpec, ArgsOf } from '@cni-ts/cni';
import { z } from 'zod';
import { go, goDecode, GoDecodeError } from './_gojson';
import { type CIDR, cidrContains, type IP, parseCIDR, parseIP } from './_ip';

/**
 * The network config fields static reads, decoded with Go's rules (see _gojson.ts). Addresses
 * stay text here: upstream parses them only after merging CNI_ARGS, args and runtimeConfig,
 * and its error messages depend on where an address came from.
 */

function netIP(struct: string) {
  return go(z.string(), { struct, type: 'net.IP' }).transform((s, ctx): IP | undefined => {
    if (s === '') return undefined;
    const ip = parseIP(s);
    if (!ip) ctx.addIssue({ code: 'custom', message: `invalid IP address: ${s}` });
    return ip;
  });
}

function ipNet(struct: string) {
  return go(z.string(), { struct, type: 'string', nullAs: '' }).transform((s, ctx): CIDR | undefined => {
    const c = parseCIDR(s);
    if (!c) ctx.addIssue({ code: 'custom', message: `invalid CIDR address: ${s}` });
    return c;
  });
}

const str = (struct: string) => go(z.string(), { struct, type: 'string' });
const int = (struct: string, type = 'int') => go(z.number().int(), { struct, type });
const strings = (struct: string) => go(z.array(go(z.string(), { struct, type: 'string', nullAs: '' })), { struct, type: '[]string' });

export const routeSchema = z.object({
  dst: ipNet('route').optional(),
  gw: netIP('route').optional(),
  mtu: int('route').optional(),
  advmss: int('route').optional(),
  priority: int('route').optional(),
  table: int('route', '*int').optional(),
  scope: int('route', '*int').optional(),
});

export type RouteConf = z.output<typeof routeSchema>;

export const dnsSchema = z
  .object({
    nameservers: strings('DNS').optional(),
    domain: str('DNS').optional(),
    search: strings('DNS').optional(),
    options: strings('DNS').optional(),
  })
  .describe('copied into the result dns');

export const addressSchema = z.object({
  address: str('Address').optional().describe('the address with its prefix length (CIDR notation, host bits kept)'),
  gateway: netIP('Address').optional().describe('gateway of this address'),
  // Go's Address struct also has the untagged fields Address (net.IPNet) and Version: an exact
  // "Address" key lands there, not in `address`.
  Address: go(z.object({}), { struct: 'Address', type: 'net.IPNet' }).optional(),
  Version: str('Address').optional(),
});

export const ipamSchema = z
  .object({
    type: str('IPAMConfig').optional(),
    routes: go(z.array(routeSchema), { struct: 'IPAMConfig', type: '[]*types.Route' }).optional().describe('routes copied into the result'),
    addresses: go(z.array(addressSchema), { struct: 'IPAMConfig', type: '[]main.Address' })
      .optional()
      .describe('addresses returned as they are'),
    dns: go(dnsSchema, { struct: 'IPAMConfig', type: 'types.DNS' }).optional(),
  })
  .describe('static IPAM: returns the configured addresses, routes and dns; keeps no state');

export const netConfSchema = z.object({
  cniVersion: str('Net').optional(),
  name: str('Net').optional(),
  ipam: go(ipamSchema, { struct: 'Net', type: 'main.IPAMConfig' }).optional(),
  runtimeConfig: go(z.object({ ips: strings('').optional().describe('capability ips: CIDR addresses replacing all others') }), {
    struct: 'Net',
    type: 'struct { IPs []string "json:\\"ips,omitempty\\"" }',
  }).optional(),
  args: go(
    z.object({
      cni: go(z.object({ ips: strings('IPAMArgs').optional() }), { struct: '', type: '*main.IPAMArgs' }).optional(),
    }),
    { struct: 'Net', type: '*struct { A *main.IPAMArgs "json:\\"cni\\"" }' },
  ).optional(),
});

/** JSON Schema of the network config fields static reads (input side). */
export function jsonSchema(): unknown {
  return z.toJSONSchema(netConfSchema, { io: 'input', unrepresentable: 'any' });
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly field = '',
  ) {
    super(message);
  }
}

export interface StaticAddress {
  address: CIDR;
  gateway?: IP;
}

export interface StaticConfig {
  name: string;
  cniVersion: string;
  addresses: StaticAddress[];
  routes: RouteConf[];
  dns: z.output<typeof dnsSchema>;
}

/** Go `types.LoadArgs`, as the skeleton provides it (`req.args.load`). */
export type LoadArgs = <S extends ArgSpec>(spec: S) => ArgsOf<S>;

/** static's `IPAMEnvArgs { CommonArgs; IP, GATEWAY UnmarshallableString }`. */
export const ENV_ARGS = { IP: 'string', GATEWAY: 'string' } as const satisfies ArgSpec;

function versionAtLeast(v: string, min: [number, number, number]): boolean {
  const parts = (v || '0.1.0').split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length > 3 || parts.some((p) => Number.isNaN(p))) return false;
  for (let i = 0; i < 3; i++) {
    const a = parts[i] ?? 0;
    const b = min[i] as number;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * Upstream `LoadIPAMConfig` of static. Addresses, in order: `ipam.addresses`, then CNI_ARGS `IP`
 * (appended; CNI_ARGS `GATEWAY` sets the gateway of those whose subnet holds it), then
 * `args.cni.ips` (replaces all), then `runtimeConfig.ips` (replaces all).
 */
export function loadStaticConfig(stdin: unknown, loadArgs?: LoadArgs): StaticConfig {
  let n: z.output<typeof netConfSchema>;
  try {
    n = goDecode(netConfSchema, stdin);
  } catch (err) {
    if (err instanceof GoDecodeError) throw new ConfigError(err.message, err.field);
    throw err;
  }
  const ipam = n.ipam;
  if (!ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');

  let env: { IP?: string; GATEWAY?: string } = {};
  if (loadArgs) {
    try {
      env = loadArgs(ENV_ARGS);
    } catch (err) {
      throw new ConfigError((err as Error).message, 'CNI_ARGS');
    }
  }

  // Config addresses are parsed last (upstream), so CNI_ARGS GATEWAY never applies to them.
  type Pending = { text: string; field: string; parsed?: CIDR; gateway?: IP };
  let addrs: Pending[] = (ipam.addresses ?? []).map((a, i) => ({
    text: a.address ?? '',
    field: `ipam.addresses[${i}].address`,
    gateway: a.gateway,
  }));

  if (env.IP) {
    for (const item of env.IP.split(',')) {
      const text = item.trim();
      const parsed = parseCIDR(text);
      if (!parsed) throw new ConfigError(`the 'ip' field is expected to be in CIDR notation, got: '${text}'`, 'CNI_ARGS.IP');
      addrs.push({ text, field: 'CNI_ARGS.IP', parsed });
    }
  }
  if (env.GATEWAY) {
    for (const item of env.GATEWAY.split(',')) {
      const gw = parseIP(item.trim());
      if (!gw) throw new ConfigError(`invalid gateway address: ${item}`, 'CNI_ARGS.GATEWAY');
      for (const a of addrs) if (a.parsed && cidrContains(a.parsed, gw)) a.gateway = gw;
    }
  }
  const replace = (list: string[] | undefined, field: string) => {
    if (!list || list.length === 0) return;
    addrs = list.map((text, i) => {
      const parsed = parseCIDR(text);
      if (!parsed) throw new ConfigError(`an entry in the 'ips' field is NOT in CIDR notation, got: '${text}'`, `${field}[${i}]`);
      return { text, field: `${field}[${i}]`, parsed };
    });
  };
  replace(n.args?.cni?.ips, 'args.cni.ips');
  replace(n.runtimeConfig?.ips, 'runtimeConfig.ips');

  let v4 = 0;
  let v6 = 0;
  const addresses: StaticAddress[] = addrs.map((a) => {
    const address = a.parsed ?? parseCIDR(a.text);
    if (!address) {
      throw new ConfigError(`the 'address' field is expected to be in CIDR notation, got: '${a.text}'`, a.field);
    }
    if (address.ip.bits === 32) v4++;
    else v6++;
    return a.gateway ? { address, gateway: a.gateway } : { address };
  });
  const cniVersion = n.cniVersion ?? '';
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, [0, 3, 0])) {
    throw new ConfigError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  return { name: n.name ?? '', cniVersion, addresses, routes: ipam.routes ?? [], dns: ipam.dns ?? {} };
}
