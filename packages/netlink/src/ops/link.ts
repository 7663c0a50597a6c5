import { LinkNotFoundError, NetlinkError, q } from '../errors';
import { AF_UNSPEC, IFF, NLM_F, RTM } from '../codec/constants';
import { decodeLinkMessage, encodeLinkMessage, operstateName, type LinkKindData, type LinkMessage } from '../codec/link';
import type { BridgeData } from '../codec/link-kinds';
import type { OpsContext } from './_ctx';
import type { Link, LinkRef, LinkSpec, NetnsTarget } from './link-types';

const ENODEV = 19;

/** How errors name a link: `"eth0"`, or `index 7` when only the index is known. */
export function linkObject(ref: LinkRef): string {
  if (typeof ref === 'string') return q(ref);
  if (typeof ref === 'number') return q(ref);
  return ref.name !== undefined ? q(ref.name) : q(ref.index);
}

/** The ifinfomsg fields that identify a link in a request: its index, or its name (index 0). */
function identify(ref: LinkRef): LinkMessage {
  if (typeof ref === 'string') return { name: ref };
  return { index: typeof ref === 'number' ? ref : ref.index };
}

export function toLink(m: LinkMessage): Link {
  const flags = m.flags ?? 0;
  const link: Link = {
    index: m.index ?? 0,
    name: m.name ?? '',
    type: m.type ?? 0,
    flags,
    up: (flags & IFF.UP) !== 0,
    operState: operstateName(m.operstate),
    mtu: m.mtu ?? 0,
    txqlen: m.txqlen ?? 0,
    promisc: (flags & IFF.PROMISC) !== 0,
    promiscuity: m.promiscuity ?? 0,
    allmulti: (flags & IFF.ALLMULTI) !== 0,
  };
  const copy = <K extends keyof Link>(k: K, v: Link[K] | undefined) => {
    if (v !== undefined) link[k] = v;
  };
  copy('minMtu', m.minMtu);
  copy('maxMtu', m.maxMtu);
  copy('mac', m.mac);
  copy('broadcast', m.broadcast);
  copy('permMac', m.permMac);
  copy('master', m.master);
  copy('parentIndex', m.parent);
  copy('linkNetnsId', m.linkNetnsId);
  copy('alias', m.alias);
  copy('numTxQueues', m.numTxQueues);
  copy('numRxQueues', m.numRxQueues);
  copy('group', m.group);
  copy('carrier', m.carrier);
  copy('kind', m.info?.kind);
  copy('data', m.info?.data);
  copy('slaveKind', m.info?.slaveKind);
  copy('port', m.info?.slaveData);
  copy('stats', m.stats);
  return link;
}

/** Every link of the handle's namespace. */
export function linkList(ctx: OpsContext): Link[] {
  const body = encodeLinkMessage({ family: AF_UNSPEC });
  return ctx.sock.dump(RTM.GETLINK, body, { op: 'listing links' }).map((m) => toLink(decodeLinkMessage(m.data)));
}

function linkGet(ctx: OpsContext, ref: string | number): Link {
  const body = encodeLinkMessage(identify(ref));
  try {
    const [reply] = ctx.sock.request(RTM.GETLINK, 0, body, { op: 'getting link', object: linkObject(ref) });
    if (!reply) throw new LinkNotFoundError(linkObject(ref));
    return toLink(decodeLinkMessage(reply.data));
  } catch (err) {
    if (err instanceof NetlinkError && err.errno === ENODEV) throw new LinkNotFoundError(linkObject(ref));
    throw err;
  }
}

/** The link named `name`; throws LinkNotFoundError ("Link not found") when there is none. */
export function linkByName(ctx: OpsContext, name: string): Link {
  return linkGet(ctx, name);
}

/** The link with index `index`; throws LinkNotFoundError when there is none. */
export function linkByIndex(ctx: OpsContext, index: number): Link {
  return linkGet(ctx, index);
}

/** The link, or undefined when it does not exist: the cheap "does it exist" check. */
export function findLink(ctx: OpsContext, ref: LinkRef): Link | undefined {
  try {
    return linkGet(ctx, typeof ref === 'object' ? ref.index : ref);
  } catch (err) {
    if (err instanceof LinkNotFoundError) return undefined;
    throw err;
  }
}

/** The index of a link reference, looking names up. */
export function linkIndex(ctx: OpsContext, ref: LinkRef): number {
  if (typeof ref === 'number') return ref;
  if (typeof ref === 'object') return ref.index;
  return linkByName(ctx, ref).index;
}

const COMMON_KEYS = new Set(['kind', 'name', 'mtu', 'mac', 'txqlen', 'up', 'master', 'netns', 'numTxQueues', 'numRxQueues', 'group']);

const fdOf = (ns: NetnsTarget): number => (typeof ns === 'number' ? ns : ns.fd);

function kindData(ctx: OpsContext, spec: LinkSpec): { kind: string; data?: LinkKindData; parent?: number } {
  switch (spec.kind) {
    case 'veth': {
      const p = spec.peer;
      const peer: LinkMessage = { name: p.name };
      const mtu = p.mtu ?? spec.mtu;
      if (mtu !== undefined) peer.mtu = mtu;
      if (p.mac !== undefined) peer.mac = p.mac;
      if (p.txqlen !== undefined) peer.txqlen = p.txqlen;
      if (p.netns !== undefined) peer.netnsFd = fdOf(p.netns);
      return { kind: 'veth', data: { kind: 'veth', peer } };
    }
    case 'macvlan':
    case 'macvtap':
      return {
        kind: spec.kind,
        parent: linkIndex(ctx, spec.parent),
        data: {
          kind: spec.kind,
          ...(spec.bcQueueLen !== undefined && { bcQueueLen: spec.bcQueueLen }),
          ...(spec.macs !== undefined && { macaddrMode: 'set' as const, macs: spec.macs }),
          ...(spec.flags !== undefined && { flags: spec.flags }),
          mode: spec.mode ?? 'bridge',
        },
      };
    case 'ipvlan':
    case 'ipvtap':
      return {
        kind: spec.kind,
        parent: linkIndex(ctx, spec.parent),
        data: { kind: spec.kind, mode: spec.mode ?? 'l2', flag: spec.flag ?? 'bridge' },
      };
    case 'vlan':
      return {
        kind: 'vlan',
        parent: linkIndex(ctx, spec.parent),
        data: { kind: 'vlan', id: spec.id, ...(spec.protocol && { protocol: spec.protocol }) },
      };
    case 'vrf':
      return { kind: 'vrf', data: { kind: 'vrf', table: spec.table } };
    case 'bridge': {
      const opts = Object.fromEntries(
        Object.entries(spec).filter(([k, v]) => v !== undefined && !COMMON_KEYS.has(k)),
      ) as BridgeData;
      return Object.keys(opts).length ? { kind: 'bridge', data: { ...opts, kind: 'bridge' } } : { kind: 'bridge' };
    }
    case 'dummy':
    case 'ifb':
      return { kind: spec.kind };
    case 'generic': {
      const out: { kind: string; data?: LinkKindData; parent?: number } = { kind: spec.linkKind };
      if (spec.data) out.data = { kind: spec.linkKind, raw: spec.data };
      if (spec.parent !== undefined) out.parent = linkIndex(ctx, spec.parent);
      return out;
    }
  }
}

/** Builds the RTM_NEWLINK payload for a new link (exported for the codec tests). */
export function linkAddMessage(ctx: OpsContext, spec: LinkSpec): LinkMessage {
  const { kind, data, parent } = kindData(ctx, spec);
  const m: LinkMessage = { family: AF_UNSPEC };
  if (spec.up) Object.assign(m, { flags: IFF.UP, change: IFF.UP });
  if (spec.mtu !== undefined) m.mtu = spec.mtu;
  if (spec.mac !== undefined) m.mac = spec.mac;
  if (spec.txqlen !== undefined) m.txqlen = spec.txqlen;
  if (parent !== undefined) m.parent = parent;
  if (spec.netns !== undefined) m.netnsFd = fdOf(spec.netns);
  m.name = spec.name;
  if (spec.master !== undefined) m.master = linkIndex(ctx, spec.master);
  if (spec.group !== undefined) m.group = spec.group;
  if (spec.numTxQueues !== undefined) m.numTxQueues = spec.numTxQueues;
  if (spec.numRxQueues !== undefined) m.numRxQueues = spec.numRxQueues;
  m.info = data ? { kind, data } : { kind };
  return m;
}

/**
 * Creates a link (NLM_F_CREATE|NLM_F_EXCL: an existing name is EEXIST). A veth peer or the link
 * itself can be created directly inside another namespace through `netns`. Returns nothing: a link
 * created elsewhere cannot be read back from here; use linkByName where it lives.
 */
export function linkAdd(ctx: OpsContext, spec: LinkSpec): void {
  const body = encodeLinkMessage(linkAddMessage(ctx, spec));
  ctx.sock.request(RTM.NEWLINK, NLM_F.CREATE | NLM_F.EXCL, body, { op: 'creating link', object: q(spec.name) });
}

/** Deletes a link (and, for a veth, its peer). */
export function linkDel(ctx: OpsContext, ref: LinkRef): void {
  const body = encodeLinkMessage({ family: AF_UNSPEC, ...identify(ref) });
  ctx.sock.request(RTM.DELLINK, 0, body, { op: 'deleting link', object: linkObject(ref) });
}

/** Changes several properties of a link in one request. */
export interface LinkChanges {
  up?: boolean;
  mtu?: number;
  mac?: string;
  name?: string;
  /** '' removes the alias. */
  alias?: string;
  /** a master to enslave to, or null to release (nomaster). */
  master?: LinkRef | null;
  txqlen?: number;
  netns?: NetnsTarget;
  netnsPid?: number;
  promisc?: boolean;
  allmulti?: boolean;
  group?: number;
}

export function linkSet(ctx: OpsContext, ref: LinkRef, changes: LinkChanges, op = 'changing link'): void {
  // A rename needs the index: IFLA_IFNAME then carries the new name, not the lookup key.
  const m: LinkMessage = { family: AF_UNSPEC, ...identify(changes.name !== undefined ? linkIndex(ctx, ref) : ref) };
  let flags = 0;
  let change = 0;
  const flag = (bit: number, on: boolean | undefined) => {
    if (on === undefined) return;
    change |= bit;
    if (on) flags |= bit;
  };
  flag(IFF.UP, changes.up);
  flag(IFF.PROMISC, changes.promisc);
  flag(IFF.ALLMULTI, changes.allmulti);
  if (change) Object.assign(m, { flags, change });
  if (changes.mtu !== undefined) m.mtu = changes.mtu;
  if (changes.mac !== undefined) m.mac = changes.mac;
  if (changes.txqlen !== undefined) m.txqlen = changes.txqlen;
  if (changes.netns !== undefined) m.netnsFd = fdOf(changes.netns);
  if (changes.netnsPid !== undefined) m.netnsPid = changes.netnsPid;
  if (changes.name !== undefined) m.name = changes.name;
  if (changes.master !== undefined) m.master = changes.master === null ? 0 : linkIndex(ctx, changes.master);
  if (changes.alias !== undefined) m.alias = changes.alias;
  if (changes.group !== undefined) m.group = changes.group;
  ctx.sock.request(RTM.NEWLINK, 0, encodeLinkMessage(m), { op, object: linkObject(ref) });
}

export const linkSetUp = (ctx: OpsContext, ref: LinkRef) => linkSet(ctx, ref, { up: true }, 'setting up link');
export const linkSetDown = (ctx: OpsContext, ref: LinkRef) => linkSet(ctx, ref, { up: false }, 'setting down link');
export const linkSetMtu = (ctx: OpsContext, ref: LinkRef, mtu: number) =>
  linkSet(ctx, ref, { mtu }, 'setting mtu of link');
export const linkSetHardwareAddr = (ctx: OpsContext, ref: LinkRef, mac: string) =>
  linkSet(ctx, ref, { mac }, 'setting hardware address of link');
export const linkSetName = (ctx: OpsContext, ref: LinkRef, name: string) =>
  linkSet(ctx, ref, { name }, 'renaming link');
export const linkSetAlias = (ctx: OpsContext, ref: LinkRef, alias: string) =>
  linkSet(ctx, ref, { alias }, 'setting alias of link');
export const linkSetMaster = (ctx: OpsContext, ref: LinkRef, master: LinkRef) =>
  linkSet(ctx, ref, { master }, 'setting master of link');
export const linkSetNoMaster = (ctx: OpsContext, ref: LinkRef) =>
  linkSet(ctx, ref, { master: null }, 'releasing link from master');
export const linkSetNsFd = (ctx: OpsContext, ref: LinkRef, ns: NetnsTarget) =>
  linkSet(ctx, ref, { netns: ns }, 'moving link to netns');
export const linkSetNsPid = (ctx: OpsContext, ref: LinkRef, pid: number) =>
  linkSet(ctx, ref, { netnsPid: pid }, 'moving link to netns of pid');
export const linkSetPromisc = (ctx: OpsContext, ref: LinkRef, on: boolean) =>
  linkSet(ctx, ref, { promisc: on }, 'setting promiscuous mode of link');
export const linkSetAllmulti = (ctx: OpsContext, ref: LinkRef, on: boolean) =>
  linkSet(ctx, ref, { allmulti: on }, 'setting allmulticast mode of link');
export const linkSetTxQLen = (ctx: OpsContext, ref: LinkRef, txqlen: number) =>
  linkSet(ctx, ref, { txqlen }, 'setting txqueuelen of link');
