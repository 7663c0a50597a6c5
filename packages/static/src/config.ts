import type { ArgSpec, CniArgs, Route } from '@cni-ts/cni';
import { type Addr, addrNetContains, type AddrNet, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { SchemaDecodeError as ConfigError, decodeWithSchema, goField, goIPAddr, goRoute, toJsonSchema } from '@cni-ts/cni/schema';
import { versionAtLeast } from '@cni-ts/cni/skel';
import { z } from 'zod';

/**
 * The network config fields static reads, decoded with Go's rules (cni's goField and
 * goNormalize). Addresses stay text here: upstream parses them only after merging CNI_ARGS,
 * args and runtimeConfig, and its error messages depend on where an address came from.
 */

/** An invalid configuration: Go's message, and the path of the offending field in `field`. */
export { ConfigError };

const str = (struct: string) => goField(z.string(), struct, 'string');
const strings = (struct: string) => goField(z.array(goField(z.string(), struct, 'string', { nullAs: '' })), struct, '[]string');

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
  gateway: goField(goIPAddr(), 'Address', 'net.IP').optional().describe('gateway of this address'),
  // Go's Address struct also has the untagged fields Address (net.IPNet) and Version: an exact
  // "Address" key lands there, not in `address`.
  Address: goField(z.object({}), 'Address', 'net.IPNet').optional(),
  Version: str('Address').optional(),
});

export const ipamSchema = z
  .object({
    type: str('IPAMConfig').optional(),
    routes: goField(z.array(goField(goRoute(), 'IPAMConfig', 'types.route', { nullAs: {} })), 'IPAMConfig', '[]*types.Route')
      .optional()
      .describe('routes copied into the result'),
    addresses: goField(z.array(goField(addressSchema, 'IPAMConfig', 'main.Address', { nullAs: {} })), 'IPAMConfig', '[]main.Address')
      .optional()
      .describe('addresses returned as they are'),
    dns: goField(dnsSchema, 'IPAMConfig', 'types.DNS').optional(),
  })
  .describe('static IPAM: returns the configured addresses, routes and dns; keeps no state');

export const netConfSchema = z.object({
  cniVersion: str('Net').optional(),
  name: str('Net').optional(),
  ipam: goField(ipamSchema, 'Net', 'main.IPAMConfig').optional(),
  runtimeConfig: goField(
    z.object({ ips: strings('').optional().describe('capability ips: CIDR addresses replacing all others') }),
    'Net',
    'struct { IPs []string "json:\\"ips,omitempty\\"" }',
  ).optional(),
  args: goField(
    z.object({
      cni: goField(z.object({ ips: strings('IPAMArgs').optional() }), '', '*main.IPAMArgs').optional(),
    }),
    'Net',
    '*struct { A *main.IPAMArgs "json:\\"cni\\"" }',
  ).optional(),
});

/** JSON Schema of the network config fields static reads (input side). */
export function jsonSchema(): unknown {
  return toJsonSchema(netConfSchema);
}

export interface StaticAddress {
  address: AddrNet;
  gateway?: Addr;
}

export interface StaticConfig {
  name: string;
  cniVersion: string;
  addresses: StaticAddress[];
  routes: Route[];
  dns: z.output<typeof dnsSchema>;
}

/** static's `IPAMEnvArgs { CommonArgs; IP, GATEWAY UnmarshallableString }`. */
export const ENV_ARGS = { IP: 'string', GATEWAY: 'string' } as const satisfies ArgSpec;

/**
 * Upstream `LoadIPAMConfig` of static. Addresses, in order: `ipam.addresses`, then CNI_ARGS `IP`
 * (appended; CNI_ARGS `GATEWAY` sets the gateway of those whose subnet holds it), then
 * `args.cni.ips` (replaces all), then `runtimeConfig.ips` (replaces all). `loadArgs` is Go's
 * `types.LoadArgs` over CNI_ARGS, as the skeleton provides it (`req.args.load`).
 */
export function loadStaticConfig(stdin: unknown, loadArgs?: CniArgs['load']): StaticConfig {
  // Go's texts without the path (it goes to `field`).
  const n = decodeWithSchema(netConfSchema, stdin, { pathInMessage: false });
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
  type Pending = { text: string; field: string; parsed?: AddrNet; gateway?: Addr };
  let addrs: Pending[] = (ipam.addresses ?? []).map((a, i) => ({
    text: a.address ?? '',
    field: `ipam.addresses[${i}].address`,
    gateway: a.gateway,
  }));

  if (env.IP) {
    for (const item of env.IP.split(',')) {
      const text = item.trim();
      const parsed = parseAddrNet(text);
      if (!parsed) throw new ConfigError(`the 'ip' field is expected to be in CIDR notation, got: '${text}'`, 'CNI_ARGS.IP');
      addrs.push({ text, field: 'CNI_ARGS.IP', parsed });
    }
  }
  if (env.GATEWAY) {
    for (const item of env.GATEWAY.split(',')) {
      const gw = parseAddr(item.trim());
      if (!gw) throw new ConfigError(`invalid gateway address: ${item}`, 'CNI_ARGS.GATEWAY');
      for (const a of addrs) if (a.parsed && addrNetContains(a.parsed, gw)) a.gateway = gw;
    }
  }
  const replace = (list: string[] | undefined, field: string) => {
    if (!list || list.length === 0) return;
    addrs = list.map((text, i) => {
      const parsed = parseAddrNet(text);
      if (!parsed) throw new ConfigError(`an entry in the 'ips' field is NOT in CIDR notation, got: '${text}'`, `${field}[${i}]`);
      return { text, field: `${field}[${i}]`, parsed };
    });
  };
  replace(n.args?.cni?.ips, 'args.cni.ips');
  replace(n.runtimeConfig?.ips, 'runtimeConfig.ips');

  let v4 = 0;
  let v6 = 0;
  const addresses: StaticAddress[] = addrs.map((a) => {
    const address = a.parsed ?? parseAddrNet(a.text);
    if (!address) {
      throw new ConfigError(`the 'address' field is expected to be in CIDR notation, got: '${a.text}'`, a.field);
    }
    if (address.ip.bits === 32) v4++;
    else v6++;
    return a.gateway ? { address, gateway: a.gateway } : { address };
  });
  const cniVersion = n.cniVersion ?? '';
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, '0.3.0')) {
    throw new ConfigError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  return { name: n.name ?? '', cniVersion, addresses, routes: ipam.routes ?? [], dns: ipam.dns ?? {} };
}
