// tc actions as filters carry them (TCA_*_ACT nests: one nest per action, its type the action's
// order 1..n). The kind-specific options live beside this file (action-mirred.ts).
// Values from linux/pkt_cls.h and linux/pkt_act.h.
import { AttrMap, NLA_F_NESTED, nla, type Attr } from './attr';
import { controlName, type TcActName, type TcGen } from './action-gen';
import { decodeMirred, type MirredData } from './action-mirred';
import { decodeTcStats, type TcStats } from './tc';

export const TCA_ACT = {
  KIND: 1,
  OPTIONS: 2,
  INDEX: 3,
  STATS: 4,
  PAD: 5,
  COOKIE: 6,
  FLAGS: 7,
  HW_STATS: 8,
  USED_HW_STATS: 9,
  IN_HW_COUNT: 10,
} as const;

/** An action to encode: its kind and its TCA_ACT_OPTIONS attributes. */
export interface ActionMessage {
  kind: string;
  options: Attr[];
}

/**
 * The nests of an action list, numbered from 1 (the order the kernel runs them in). TCA_ACT_OPTIONS
 * carries NLA_F_NESTED as tc sends it (the kernel's strict policy for new actions accepts both).
 */
export function encodeActions(actions: readonly ActionMessage[]): Attr[] {
  return actions.map((a, i) =>
    nla.nest(i + 1, [nla.str(TCA_ACT.KIND, a.kind), nla.nest(TCA_ACT.OPTIONS | NLA_F_NESTED, a.options)]),
  );
}

export type ActionData = ({ kind: 'mirred' } & MirredData) | { kind: string; raw: Attr[] };

/** An action as the kernel reports it inside a filter. */
export interface TcAction {
  /** its position in the filter's list (1-based). */
  order: number;
  kind: string;
  /** the action's index in its kind's table (shared actions have the same index). */
  index?: number;
  /** the verdict (TC_ACT_*) and its name. */
  control?: number;
  controlName?: TcActName | number;
  refcnt?: number;
  bindcnt?: number;
  data?: ActionData;
  stats?: TcStats;
}

function decodeActionData(kind: string, opts: AttrMap): { data: ActionData; gen?: TcGen } {
  if (kind === 'mirred') {
    const d = decodeMirred(opts);
    if (d) {
      const { gen, ...rest } = d;
      return { data: { kind, ...rest }, gen };
    }
  }
  return { data: { kind, raw: opts.list } };
}

/** Decodes the nests of an action list (a filter's TCA_*_ACT), in order. */
export function decodeActions(m: AttrMap): TcAction[] {
  const out: TcAction[] = [];
  for (const a of m.list) {
    const am = new AttrMap(a.data);
    const kind = am.str(TCA_ACT.KIND) ?? '';
    const act: TcAction = { order: a.type & 0x3fff, kind };
    const index = am.u32(TCA_ACT.INDEX);
    if (index !== undefined) act.index = index;
    const opts = am.nested(TCA_ACT.OPTIONS);
    if (opts) {
      const { data, gen } = decodeActionData(kind, opts);
      act.data = data;
      if (gen) {
        act.index = gen.index;
        act.control = gen.action;
        act.controlName = controlName(gen.action);
        act.refcnt = gen.refcnt;
        act.bindcnt = gen.bindcnt;
      }
    }
    const stats = am.nested(TCA_ACT.STATS);
    if (stats) act.stats = decodeTcStats(stats);
    out.push(act);
  }
  return out;
}
