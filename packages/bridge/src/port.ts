// The host end of a container's veth as a bridge port: enslaved, hairpin and isolation set
// (always written, false too), then its VLANs: the bridge's default VLAN 1 removed unless
// preserveDefaultVlan, the access VLAN as PVID/untagged, trunk VLANs tagged, and VLAN 1 as the
// native VLAN of a trunk without an access VLAN.
import { bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, linkByName, linkSetHairpin, linkSetIsolated, linkSetMaster, type Link } from '@cni-ts/netlink';
import { errText } from '@cni-ts/plugin-kit';

const q = (s: string) => JSON.stringify(s);

export interface PortOptions {
  hostName: string;
  bridge: Link;
  hairpin: boolean;
  isolated: boolean;
  vlan: number;
  vlans: readonly number[];
  preserveDefaultVlan: boolean;
}

/** Deletes every VLAN the port has (the kernel gives a new port the bridge's default PVID). */
function removeDefaultVlan(port: Link): void {
  for (const v of bridgeVlanList().get(port.index) ?? []) bridgeVlanDel(port.index, v.vid);
}

/** Attaches `hostName` to the bridge with its options; returns the port as looked up before. */
export function setupPort(o: PortOptions): Link {
  let port: Link;
  try {
    port = linkByName(o.hostName);
  } catch (err) {
    throw new Error(`failed to lookup ${q(o.hostName)}: ${errText(err)}`, { cause: err });
  }
  try {
    linkSetMaster(port.index, o.bridge.index);
  } catch (err) {
    throw new Error(`failed to connect ${q(o.hostName)} to bridge ${o.bridge.name}: ${errText(err)}`, { cause: err });
  }
  try {
    linkSetHairpin(port.index, o.hairpin);
  } catch (err) {
    throw new Error(`failed to setup hairpin mode for ${o.hostName}: ${errText(err)}`, { cause: err });
  }
  try {
    linkSetIsolated(port.index, o.isolated);
  } catch (err) {
    throw new Error(`failed to set isolated on for ${o.hostName}: ${errText(err)}`, { cause: err });
  }
  if ((o.vlan !== 0 || o.vlans.length > 0) && !o.preserveDefaultVlan) {
    try {
      removeDefaultVlan(port);
    } catch (err) {
      throw new Error(`failed to remove default vlan on interface ${q(o.hostName)}: ${errText(err)}`, { cause: err });
    }
  }
  const add = (vid: number, access: boolean, what: string) => {
    try {
      bridgeVlanAdd(port.index, vid, { pvid: access, untagged: access });
    } catch (err) {
      throw new Error(`failed to setup ${what} on interface ${q(o.hostName)}: ${errText(err)}`, { cause: err });
    }
  };
  if (o.vlan !== 0) add(o.vlan, true, 'vlan tag');
  for (const v of o.vlans) add(v, false, 'vlan tag');
  // A trunk without an access VLAN keeps VLAN 1 as its native (untagged) VLAN.
  if (o.vlan === 0 && o.vlans.length > 0) add(1, true, 'default native vlan tag');
  return port;
}
