import { AF_INET, AF_INET6, NLM_F, NTF, NUD, RTM, nameOf } from '../codec/constants';
import { decodeNeighMessage, encodeNeighMessage, type NeighMessage } from '../codec/neigh';
import type { OpsContext } from './_ctx';
import { linkIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

export type NeighState = keyof typeof NUD;

/** A neighbour (ARP / NDP) entry. */
export interface Neigh {
  index: number;
  family: 4 | 6;
  ip: string;
  mac?: string;
  /** NUD_* bits. */
  state: number;
  /** the state's name when it is a single known bit ('permanent', 'reachable', ...). */
  stateName: NeighState | number;
  /** NTF_* bits. */
  flags: number;
  router: boolean;
  vlan?: number;
  master?: number;
}

export interface NeighSpec {
  link: LinkRef;
  ip: string;
  mac?: string;
  /** default 'permanent', like `ip neigh add`. */
  state?: NeighState | number;
  /** raw NTF_* flags. */
  flags?: number;
  router?: boolean;
  proxy?: boolean;
}

export function toNeigh(m: NeighMessage): Neigh {
  const state = m.state ?? 0;
  const flags = m.flags ?? 0;
  const n: Neigh = {
    index: m.index ?? 0,
    family: m.family === AF_INET6 ? 6 : 4,
    ip: m.dst ?? '',
    state,
    stateName: nameOf(NUD, state) as NeighState | number,
    flags,
    router: (flags & NTF.ROUTER) !== 0,
  };
  if (m.lladdr !== undefined) n.mac = m.lladdr;
  if (m.vlan !== undefined) n.vlan = m.vlan;
  if (m.master !== undefined) n.master = m.master;
  return n;
}

function neighMessage(ctx: OpsContext, s: NeighSpec): NeighMessage {
  const state = s.state === undefined ? NUD.permanent : typeof s.state === 'number' ? s.state : NUD[s.state];
  let flags = s.flags ?? 0;
  if (s.router) flags |= NTF.ROUTER;
  if (s.proxy) flags |= NTF.PROXY;
  const m: NeighMessage = {
    family: s.ip.includes(':') ? AF_INET6 : AF_INET,
    index: linkIndex(ctx, s.link),
    state,
    flags,
    dst: s.ip,
  };
  if (s.mac !== undefined) m.lladdr = s.mac;
  return m;
}

const object = (s: NeighSpec) => `${s.ip} dev ${linkObject(s.link)}`;

/** Adds an entry; EEXIST if one exists for the address. */
export function neighAdd(ctx: OpsContext, spec: NeighSpec): void {
  ctx.sock.request(RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.EXCL, encodeNeighMessage(neighMessage(ctx, spec)), {
    op: 'adding neighbour',
    object: object(spec),
  });
}

/** Adds or replaces an entry (`ip neigh replace`). */
export function neighSet(ctx: OpsContext, spec: NeighSpec): void {
  ctx.sock.request(RTM.NEWNEIGH, NLM_F.CREATE | NLM_F.REPLACE, encodeNeighMessage(neighMessage(ctx, spec)), {
    op: 'replacing neighbour',
    object: object(spec),
  });
}

/** Deletes an entry; ENOENT if there is none. */
export function neighDel(ctx: OpsContext, spec: Omit<NeighSpec, 'mac'>): void {
  ctx.sock.request(RTM.DELNEIGH, 0, encodeNeighMessage(neighMessage(ctx, spec)), {
    op: 'deleting neighbour',
    object: object(spec),
  });
}

/** ARP and NDP entries, of one link or all (bridge FDB entries are left out). */
export function neighList(ctx: OpsContext, filter: { link?: LinkRef; family?: 4 | 6 | 'all' } = {}): Neigh[] {
  const family = filter.family ?? 'all';
  const index = filter.link === undefined ? undefined : linkIndex(ctx, filter.link);
  // Strict checking wants the ifindex filter as NDA_IFINDEX, with a zero header.
  const req: NeighMessage = { family: family === 4 ? AF_INET : family === 6 ? AF_INET6 : 0 };
  if (index !== undefined) req.ifindex = index;
  const msgs = ctx.sock.dump(RTM.GETNEIGH, encodeNeighMessage(req), { op: 'listing neighbours' });
  return msgs
    .map((m) => decodeNeighMessage(m.data))
    .filter((m) => m.family === AF_INET || m.family === AF_INET6)
    .map(toNeigh)
    .filter((n) => (family === 'all' || n.family === family) && (index === undefined || n.index === index));
}
