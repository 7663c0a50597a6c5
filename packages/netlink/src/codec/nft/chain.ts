// nf_tables chains (NFT_MSG_NEWCHAIN / GETCHAIN / DELCHAIN): regular chains, and base chains
// attached to a netfilter hook with a type, priority and policy.
import type { Attr } from '../attr';
import { NF_HOOK, NFT_CHAIN_BASE, NFTA_CHAIN, NFTA_HOOK, VERDICT_CODE } from './constants';
import { be32, bodyAttrs, encodeNftBody, familyName, familyNumber, get, nest, raw, str, type NftFamily } from './nfgen';
import { commentUserdata, userdataComment } from './udata';

export type NftHook = keyof typeof NF_HOOK;
export type NftChainType = 'filter' | 'nat' | 'route';

export interface NftChain {
  family: NftFamily;
  table: string;
  name: string;
  /** base chains: type, hook and priority (all three make it a base chain) */
  type?: NftChainType;
  hook?: NftHook;
  priority?: number;
  /** netdev ingress/egress: the device */
  device?: string;
  /** base chains: the verdict when no rule decides (default accept) */
  policy?: 'accept' | 'drop';
  comment?: string;
  /** reported by the kernel */
  handle?: number;
  use?: number;
  flags?: number;
}

/** Chain identity: table and name. */
export interface NftChainRef {
  family: NftFamily;
  table: string;
  name: string;
}

const hookNames = (family: NftFamily): NftHook[] =>
  family === 'netdev' ? ['ingress', 'egress'] : ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** A chain to add, in nft's attribute order: table, name, type, policy, hook, userdata. */
export function encodeChain(c: NftChain): Buffer {
  const attrs: Attr[] = [str(NFTA_CHAIN.TABLE, c.table), str(NFTA_CHAIN.NAME, c.name)];
  const base = c.hook !== undefined;
  if (base !== (c.priority !== undefined)) throw new TypeError(`chain ${c.name}: a base chain needs both hook and priority`);
  if (!base && (c.type !== undefined || c.policy !== undefined || c.device !== undefined)) {
    throw new TypeError(`chain ${c.name}: type, policy and device need a hook`);
  }
  if (base) {
    if (!hookNames(c.family).includes(c.hook!)) throw new TypeError(`chain ${c.name}: no hook ${c.hook} in family ${c.family}`);
    attrs.push(str(NFTA_CHAIN.TYPE, c.type ?? 'filter'));
    if (c.policy !== undefined) attrs.push(be32(NFTA_CHAIN.POLICY, VERDICT_CODE[c.policy]));
    const hook: Attr[] = [be32(NFTA_HOOK.HOOKNUM, NF_HOOK[c.hook!]), be32(NFTA_HOOK.PRIORITY, c.priority!)];
    if (c.device !== undefined) hook.push(str(NFTA_HOOK.DEV, c.device));
    attrs.push(nest(NFTA_CHAIN.HOOK, hook));
  }
  const ud = commentUserdata(c.comment);
  if (ud) attrs.push(raw(NFTA_CHAIN.USERDATA, ud));
  return encodeNftBody(familyNumber(c.family), attrs);
}

/** A chain by name (delete): table, name. */
export function encodeChainRef(c: NftChainRef): Buffer {
  return encodeNftBody(familyNumber(c.family), [str(NFTA_CHAIN.TABLE, c.table), str(NFTA_CHAIN.NAME, c.name)]);
}

export function decodeChain(data: Buffer): NftChain {
  const { nfgen, attrs } = bodyAttrs(data);
  const family = familyName(nfgen.family);
  const c: NftChain = { family, table: attrs.str(NFTA_CHAIN.TABLE) ?? '', name: attrs.str(NFTA_CHAIN.NAME) ?? '' };
  const hook = attrs.nested(NFTA_CHAIN.HOOK);
  if (hook) {
    const num = get.be32(hook, NFTA_HOOK.HOOKNUM);
    const name = num === undefined ? undefined : hookNames(family)[num];
    if (name) c.hook = name;
    const prio = get.i32(hook, NFTA_HOOK.PRIORITY);
    if (prio !== undefined) c.priority = prio;
    const dev = hook.str(NFTA_HOOK.DEV);
    if (dev !== undefined) c.device = dev;
    const type = attrs.str(NFTA_CHAIN.TYPE);
    if (type) c.type = type as NftChainType;
    const policy = get.be32(attrs, NFTA_CHAIN.POLICY);
    if (policy !== undefined) c.policy = policy === VERDICT_CODE.drop ? 'drop' : 'accept';
  }
  const comment = userdataComment(attrs.get(NFTA_CHAIN.USERDATA));
  if (comment !== undefined) c.comment = comment;
  const handle = get.be64(attrs, NFTA_CHAIN.HANDLE);
  if (handle !== undefined) c.handle = handle;
  const use = get.be32(attrs, NFTA_CHAIN.USE);
  if (use !== undefined) c.use = use;
  const flags = get.be32(attrs, NFTA_CHAIN.FLAGS);
  if (flags !== undefined) c.flags = flags;
  return c;
}

/** True for a chain attached to a hook. */
export const isBaseChain = (c: NftChain): boolean => c.hook !== undefined || ((c.flags ?? 0) & NFT_CHAIN_BASE) !== 0;
