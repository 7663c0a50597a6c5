import { AF_INET, AF_INET6, FIB_RULE_INVERT, FR_ACT, NLM_F, RT_TABLE, RTM, RTPROT, nameOf } from '../codec/constants';
import { decodeRuleMessage, encodeRuleMessage, type PortRange, type RuleMessage } from '../codec/rule';
import { formatIP, maskIP, parseCIDR } from '../codec/ip';
import type { OpsContext } from './_ctx';

export type RuleAction = keyof typeof FR_ACT;

/** A policy routing rule. */
export interface Rule {
  family: 4 | 6;
  /** 0 when the kernel leaves FRA_PRIORITY out (the local-table rule). */
  priority: number;
  table: number;
  action: RuleAction | number;
  /** 'from' prefix. */
  src?: string;
  /** 'to' prefix. */
  dst?: string;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  invert: boolean;
  tos: number;
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
  goto?: number;
  protocol?: string | number;
  l3mdev?: boolean;
  uidRange?: PortRange;
  ipProto?: number;
  sportRange?: PortRange;
  dportRange?: PortRange;
}

/** A rule to add or delete. For deletion, unset fields match anything. */
export interface RuleSpec {
  /** default: from src/dst, else 4. */
  family?: 4 | 6;
  priority?: number;
  /** default main when adding a lookup rule. */
  table?: number;
  /** default 'to_tbl' (lookup) when adding. */
  action?: RuleAction | number;
  src?: string;
  dst?: string;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  /** `not`: invert the selector. */
  invert?: boolean;
  tos?: number;
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
  goto?: number;
  protocol?: keyof typeof RTPROT | number;
  l3mdev?: boolean;
  uidRange?: PortRange;
  ipProto?: number;
  sportRange?: PortRange;
  dportRange?: PortRange;
}

export function toRule(m: RuleMessage): Rule {
  const r: Rule = {
    family: m.family === AF_INET6 ? 6 : 4,
    priority: m.priority ?? 0,
    table: m.tableId ?? m.table ?? 0,
    action: nameOf(FR_ACT, m.action ?? 0) as RuleAction | number,
    invert: ((m.flags ?? 0) & FIB_RULE_INVERT) !== 0,
    tos: m.tos ?? 0,
  };
  const copy = <K extends keyof Rule>(k: K, v: Rule[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  if (m.src !== undefined) r.src = `${m.src}/${m.srcLen ?? 0}`;
  if (m.dst !== undefined) r.dst = `${m.dst}/${m.dstLen ?? 0}`;
  copy('iifname', m.iifname);
  copy('oifname', m.oifname);
  copy('fwmark', m.fwmark);
  copy('fwmask', m.fwmask);
  // -1 (and 0xffffffff for the ifgroup) is the kernel's "unset".
  if (m.suppressPrefixlen !== undefined && m.suppressPrefixlen !== -1) r.suppressPrefixlen = m.suppressPrefixlen;
  if (m.suppressIfgroup !== undefined && m.suppressIfgroup !== 0xffffffff) r.suppressIfgroup = m.suppressIfgroup;
  copy('goto', m.goto);
  if (m.protocol !== undefined) r.protocol = nameOf(RTPROT, m.protocol) as string | number;
  if (m.l3mdev !== undefined) r.l3mdev = m.l3mdev !== 0;
  copy('uidRange', m.uidRange);
  copy('ipProto', m.ipProto);
  copy('sportRange', m.sportRange);
  copy('dportRange', m.dportRange);
  return r;
}

const num = <T extends Record<string, number>>(table: T, v: keyof T | number): number =>
  typeof v === 'number' ? v : table[v]!;

function prefix(s: string): { ip: string; len: number } {
  const { ip, prefixLen } = parseCIDR(s);
  return { ip: formatIP(maskIP(ip, prefixLen)), len: prefixLen };
}

/** Builds the fib_rule_hdr + attributes of a rule request (exported for the codec tests). */
export function ruleMessage(spec: RuleSpec, forDelete = false): RuleMessage {
  const fromText = spec.src ?? spec.dst;
  const family = spec.family ?? (fromText?.includes(':') ? 6 : 4);
  const m: RuleMessage = { family: family === 6 ? AF_INET6 : AF_INET };
  if (spec.dst !== undefined) {
    const p = prefix(spec.dst);
    m.dst = p.ip;
    m.dstLen = p.len;
  }
  if (spec.src !== undefined) {
    const p = prefix(spec.src);
    m.src = p.ip;
    m.srcLen = p.len;
  }
  if (spec.tos !== undefined) m.tos = spec.tos;
  const action = spec.action === undefined ? (forDelete ? undefined : FR_ACT.to_tbl) : num(FR_ACT, spec.action);
  if (action !== undefined) m.action = action;
  // An l3mdev rule takes its table from the VRF device; the kernel refuses one with a table.
  const table = spec.table ?? (!forDelete && !spec.l3mdev && action === FR_ACT.to_tbl ? RT_TABLE.MAIN : undefined);
  if (table !== undefined) {
    if (table > 255) m.tableId = table;
    else m.table = table;
  }
  if (spec.invert) m.flags = FIB_RULE_INVERT;
  const copy = <K extends keyof RuleMessage>(k: K, v: RuleMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  copy('fwmark', spec.fwmark);
  copy('fwmask', spec.fwmask);
  copy('iifname', spec.iifname);
  copy('oifname', spec.oifname);
  copy('priority', spec.priority);
  copy('suppressPrefixlen', spec.suppressPrefixlen);
  copy('suppressIfgroup', spec.suppressIfgroup);
  copy('goto', spec.goto);
  if (spec.protocol !== undefined) m.protocol = num(RTPROT, spec.protocol);
  if (spec.l3mdev) m.l3mdev = 1;
  copy('uidRange', spec.uidRange);
  copy('ipProto', spec.ipProto);
  copy('sportRange', spec.sportRange);
  copy('dportRange', spec.dportRange);
  return m;
}

function ruleObject(s: RuleSpec): string {
  const parts: string[] = [];
  if (s.priority !== undefined) parts.push(`pref ${s.priority}`);
  if (s.invert) parts.push('not');
  if (s.src) parts.push(`from ${s.src}`);
  if (s.dst) parts.push(`to ${s.dst}`);
  if (s.fwmark !== undefined) parts.push(`fwmark ${s.fwmark}`);
  if (s.iifname) parts.push(`iif ${s.iifname}`);
  if (s.oifname) parts.push(`oif ${s.oifname}`);
  if (s.table !== undefined) parts.push(`table ${s.table}`);
  return `"${parts.join(' ') || 'all'}"`;
}

/** Adds a rule; EEXIST if an identical one exists. */
export function ruleAdd(ctx: OpsContext, spec: RuleSpec): void {
  ctx.sock.request(RTM.NEWRULE, NLM_F.CREATE | NLM_F.EXCL, encodeRuleMessage(ruleMessage(spec)), {
    op: 'adding rule',
    object: ruleObject(spec),
  });
}

/** Deletes the first rule matching the spec; ENOENT if none does. */
export function ruleDel(ctx: OpsContext, spec: RuleSpec): void {
  ctx.sock.request(RTM.DELRULE, 0, encodeRuleMessage(ruleMessage(spec, true)), {
    op: 'deleting rule',
    object: ruleObject(spec),
  });
}

/** Rules of one family or both (`ip rule show`, `ip -6 rule show`). */
export function ruleList(ctx: OpsContext, family: 4 | 6 | 'all' = 'all'): Rule[] {
  const body = encodeRuleMessage({ family: family === 4 ? AF_INET : family === 6 ? AF_INET6 : 0 });
  return ctx.sock
    .dump(RTM.GETRULE, body, { op: 'listing rules' })
    .map((m) => decodeRuleMessage(m.data))
    .filter((m) => m.family === AF_INET || m.family === AF_INET6)
    .map(toRule)
    .filter((r) => family === 'all' || r.family === family);
}
