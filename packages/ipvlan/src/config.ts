// The ipvlan network configuration: upstream's NetConf decoded with Go's JSON rules, plus the
// `flag` (bridge/private/vepa) upstream does not expose yet (containernetworking/plugins#1032),
// and loadConf's choice of the master (configured, the single interface of prevResult when
// chained, else the interface of the first default route).
import * as z from 'zod';
import { decode, netConf, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import type { IpvlanFlag, IpvlanMode } from '@cni-ts/netlink';
import { defaultRouteInterface, enumFromString, errText, inMasterNetns, prevResultOf } from '@cni-ts/plugin-kit';

const MODES: readonly IpvlanMode[] = ['l2', 'l3', 'l3s'];
const FLAGS: readonly IpvlanFlag[] = ['bridge', 'private', 'vepa'];

export const configSchema = netConf('NetConf', {
  master: z
    .string()
    .optional()
    .describe('host link the ipvlan sits on; default: the single interface of prevResult when chained, else the interface of the first default route'),
  mode: z.string().optional().describe('l2 (default), l3 or l3s').meta({ examples: [...MODES] }),
  flag: z
    .string()
    .optional()
    .describe('isolation between ipvlans of one master: bridge (default), private or vepa (cni-ts extension)')
    .meta({ examples: [...FLAGS] }),
  mtu: z.number().int().optional().describe("MTU of the ipvlan; 0 or absent inherits the master's (the kernel refuses more than the master's)"),
  linkInContainer: z.boolean().optional().describe('the master lives in the container namespace'),
}).describe('ipvlan: an ipvlan interface on a host link, moved into the container');

export type NetConf = z.output<typeof configSchema>;
export type LoadedConf = NetConf & { master: string; prev?: Result100 };

/** JSON Schema (draft 2020-12) of the ipvlan config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream does. */
export function decodeConf(config: unknown): NetConf {
  return decode(configSchema, config, { prefix: 'failed to load netconf' });
}

/** modeFromString: "" means l2. */
export function parseMode(s: string | undefined): IpvlanMode {
  return enumFromString('ipvlan mode', MODES, s);
}

/** The isolation flag: "" means bridge (what upstream always sends). */
export function parseFlag(s: string | undefined): IpvlanFlag {
  return enumFromString('ipvlan flag', FLAGS, s);
}

function parsePrev(n: NetConf, cniVersion: string): Result100 | undefined {
  if (n.prevResult === undefined) return undefined;
  try {
    return prevResultOf(n.prevResult, cniVersion);
  } catch (err) {
    // prevResultOf already says "could not parse prevResult: ..." for decoding failures.
    const text = errText(err);
    throw new Error(text.startsWith('could not parse prevResult') ? text : `could not convert result to current version: ${text}`, { cause: err });
  }
}

/**
 * loadConf: the config, its prevResult (chaining) and the master. For CHECK (`check`), prevResult
 * is this attachment's own result, not a chained master's: an empty master is then the
 * default-route interface when there is one, else "" (not checked).
 */
export function loadConf(req: CniRequest, { check = false }: { check?: boolean } = {}): LoadedConf {
  const n = decodeConf(req.config);
  const prev = parsePrev(n, req.cniVersion);
  let master = n.master ?? '';
  if (master === '' && check) {
    try {
      master = inMasterNetns(n, req.netns, () => defaultRouteInterface());
    } catch {
      master = '';
    }
  } else if (master === '') {
    if (prev === undefined) {
      master = inMasterNetns(n, req.netns, () => defaultRouteInterface());
    } else {
      const ifs = prev.interfaces ?? [];
      if (ifs.length !== 1 || !ifs[0]!.name) throw new Error('chained master failure. PrevResult lacks a single named interface');
      master = ifs[0]!.name;
    }
  }
  return { ...n, master, ...(prev && { prev }) };
}
