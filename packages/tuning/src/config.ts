// The tuning network config (Go: TuningConf) and its resolution into what ADD/CHECK/DEL act on:
// MAC precedence, args.cni overrides, the data directory, the parsed prevResult.
import { type CniRequest, CniError, dnsSchema, ErrCode, parsePrevResult, type Result, toJsonSchema } from '@cni-ts/cni';
import { parseMAC } from '@cni-ts/netlink';
import * as z from 'zod';
import { decodeGoStruct as decodeConf, type GoStructTypes as GoTypes } from '@cni-ts/cni';

/** Upstream's default backup directory (a tmpfs, so backups never outlive a reboot). */
export const DEFAULT_DATA_DIR = '/run/cni/tuning';
/** cni-ts extension: the backup directory when the config has no dataDir (tests use a temp dir). */
export const DATA_DIR_ENV = 'CNI_TS_TUNING_DATA_DIR';

// Go decodes null map values as "".
const sysctlMap = z
  .record(z.string(), z.string().nullable().transform((v) => v ?? ''))
  .describe('sysctl name -> value; names may use dots or slashes, IFNAME stands for the container interface');

const attrs = {
  mac: z.string().describe('MAC address of the interface'),
  promisc: z.boolean().describe('true turns promiscuous mode on (false leaves it alone)'),
  mtu: z.number().int().describe('MTU of the interface; 0 leaves it alone'),
  allmulti: z.boolean().describe('all-multicast mode, on or off'),
  txQLen: z.number().int().describe('transmit queue length'),
};

export const tuningArgsSchema = z
  .object({
    sysctl: sysctlMap.optional(),
    mac: attrs.mac.optional(),
    promisc: attrs.promisc.optional(),
    mtu: attrs.mtu.optional(),
    allmulti: attrs.allmulti.optional(),
    txQLen: attrs.txQLen.optional(),
  })
  .describe('args.cni: per-attachment overrides, applied last');

export const tuningConfSchema = z
  .looseObject({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    type: z.string().optional(),
    capabilities: z.record(z.string(), z.boolean()).optional(),
    ipam: z.looseObject({ type: z.string().optional() }).optional(),
    dns: dnsSchema.optional(),
    prevResult: z.record(z.string(), z.unknown()).optional(),
    dataDir: z.string().optional().describe(`directory of the backups restored on DEL (default ${DEFAULT_DATA_DIR})`),
    sysctl: sysctlMap.optional(),
    mac: attrs.mac.optional(),
    promisc: attrs.promisc.optional(),
    mtu: attrs.mtu.optional(),
    txQLen: attrs.txQLen.optional(),
    allmulti: attrs.allmulti.optional(),
    runtimeConfig: z.looseObject({ mac: z.string().optional().describe('capability "mac"') }).optional(),
    args: z.looseObject({ cni: tuningArgsSchema.optional() }).optional(),
  })
  .describe('tuning: sysctls and link attributes of the container interface');

const GO_TYPES: GoTypes = {
  cniVersion: ['TuningConf', 'string'],
  name: ['TuningConf', 'string'],
  type: ['TuningConf', 'string'],
  capabilities: ['TuningConf', 'bool'],
  ipam: ['TuningConf', 'types.IPAM'],
  'ipam.type': ['IPAM', 'string'],
  dns: ['TuningConf', 'types.DNS'],
  prevResult: ['TuningConf', 'map[string]interface {}'],
  dataDir: ['TuningConf', 'string'],
  sysctl: ['TuningConf', 'string'],
  mac: ['TuningConf', 'string'],
  promisc: ['TuningConf', 'bool'],
  mtu: ['TuningConf', 'int'],
  txQLen: ['TuningConf', 'int'],
  allmulti: ['TuningConf', 'bool'],
  runtimeConfig: ['TuningConf', 'struct { Mac string "json:\\"mac,omitempty\\"" }'],
  'runtimeConfig.mac': ['', 'string'],
  args: ['TuningConf', 'struct { A *main.IPAMArgs "json:\\"cni\\"" }'],
  'args.cni': ['', 'main.IPAMArgs'],
  'args.cni.sysctl': ['IPAMArgs', 'string'],
  'args.cni.mac': ['IPAMArgs', 'string'],
  'args.cni.promisc': ['IPAMArgs', 'bool'],
  'args.cni.mtu': ['IPAMArgs', 'int'],
  'args.cni.allmulti': ['IPAMArgs', 'bool'],
  'args.cni.txQLen': ['IPAMArgs', 'int'],
};

/** The JSON Schema (draft 2020-12) of a tuning config. */
export function tuningJsonSchema(): Record<string, unknown> {
  return toJsonSchema(tuningConfSchema);
}

/** What the commands act on, after every source of a value was merged. */
export interface TuningConf {
  cniVersion: string;
  dataDir: string;
  /** [key, value] in config order; args.cni.sysctl values replace or extend them. */
  sysctl: [string, string][];
  /** The MAC as configured (upstream echoes this text into the result). */
  mac?: string;
  promisc: boolean;
  mtu: number;
  allmulti?: boolean;
  txQLen?: number;
  /** prevResult as given (parsed only by ADD and CHECK, as upstream). */
  rawPrevResult?: Record<string, unknown>;
}

/** Go's net.ParseMAC check, with the reference's error text. */
export function checkMac(mac: string): void {
  try {
    parseMAC(mac);
  } catch {
    throw new CniError(ErrCode.internal, `invalid args ${mac} for MAC addr: address ${mac}: invalid MAC address`, 'mac');
  }
}

/**
 * parseConf: MAC from `mac` < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac; every other
 * args.cni value overrides its top-level key. Unlike upstream, args.cni.sysctl works without a
 * top-level sysctl (upstream panics) and a bad MAC fails here, before anything is changed.
 */
export function loadConf(req: Pick<CniRequest, 'config' | 'args' | 'env' | 'cniVersion'>): TuningConf {
  const n = decodeConf(tuningConfSchema, req.config, GO_TYPES, 'failed to load netconf');
  const sysctl = new Map(Object.entries(n.sysctl ?? {}));
  let mac = n.mac || undefined;
  const envArgs = req.args.load({ MAC: 'string' });
  if (envArgs.MAC) mac = envArgs.MAC;
  if (n.runtimeConfig?.mac) mac = n.runtimeConfig.mac;
  let { promisc = false, mtu = 0, allmulti, txQLen } = n;
  const a = n.args?.cni;
  if (a) {
    for (const [k, v] of Object.entries(a.sysctl ?? {})) sysctl.set(k, v);
    if (a.mac !== undefined) mac = a.mac || undefined;
    if (a.promisc !== undefined) promisc = a.promisc;
    if (a.mtu !== undefined) mtu = a.mtu;
    if (a.allmulti !== undefined) allmulti = a.allmulti;
    if (a.txQLen !== undefined) txQLen = a.txQLen;
  }
  const conf: TuningConf = {
    cniVersion: req.cniVersion,
    dataDir: n.dataDir || req.env[DATA_DIR_ENV] || DEFAULT_DATA_DIR,
    sysctl: [...sysctl],
    promisc,
    mtu,
  };
  if (mac !== undefined) conf.mac = mac;
  if (allmulti !== undefined) conf.allmulti = allmulti;
  if (txQLen !== undefined) conf.txQLen = txQLen;
  if (n.prevResult !== undefined) conf.rawPrevResult = n.prevResult;
  return conf;
}

/** ADD and CHECK need the previous plugin's result, parsed in the config's version. */
export function requirePrevResult(c: TuningConf): Result {
  if (c.rawPrevResult === undefined) throw new Error('Required prevResult missing');
  return parsePrevResult(c.rawPrevResult, c.cniVersion)!;
}

/** True when ADD changes link attributes (and so keeps a backup for DEL). */
export function changesLink(c: TuningConf): boolean {
  return c.mac !== undefined || c.mtu !== 0 || c.promisc || c.allmulti !== undefined || c.txQLen !== undefined;
}
