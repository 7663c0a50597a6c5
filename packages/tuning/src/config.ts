// The tuning network config (Go: TuningConf) and its resolution into what ADD/CHECK/DEL act on:
// MAC precedence, args.cni overrides, the data directory, the parsed prevResult.
import { type CniRequest, CniError, decode, ErrCode, goStruct, netConf, parsePrevResult, type Result, toJsonSchema } from '@cni-ts/cni';
import { parseMAC } from '@cni-ts/netlink';
import * as z from 'zod';

/** Upstream's default backup directory (a tmpfs, so backups never outlive a reboot). */
export const DEFAULT_DATA_DIR = '/run/cni/tuning';
/** cni-ts extension: the backup directory when the config has no dataDir (tests use a temp dir). */
export const DATA_DIR_ENV = 'CNI_TS_TUNING_DATA_DIR';

// A null map value is Go's zero value, "".
const sysctlMap = () =>
  z.record(z.string(), z.string()).describe('sysctl name -> value; names may use dots or slashes, IFNAME stands for the container interface');

const attrs = () => ({
  mac: z.string().optional().describe('MAC address of the interface'),
  promisc: z.boolean().optional().describe('true turns promiscuous mode on (false leaves it alone)'),
  mtu: z.number().int().optional().describe('MTU of the interface; 0 leaves it alone'),
  allmulti: z.boolean().optional().describe('all-multicast mode, on or off'),
  txQLen: z.number().int().optional().describe('transmit queue length'),
});

export const tuningArgsSchema = goStruct('main.IPAMArgs', 'IPAMArgs', { sysctl: sysctlMap().optional(), ...attrs() }).describe(
  'args.cni: per-attachment overrides, applied last',
);

export const configSchema = netConf('TuningConf', {
  dataDir: z.string().optional().describe(`directory of the backups restored on DEL (default ${DEFAULT_DATA_DIR})`),
  sysctl: sysctlMap().optional(),
  ...attrs(),
  runtimeConfig: goStruct('struct { Mac string "json:\\"mac,omitempty\\"" }', '', { mac: z.string().optional().describe('capability "mac"') }).optional(),
  args: goStruct('struct { A *main.IPAMArgs "json:\\"cni\\"" }', '', { cni: tuningArgsSchema.optional() }).optional(),
}).describe('tuning: sysctls and link attributes of the container interface');

/** The JSON Schema (draft 2020-12) of a tuning config. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
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
  const n = decode(configSchema, req.config, { prefix: 'failed to load netconf' });
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
