// The network config host-local reads (upstream's allocator.Net: not types.NetConf), decoded
// with Go's JSON rules, and LoadIPAMConfig: the requested addresses and the range sets merged
// and validated with upstream's messages in upstream's order. Errors name the field in details.
import { type ArgSpec, type CniRequest, configError, type Route } from '@cni-ts/cni';
import { type Addr, parseAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { decode, gcAttachmentSchema, go, goCIDRAddr, goIPAddr, goRoute, toJsonSchema } from '@cni-ts/cni/schema';
import { versionAtLeast } from '@cni-ts/cni/skel';
import { z } from 'zod';
import { type RangeInput, RangeError } from './range';
import { canonicalizeRangeSet, type RangeSet, rangeSetsOverlap } from './rangeset';

/** Go `net.IP` text: empty means unset. */
const netIP = () => goIPAddr();

/** plugins `pkg/ip.IP`: an address with an optional prefix (ignored); "" (and null) = no address. */
const pkgIP = () =>
  go(z.string(), '*ip.IP', { nullAs: '' }).transform((s, ctx): Addr | null => {
    if (s === '') return null;
    const ip = s.includes('/') ? parseAddrNet(s)?.ip : parseAddr(s);
    if (!ip) ctx.addIssue({ code: 'custom', message: `invalid IP address ${s}` });
    return ip ?? null;
  });

/** One range (also the legacy top-level fields of `ipam`: the embedded *Range). */
const rangeShape = () => ({
  rangeStart: netIP().optional().describe('first address handed out (default: network+1)'),
  rangeEnd: netIP().optional().describe('last address handed out (default: IPv4 broadcast-1, IPv6 last address)'),
  // types.IPNet: its UnmarshalJSON reads null as "" (an error).
  subnet: go(goCIDRAddr(), 'string', { nullAs: '' }).optional().describe('the subnet, CIDR without host bits'),
  gateway: netIP().optional().describe('gateway, never handed out (default: network+1)'),
});

// A null range decodes to an empty one, a null range set to an empty set (Go's zero values).
const rangeSetSchema = z
  .array(go(z.object(rangeShape()), 'allocator.Range', { struct: 'Range', nullAs: {} }))
  .describe('ranges of one family; one address is allocated per set');
const rangeSets = () => z.array(go(rangeSetSchema, 'allocator.RangeSet', { nullAs: [] }));

/** The `ipam` object of host-local. */
export const ipamSchema = go(
  z.object({
    type: z.string().optional(),
    ...rangeShape(),
    ranges: rangeSets().optional().describe('range sets: one address is allocated from each set, in order'),
    routes: go(z.array(go(goRoute(), 'types.route', { nullAs: {} })), '[]*types.Route').optional().describe('routes copied into the result'),
    dataDir: z.string().optional().describe('state directory (default /var/lib/cni/networks); state is kept in <dataDir>/<network name>'),
    resolvConf: z.string().optional().describe('a resolv.conf file whose nameserver/domain/search/options fill the result dns'),
  }),
  'allocator.IPAMConfig',
  { struct: 'IPAMConfig' },
).describe('host-local IPAM: allocates addresses from ranges, one file per address on the local disk');

const attachments = () => z.array(gcAttachmentSchema);

/** The fields of the network config host-local reads. */
export const configSchema = go(
  z.object({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    ipam: ipamSchema.optional(),
    runtimeConfig: go(
      z.object({
        ipRanges: rangeSets().optional().describe('capability ipRanges: range sets placed before the configured ones'),
        ips: z.array(pkgIP()).optional().describe('capability ips: addresses to allocate'),
      }),
      'struct { IPRanges []allocator.RangeSet "json:\\"ipRanges,omitempty\\""; IPs []*ip.IP "json:\\"ips,omitempty\\"" }',
      { struct: '' },
    ).optional(),
    args: go(
      z.object({ cni: go(z.object({ ips: z.array(pkgIP()).optional() }), '*allocator.IPAMArgs', { struct: 'IPAMArgs' }).optional() }),
      '*struct { A *allocator.IPAMArgs "json:\\"cni\\"" }',
      { struct: '' },
    ).optional(),
    // GC: libcni sends both keys; the second is the spec's old name.
    'cni.dev/valid-attachments': attachments().optional(),
    'cni.dev/attachments': attachments().optional(),
  }),
  'allocator.Net',
  { struct: 'Net' },
);

export type NetConfInput = z.input<typeof configSchema>;
type Decoded = z.output<typeof configSchema>;

/** JSON Schema of the network config fields host-local reads (input side). */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
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

/** Go's json.Unmarshal of the config; texts without the path (it goes to details). */
function decodeConf(config: unknown): Decoded {
  return decode(configSchema, config);
}

/** Decodes only what locating the store needs; ranges may be absent (they can come from runtimeConfig). */
export function loadStoreConfig(config: unknown): StoreConfig {
  const n = decodeConf(config);
  if (!n.ipam) throw configError("IPAM config missing 'ipam' key", 'ipam');
  return { name: n.name ?? '', dataDir: n.ipam.dataDir ?? '' };
}

export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/**
 * The valid attachments of a GC request; undefined when the config carries no list at all
 * (then nothing is known to be stale). A JSON null counts as an empty list, as libcni sends it.
 */
export function validAttachments(config: unknown): GcAttachment[] | undefined {
  const n = decodeConf(config);
  const has = (k: string) => Object.keys((config ?? {}) as object).some((key) => key.toLowerCase() === k);
  const list = n['cni.dev/valid-attachments'] ?? n['cni.dev/attachments'];
  if (!list && !has('cni.dev/valid-attachments') && !has('cni.dev/attachments')) return undefined;
  return list ?? [];
}

/**
 * Upstream `LoadIPAMConfig`: decodes the network config, gathers the requested addresses and the
 * range sets (runtimeConfig.ipRanges first, then the legacy top-level range, then `ranges`), and
 * validates them with upstream's messages in upstream's order. CNI_ARGS go through Go's
 * `types.LoadArgs` (the skeleton's `req.args.load`).
 */
export function loadIPAMConfig(req: Pick<CniRequest, 'config' | 'args'>): IPAMConfig {
  const n = decodeConf(req.config);
  const ipam = n.ipam;
  if (!ipam) throw configError("IPAM config missing 'ipam' key", 'ipam');

  let env: { IP?: Addr } = {};
  try {
    env = req.args.load(ENV_ARGS);
  } catch (err) {
    throw configError((err as Error).message, 'CNI_ARGS', { cause: err });
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
  if (nil >= 0) throw configError('cannot understand ip: IP <nil> not v4 nor v6', ipFields[nil] ?? '');

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
  if (sources.length === 0) throw configError('no IP ranges specified', 'ipam.ranges');

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
      throw configError(`invalid range set ${i}: ${err.message}`, src.field === 'ipam' && err.field ? `ipam.${err.field}` : at, { cause: err });
    }
    ranges.push(set);
    if ((set[0] as RangeSet[number]).rangeStart.bits === 32) v4++;
    else v6++;
  }
  const cniVersion = n.cniVersion ?? '';
  if ((v4 > 1 || v6 > 1) && !versionAtLeast(cniVersion, '0.3.0')) {
    throw configError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  for (let i = 0; i < ranges.length - 1; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangeSetsOverlap(ranges[i] as RangeSet, ranges[j] as RangeSet)) {
        throw configError(`range set ${i} overlaps with ${j}`, (sources[j] as { field: string }).field);
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
