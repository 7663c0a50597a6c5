import { NLM_F } from '../codec/constants';
import type { Attr } from '../codec/attr';
import { AttrMap } from '../codec/attr';
import { decodePrio, type PrioData } from '../codec/qdisc-prio';
import { decodeTbf, encodeTbf, type TbfData, type TbfOptions } from '../codec/qdisc-tbf';
import {
  TC_H,
  TC_RTM,
  decodeTcMessage,
  encodeTcMessage,
  formatHandle,
  parseHandle,
  type TcHandle,
  type TcMessage,
  type TcStats,
} from '../codec/tc';
import type { OpsContext } from './_ctx';
import { linkIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

/** Where a qdisc goes: the link, its handle ('1:'; 0 lets the kernel pick) and its parent ('root' by default). */
export interface QdiscBase {
  link: LinkRef;
  handle?: TcHandle;
  parent?: TcHandle;
}

/** A token bucket filter (see codec/qdisc-tbf.ts; `bandwidthTbf` computes one from bits/s). */
export interface TbfQdiscSpec extends QdiscBase, TbfOptions {
  kind: 'tbf';
}

/** The ingress (or clsact) qdisc: always handle ffff:, parent ffff:fff1. */
export interface IngressQdiscSpec extends QdiscBase {
  kind: 'ingress' | 'clsact';
}

/** Any other kind, with its TCA_OPTIONS as attributes or raw bytes. */
export interface GenericQdiscSpec extends QdiscBase {
  kind: 'generic';
  qdiscKind: string;
  options?: Attr[] | Buffer;
}

export type QdiscSpec = TbfQdiscSpec | IngressQdiscSpec | GenericQdiscSpec;

/** A qdisc's options, typed for the kinds we know; `raw` keeps the TCA_OPTIONS of any other. */
export type QdiscData = ({ kind: 'tbf' } & TbfData) | ({ kind: 'pfifo_fast' | 'prio' } & PrioData) | { kind: string; raw?: Buffer };

/** A qdisc as the kernel reports it. */
export interface Qdisc {
  index: number;
  kind: string;
  handle: number;
  parent: number;
  /** attached at the root of the link's egress. */
  root: boolean;
  /** the ingress / clsact qdisc. */
  ingress: boolean;
  refcnt: number;
  data?: QdiscData;
  stats?: TcStats;
  ingressBlock?: number;
  egressBlock?: number;
}

/** What a qdisc deletion names: its parent ('root' by default, 'ingress'), optionally its handle and kind. */
export interface QdiscRef {
  link: LinkRef;
  parent?: TcHandle;
  handle?: TcHandle;
  kind?: string;
}

const INGRESS_HANDLE = 0xffff0000;

export function toQdisc(m: TcMessage): Qdisc {
  const kind = m.kind ?? '';
  const parent = m.parent ?? 0;
  const q: Qdisc = {
    index: m.index ?? 0,
    kind,
    handle: m.handle ?? 0,
    parent,
    root: parent === TC_H.ROOT,
    ingress: parent === TC_H.INGRESS,
    refcnt: m.info ?? 0,
  };
  if (m.options) {
    if (kind === 'tbf') {
      const d = decodeTbf(new AttrMap(m.options));
      if (d) q.data = { kind, ...d };
    } else if (kind === 'pfifo_fast' || kind === 'prio') {
      const d = decodePrio(m.options);
      if (d) q.data = { kind, ...d };
    } else if (m.options.length) {
      q.data = { kind, raw: m.options };
    }
  }
  if (m.stats) q.stats = m.stats;
  if (m.ingressBlock !== undefined) q.ingressBlock = m.ingressBlock;
  if (m.egressBlock !== undefined) q.egressBlock = m.egressBlock;
  return q;
}

const describe = (kind: string, handle: number, link: LinkRef): string =>
  `${kind} ${handle ? formatHandle(handle) : ''}${handle ? ' ' : ''}dev ${linkObject(link)}`;

/** Builds the RTM_NEWQDISC payload of a spec; returns it with the text errors name it by. */
export function qdiscMessage(ctx: OpsContext, spec: QdiscSpec): { body: Buffer; object: string } {
  const index = linkIndex(ctx, spec.link);
  let handle = spec.handle === undefined ? 0 : parseHandle(spec.handle);
  const parent = parseHandle(spec.parent ?? 'root');
  const m: TcMessage & { optionAttrs?: Attr[] } = { index, handle, parent };
  switch (spec.kind) {
    case 'ingress':
    case 'clsact':
      // like tc (and vishvananda, which refuses another parent): the only place these go
      if (spec.parent !== undefined && parent !== TC_H.INGRESS) {
        throw new RangeError(`the ${spec.kind} qdisc's parent must be ingress (ffff:fff1)`);
      }
      if (spec.handle === undefined) handle = INGRESS_HANDLE;
      Object.assign(m, { handle, parent: TC_H.INGRESS, kind: spec.kind, optionAttrs: [] });
      break;
    case 'tbf':
      Object.assign(m, { kind: 'tbf', optionAttrs: encodeTbf(spec) });
      break;
    case 'generic':
      m.kind = spec.qdiscKind;
      if (Buffer.isBuffer(spec.options)) m.options = spec.options;
      else if (spec.options) m.optionAttrs = spec.options;
      break;
  }
  return { body: encodeTcMessage(m), object: describe(m.kind ?? '', handle, spec.link) };
}

function modify(ctx: OpsContext, spec: QdiscSpec, flags: number, op: string): void {
  const { body, object } = qdiscMessage(ctx, spec);
  ctx.sock.request(TC_RTM.NEWQDISC, flags, body, { op, object });
}

/** `tc qdisc add`: EEXIST when the parent already has a qdisc of its own (not the default one). */
export const qdiscAdd = (ctx: OpsContext, spec: QdiscSpec): void =>
  modify(ctx, spec, NLM_F.CREATE | NLM_F.EXCL, 'adding qdisc');

/** `tc qdisc replace`: adds, or replaces what the parent has. */
export const qdiscReplace = (ctx: OpsContext, spec: QdiscSpec): void =>
  modify(ctx, spec, NLM_F.CREATE | NLM_F.REPLACE, 'replacing qdisc');

/** `tc qdisc change`: changes the options of an existing qdisc (same kind and handle). */
export const qdiscChange = (ctx: OpsContext, spec: QdiscSpec): void => modify(ctx, spec, 0, 'changing qdisc');

/**
 * `tc qdisc del`: removes the qdisc at `parent` ('root' by default; 'ingress' removes the ingress
 * qdisc and its filters). ENOENT when the parent has only its default qdisc.
 */
export function qdiscDel(ctx: OpsContext, ref: QdiscRef): void {
  const parent = parseHandle(ref.parent ?? 'root');
  const handle = ref.handle !== undefined ? parseHandle(ref.handle) : parent === TC_H.INGRESS ? INGRESS_HANDLE : 0;
  const m: TcMessage = { index: linkIndex(ctx, ref.link), handle, parent };
  if (ref.kind !== undefined) m.kind = ref.kind;
  ctx.sock.request(TC_RTM.DELQDISC, 0, encodeTcMessage(m), {
    op: 'deleting qdisc',
    object: describe(ref.kind ?? formatHandle(parent), handle, ref.link),
  });
}

/**
 * The qdiscs of one link, or of every link: the kernel dumps them all, the filter is ours (as tc
 * and vishvananda do). Default qdiscs (pfifo_fast, noqueue, mq) are included.
 */
export function qdiscList(ctx: OpsContext, link?: LinkRef): Qdisc[] {
  const index = link === undefined ? 0 : linkIndex(ctx, link);
  const msgs = ctx.sock.dump(TC_RTM.GETQDISC, encodeTcMessage({ index }), { op: 'listing qdiscs' });
  return msgs
    .filter((m) => m.type === TC_RTM.NEWQDISC)
    .map((m) => toQdisc(decodeTcMessage(m.data)))
    .filter((q) => index === 0 || q.index === index);
}
