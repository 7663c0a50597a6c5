// The portmap network configuration (Go: PortMapConf) and its completion (parseConfig): defaults
// (snat on, mark bit 13), the backend (upstream's choice when absent), the refusals with
// upstream's texts, and the container addresses the previous result names for this attachment.
import * as z from 'zod';
import { configError, decode, goInt, goStruct, netConf, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import { lookPath, prevResultOf } from '@cni-ts/plugin-kit';
import { nftListTables } from '@cni-ts/netlink';

const portMapping = () =>
  goStruct('main.PortMapEntry', 'PortMapEntry', {
    hostPort: goInt().default(0).describe('port on the host'),
    containerPort: goInt().default(0).describe('port in the container'),
    protocol: z.string().default('').describe('tcp, udp or sctp (passed on verbatim)'),
    hostIP: z.string().default('').describe('only this host address (of the same family as the container address)'),
  });

export const configSchema = netConf('PortMapConf', {
  backend: z.string().optional().describe('iptables | nftables (default: iptables, or nftables when iptables is unusable and nftables is)'),
  snat: z.boolean().optional().describe('masquerade hairpin and localhost connections (default true)'),
  conditionsV4: z.array(z.string()).optional().describe('extra matches for IPv4 port mappings, iptables (first token starts with - or !) or nft syntax'),
  conditionsV6: z.array(z.string()).optional().describe('extra matches for IPv6 port mappings'),
  masqAll: z.boolean().optional().describe('masquerade every connection to a mapped port, not just hairpin and localhost'),
  markMasqBit: goInt().optional().describe('the packet mark bit that requests masquerading (0-31, default 13)'),
  externalSetMarkChain: z.string().optional().describe('an existing chain that sets the masquerade mark (iptables only), e.g. KUBE-MARK-MASQ'),
  runtimeConfig: goStruct('struct { PortMaps []main.PortMapEntry "json:\\"portMappings,omitempty\\"" }', '', {
    portMappings: z.array(portMapping()).optional().describe('capability "portMappings"'),
  }).optional(),
}).describe('portmap: forwards host ports to the container (DNAT), with hairpin and localhost masquerading');

export type NetConf = z.output<typeof configSchema>;
export type PortMapping = NonNullable<NonNullable<NetConf['runtimeConfig']>['portMappings']>[number];
export type Backend = 'iptables' | 'nftables';

/** JSON Schema (draft 2020-12) of the portmap config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

export const DEFAULT_MARK_BIT = 13;

/** What the commands act on. */
export interface PortMapConf {
  name: string;
  cniVersion: string;
  backend: Backend;
  snat: boolean;
  masqAll: boolean;
  markMasqBit: number;
  externalSetMarkChain?: string;
  conditionsV4?: string[];
  conditionsV6?: string[];
  portMappings: PortMapping[];
  containerId: string;
  /** CNI_IFNAME: with the network, it names the attachment nftables rules are tagged with (GC) */
  ifname: string;
  /** the container's addresses (CIDR, host bits kept), the first of each family for this attachment. */
  contIPv4?: string;
  contIPv6?: string;
  prevResult?: Result100;
}

/** detectBackendOfConditions: iptables syntax starts with `-` or `!`; empty says nothing. */
export function backendOfConditions(c: readonly string[] | undefined): Backend | undefined {
  if (!c || c.length === 0 || c[0] === '') return undefined;
  return c[0]!.startsWith('-') || c[0]!.startsWith('!') ? 'iptables' : 'nftables';
}

/**
 * utils.SupportsIPTables / SupportsNFTables, cheaply: iptables counts as usable when its tools are
 * in PATH (upstream also runs `iptables -S INPUT 1`), nftables when the kernel lists tables.
 */
function defaultBackend(env: CniRequest['env']): Backend {
  try {
    lookPath('iptables', env);
    return 'iptables';
  } catch {
    try {
      nftListTables();
      return 'nftables';
    } catch {
      return 'iptables';
    }
  }
}

/**
 * parseConfig. ADD and DEL prefix every failure with `failed to parse config: ` (`outer`), CHECK
 * does not; the JSON decode adds `failed to parse network configuration`.
 */
export function loadConf(req: Pick<CniRequest, 'config' | 'cniVersion' | 'containerId' | 'ifname' | 'env'>, outer = ''): PortMapConf {
  const pre = (msg: string) => (outer ? `${outer}: ${msg}` : msg);
  const n = decode(configSchema, req.config, { prefix: pre('failed to parse network configuration') });
  let prevResult: Result100 | undefined;
  try {
    prevResult = prevResultOf(n.prevResult, req.cniVersion);
  } catch (err) {
    throw configError(pre((err as Error).message), 'prevResult');
  }
  if (n.markMasqBit !== undefined && n.externalSetMarkChain !== undefined) throw configError(pre('Cannot specify externalSetMarkChain and markMasqBit'), 'markMasqBit');
  const markMasqBit = n.markMasqBit ?? DEFAULT_MARK_BIT;
  if (markMasqBit < 0 || markMasqBit > 31) throw configError(pre('MasqMarkBit must be between 0 and 31'), 'markMasqBit');

  // ensureBackend: options that belong to one backend, then the choice.
  const specific: Record<Backend, string[]> = { iptables: [], nftables: [] };
  if (n.externalSetMarkChain !== undefined) specific.iptables.push('externalSetMarkChain');
  const b4 = backendOfConditions(n.conditionsV4);
  if (b4) specific[b4].push('conditionsV4');
  const b6 = backendOfConditions(n.conditionsV6);
  if (b6) specific[b6].push('conditionsV6');
  const backend = n.backend ?? defaultBackend(req.env);
  const wrong: Backend = backend === 'iptables' ? 'nftables' : 'iptables';
  if (specific[wrong].length > 0) {
    throw configError(pre(`${backend} backend was requested but configuration contains ${wrong}-specific options [${specific[wrong].join(' ')}]`), 'backend');
  }
  if (backend !== 'iptables' && backend !== 'nftables') throw configError(pre(`unrecognized backend ${JSON.stringify(backend)}`), 'backend');

  const portMappings = n.runtimeConfig?.portMappings ?? [];
  for (const [i, pm] of portMappings.entries()) {
    if (pm.containerPort <= 0) throw configError(pre(`Invalid container port number: ${pm.containerPort}`), `runtimeConfig.portMappings[${i}].containerPort`);
    if (pm.hostPort <= 0) throw configError(pre(`Invalid host port number: ${pm.hostPort}`), `runtimeConfig.portMappings[${i}].hostPort`);
  }

  const conf: PortMapConf = {
    name: n.name ?? '',
    cniVersion: req.cniVersion,
    backend,
    snat: n.snat ?? true,
    masqAll: n.masqAll ?? false,
    markMasqBit,
    ...(n.externalSetMarkChain !== undefined && { externalSetMarkChain: n.externalSetMarkChain }),
    ...(n.conditionsV4 && { conditionsV4: n.conditionsV4 }),
    ...(n.conditionsV6 && { conditionsV6: n.conditionsV6 }),
    portMappings,
    containerId: req.containerId,
    ifname: req.ifname,
    ...(prevResult && { prevResult }),
  };
  // The first address of each family that belongs to this attachment (or to no listed interface).
  for (const ip of prevResult?.ips ?? []) {
    const v4 = !ip.address.includes(':');
    if ((v4 && conf.contIPv4) || (!v4 && conf.contIPv6)) continue;
    const idx = ip.interface;
    const ifaces = prevResult!.interfaces ?? [];
    if (idx !== undefined && idx >= 0 && idx < ifaces.length && (ifaces[idx]!.name !== req.ifname || !ifaces[idx]!.sandbox)) continue;
    if (v4) conf.contIPv4 = ip.address;
    else conf.contIPv6 = ip.address;
  }
  return conf;
}
