// The bridge network configuration: the zod schema (decoded with Go's json rules),
// upstream's loadNetConf (VLAN checks, MAC precedence CNI_ARGS < args.cni < runtimeConfig) and
// the JSON Schema users validate their configs against.
import * as z from 'zod';
import { configError, decode, go, goStruct, loadArgs, netConf, toJsonSchema } from '@cni-ts/cni';
import { collectVlanTrunk } from './vlan-trunk';

export const vlanTrunkSchema = goStruct('main.VlanTrunk', 'VlanTrunk', {
  minID: z.number().int().optional().describe('first VLAN ID of a range (1-4094); needs maxID'),
  maxID: z.number().int().optional().describe('last VLAN ID of a range (1-4094); needs minID'),
  id: z.number().int().optional().describe('a single VLAN ID (1-4094)'),
}).describe('one trunk entry: {"id": N} or {"minID": A, "maxID": B} (or both)');

const bool = (d: string) => z.boolean().default(false).describe(d);

/** The bridge NetConf (types.NetConf plus the bridge keys), as Go's json.Unmarshal reads it. */
export const configSchema = netConf('NetConf', {
  bridge: z.string().default('cni0').describe('name of the bridge to create or reuse'),
  isGateway: bool('assign the gateway address(es) to the bridge (or to <bridge>.<vlan> with vlan) and enable forwarding'),
  isDefaultGateway: bool('implies isGateway; add a default route via the gateway for each family IPAM gave none for'),
  forceAddress: bool('replace a different (IPv4) or overlapping (IPv6) address already on the bridge instead of failing'),
  ipMasq: bool('masquerade traffic from the container to outside its subnet (needs IPAM)'),
  ipMasqBackend: z.string().optional().describe('"iptables" or "nftables"; default: iptables unless only nftables is usable'),
  mtu: z.number().int().default(0).describe('MTU of a new bridge and of both veth ends (0: kernel default); an existing bridge keeps its MTU'),
  hairpinMode: bool('let traffic leave the bridge port it came in on (hairpin)'),
  promiscMode: bool('set the bridge promiscuous (cannot be combined with hairpinMode)'),
  vlan: z.number().int().default(0).describe('VLAN ID (1-4094) of the container port, untagged and as PVID; enables VLAN filtering on a new bridge'),
  vlanTrunk: go(z.array(vlanTrunkSchema), '[]*main.VlanTrunk').optional().describe('tagged VLANs of the container port; enables VLAN filtering on a new bridge'),
  preserveDefaultVlan: bool('keep VLAN 1 (the bridge default) on a port that gets vlan/vlanTrunk'),
  macspoofchk: bool('drop frames from the container whose source MAC is not its own (nftables bridge table)'),
  enabledad: bool('run duplicate address detection on the container interface (IPv6)'),
  disableContainerInterface: bool('leave the container interface down (layer 2 only; no IPAM)'),
  portIsolation: bool('isolate the port: isolated ports only talk to non-isolated ones'),
  args: goStruct('struct { Cni main.BridgeArgs "json:\\"cni,omitempty\\"" }', '', {
    cni: goStruct('main.BridgeArgs', 'BridgeArgs', { mac: z.string().optional().describe('MAC address of the container interface') }).optional(),
  })
    .optional()
    .describe('args.cni.mac: container MAC (overrides CNI_ARGS MAC)'),
  runtimeConfig: goStruct('struct { Mac string "json:\\"mac,omitempty\\"" }', '', {
    mac: z.string().optional().describe('MAC address of the container interface (capability "mac")'),
  })
    .optional()
    .describe('runtimeConfig.mac: container MAC (overrides args and CNI_ARGS)'),
});

export type NetConfInput = z.input<typeof configSchema>;
type Decoded = z.output<typeof configSchema>;

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

/** Only the JSON decoding (STATUS reads nothing else). */
export function decodeConf(config: unknown): Decoded {
  return decode(configSchema, config, { prefix: 'failed to load netconf' });
}

/** upstream loadNetConf: decode, check vlan and vlanTrunk, then the MAC from CNI_ARGS, args and runtimeConfig. */
export function loadNetConf(config: unknown, envArgs: string): BridgeConf {
  const n = decodeConf(config);
  if (n.vlan < 0 || n.vlan > 4094) throw configError(`invalid VLAN ID ${n.vlan} (must be between 0 and 4094)`, 'vlan');
  const vlans = collectVlanTrunk(n.vlanTrunk);
  if (vlans instanceof Error) throw configError(vlans.message, vlans.field);

  let mac = '';
  if (envArgs !== '') {
    let e: { MAC?: string };
    try {
      e = loadArgs(envArgs, { MAC: 'string' });
    } catch (err) {
      throw configError((err as Error).message, 'CNI_ARGS', { cause: err });
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
  return toJsonSchema(configSchema);
}
