// The bridge network configuration: the zod schema (decoded with Go's json rules, see _gojson),
// upstream's loadNetConf (VLAN checks, MAC precedence CNI_ARGS < args.cni < runtimeConfig) and
// the JSON Schema users validate their configs against.
import * as z from 'zod';
import { CniError, ErrCode, loadArgs, toJsonSchema } from '@cni-ts/cni';
import { go, goDecode, GoDecodeError } from './_gojson';
import { collectVlanTrunk } from './vlan-trunk';

// go() tags the final schema: describe() returns a copy.
const str = (d: string) => go(z.string().describe(d), 'string');
const bool = (d: string) => go(z.boolean().describe(d), 'bool');
const int = (d: string) => go(z.number().int().describe(d), 'int');
const strings = (d: string) => go(z.array(go(z.string(), 'string')).describe(d), '[]string');

export const vlanTrunkSchema = go(
  z.object({
    minID: go(z.number().int(), 'int').optional().describe('first VLAN ID of a range (1-4094); needs maxID'),
    maxID: go(z.number().int(), 'int').optional().describe('last VLAN ID of a range (1-4094); needs minID'),
    id: go(z.number().int(), 'int').optional().describe('a single VLAN ID (1-4094)'),
  }),
  'main.VlanTrunk',
  'VlanTrunk',
).describe('one trunk entry: {"id": N} or {"minID": A, "maxID": B} (or both)');

const dnsSchema = go(
  z.object({
    nameservers: strings('name servers').optional(),
    domain: str('local domain').optional(),
    search: strings('search domains').optional(),
    options: strings('resolver options').optional(),
  }),
  'types.DNS',
  'DNS',
).describe('DNS settings; when any is set they replace the DNS returned by IPAM');

const ipamSchema = go(
  z.looseObject({ type: str('the IPAM plugin to run (found in CNI_PATH); empty or absent for a layer-2 only network').optional() }),
  'types.IPAM',
  'IPAM',
).describe('IPAM configuration, passed to the IPAM plugin unchanged');

const attachmentSchema = go(
  z.object({ containerID: str('container ID'), ifname: str('interface name') }),
  'types.GCAttachment',
  'GCAttachment',
);

/** The bridge NetConf (types.NetConf plus the bridge keys), as Go's json.Unmarshal reads it. */
export const netConfSchema = go(
  z.object({
    cniVersion: str('CNI spec version of this configuration').optional(),
    name: str('network name').optional(),
    type: str('"bridge"').optional(),
    capabilities: go(z.record(z.string(), go(z.boolean(), 'bool')), 'map[string]bool').optional().describe('capabilities the runtime may fill in (mac)'),
    ipam: ipamSchema.optional(),
    dns: dnsSchema.optional(),
    prevResult: go(z.record(z.string(), z.unknown()), 'map[string]interface {}').optional().describe('result of the previous plugin (CHECK)'),
    'cni.dev/valid-attachments': go(z.array(attachmentSchema), '[]types.GCAttachment').optional().describe('GC only'),

    bridge: str('name of the bridge to create or reuse').default('cni0'),
    isGateway: bool('assign the gateway address(es) to the bridge (or to <bridge>.<vlan> with vlan) and enable forwarding').default(false),
    isDefaultGateway: bool('implies isGateway; add a default route via the gateway for each family IPAM gave none for').default(false),
    forceAddress: bool('replace a different (IPv4) or overlapping (IPv6) address already on the bridge instead of failing').default(false),
    ipMasq: bool('masquerade traffic from the container to outside its subnet (needs IPAM)').default(false),
    ipMasqBackend: str('"iptables" or "nftables"; default: iptables unless only nftables is usable').optional(),
    mtu: int('MTU of a new bridge and of both veth ends (0: kernel default); an existing bridge keeps its MTU').default(0),
    hairpinMode: bool('let traffic leave the bridge port it came in on (hairpin)').default(false),
    promiscMode: bool('set the bridge promiscuous (cannot be combined with hairpinMode)').default(false),
    vlan: int('VLAN ID (1-4094) of the container port, untagged and as PVID; enables VLAN filtering on a new bridge').default(0),
    vlanTrunk: go(z.array(vlanTrunkSchema), '[]*main.VlanTrunk').optional().describe('tagged VLANs of the container port; enables VLAN filtering on a new bridge'),
    preserveDefaultVlan: bool('keep VLAN 1 (the bridge default) on a port that gets vlan/vlanTrunk').default(false),
    macspoofchk: bool('drop frames from the container whose source MAC is not its own (nftables bridge table)').default(false),
    enabledad: bool('run duplicate address detection on the container interface (IPv6)').default(false),
    disableContainerInterface: bool('leave the container interface down (layer 2 only; no IPAM)').default(false),
    portIsolation: bool('isolate the port: isolated ports only talk to non-isolated ones').default(false),
    args: go(
      z.object({
        cni: go(z.object({ mac: str('MAC address of the container interface').optional() }), 'main.BridgeArgs', 'BridgeArgs').optional(),
      }),
      'struct { Cni main.BridgeArgs "json:\\"cni,omitempty\\"" }',
      '',
    )
      .optional()
      .describe('args.cni.mac: container MAC (overrides CNI_ARGS MAC)'),
    runtimeConfig: go(z.object({ mac: str('MAC address of the container interface (capability "mac")').optional() }), 'struct { Mac string "json:\\"mac,omitempty\\"" }', '')
      .optional()
      .describe('runtimeConfig.mac: container MAC (overrides args and CNI_ARGS)'),
  }),
  'main.NetConf',
  'NetConf',
);

export type NetConfInput = z.input<typeof netConfSchema>;
type Decoded = z.output<typeof netConfSchema>;

/** The decoded configuration the commands work from. */
export interface BridgeConf {
  name: string;
  cniVersion: string;
  brName: string;
  isGW: boolean;
  isDefaultGW: boolean;
  forceAddress: boolean;
  ipMasq: boolean;
  ipMasqBackend: string | undefined;
  mtu: number;
  hairpinMode: boolean;
  promiscMode: boolean;
  vlan: number;
  /** vlanTrunk was given (even `[]`): asks for VLAN filtering on a new bridge. */
  hasVlanTrunk: boolean;
  /** The trunk VLAN IDs, de-duplicated and sorted. */
  vlans: number[];
  preserveDefaultVlan: boolean;
  macSpoofChk: boolean;
  enableDad: boolean;
  disableContainerInterface: boolean;
  portIsolation: boolean;
  /** The container MAC ('' = kernel's choice). */
  mac: string;
  ipamType: string;
  dns: NonNullable<Decoded['dns']>;
  prevResult: Record<string, unknown> | undefined;
}

/** A configuration error with upstream's text (code 999, as Go returns plain errors); details name the field. */
function configError(msg: string, field: string, cause?: unknown): CniError {
  return new CniError(ErrCode.internal, msg, field, { cause });
}

/** Only the JSON decoding (STATUS reads nothing else). */
export function decodeNetConf(config: unknown): Decoded {
  try {
    return goDecode(netConfSchema, config);
  } catch (err) {
    if (err instanceof GoDecodeError) throw configError(`failed to load netconf: ${err.message}`, err.field, err);
    throw err;
  }
}

/** upstream loadNetConf: decode, check vlan and vlanTrunk, then the MAC from CNI_ARGS, args and runtimeConfig. */
export function loadNetConf(config: unknown, envArgs: string): BridgeConf {
  const n = decodeNetConf(config);
  if (n.vlan < 0 || n.vlan > 4094) throw configError(`invalid VLAN ID ${n.vlan} (must be between 0 and 4094)`, 'vlan');
  const vlans = collectVlanTrunk(n.vlanTrunk);
  if (vlans instanceof Error) throw configError(vlans.message, vlans.field);

  let mac = '';
  if (envArgs !== '') {
    let e: { MAC?: string };
    try {
      e = loadArgs(envArgs, { MAC: 'string' });
    } catch (err) {
      throw configError((err as Error).message, 'CNI_ARGS', err);
    }
    if (e.MAC) mac = e.MAC;
  }
  if (n.args?.cni?.mac) mac = n.args.cni.mac;
  if (n.runtimeConfig?.mac) mac = n.runtimeConfig.mac;

  return {
    name: n.name ?? '',
    cniVersion: n.cniVersion ?? '',
    brName: n.bridge,
    isGW: n.isGateway,
    isDefaultGW: n.isDefaultGateway,
    forceAddress: n.forceAddress,
    ipMasq: n.ipMasq,
    ipMasqBackend: n.ipMasqBackend,
    mtu: n.mtu,
    hairpinMode: n.hairpinMode,
    promiscMode: n.promiscMode,
    vlan: n.vlan,
    hasVlanTrunk: n.vlanTrunk !== undefined,
    vlans,
    preserveDefaultVlan: n.preserveDefaultVlan,
    macSpoofChk: n.macspoofchk,
    enableDad: n.enabledad,
    disableContainerInterface: n.disableContainerInterface,
    portIsolation: n.portIsolation,
    mac,
    ipamType: n.ipam?.type ?? '',
    dns: n.dns ?? {},
    prevResult: n.prevResult,
  };
}

/** JSON Schema (draft 2020-12) of the bridge configuration, input side. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(netConfSchema);
}
