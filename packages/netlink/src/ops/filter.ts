import { NLM_F, nameOf } from '../codec/constants';
import { AttrMap, type Attr } from '../codec/attr';
import type { ActionMessage } from '../codec/action';
import { controlCode, type TcActName } from '../codec/action-gen';
import { encodeMirred, type MirredEaction } from '../codec/action-mirred';
import { U32_MATCH_ALL, decodeU32, encodeU32, type U32Data, type U32Sel } from '../codec/filter-u32';
import {
  ETH_P,
  TC_H,
  TC_RTM,
  decodeTcMessage,
  encodeTcMessage,
  filterInfo,
  formatHandle,
  makeHandle,
  parseFilterInfo,
  parseHandle,
  type TcHandle,
  type TcMessage,
} from '../codec/tc';
import type { OpsContext } from './_ctx';
import { linkIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

export type FilterProtocol = keyof typeof ETH_P | number;

/**
 * Where a filter goes. `parent` is its qdisc ('ffff:' for an ingress qdisc, '1:') or, as tc
 * writes it, 'ingress' / 'egress' of a clsact qdisc (ffff:fff2 / ffff:fff3).
 */
export interface FilterBase {
  link: LinkRef;
  parent: TcHandle;
  /** 0 / unset lets the kernel pick (49152 and down). */
  priority?: number;
  /** default 'all' (ETH_P_ALL). */
  protocol?: FilterProtocol;
  /** the filter's own handle (u32: the node, e.g. 0x800800); unset lets the kernel pick. */
  handle?: number;
  chain?: number;
}

/**
 * A mirred action: redirect (or mirror) to another device. The verdict defaults to tc's: 'stolen'
 * for a redirect, 'pipe' for a mirror.
 */
export interface MirredActionSpec {
  kind: 'mirred';
  /** default 'egress-redirect'. */
  action?: MirredEaction;
  dev: LinkRef;
  control?: TcActName | number;
  /** bind to an existing action of this index instead of creating one. */
  index?: number;
}

export interface GenericActionSpec {
  kind: 'generic';
  actionKind: string;
  options: Attr[];
}

export type ActionSpec = MirredActionSpec | GenericActionSpec;

/** A u32 filter: `sel` defaults to a terminal match-all; `classid` is the flowid. */
export interface U32FilterSpec extends FilterBase {
  kind: 'u32';
  sel?: U32Sel;
  classid?: TcHandle;
  divisor?: number;
  /** the hash table to insert into (TCA_U32_HASH). */
  hashTable?: number;
  /** the hash table a match continues in (TCA_U32_LINK). */
  linkTable?: number;
  /** TCA_CLS_FLAGS_SKIP_HW / SKIP_SW */
  flags?: number;
  actions?: ActionSpec[];
}

export interface GenericFilterSpec extends FilterBase {
  kind: 'generic';
  filterKind: string;
  options?: Attr[];
}

export type FilterSpec = U32FilterSpec | GenericFilterSpec;

export type FilterData = ({ kind: 'u32' } & U32Data) | { kind: string; raw: Buffer };

/** A filter as the kernel reports it. A u32 filter shows as several entries: its hash table and nodes. */
export interface Filter {
  index: number;
  parent: number;
  handle: number;
  priority: number;
  /** EtherType, host order (3 = all). */
  protocol: number;
  protocolName: keyof typeof ETH_P | number;
  kind: string;
  chain?: number;
  data?: FilterData;
}

/** What a filter deletion names (everything unset matches all: no priority deletes the parent's whole chain). */
export interface FilterRef {
  link: LinkRef;
  parent: TcHandle;
  priority?: number;
  protocol?: FilterProtocol;
  handle?: number;
  kind?: string;
  chain?: number;
}

const protocolNumber = (p: FilterProtocol | undefined, fallback: number): number =>
  p === undefined ? fallback : typeof p === 'number' ? p : ETH_P[p];

/** A filter's parent: as a handle, or tc's words for the clsact hooks. */
function filterParent(p: TcHandle): number {
  if (p === 'ingress') return makeHandle(0xffff, TC_H.MIN_INGRESS);
  if (p === 'egress') return makeHandle(0xffff, TC_H.MIN_EGRESS);
  return parseHandle(p);
}

function actionMessage(ctx: OpsContext, a: ActionSpec): ActionMessage {
  if (a.kind === 'generic') return { kind: a.actionKind, options: a.options };
  const eaction = a.action ?? 'egress-redirect';
  const control = a.control ?? (eaction.endsWith('redirect') ? 'stolen' : 'pipe');
  return {
    kind: 'mirred',
    options: encodeMirred({ eaction, ifindex: linkIndex(ctx, a.dev), action: controlCode(control), index: a.index ?? 0 }),
  };
}

const describe = (kind: string, parent: number, link: LinkRef): string =>
  `${kind} parent ${formatHandle(parent)} dev ${linkObject(link)}`;

/** Builds the RTM_NEWTFILTER payload of a spec; returns it with the text errors name it by. */
export function filterMessage(ctx: OpsContext, spec: FilterSpec): { body: Buffer; object: string } {
  const parent = filterParent(spec.parent);
  const m: TcMessage & { optionAttrs?: Attr[] } = {
    index: linkIndex(ctx, spec.link),
    handle: spec.handle ?? 0,
    parent,
    info: filterInfo(spec.priority ?? 0, protocolNumber(spec.protocol, ETH_P.all)),
  };
  if (spec.chain !== undefined) m.chain = spec.chain;
  if (spec.kind === 'u32') {
    m.kind = 'u32';
    const o: Parameters<typeof encodeU32>[0] = { sel: spec.sel ?? U32_MATCH_ALL };
    if (spec.classid !== undefined) o.classid = parseHandle(spec.classid);
    if (spec.divisor !== undefined) o.divisor = spec.divisor;
    if (spec.hashTable !== undefined) o.hash = spec.hashTable;
    if (spec.linkTable !== undefined) o.link = spec.linkTable;
    if (spec.flags !== undefined) o.flags = spec.flags;
    if (spec.actions) o.actions = spec.actions.map((a) => actionMessage(ctx, a));
    m.optionAttrs = encodeU32(o);
  } else {
    m.kind = spec.filterKind;
    if (spec.options) m.optionAttrs = spec.options;
  }
  return { body: encodeTcMessage(m), object: describe(m.kind, parent, spec.link) };
}

function modify(ctx: OpsContext, spec: FilterSpec, flags: number, op: string): void {
  const { body, object } = filterMessage(ctx, spec);
  ctx.sock.request(TC_RTM.NEWTFILTER, flags, body, { op, object });
}

/** `tc filter add`: EEXIST when a filter with the same handle exists. */
export const filterAdd = (ctx: OpsContext, spec: FilterSpec): void =>
  modify(ctx, spec, NLM_F.CREATE | NLM_F.EXCL, 'adding filter');

/** `tc filter replace`. */
export const filterReplace = (ctx: OpsContext, spec: FilterSpec): void =>
  modify(ctx, spec, NLM_F.CREATE | NLM_F.REPLACE, 'replacing filter');

/** `tc filter del`: with only a parent, every filter of it; ENOENT when nothing matches. */
export function filterDel(ctx: OpsContext, ref: FilterRef): void {
  const parent = filterParent(ref.parent);
  const m: TcMessage = {
    index: linkIndex(ctx, ref.link),
    handle: ref.handle ?? 0,
    parent,
    info: filterInfo(ref.priority ?? 0, protocolNumber(ref.protocol, 0)),
  };
  if (ref.kind !== undefined) m.kind = ref.kind;
  if (ref.chain !== undefined) m.chain = ref.chain;
  ctx.sock.request(TC_RTM.DELTFILTER, 0, encodeTcMessage(m), {
    op: 'deleting filter',
    object: describe(ref.kind ?? 'filter', parent, ref.link),
  });
}

export function toFilter(m: TcMessage): Filter {
  const { priority, protocol } = parseFilterInfo(m.info ?? 0);
  const kind = m.kind ?? '';
  const f: Filter = {
    index: m.index ?? 0,
    parent: m.parent ?? 0,
    handle: m.handle ?? 0,
    priority,
    protocol,
    protocolName: nameOf(ETH_P, protocol),
    kind,
  };
  if (m.chain !== undefined) f.chain = m.chain;
  if (m.options) f.data = kind === 'u32' ? { kind, ...decodeU32(new AttrMap(m.options)) } : { kind, raw: m.options };
  return f;
}

/** The filters of one parent of a link ('ingress' for the ingress / clsact qdisc, '1:', 'root'). */
export function filterList(ctx: OpsContext, link: LinkRef, parent: TcHandle = 'root'): Filter[] {
  const index = linkIndex(ctx, link);
  const p = parent === 'root' ? 0 : filterParent(parent);
  const msgs = ctx.sock.dump(TC_RTM.GETTFILTER, encodeTcMessage({ index, parent: p }), {
    op: 'listing filters',
    object: `parent ${p ? formatHandle(p) : 'root'} dev ${linkObject(link)}`,
  });
  return msgs.filter((m) => m.type === TC_RTM.NEWTFILTER).map((m) => toFilter(decodeTcMessage(m.data)));
}
