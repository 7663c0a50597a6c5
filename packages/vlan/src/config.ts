// The vlan network configuration: upstream's NetConf (v1.9.x) decoded with Go's JSON rules, and
// loadConf's checks (master required, the VLAN id's range, the MTU bounded by the master's).
import * as z from 'zod';
import { decode, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';
import { linkByName } from '@cni-ts/netlink';
import { errText, inMasterNetns } from '@cni-ts/plugin-kit';

export const configSchema = netConf('NetConf', {
  master: z.string().optional().describe('the link the VLAN sits on (required): a host link, or one in the container with linkInContainer'),
  vlanId: z.number().int().optional().describe('VLAN id, 0..4094'),
  mtu: z.number().int().optional().describe("MTU of the VLAN link, 0..master MTU; 0 or absent inherits the master's"),
  linkInContainer: z.boolean().optional().describe('the master lives in the container namespace'),
}).describe('vlan: an 802.1Q VLAN link on a master, created in the container, with the IPAM addresses');

export type NetConf = z.output<typeof configSchema>;
export type LoadedConf = NetConf & { master: string; vlanId: number };

/** JSON Schema (draft 2020-12) of the vlan config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream wraps it. */
export function decodeConf(req: Pick<CniRequest, 'config'>): NetConf {
  return decode(configSchema, req.config, { prefix: 'failed to load netconf' });
}

/** The checks that need no kernel: master given, VLAN id in range. */
export function validateConf(n: NetConf): LoadedConf {
  if (!n.master) throw new Error('"master" field is required. It specifies the host interface name to create the VLAN for');
  const vlanId = n.vlanId ?? 0;
  if (vlanId < 0 || vlanId > 4094) throw new Error(`invalid VLAN ID ${vlanId} (must be between 0 and 4095 inclusive)`);
  return { ...n, master: n.master, vlanId };
}

/** loadConf for ADD: decode, validate, and bound the MTU by the master's (the lookup's error is bare, as upstream's). */
export function loadConf(req: Pick<CniRequest, 'config' | 'netns'>): LoadedConf {
  const n = validateConf(decodeConf(req));
  let masterMtu: number;
  try {
    masterMtu = inMasterNetns(n, req.netns, () => linkByName(n.master).mtu);
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
  const mtu = n.mtu ?? 0;
  if (mtu < 0 || mtu > masterMtu) throw new Error(`invalid MTU ${mtu}, must be [0, master MTU(${masterMtu})]`);
  return n;
}
