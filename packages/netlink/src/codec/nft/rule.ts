// nf_tables rules (NFT_MSG_NEWRULE / GETRULE / DELRULE): a chain's list of expressions, with a
// handle the kernel assigns and a comment in the userdata (NFTNL_UDATA_RULE_COMMENT, as nft writes it).
import type { Attr } from '../attr';
import { NFTA_RULE, UDATA } from './constants';
import { decodeExprs, encodeExprs, type NftExpr } from './expr';
import { dedupGuards } from './match';
import { be32, be64, bodyAttrs, encodeNftBody, familyName, familyNumber, get, raw, str, type NftFamily } from './nfgen';
import { commentTlv, decodeTlvs, encodeTlvs, userdataComment, type Tlv } from './udata';

export interface NftRule {
  family: NftFamily;
  table: string;
  chain: string;
  exprs: NftExpr[];
  comment?: string;
  /**
   * Further userdata TLVs, after the comment: the kernel keeps them opaque and nft (and so
   * `nft list`, `nft -j list`) skips types it does not know, so a program can tag its rules
   * without changing what they look like.
   */
  tags?: Tlv[];
  /** assigned by the kernel; given to replace a rule */
  handle?: number;
  /** add after / insert before the rule with this handle */
  position?: number;
  /** transaction id (NFTA_RULE_ID) */
  id?: number;
}

/**
 * A rule to add or replace: table, chain, handle, expressions, position, userdata (nft's order).
 * A repeated protocol check is dropped from the expressions, as nft does (dedupGuards).
 */
export function encodeRule(r: NftRule): Buffer {
  const attrs: Attr[] = [str(NFTA_RULE.TABLE, r.table), str(NFTA_RULE.CHAIN, r.chain)];
  if (r.handle !== undefined) attrs.push(be64(NFTA_RULE.HANDLE, r.handle));
  attrs.push(encodeExprs(NFTA_RULE.EXPRESSIONS, dedupGuards(r.exprs)));
  if (r.position !== undefined) attrs.push(be64(NFTA_RULE.POSITION, r.position));
  const tlvs = [...(r.comment === undefined ? [] : [commentTlv(r.comment)]), ...(r.tags ?? [])];
  if (tlvs.length > 0) attrs.push(raw(NFTA_RULE.USERDATA, encodeTlvs(tlvs)));
  if (r.id !== undefined) attrs.push(be32(NFTA_RULE.ID, r.id));
  return encodeNftBody(familyNumber(r.family), attrs);
}

/** Rules by location: a table's (flush table), a chain's (flush chain), or one by handle (delete). */
export function encodeRuleRef(family: NftFamily, table?: string, chain?: string, handle?: number): Buffer {
  const attrs: Attr[] = [];
  if (table !== undefined) attrs.push(str(NFTA_RULE.TABLE, table));
  if (chain !== undefined) attrs.push(str(NFTA_RULE.CHAIN, chain));
  if (handle !== undefined) attrs.push(be64(NFTA_RULE.HANDLE, handle));
  return encodeNftBody(familyNumber(family), attrs);
}

export function decodeRule(data: Buffer): NftRule {
  const { nfgen, attrs } = bodyAttrs(data);
  const exprs = attrs.get(NFTA_RULE.EXPRESSIONS);
  const r: NftRule = {
    family: familyName(nfgen.family),
    table: attrs.str(NFTA_RULE.TABLE) ?? '',
    chain: attrs.str(NFTA_RULE.CHAIN) ?? '',
    exprs: exprs ? decodeExprs(exprs) : [],
  };
  const handle = get.be64(attrs, NFTA_RULE.HANDLE);
  if (handle !== undefined) r.handle = handle;
  const position = get.be64(attrs, NFTA_RULE.POSITION);
  if (position !== undefined) r.position = position;
  const ud = attrs.get(NFTA_RULE.USERDATA);
  const comment = userdataComment(ud);
  if (comment !== undefined) r.comment = comment;
  const tags = ud ? decodeTlvs(ud).filter((t) => t.type !== UDATA.COMMENT) : [];
  if (tags.length > 0) r.tags = tags;
  return r;
}
