import { describe, expect, it } from 'vitest';
import { NLM_F, NLMSG } from '../codec/constants';
import { encodeNlmsg, parseNlmsgs, type NlMsg } from '../codec/nlmsg';
import * as m from '../codec/nft/match';
import * as sets from '../codec/nft/sets';
import * as s from '../codec/nft/stmt';
import { NetlinkError } from '../errors';
import { NetlinkSocket, type NetlinkTransport } from '../socket';
import { NftTransaction, isGenerationChanged, nftCommit } from './nftables';

/**
 * A fake kernel for batches: `answer(msg)` returns the errno for a message (undefined: no answer);
 * `overflow` makes the first read after the batch fail with ENOBUFS (answers lost).
 */
function fakeKernel(answer: (msg: NlMsg, i: number) => number | undefined, overflow = false) {
  const queue: (Buffer | number)[] = [];
  const sent: NlMsg[][] = [];
  const io: NetlinkTransport = {
    fd: 3,
    send(dgram) {
      const msgs = parseNlmsgs(dgram);
      sent.push(msgs);
      if (overflow) queue.push(-105);
      msgs.forEach((msg, i) => {
        const errno = answer(msg, i);
        if (errno === undefined) return;
        const body = Buffer.alloc(20);
        body.writeInt32LE(-errno, 0);
        body.writeUInt32LE(16, 4);
        queue.push(encodeNlmsg(NLMSG.ERROR, NLM_F.CAPPED, msg.seq, 1, body));
      });
      return dgram.length;
    },
    recv(buf, dontWait) {
      const d = queue.shift();
      if (d === undefined) return dontWait ? -11 : -110;
      if (typeof d === 'number') return d;
      d.copy(buf);
      return d.length;
    },
    close() {},
  };
  return { ctx: { sock: new NetlinkSocket(io) }, sent };
}

const T = { family: 'ip', table: 't' } as const;
const tx3 = () =>
  new NftTransaction()
    .addTable({ family: 'ip', name: 't' })
    .addChain({ ...T, name: 'c' })
    .addRule({ ...T, chain: 'c', exprs: s.verdict('accept') });

describe('nftCommit', () => {
  it('sends one datagram: batch begin, the commands (no ACK asked, as nft), batch end', () => {
    const k = fakeKernel(() => undefined);
    nftCommit(k.ctx, tx3());
    expect(k.sent).toHaveLength(1);
    const [batch] = k.sent;
    expect(batch!.map((x) => x.type)).toEqual([0x10, 0xa00, 0xa03, 0xa06, 0x11]);
    expect(batch!.map((x) => x.flags & NLM_F.ACK)).toEqual([0, 0, 0, 0, 0]);
    expect(new Set(batch!.map((x) => x.seq)).size).toBe(5);
    expect(batch![0]!.data.toString('hex')).toBe('0000000a');
  });

  it('puts the generation into the batch begin when asked', () => {
    const k = fakeKernel(() => undefined);
    nftCommit(k.ctx, tx3(), { genid: 7 });
    expect(k.sent[0]![0]!.data.toString('hex')).toBe('0000000a0800010000000007');
  });

  it('does nothing for an empty transaction', () => {
    const k = fakeKernel(() => 0);
    nftCommit(k.ctx, new NftTransaction());
    expect(k.sent).toEqual([]);
  });

  it('throws the refused command as a NetlinkError, the other refusals as its cause', () => {
    const k = fakeKernel((_msg, i) => (i === 2 ? 17 : i === 3 ? 2 : undefined));
    let err: unknown;
    try {
      nftCommit(k.ctx, tx3());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'EEXIST', op: 'adding nftables chain', object: '"ip t c"' });
    expect(((err as Error).cause as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'ENOENT adding nftables rule "ip t c": no such file or directory',
    ]);
  });

  it('a refusal of the whole batch (answered on the batch begin) is the commit error', () => {
    const k = fakeKernel((_msg, i) => (i === 0 ? 85 : undefined));
    let err: unknown;
    try {
      nftCommit(k.ctx, tx3(), { genid: 1 });
    } catch (e) {
      err = e;
    }
    expect(isGenerationChanged(err)).toBe(true);
    expect((err as NetlinkError).op).toBe('committing nftables transaction');
  });

  it('lost answers can only have been refusals: the commit fails', () => {
    expect(() => nftCommit(fakeKernel(() => undefined, true).ctx, tx3())).toThrow(/^ENOBUFS committing nftables transaction: .*overflowed/);
    let err: unknown;
    try {
      nftCommit(fakeKernel((_msg, i) => (i === 2 ? 2 : undefined), true).ctx, tx3());
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ENOENT', op: 'adding nftables chain' });
    expect(((err as Error).cause as Error).message).toContain('some answers lost');
  });
});

describe('transactions', () => {
  it('give every set a transaction id and return how rules refer to it', () => {
    const tx = new NftTransaction().addTable({ family: 'ip', name: 't' });
    const a = tx.addSet(sets.affinitySet(T, 'aff', 4, 1000));
    const b = tx.addSet(sets.anonAddrSet(T, ['10.0.0.1', '10.0.0.2']));
    expect(a).toEqual({ name: 'aff', id: 1 });
    expect(b).toEqual({ name: '__set%d', id: 2 });
    // the anonymous set came with its elements
    expect(tx.commands.map((c) => c.type & 0xff)).toEqual([0, 9, 9, 12]);
  });

  it('check their objects when they are added', () => {
    const tx = new NftTransaction();
    expect(() => tx.addChain({ ...T, name: 'c', hook: 'input' })).toThrow('a base chain needs both hook and priority');
    expect(() => tx.addChain({ ...T, name: 'c', type: 'nat' })).toThrow('type, policy and device need a hook');
    expect(() => tx.addChain({ family: 'netdev', table: 't', name: 'c', hook: 'input', priority: 0 })).toThrow('no hook input in family netdev');
    expect(() => tx.addRule({ ...T, chain: 'c', comment: 'x'.repeat(129), exprs: [] })).toThrow('comment longer than 128 bytes');
    expect(() => tx.addRule({ ...T, chain: 'c', exprs: [{ type: 'immediate', dreg: 0 }] })).toThrow('immediate needs data or a verdict');
    expect(tx.size).toBe(0);
  });
});

const kinds = (c: string) => m.addr('ip', 'daddr', c).map((e) => (e.type === 'payload' ? `payload:${e.len}` : e.type));
const show = (cidrs: string[]) => sets.intervalElems(cidrs).map((e) => `${e.intervalEnd ? 'end ' : ''}${e.key.toString('hex')}`);

describe('matches and statements', () => {
  it('refuse what nft would refuse', () => {
    expect(() => m.addr('ip', 'saddr', 'fd00::1')).toThrow('IPv6 match cannot go into a table of family ip');
    expect(() => m.addr('ip6', 'saddr', '10.0.0.1')).toThrow('IPv4 match');
    expect(() => m.addr('bridge', 'saddr', '10.0.0.1')).toThrow('family bridge');
    expect(() => m.port('tcp', 'dport', 70000)).toThrow('invalid port 70000');
    expect(() => m.ifname('iif', 'a-very-long-ifname')).toThrow('invalid interface name');
    expect(() => s.dnat('ip', 'fd00::1')).toThrow('cannot go into a table of family ip');
    expect(() => s.dnat('inet', '10.0.0.1', 0)).toThrow('invalid port 0');
    expect(() => sets.anonAddrSet(T, ['10.0.0.1', 'fd00::1'])).toThrow('cannot mix IPv4 and IPv6');
    expect(() => sets.intervalElems(['10.0.0.0/8', '10.1.0.0/16'])).toThrow('overlapping');
  });

  it('load only the bytes of a byte-aligned prefix, mask the others', () => {
    expect(kinds('10.0.0.1')).toEqual(['payload:4', 'cmp']);
    expect(kinds('10.0.0.0/8')).toEqual(['payload:1', 'cmp']);
    expect(kinds('10.0.0.0/9')).toEqual(['payload:4', 'bitwise', 'cmp']);
    expect(kinds('0.0.0.0/0')).toEqual(['payload:4', 'bitwise', 'cmp']);
    const [, , cmp] = m.addr('ip', 'daddr', '10.200.7.1/9');
    expect(cmp).toMatchObject({ type: 'cmp', data: Buffer.from([10, 128, 0, 0]) });
  });

  it('interval elements: ranges end one past their last address; a range to the top has no end', () => {
    expect(show(['192.168.0.0/16', '10.0.0.0/8'])).toEqual(['end 00000000', '0a000000', 'end 0b000000', 'c0a80000', 'end c0a90000']);
    expect(show(['0.0.0.0/0'])).toEqual(['00000000']);
    expect(show(['255.255.255.0/24'])).toEqual(['end 00000000', 'ffffff00']);
  });

  it('drop a repeated protocol check, as nft does', () => {
    const exprs = [...m.addr('inet', 'saddr', '10.0.0.1'), ...m.addr('inet', 'daddr', '10.0.0.2'), ...m.port('tcp', 'dport', 1), ...m.l4proto('tcp')];
    const kept = m.dedupGuards(exprs).filter((e) => e.type === 'meta').map((e) => (e.type === 'meta' ? e.key : ''));
    expect(kept).toEqual(['nfproto', 'l4proto']);
  });
});
