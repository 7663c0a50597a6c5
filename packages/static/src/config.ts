// The network config static reads (its own Net struct, not types.NetConf), decoded with Go's JSON
// rules. Addresses stay text here: upstream parses them only after merging CNI_ARGS, args and
// runtimeConfig, and its error messages depend on where an address came from.
import { type ArgSpec, type CniRequest, configError, dnsSchema, type Route } from '@cni-ts/cni';
import { type Addr, addrNetContains, type AddrNet, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { decode, go, goIPAddr, goRoute, toJsonSchema } from '@cni-ts/cni/schema';
import { versionAtLeast } from '@cni-ts/cni/skel';
import { z } from 'zod';

export const addressSchema = go(
  z.object({
    address: z.string().optional().describe('the address with its prefix length (CIDR notation, host bits kept)'),
    gateway: goIPAddr().optional().describe('gateway of this address'),
    // Go's Address struct also has the untagged fields Address (net.IPNet) and Version: an exact
    // "Address" key lands there, not in `address`.
    Address: go(z.object({}), 'net.IPNet').optional(),
    Version: z.string().optional(),
  }),
  'main.Address',
  { struct: 'Address', nullAs: {} },
);

export const ipamSchema = go(
  z.object({
    type: z.string().optional(),
    routes: go(z.array(go(goRoute(), 'types.route', { nullAs: {} })), '[]*types.Route')
      .optional()
      .describe('routes copied into the result'),
    addresses: z.array(addressSchema).optional().describe('addresses returned as they are'),
    dns: dnsSchema.optional().describe('copied into the result dns'),
  }),
  'main.IPAMConfig',
  { struct: 'IPAMConfig' },
).describe('static IPAM: returns the configured addresses, routes and dns; keeps no state');

export const configSchema = go(
  z.object({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    ipam: ipamSchema.optional(),
    runtimeConfig: go(
      z.object({ ips: z.array(z.string()).optional().describe('capability ips: CIDR addresses replacing all others') }),
      'struct { IPs []string "json:\\"ips,omitempty\\"" }',
      { struct: '' },
    ).optional(),
    args: go(
      z.object({ cni: go(z.object({ ips: z.array(z.string()).optional() }), '*main.IPAMArgs', { struct: 'IPAMArgs' }).optional() }),
      '*struct { A *main.IPAMArgs "json:\\"cni\\"" }',
      { struct: '' },
    ).optional(),
  }),
  'main.Net',
  { struct: 'Net' },
);

/** JSON Schema of the network config fields static reads (input side). */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
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
  dns: z.output<typeof ipamSchema>['dns'] & object;
}

/** static's `IPAMEnvArgs { CommonArgs; IP, GATEWAY UnmarshallableString }`. */
export const ENV_ARGS = { IP: 'string', GATEWAY: 'string' } as const satisfies ArgSpec;

/**
 * Upstream `LoadIPAMConfig` of static. Addresses, in order: `ipam.addresses`, then CNI_ARGS `IP`
 * (appended; CNI_ARGS `GATEWAY` sets the gateway of those whose subnet holds it), then
 * `args.cni.ips` (replaces all), then `runtimeConfig.ips` (replaces all). CNI_ARGS go through
 * Go's `types.LoadArgs` (the skeleton's `req.args.load`).
 */
export function loadStaticConfig(req: Pick<CniRequest, 'config' | 'args'>): StaticConfig {
  // Go's texts without the path (it goes to details).
  const n = decode(configSchema, req.config);
  const ipam = n.ipam;
  if (!ipam) throw configError("IPAM config missing 'ipam' key", 'ipam');

  let env: { IP?: string; GATEWAY?: string } = {};
  try {
    env = req.args.load(ENV_ARGS);
  } catch (err) {
    throw configError((err as Error).message, 'CNI_ARGS', { cause: err });
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
      if (!parsed) throw configError(`the 'ip' field is expected to be in CIDR notation, got: '${text}'`, 'CNI_ARGS.IP');
      addrs.push({ text, field: 'CNI_ARGS.IP', parsed });
    }
  }
  if (env.GATEWAY) {
    for (const item of env.GATEWAY.split(',')) {
      const gw = parseAddr(item.trim());
      if (!gw) throw configError(`invalid gateway address: ${item}`, 'CNI_ARGS.GATEWAY');
      for (const a of addrs) if (a.parsed && addrNetContains(a.parsed, gw)) a.gateway = gw;
    }
  }
  const replace = (list: string[] | undefined, field: string) => {
    if (!list || list.length === 0) return;
    addrs = list.map((text, i) => {
      const parsed = parseAddrNet(text);
      if (!parsed) throw configError(`an entry in the 'ips' field is NOT in CIDR notation, got: '${text}'`, `${field}[${i}]`);
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
      throw configError(`the 'address' field is expected to be in CIDR notation, got: '${a.text}'`, a.field);
    }
    if (address.ip.bits === 32) v4++;
    else v6++;
    return a.gateway ? { address, gateway: a.gateway } : { address };
  });
  const cniVersion = n.cniVersion ?? '';
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, '0.3.0')) {
    throw configError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  return { name: n.name ?? '', cniVersion, addresses, routes: ipam.routes ?? [], dns: ipam.dns ?? {} };
}
