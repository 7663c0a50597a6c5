import type { ArgSpec, CniArgs, Route } from '@cni-ts/cni';
import { type Addr, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { SchemaDecodeError as ConfigError, decodeWithSchema, goField, toJsonSchema } from '@cni-ts/cni/schema';
import { versionAtLeast } from '@cni-ts/cni/skel';
import { z } from 'zod';
import { type RangeInput, RangeError } from './range';
import { canonicalizeRangeSet, type RangeSet, rangeSetsOverlap } from './rangeset';
import { ipsSchema, rangeSetsSchema, rangeShape, routesSchema } from './schema';

/** An invalid configuration: Go's message, and the path of the offending field in `field`. */
export { ConfigError };

/** The `ipam` object of host-local (the whole network config arrives on stdin). */
export const ipamSchema = z
  .object({
    type: goField(z.string(), 'IPAMConfig', 'string').optional(),
    ...rangeShape('IPAMConfig'),
    ranges: rangeSetsSchema('IPAMConfig')
      .optional()
      .describe('range sets: one address is allocated from each set, in order'),
    routes: routesSchema('IPAMConfig').optional().describe('routes copied into the result'),
    dataDir: goField(z.string(), 'IPAMConfig', 'string')
      .optional()
      .describe('state directory (default /var/lib/cni/networks); state is kept in <dataDir>/<network name>'),
    resolvConf: goField(z.string(), 'IPAMConfig', 'string')
      .optional()
      .describe('a resolv.conf file whose nameserver/domain/search/options fill the result dns'),
  })
  .describe('host-local IPAM: allocates addresses from ranges, one file per address on the local disk');

/** The fields of the network config host-local reads. */
export const netConfSchema = z.object({
  cniVersion: goField(z.string(), 'Net', 'string').optional(),
  name: goField(z.string(), 'Net', 'string').optional(),
  ipam: goField(ipamSchema, 'Net', 'allocator.IPAMConfig').optional(),
  runtimeConfig: goField(
    z.object({
      ipRanges: rangeSetsSchema('').optional().describe('capability ipRanges: range sets placed before the configured ones'),
      ips: ipsSchema('').optional().describe('capability ips: addresses to allocate'),
    }),
    'Net',
    'struct { IPRanges []allocator.RangeSet "json:\\"ipRanges,omitempty\\""; IPs []*ip.IP "json:\\"ips,omitempty\\"" }',
  ).optional(),
  args: goField(
    z.object({
      cni: goField(z.object({ ips: ipsSchema('IPAMArgs').optional() }), '', '*allocator.IPAMArgs').optional(),
    }),
    'Net',
    '*struct { A *allocator.IPAMArgs "json:\\"cni\\"" }',
  ).optional(),
});

export type NetConfInput = z.input<typeof netConfSchema>;

/** JSON Schema of the network config fields host-local reads (input side). */
export function jsonSchema(): unknown {
  return toJsonSchema(netConfSchema);
}

/** A range set after the merge, with where it came from (for error details). */
export interface SourcedRangeSet {
  set: RangeSet;
  field: string;
}

export interface IPAMConfig {
  name: string;
  cniVersion: string;
  ranges: RangeSet[];
  routes: Route[];
  dataDir: string;
  resolvConf: string;
  /** Requested addresses: CNI_ARGS IP, then args.cni.ips, then runtimeConfig.ips. */
  requestedIPs: Addr[];
}

/** host-local's `IPAMEnvArgs { CommonArgs; IP ip.IP }`: `IP` takes an address or a CIDR. */
export const ENV_ARGS = {
  IP: (v: string): Addr | undefined => {
    if (v === '') return undefined;
    const ip = v.includes('/') ? parseAddrNet(v)?.ip : parseAddr(v);
    if (!ip) throw new Error(`invalid IP address ${v}`);
    return ip;
  },
} satisfies ArgSpec;


/** Where the network keeps its state, for commands that need nothing else (GC, STATUS). */
export interface StoreConfig {
  name: string;
  dataDir: string;
}

/** Go's json.Unmarshal of the config; texts without the path (it goes to `field`). */
function decodeNetConf(stdin: unknown): z.output<typeof netConfSchema> {
  return decodeWithSchema(netConfSchema, stdin, { pathInMessage: false });
}

/** Decodes only what locating the store needs; ranges may be absent (they can come from runtimeConfig). */
export function loadStoreConfig(stdin: unknown): StoreConfig {
  const n = decodeNetConf(stdin);
  if (!n.ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');
  return { name: n.name ?? '', dataDir: n.ipam.dataDir ?? '' };
}

/**
 * Upstream `LoadIPAMConfig`: decodes the network config, gathers the requested addresses and the
 * range sets (runtimeConfig.ipRanges first, then the legacy top-level range, then `ranges`), and
 * validates them with upstream's messages in upstream's order. `loadArgs` is Go's
 * `types.LoadArgs` over CNI_ARGS, as the skeleton provides it (`req.args.load`).
 */
export function loadIPAMConfig(stdin: unknown, loadArgs?: CniArgs['load']): IPAMConfig {
  const n = decodeNetConf(stdin);
  const ipam = n.ipam;
  if (!ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');

  let env: { IP?: Addr } = {};
  if (loadArgs) {
    try {
      env = loadArgs(ENV_ARGS);
    } catch (err) {
      throw new ConfigError((err as Error).message, 'CNI_ARGS');
    }
  }
  const requested: (Addr | null)[] = [];
  const ipFields: string[] = [];
  if (env.IP) {
    requested.push(env.IP);
    ipFields.push('CNI_ARGS.IP');
  }
  for (const [i, ip] of (n.args?.cni?.ips ?? []).entries()) {
    requested.push(ip);
    ipFields.push(`args.cni.ips[${i}]`);
  }
  for (const [i, ip] of (n.runtimeConfig?.ips ?? []).entries()) {
    requested.push(ip);
    ipFields.push(`runtimeConfig.ips[${i}]`);
  }
  const nil = requested.findIndex((ip) => ip === null);
  if (nil >= 0) throw new ConfigError('cannot understand ip: IP <nil> not v4 nor v6', ipFields[nil] ?? '');

  const sources: { inputs: RangeInput[]; field: string }[] = [];
  for (const [i, set] of (n.runtimeConfig?.ipRanges ?? []).entries()) {
    sources.push({ inputs: set, field: `runtimeConfig.ipRanges[${i}]` });
  }
  if (ipam.subnet) {
    const { subnet, rangeStart, rangeEnd, gateway } = ipam;
    sources.push({ inputs: [{ subnet, rangeStart, rangeEnd, gateway }], field: 'ipam' });
  }
  for (const [i, set] of (ipam.ranges ?? []).entries()) {
    sources.push({ inputs: set, field: `ipam.ranges[${i}]` });
  }
  if (sources.length === 0) throw new ConfigError('no IP ranges specified', 'ipam.ranges');

  const ranges: RangeSet[] = [];
  let v4 = 0;
  let v6 = 0;
  for (const [i, src] of sources.entries()) {
    let set: RangeSet;
    try {
      set = canonicalizeRangeSet(src.inputs);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const at = err.index === undefined ? src.field : `${src.field}[${err.index}]${err.field ? `.${err.field}` : ''}`;
      throw new ConfigError(`invalid range set ${i}: ${err.message}`, src.field === 'ipam' && err.field ? `ipam.${err.field}` : at);
    }
    ranges.push(set);
    if ((set[0] as RangeSet[number]).rangeStart.bits === 32) v4++;
    else v6++;
  }
  const cniVersion = n.cniVersion ?? '';
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, '0.3.0')) {
    throw new ConfigError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  for (let i = 0; i < ranges.length - 1; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangeSetsOverlap(ranges[i] as RangeSet, ranges[j] as RangeSet)) {
        throw new ConfigError(`range set ${i} overlaps with ${j}`, (sources[j] as { field: string }).field);
      }
    }
  }
  return {
    name: n.name ?? '',
    cniVersion,
    ranges,
    routes: ipam.routes ?? [],
    dataDir: ipam.dataDir ?? '',
    resolvConf: ipam.resolvConf ?? '',
    requestedIPs: requested as Addr[],
  };
}
