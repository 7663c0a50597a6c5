import { AF_BRIDGE, RTEXT_FILTER, RTM } from '../codec/constants';
import { decodeLinkMessage, encodeLinkMessage } from '../codec/link';
import type { BridgePortData, BridgeVlanInfo } from '../codec/bridge';
import type { OpsContext } from './_ctx';
import { linkIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

/**
 * Sets bridge port options of a link enslaved to a bridge (hairpin, isolated, learning, flood...)
 * with an AF_BRIDGE RTM_SETLINK carrying IFLA_PROTINFO, as `bridge link set` and vishvananda do.
 */
export function bridgePortSet(ctx: OpsContext, port: LinkRef, opts: BridgePortData): void {
  const body = encodeLinkMessage({ family: AF_BRIDGE, index: linkIndex(ctx, port), protinfo: opts });
  ctx.sock.request(RTM.SETLINK, 0, body, { op: 'setting bridge port options of', object: linkObject(port) });
}

export const linkSetHairpin = (ctx: OpsContext, port: LinkRef, on: boolean) => bridgePortSet(ctx, port, { hairpin: on });
export const linkSetIsolated = (ctx: OpsContext, port: LinkRef, on: boolean) => bridgePortSet(ctx, port, { isolated: on });
export const linkSetLearning = (ctx: OpsContext, port: LinkRef, on: boolean) => bridgePortSet(ctx, port, { learning: on });
export const linkSetFlood = (ctx: OpsContext, port: LinkRef, on: boolean) => bridgePortSet(ctx, port, { flood: on });

export interface BridgeVlanOptions {
  pvid?: boolean;
  untagged?: boolean;
  /** apply to the device itself (the bridge's own port) instead of through its master. */
  self?: boolean;
}

function vlanBody(ctx: OpsContext, link: LinkRef, vid: number, o: BridgeVlanOptions): Buffer {
  return encodeLinkMessage({
    family: AF_BRIDGE,
    index: linkIndex(ctx, link),
    bridge: {
      target: o.self ? { self: true } : { master: true },
      vlans: [{ vid, ...(o.pvid && { pvid: true }), ...(o.untagged && { untagged: true }) }],
    },
  });
}

/** Adds a VLAN to a bridge port (`bridge vlan add dev X vid N [pvid] [untagged] master`). */
export function bridgeVlanAdd(ctx: OpsContext, link: LinkRef, vid: number, o: BridgeVlanOptions = {}): void {
  ctx.sock.request(RTM.SETLINK, 0, vlanBody(ctx, link, vid, o), {
    op: `adding vlan ${vid} to bridge port`,
    object: linkObject(link),
  });
}

/** Removes a VLAN from a bridge port. */
export function bridgeVlanDel(ctx: OpsContext, link: LinkRef, vid: number, o: BridgeVlanOptions = {}): void {
  const body = vlanBody(ctx, link, vid, { self: o.self ?? false });
  ctx.sock.request(RTM.DELLINK, 0, body, { op: `deleting vlan ${vid} from bridge port`, object: linkObject(link) });
}

/** VLANs of every bridge port (and bridge), by link index, like `bridge vlan show`. */
export function bridgeVlanList(ctx: OpsContext): Map<number, BridgeVlanInfo[]> {
  const body = encodeLinkMessage({ family: AF_BRIDGE, extMask: RTEXT_FILTER.BRVLAN });
  const out = new Map<number, BridgeVlanInfo[]>();
  for (const m of ctx.sock.dump(RTM.GETLINK, body, { op: 'listing bridge vlans' })) {
    const l = decodeLinkMessage(m.data);
    const vlans = l.bridge?.vlans;
    if (l.index !== undefined && vlans?.length) out.set(l.index, vlans);
  }
  return out;
}
