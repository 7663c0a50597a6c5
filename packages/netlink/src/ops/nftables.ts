// nf_tables over netlink: transactions (one batch each, all or nothing) and listings. What
// knftables / `nft -f` do for the plugins, without running nft. Synchronous, on a NETLINK_NETFILTER
// socket of one namespace.
import { NetlinkError, q } from '../errors';
import { NLM_F } from '../codec/constants';
import type { NlError } from '../codec/error';
import { NFT_MSG } from '../codec/nft/constants';
import { encodeChain, encodeChainRef, decodeChain, type NftChain, type NftChainRef } from '../codec/nft/chain';
import type { NftSetHandle } from '../codec/nft/match';
import {
  BATCH_BEGIN,
  BATCH_END,
  bodyAttrs,
  encodeBatchBegin,
  encodeBatchEnd,
  encodeNfgen,
  familyNumber,
  get,
  nftType,
  type NftFamily,
} from '../codec/nft/nfgen';
import { decodeRule, encodeRule, encodeRuleRef, type NftRule } from '../codec/nft/rule';
import { decodeSet, encodeSet, encodeSetDump, encodeSetRef, type NftSet, type NftSetRef } from '../codec/nft/set';
import { decodeSetElems, encodeSetElems, encodeSetElemsRef, type NftElemsTarget, type NftSetElem } from '../codec/nft/setelem';
import type { SetWithElems } from '../codec/nft/sets';
import { decodeTable, encodeTable, encodeTableRef, type NftTable } from '../codec/nft/table';
import { NFTA_GEN_ID } from '../codec/nft/constants';
import type { BatchMessage, NetlinkSocket } from '../socket';

/** What nf_tables operations need: a NETLINK_NETFILTER socket. */
export interface NfContext {
  readonly sock: NetlinkSocket;
}

/** One command of a transaction, encoded; `op` and `object` name it in errors. */
export interface NftCommand extends BatchMessage {
  op: string;
  object: string;
}

/** A rule to add, insert or replace; `handle` names the rule to replace. */
export type NftRuleSpec = Omit<NftRule, 'id'>;
/** A rule by handle. */
export interface NftRuleRef {
  family: NftFamily;
  table: string;
  chain: string;
  handle: number;
}
/** A table by name. */
export interface NftTableRef {
  family: NftFamily;
  name: string;
}

const EBADMSG = 74;
const ERESTART = 85;
const ENOBUFS = 105;
const COMMIT = 'committing nftables transaction';

const tableObj = (family: NftFamily, name: string) => q(`${family} ${name}`);
const chainObj = (c: { family: NftFamily; table: string; name: string }) => q(`${c.family} ${c.table} ${c.name}`);
const ruleObj = (r: { family: NftFamily; table: string; chain: string; handle?: number | undefined }) =>
  q(`${r.family} ${r.table} ${r.chain}${r.handle === undefined ? '' : ` handle ${r.handle}`}`);
const setObj = (s: { family: NftFamily; table: string; name: string }) => q(`${s.family} ${s.table} ${s.name}`);

/**
 * One nf_tables transaction: the commands are sent as one batch and the kernel applies all of
 * them or none. Build it with the methods below (each checks and encodes its object at once),
 * then `nftCommit(tx)`. Sets created here get a transaction id, so that rules in the same
 * transaction can refer to them (anonymous sets need it).
 */
export class NftTransaction {
  readonly #cmds: NftCommand[] = [];
  #setId = 0;

  /** Number of commands. */
  get size(): number {
    return this.#cmds.length;
  }

  /** The encoded commands (for tests and tools). */
  get commands(): readonly NftCommand[] {
    return this.#cmds;
  }

  #push(msg: number, flags: number, body: Buffer, op: string, object: string): this {
    this.#cmds.push({ type: nftType(msg), flags, body, op, object });
    return this;
  }

  /** `add table` (kept as is when it exists; `exclusive`: `create table`, EEXIST when it exists). */
  addTable(t: NftTable, o: { exclusive?: boolean } = {}): this {
    return this.#push(NFT_MSG.NEWTABLE, o.exclusive ? NLM_F.CREATE | NLM_F.EXCL : 0, encodeTable(t), 'adding nftables table', tableObj(t.family, t.name));
  }
  /** `delete table` (with its chains, rules and sets). */
  deleteTable(t: NftTableRef): this {
    return this.#push(NFT_MSG.DELTABLE, 0, encodeTableRef(t.family, t.name), 'deleting nftables table', tableObj(t.family, t.name));
  }
  /** `flush table`: every rule of every chain of it. */
  flushTable(t: NftTableRef): this {
    const body = encodeRuleRef(t.family, t.name);
    return this.#push(NFT_MSG.DELRULE, 0, body, 'flushing nftables table', tableObj(t.family, t.name));
  }

  /** `add chain` (base chain when hook and priority are given). */
  addChain(c: NftChain, o: { exclusive?: boolean } = {}): this {
    const flags = NLM_F.CREATE | (o.exclusive ? NLM_F.EXCL : 0);
    return this.#push(NFT_MSG.NEWCHAIN, flags, encodeChain(c), 'adding nftables chain', chainObj(c));
  }
  /** `delete chain` (must be empty and unreferenced). */
  deleteChain(c: NftChainRef): this {
    return this.#push(NFT_MSG.DELCHAIN, 0, encodeChainRef(c), 'deleting nftables chain', chainObj(c));
  }
  /** `flush chain` */
  flushChain(c: NftChainRef): this {
    return this.#push(NFT_MSG.DELRULE, 0, encodeRuleRef(c.family, c.table, c.name), 'flushing nftables chain', chainObj(c));
  }

  /** `add rule`: appended, or placed after the rule whose handle is `position`. */
  addRule(r: NftRuleSpec): this {
    return this.#push(NFT_MSG.NEWRULE, NLM_F.CREATE | NLM_F.APPEND, encodeRule({ ...r, handle: undefined }), 'adding nftables rule', ruleObj(r));
  }
  /** `insert rule`: prepended, or placed before the rule whose handle is `position`. */
  insertRule(r: NftRuleSpec): this {
    return this.#push(NFT_MSG.NEWRULE, NLM_F.CREATE, encodeRule({ ...r, handle: undefined }), 'inserting nftables rule', ruleObj(r));
  }
  /** `replace rule ... handle <h>` */
  replaceRule(r: NftRuleSpec & { handle: number }): this {
    return this.#push(NFT_MSG.NEWRULE, NLM_F.REPLACE, encodeRule(r), 'replacing nftables rule', ruleObj(r));
  }
  /** `delete rule ... handle <h>` */
  deleteRule(r: NftRuleRef): this {
    return this.#push(NFT_MSG.DELRULE, 0, encodeRuleRef(r.family, r.table, r.chain, r.handle), 'deleting nftables rule', ruleObj(r));
  }

  /**
   * `add set` / `add map`, with elements if given. Returns how rules of this transaction refer to
   * it: its name and transaction id (anonymous sets, "__set%d", can only be referred to by id).
   */
  addSet(s: NftSet | SetWithElems, elems: readonly NftSetElem[] = [], o: { exclusive?: boolean } = {}): NftSetHandle {
    const set = 'set' in s ? s.set : s;
    const all = 'set' in s ? [...s.elems, ...elems] : elems;
    const id = set.id ?? ++this.#setId;
    const flags = NLM_F.CREATE | (o.exclusive ? NLM_F.EXCL : 0);
    this.#push(NFT_MSG.NEWSET, flags, encodeSet({ ...set, id }), 'adding nftables set', setObj(set));
    if (all.length) this.#elems(NFT_MSG.NEWSETELEM, NLM_F.CREATE, { family: set.family, table: set.table, set: set.name, setId: id }, all);
    return { name: set.name, id };
  }
  /** `delete set` / `delete map` */
  deleteSet(s: NftSetRef): this {
    return this.#push(NFT_MSG.DELSET, 0, encodeSetRef(s), 'deleting nftables set', setObj(s));
  }
  /** `flush set`: all its elements. */
  flushSet(s: NftSetRef): this {
    const body = encodeSetElemsRef({ family: s.family, table: s.table, set: s.name });
    return this.#push(NFT_MSG.DELSETELEM, 0, body, 'flushing nftables set', setObj(s));
  }
  /** `add element` (an element that exists is kept, or EEXIST with `exclusive`). */
  addElements(t: NftElemsTarget, elems: readonly NftSetElem[], o: { exclusive?: boolean } = {}): this {
    return this.#elems(NFT_MSG.NEWSETELEM, NLM_F.CREATE | (o.exclusive ? NLM_F.EXCL : 0), t, elems);
  }
  /** `delete element` */
  deleteElements(t: NftElemsTarget, elems: readonly NftSetElem[]): this {
    return this.#elems(NFT_MSG.DELSETELEM, 0, t, elems);
  }

  #elems(msg: number, flags: number, t: NftElemsTarget, elems: readonly NftSetElem[]): this {
    if (elems.length === 0) return this;
    const op = msg === NFT_MSG.NEWSETELEM ? 'adding nftables set elements' : 'deleting nftables set elements';
    return this.#push(msg, flags, encodeSetElems(t, elems), op, setObj({ family: t.family, table: t.table, name: t.set }));
  }
}

/**
 * Applies a transaction: one batch, all commands or none. A refused command is thrown as a
 * NetlinkError of that command (`EEXIST adding nftables chain "ip t c": file exists`, with the
 * kernel's extended ACK); further refusals of the same batch are its `cause`. With `genid`, the
 * kernel refuses the batch (ERESTART, see isGenerationChanged) when the ruleset changed since that
 * generation was read (nftGenId), so a read-modify-write can be retried.
 *
 * Like nft, the commands ask for no ACK: the kernel answers only refusals (it goes on through the
 * batch after one, so each refused command is named), and nothing on success. So answers lost to
 * a full receive buffer can only be refusals: the transaction was not applied.
 */
export function nftCommit(ctx: NfContext, tx: NftTransaction, opts: { genid?: number } = {}): void {
  const cmds = tx.commands;
  if (cmds.length === 0) return;
  const msgs: BatchMessage[] = [
    { type: BATCH_BEGIN, flags: 0, body: encodeBatchBegin(opts.genid) },
    ...cmds.map((c) => ({ type: c.type, flags: c.flags, body: c.body })),
    { type: BATCH_END, flags: 0, body: encodeBatchEnd() },
  ];
  const { seqs, answers, overflowed } = ctx.sock.batch(msgs, { op: COMMIT });
  const begin = answers.get(seqs[0]!);
  if (begin && begin.errno !== 0) throw errorOf(begin, COMMIT, undefined);
  const errors: NetlinkError[] = [];
  cmds.forEach((c, i) => {
    const a = answers.get(seqs[i + 1]!);
    if (a && a.errno !== 0) errors.push(errorOf(a, c.op, c.object));
  });
  if (errors.length === 1 && !overflowed) throw errors[0]!;
  if (errors.length) {
    const [first, ...rest] = errors;
    const more = overflowed ? 'more commands of the transaction refused (some answers lost: receive buffer full)' : `${rest.length} more command(s) of the transaction refused`;
    throw new NetlinkError(first!.errno, first!.op, first!.object, {
      ...(first!.extack !== undefined && { extack: first!.extack }),
      cause: new AggregateError(rest, more),
    });
  }
  if (overflowed) throw new NetlinkError(ENOBUFS, COMMIT, undefined, { extack: 'the kernel refused it; its answers overflowed the receive buffer' });
}

function errorOf(a: NlError, op: string, object: string | undefined): NetlinkError {
  return new NetlinkError(a.errno, op, object, a.message === undefined ? {} : { extack: a.message });
}

/** True when a commit with `genid` was refused because the ruleset changed meanwhile. */
export function isGenerationChanged(err: unknown): boolean {
  return err instanceof NetlinkError && err.errno === ERESTART;
}

/** The ruleset's generation (it changes with every commit). */
export function nftGenId(ctx: NfContext): number {
  const [m] = ctx.sock.request(nftType(NFT_MSG.GETGEN), 0, encodeNfgen(0), { op: 'getting nftables generation' });
  const id = m ? get.be32(bodyAttrs(m.data).attrs, NFTA_GEN_ID) : undefined;
  if (id === undefined) throw new NetlinkError(EBADMSG, 'getting nftables generation', undefined, { extack: 'no generation in the answer' });
  return id;
}

const dump = (ctx: NfContext, msg: number, body: Buffer, op: string, object?: string) =>
  ctx.sock.dump(nftType(msg), body, object === undefined ? { op } : { op, object });

/** `list tables` (of one family, or all). */
export function nftListTables(ctx: NfContext, family?: NftFamily): NftTable[] {
  const body = encodeNfgen(family === undefined ? 0 : familyNumber(family));
  return dump(ctx, NFT_MSG.GETTABLE, body, 'listing nftables tables').map((m) => decodeTable(m.data));
}

/** `list chains` (of a family and table, or all). */
export function nftListChains(ctx: NfContext, filter: { family?: NftFamily; table?: string } = {}): NftChain[] {
  const body = encodeNfgen(filter.family === undefined ? 0 : familyNumber(filter.family));
  return dump(ctx, NFT_MSG.GETCHAIN, body, 'listing nftables chains')
    .map((m) => decodeChain(m.data))
    .filter((c) => filter.table === undefined || c.table === filter.table);
}

/** Throws ENOENT (a NetlinkError) unless the table, or the chain, exists. */
function mustExist(ctx: NfContext, family: NftFamily, table: string, chain: string | undefined, op: string): void {
  if (chain === undefined) {
    ctx.sock.request(nftType(NFT_MSG.GETTABLE), 0, encodeTableRef(family, table), { op, object: tableObj(family, table) });
  } else {
    const ref = { family, table, name: chain };
    ctx.sock.request(nftType(NFT_MSG.GETCHAIN), 0, encodeChainRef(ref), { op, object: chainObj(ref) });
  }
}

/**
 * The rules of a table, or of one of its chains, in order, with handles and comments. A missing
 * table or chain is an ENOENT NetlinkError (isNotFound), like `nft list chain`.
 */
export function nftListRules(ctx: NfContext, ref: { family: NftFamily; table: string; chain?: string }): NftRule[] {
  const op = 'listing nftables rules';
  const body = encodeRuleRef(ref.family, ref.table, ref.chain);
  const rules = dump(ctx, NFT_MSG.GETRULE, body, op, ref.chain === undefined ? tableObj(ref.family, ref.table) : chainObj({ ...ref, name: ref.chain }))
    .map((m) => decodeRule(m.data))
    .filter((r) => r.table === ref.table && (ref.chain === undefined || r.chain === ref.chain));
  if (rules.length === 0) mustExist(ctx, ref.family, ref.table, ref.chain, op);
  return rules;
}

/** The rules of a chain whose comment is `comment`, or satisfies the predicate. */
export function nftFindRules(ctx: NfContext, chain: NftChainRef, comment: string | ((comment: string) => boolean)): NftRule[] {
  const match = typeof comment === 'string' ? (c: string) => c === comment : comment;
  return nftListRules(ctx, { family: chain.family, table: chain.table, chain: chain.name }).filter((r) => r.comment !== undefined && match(r.comment));
}

/** `list sets` (of a family and table, or all), anonymous ones included. */
export function nftListSets(ctx: NfContext, filter: { family?: NftFamily; table?: string } = {}): NftSet[] {
  const body = encodeSetDump(filter.family, filter.table);
  return dump(ctx, NFT_MSG.GETSET, body, 'listing nftables sets')
    .map((m) => decodeSet(m.data))
    .filter((s) => filter.table === undefined || s.table === filter.table);
}

/** The elements of a set (ENOENT when it does not exist). */
export function nftListElements(ctx: NfContext, s: NftSetRef): NftSetElem[] {
  const body = encodeSetElemsRef({ family: s.family, table: s.table, set: s.name });
  return dump(ctx, NFT_MSG.GETSETELEM, body, 'listing nftables set elements', setObj(s)).flatMap((m) => decodeSetElems(m.data).elems);
}
