// The macvlan network configuration: upstream's NetConf decoded with Go's JSON rules, and
// loadConf's completion (default master, the master's MTU as bound, MAC from CNI_ARGS and
// runtimeConfig).
import * as z from 'zod';
import { decode, goStruct, goUint32, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';
import { linkByName, type MacvlanMode } from '@cni-ts/netlink';
import { defaultRouteInterface, enumFromString, errText, inMasterNetns } from '@cni-ts/plugin-kit';

export const MODES: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

export const configSchema = netConf('NetConf', {
  master: z.string().optional().describe('host link the macvlan sits on; default: the interface of the first default route'),
  mode: z.string().optional().describe('bridge (default), private, vepa or passthru').meta({ examples: [...MODES] }),
  mtu: z.number().int().optional().describe("MTU of the macvlan, 0..master MTU; 0 or absent inherits the master's"),
  mac: z.string().optional().describe('MAC address (overridden by CNI_ARGS MAC and runtimeConfig.mac); default: random'),
  linkInContainer: z.boolean().optional().describe('the master lives in the container namespace'),
  bcqueuelen: goUint32().optional().describe('broadcast queue length (IFLA_MACVLAN_BC_QUEUE_LEN); 0 = kernel default'),
  runtimeConfig: goStruct('struct { Mac string "json:\\"mac,omitempty\\"" }', '', { mac: z.string().optional().describe('capability mac') })
    .optional()
    .describe('set by the runtime from capabilities'),
}).describe('macvlan: a macvlan interface on a host link, moved into the container');

export type NetConf = z.output<typeof configSchema>;
/** A NetConf whose master is known. */
export type LoadedConf = NetConf & { master: string };

/** JSON Schema (draft 2020-12) of the macvlan config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream wraps it (`prefix` differs on DEL). */
export function decodeConf(config: unknown, prefix = 'failed to load netconf'): NetConf {
  return decode(configSchema, config, { prefix });
}

/** modeFromString: "" means bridge; anything else unknown is an error (checked at link creation). */
export function parseMode(s: string | undefined): MacvlanMode {
  return enumFromString('macvlan mode', MODES, s);
}

/** CNI_ARGS: MAC is the only key besides IgnoreUnknown (field names are case-sensitive). */
const ARGS = { MAC: 'string' } as const;

/** loadConf for ADD and CHECK: the master (default: the default route's), its MTU as bound, the MAC. */
export function loadConf(req: CniRequest): LoadedConf {
  const n = decodeConf(req.config);
  // Bare errors, as upstream returns them ("Link not found", "no default route interface found").
  const master = n.master || inMasterNetns(n, req.netns, () => defaultRouteInterface());
  let masterMtu: number;
  try {
    masterMtu = inMasterNetns(n, req.netns, () => linkByName(master).mtu);
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
  const mtu = n.mtu ?? 0;
  if (mtu < 0 || mtu > masterMtu) throw new Error(`invalid MTU ${mtu}, must be [0, master MTU(${masterMtu})]`);
  const conf: LoadedConf = { ...n, master };
  if (req.args.raw !== '') {
    const args = req.args.load(ARGS);
    if (args.MAC) conf.mac = args.MAC;
  }
  if (n.runtimeConfig?.mac) conf.mac = n.runtimeConfig.mac;
  return conf;
}
