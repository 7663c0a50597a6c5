// whereabouts' configuration (pkg/config, pkg/types): the `ipam` object with Go's decoding rules
// (snake_case keys matched case-insensitively, camelCase `rangeStart` silently ignored), the
// flat file merged under it, CNI_ARGS, the legacy top-level range prepended to ipRanges, static
// addresses, and the store: the Kubernetes API (`kubernetes.kubeconfig`) or etcd v3
// (`datastore: etcd`, whereabouts' own etcd_* keys).
import { existsSync, readFileSync } from 'node:fs';
import type { ArgSpec, CniArgs, Route } from '@cni-ts/cni';
import { type Addr, addrNetContains, canonicalCIDR, formatAddr, parseAddrNet } from '@cni-ts/cni/ip';
import { decode, DecodeError, go, goIPAddr, goRoute, toJsonSchema } from '@cni-ts/cni/schema';
import { z } from 'zod';
import { type IpRange, parseCIDRSloppy, parseIPSloppy, parseRange, RangeError } from './range';

/** A configuration that cannot be used: whereabouts' text, and the offending field in `field`. */
export class ConfigError extends Error {
  readonly field: string;
  constructor(message: string, field = '', opts?: ErrorOptions) {
    super(message, opts);
    this.name = 'ConfigError';
    this.field = field;
  }
}

// Go types are inferred from the zod types (z.string() is `string`...), see @cni-ts/cni's decoder.
const str = () => z.string();
const strings = () => z.array(z.string());
const int = () => z.number().int();

const dnsSchema = go(
  z.object({
    nameservers: strings().optional(),
    domain: str().optional(),
    search: strings().optional(),
    options: strings().optional(),
  }),
  'types.DNS',
  { struct: 'DNS' },
);

const rangeEntrySchema = go(
  z.object({
    exclude: strings().optional().describe('subnets (CIDR) or addresses never handed out'),
    range: str().optional().describe('CIDR, or first-last/prefix'),
    range_start: goIPAddr().optional().describe('first address handed out (only inside the usable addresses)'),
    range_end: goIPAddr().optional().describe('last address handed out (only inside the usable addresses)'),
  }),
  'types.RangeConfiguration',
  { struct: 'RangeConfiguration', nullAs: {} },
);

/** The `ipam` object (IPAMConfigAlias: every key whereabouts reads, and its etcd keys). */
export const ipamSchema = go(
  z.object({
    Name: str().optional(),
    type: str().optional().describe('whereabouts'),
    routes: go(z.array(go(goRoute(), 'types.Route', { nullAs: {} })), '[]*types.Route').optional(),
    datastore: str().optional().describe('kubernetes (default) or etcd'),
    addresses: z
      .array(go(z.object({ address: str().optional(), gateway: goIPAddr().optional() }), 'types.Address', { struct: 'Address', nullAs: {} }))
      .optional()
      .describe('static addresses appended to the result (no reservation)'),
    ipRanges: z
      .array(rangeEntrySchema)
      .optional()
      .describe('one address is allocated from each entry'),
    node_slice_size: str().optional(),
    exclude: strings().optional(),
    dns: dnsSchema.optional(),
    range: str().optional().describe('legacy single range, placed before ipRanges'),
    range_start: str().optional(),
    range_end: str().optional(),
    gateway: str().optional().describe('gateway copied into every allocated address'),
    etcd_host: str().optional().describe('etcd endpoints, comma-separated host:port (or URLs)'),
    etcd_username: str().optional(),
    etcd_password: str().optional(),
    etcd_key_file: str().optional(),
    etcd_cert_file: str().optional(),
    etcd_ca_cert_file: str().optional(),
    leader_lease_duration: int().optional(),
    leader_renew_deadline: int().optional(),
    leader_retry_period: int().optional(),
    log_file: str().optional(),
    log_level: str().optional(),
    reconciler_cron_expression: str().optional(),
    enable_overlapping_ranges: z.boolean().optional(),
    sleep_for_race: int().optional(),
    Gateway: str().optional(),
    kubernetes: go(z.object({ kubeconfig: str().optional(), k8s_api_root: str().optional() }), 'types.KubernetesConfig', {
      struct: 'KubernetesConfig',
    }).optional(),
    configuration_path: str().optional(),
    PodName: str().optional(),
    PodNamespace: str().optional(),
    network_name: str().optional().describe('names pools and reservations apart, so one range can serve several networks'),
  }),
  '*types.IPAMConfig',
  { struct: 'IPAMConfigAlias' },
).describe('whereabouts IPAM: cluster-wide allocation on the Kubernetes API or etcd');

export type IpamInput = z.output<typeof ipamSchema>;

export const netConfSchema = go(
  z.object({
    name: str().optional(),
    cniVersion: str().optional(),
    ipam: ipamSchema.optional(),
  }),
  'types.Net',
  { struct: 'Net' },
);

/** JSON Schema of the fields whereabouts reads. */
export function jsonSchema(): unknown {
  return toJsonSchema(netConfSchema);
}

/** The flat file locations, in order (configuration_path first when set). */
export const FLAT_FILES = [
  '/etc/kubernetes/cni/net.d/whereabouts.d/whereabouts.conf',
  '/etc/cni/net.d/whereabouts.d/whereabouts.conf',
  '/host/etc/cni/net.d/whereabouts.d/whereabouts.conf',
];

/** IPAMEnvArgs. */
export const ENV_ARGS = {
  IP: 'string',
  GATEWAY: 'string',
  K8S_POD_NAME: 'string',
  K8S_POD_NAMESPACE: 'string',
  K8S_POD_INFRA_CONTAINER_ID: 'string',
} as const satisfies ArgSpec;

export interface StaticAddress {
  /** The address with its prefix, host bits kept (`10.10.0.5/24`). */
  address: string;
  gateway?: string;
  family: 4 | 6;
}

export interface EtcdConfig {
  /** etcd_host split on commas. */
  endpoints: string[];
  username: string;
  password: string;
  keyFile: string;
  certFile: string;
  caCertFile: string;
}

export interface DNS {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

export interface WhereaboutsConfig {
  name: string;
  cniVersion: string;
  ranges: IpRange[];
  gateway?: Addr;
  routes: Route[];
  dns: DNS;
  addresses: StaticAddress[];
  networkName: string;
  overlappingRanges: boolean;
  podName: string;
  podNamespace: string;
  /** `<namespace>/<name>`, or "" when there is no pod name (etcd outside Kubernetes). */
  podRef: string;
  datastore: 'kubernetes' | 'etcd';
  kubeconfig: string;
  etcd: EtcdConfig;
  configurationPath: string;
  logFile: string;
  logLevel: string;
  sleepForRaceSeconds: number;
  reconcilerCronExpression: string;
  nodeSliceSize: string;
  /** The flat file that filled in defaults, "" when none. */
  flatFile: string;
}

export interface LoadOptions {
  /** CNI_ARGS as the skeleton decodes them (`req.args.load`), or the raw text. */
  args?: CniArgs['load'] | string;
  /** Flat file locations (tests); default FLAT_FILES. */
  flatFiles?: string[];
  /** Extra locations after the defaults (the reconciler's mount). */
  extraFlatFiles?: string[];
}

function decodeIpam(value: unknown, what: string): IpamInput {
  try {
    return decode(ipamSchema, value ?? {}, { details: false });
  } catch (err) {
    if (err instanceof DecodeError) throw new ConfigError(`${what} - JSON Parsing Error: ${err.msg}`, err.field, { cause: err });
    throw err;
  }
}

/** The first flat file that exists, decoded; undefined when none does. */
function readFlatFile(paths: string[]): { file: string; ipam: IpamInput } | undefined {
  for (const file of paths) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`error opening flat configuration file @ ${file} with: ${(err as Error).message}`, 'configuration_path');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`LoadIPAMConfig Flatfile (${file}) - JSON Parsing Error: ${(err as Error).message}`, 'configuration_path');
    }
    return { file, ipam: decodeIpam(json, `LoadIPAMConfig Flatfile (${file})`) };
  }
  return undefined;
}

const isZero = (v: unknown): boolean =>
  v === undefined || v === '' || v === 0 || v === false || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isZero));

/** mergo.Merge: the flat file fills what the inline config leaves at its zero value (recursively). */
function mergeFlat(inline: IpamInput, flat: IpamInput): IpamInput {
  const out: Record<string, unknown> = { ...inline };
  for (const [k, v] of Object.entries(flat)) {
    const cur = out[k];
    if (isZero(cur)) out[k] = v;
    else if (cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = mergeFlat(cur as IpamInput, v as IpamInput);
    }
  }
  return out as IpamInput;
}

function loadEnvArgs(args: LoadOptions['args']): { IP?: string; GATEWAY?: string; K8S_POD_NAME?: string; K8S_POD_NAMESPACE?: string } {
  if (args === undefined) return {};
  try {
    if (typeof args === 'function') return args(ENV_ARGS);
    return parseRawArgs(args);
  } catch (err) {
    throw new ConfigError(`LoadArgs - CNI Args Parsing Error: ${(err as Error).message}`, 'CNI_ARGS');
  }
}

function parseRawArgs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(';').filter(Boolean)) {
    const kv = pair.split('=');
    if (kv.length === 2 && Object.hasOwn(ENV_ARGS, kv[0]!)) out[kv[0]!] = kv[1]!;
  }
  return out;
}

function staticAddress(text: string, field: string): StaticAddress {
  const sloppy = parseCIDRSloppy(text);
  const canonical = sloppy && canonicalCIDR(formatSloppy(text));
  if (!sloppy || !canonical) throw new ConfigError(`invalid CIDR in addresses ${text}: invalid CIDR address: ${text}`, field);
  return { address: canonical, family: sloppy.ip.bits === 32 ? 4 : 6 };
}

/** The CIDR text with IPv4 leading zeros dropped (ParseCIDRSloppy). */
function formatSloppy(text: string): string {
  const slash = text.indexOf('/');
  const ip = parseIPSloppy(text.slice(0, slash));
  return ip ? `${formatAddr(ip)}${text.slice(slash)}` : text;
}

/**
 * LoadIPAMConfig. `stdin` is the whole network config (parsed JSON). Throws ConfigError with
 * whereabouts' texts.
 */
export function loadConfig(stdin: unknown, opts: LoadOptions = {}): WhereaboutsConfig {
  let net: z.output<typeof netConfSchema>;
  try {
    net = decode(netConfSchema, stdin, { details: false });
  } catch (err) {
    // Upstream appends the whole config (`/ bytes: ...`): it would put etcd_password into logs.
    if (err instanceof DecodeError) throw new ConfigError(`LoadIPAMConfig - JSON Parsing Error: ${err.msg}`, err.field, { cause: err });
    throw err;
  }
  if (!net.ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');
  if (net.ipam.type !== 'whereabouts') throw new ConfigError(`only interested in networks whose IPAM type is 'whereabouts'. This one was: ${net.ipam.type ?? ''}`, 'ipam.type');
  const env = loadEnvArgs(opts.args);
  // IPAMConfig's own UnmarshalJSON: overlapping ranges default to true.
  const inlineOverlap = net.ipam.enable_overlapping_ranges ?? true;

  const inline = net.ipam;
  const paths = [...(inline.configuration_path ? [inline.configuration_path] : []), ...(opts.flatFiles ?? FLAT_FILES), ...(opts.extraFlatFiles ?? [])];
  const flat = readFlatFile(paths);
  const storeInline = !!inline.kubernetes?.kubeconfig || !!inline.datastore;
  // Upstream fails without a flat file; a config that names its store inline does not need one.
  if (!flat && !storeInline) throw new ConfigError('config file not found', 'configuration_path');
  const ipam = flat ? mergeFlat(inline, flat.ipam) : inline;

  const ranges: IpRange[] = [];
  const sources: { range?: string; range_start?: Addr; range_end?: Addr; exclude?: string[]; field: string }[] = [];
  if (ipam.range) {
    // The top-level range_start/range_end are strings: a bad one is silently no address.
    const rs = ipam.range_start ? parseIPSloppy(ipam.range_start) : undefined;
    const re = ipam.range_end ? parseIPSloppy(ipam.range_end) : undefined;
    sources.push({ range: ipam.range, range_start: rs, range_end: re, exclude: ipam.exclude, field: 'ipam.range' });
  }
  for (const [i, r] of (ipam.ipRanges ?? []).entries()) sources.push({ ...r, field: `ipam.ipRanges[${i}].range` });
  for (const s of sources) {
    try {
      ranges.push(parseRange({ range: s.range ?? '', rangeStart: s.range_start, rangeEnd: s.range_end, exclude: s.exclude }));
    } catch (err) {
      if (err instanceof RangeError) throw new ConfigError(err.message, s.field);
      throw err;
    }
  }

  if (ipam.node_slice_size) {
    throw new ConfigError(
      `node_slice_size (whereabouts' experimental node slices, "Fast IPAM") is not supported: this whereabouts allocates without a global lease, which is what node slices work around; remove node_slice_size`,
      'ipam.node_slice_size',
    );
  }
  const datastore = (ipam.datastore ?? '') === '' || ipam.datastore === 'kubernetes' ? 'kubernetes' : ipam.datastore === 'etcd' ? 'etcd' : undefined;
  if (!datastore) throw new ConfigError(`wrong 'datastore' value in IPAM config: ${ipam.datastore}`, 'ipam.datastore');
  const kubeconfig = ipam.kubernetes?.kubeconfig ?? '';
  if (datastore === 'kubernetes' && !kubeconfig) {
    throw new ConfigError("you have not configured the storage engine (looks like you're using an invalid `kubernetes.kubeconfig` parameter in your config)", 'ipam.kubernetes.kubeconfig');
  }
  const endpoints = (ipam.etcd_host ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (datastore === 'etcd' && endpoints.length === 0) throw new ConfigError('etcd datastore: etcd_host names no endpoint (host:port, comma-separated)', 'ipam.etcd_host');

  let gateway: Addr | undefined;
  if (ipam.gateway) {
    gateway = parseIPSloppy(ipam.gateway);
    if (!gateway) throw new ConfigError(`couldn't parse gateway IP: ${ipam.gateway}`, 'ipam.gateway');
  }

  const addresses: StaticAddress[] = (ipam.addresses ?? []).map((a, i) => {
    const s = staticAddress(a.address ?? '', `ipam.addresses[${i}].address`);
    return a.gateway ? { ...s, gateway: formatAddr(a.gateway) } : s;
  });
  if (env.IP) {
    for (const item of env.IP.split(',')) {
      const text = item.trim();
      const sloppy = parseCIDRSloppy(text);
      if (!sloppy) throw new ConfigError(`invalid CIDR ${text}: invalid CIDR address: ${text}`, 'CNI_ARGS.IP');
      addresses.push(staticAddress(text, 'CNI_ARGS.IP'));
    }
  }
  if (env.GATEWAY) {
    for (const item of env.GATEWAY.split(',')) {
      const gw = parseIPSloppy(item.trim());
      if (!gw) throw new ConfigError(`invalid gateway address: ${item}`, 'CNI_ARGS.GATEWAY');
      for (const a of addresses) {
        const n = parseAddrNet(a.address)!;
        const prefix = n.ip.bits === 32 && n.maskBits === 128 ? n.prefix - 96 : n.prefix;
        if (addrNetContains({ ip: n.ip, prefix }, gw)) a.gateway = formatAddr(gw);
      }
    }
  }
  const cniVersion = net.cniVersion ?? '';
  const v4 = addresses.filter((a) => a.family === 4).length;
  const v6 = addresses.length - v4;
  if ((v4 > 1 || v6 > 1) && ['', '0.1.0', '0.2.0'].includes(cniVersion)) {
    throw new ConfigError(`CNI version ${cniVersion} does not support more than 1 address per family`, 'cniVersion');
  }
  const podName = env.K8S_POD_NAME ?? '';
  const podNamespace = env.K8S_POD_NAMESPACE ?? '';
  return {
    name: net.name ?? '',
    cniVersion,
    ranges,
    gateway,
    routes: ipam.routes ?? [],
    dns: ipam.dns ?? {},
    addresses,
    networkName: ipam.network_name ?? '',
    // The flat file never overrides it (v0.6).
    overlappingRanges: inlineOverlap,
    podName,
    podNamespace,
    podRef: podName ? `${podNamespace}/${podName}` : '',
    datastore,
    kubeconfig,
    etcd: {
      endpoints,
      username: ipam.etcd_username ?? '',
      password: ipam.etcd_password ?? '',
      keyFile: ipam.etcd_key_file ?? '',
      certFile: ipam.etcd_cert_file ?? '',
      caCertFile: ipam.etcd_ca_cert_file ?? '',
    },
    configurationPath: ipam.configuration_path ?? '',
    logFile: ipam.log_file ?? '',
    logLevel: ipam.log_level ?? '',
    sleepForRaceSeconds: ipam.sleep_for_race ?? 0,
    reconcilerCronExpression: ipam.reconciler_cron_expression ?? '',
    nodeSliceSize: ipam.node_slice_size ?? '',
    flatFile: flat?.file ?? '',
  };
}
