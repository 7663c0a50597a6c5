import type { ArgSpec, ArgsOf } from '@cni-ts/cni';
import { z } from 'zod';
import { go, goDecode, GoDecodeError } from './_gojson';
import { type IP, parseCIDR, parseIP } from './ip';
import { type RangeInput, RangeError } from './range';
import { canonicalizeRangeSet, type RangeSet, rangeSetsOverlap } from './rangeset';
import { ipsSchema, rangeSetsSchema, rangeShape, type Route, routeSchema } from './schema';

/** The `ipam` object of host-local (the whole network config arrives on stdin). */
export const ipamSchema = z
  .object({
    type: go(z.string(), { struct: 'IPAMConfig', type: 'string' }).optional(),
    ...rangeShape('IPAMConfig'),
    ranges: rangeSetsSchema('IPAMConfig')
      .optional()
      .describe('range sets: one address is allocated from each set, in order'),
    routes: go(z.array(routeSchema), { struct: 'IPAMConfig', type: '[]*types.Route' })
      .optional()
      .describe('routes copied into the result'),
    dataDir: go(z.string(), { struct: 'IPAMConfig', type: 'string' })
      .optional()
      .describe('state directory (default /var/lib/cni/networks); state is kept in <dataDir>/<network name>'),
    resolvConf: go(z.string(), { struct: 'IPAMConfig', type: 'string' })
      .optional()
      .describe('a resolv.conf file whose nameserver/domain/search/options fill the result dns'),
  })
  .describe('host-local IPAM: allocates addresses from ranges, one file per address on the local disk');

/** The fields of the network config host-local reads. */
export const netConfSchema = z.object({
  cniVersion: go(z.string(), { struct: 'Net', type: 'string' }).optional(),
  name: go(z.string(), { struct: 'Net', type: 'string' }).optional(),
  ipam: go(ipamSchema, { struct: 'Net', type: 'allocator.IPAMConfig' }).optional(),
  runtimeConfig: go(
    z.object({
      ipRanges: rangeSetsSchema('').optional().describe('capability ipRanges: range sets placed before the configured ones'),
      ips: ipsSchema('').optional().describe('capability ips: addresses to allocate'),
    }),
    {
      struct: 'Net',
      type: 'struct { IPRanges []allocator.RangeSet "json:\\"ipRanges,omitempty\\""; IPs []*ip.IP "json:\\"ips,omitempty\\"" }',
    },
  ).optional(),
  args: go(
    z.object({
      cni: go(z.object({ ips: ipsSchema('IPAMArgs').optional() }), { struct: '', type: '*allocator.IPAMArgs' }).optional(),
    }),
    { struct: 'Net', type: '*struct { A *allocator.IPAMArgs "json:\\"cni\\"" }' },
  ).optional(),
});

export type NetConfInput = z.input<typeof netConfSchema>;

/** JSON Schema of the network config fields host-local reads (input side). */
export function jsonSchema(): unknown {
  return z.toJSONSchema(netConfSchema, { io: 'input', unrepresentable: 'any' });
}

/** An invalid configuration: Go's message, and the path of the offending field. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly field = '',
  ) {
    super(message);
  }
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
  requestedIPs: IP[];
}


/** Go `types.LoadArgs`, as the skeleton provides it (`req.args.load`). */
export type LoadArgs = <S extends ArgSpec>(spec: S) => ArgsOf<S>;

/** host-local's `IPAMEnvArgs { CommonArgs; IP ip.IP }`: `IP` takes an address or a CIDR. */
export const ENV_ARGS = {
  IP: (v: string): IP | undefined => {
    if (v === '') return undefined;
    const ip = v.includes('/') ? parseCIDR(v)?.ip : parseIP(v);
    if (!ip) throw new Error(`invalid IP address ${v}`);
    return ip;
  },
} satisfies ArgSpec;

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

/** Where the network keeps its state, for commands that need nothing else (GC, STATUS). */
export interface StoreConfig {
  name: string;
  dataDir: string;
}

/** Decodes only what locating the store needs; ranges may be absent (they can come from runtimeConfig). */
export function loadStoreConfig(stdin: unknown): StoreConfig {
  let n: z.output<typeof netConfSchema>;
  try {
    n = goDecode(netConfSchema, stdin);
  } catch (err) {
    if (err instanceof GoDecodeError) throw new ConfigError(err.message, err.field);
    throw err;
  }
  if (!n.ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');
  return { name: n.name ?? '', dataDir: n.ipam.dataDir ?? '' };
}

/**
 * Upstream `LoadIPAMConfig`: decodes the network config, gathers the requested addresses and the
 * range sets (runtimeConfig.ipRanges first, then the legacy top-level range, then `ranges`), and
 * validates them with upstream's messages in upstream's order.
 */
export function loadIPAMConfig(stdin: unknown, loadArgs?: LoadArgs): IPAMConfig {
  let n: z.output<typeof netConfSchema>;
  try {
    n = goDecode(netConfSchema, stdin);
  } catch (err) {
    if (err instanceof GoDecodeError) throw new ConfigError(err.message, err.field);
    throw err;
  }
  const ipam = n.ipam;
  if (!ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');

  let env: { IP?: IP } = {};
  if (loadArgs) {
    try {
      env = loadArgs(ENV_ARGS);
    } catch (err) {
      throw new ConfigError((err as Error).message, 'CNI_ARGS');
    }
  }
  const requested: (IP | null)[] = [];
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
  if (nil >= 0) throw new ConfigError('cannot understand ip: IP <nil> not v4 nor v6', ipFields[nil]);

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
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, [0, 3, 0])) {
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
    requestedIPs: requested as IP[],
  };
}
