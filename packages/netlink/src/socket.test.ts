import { describe, expect, it } from 'vitest';
import { NetlinkError } from './errors';
import { NLM_F, NLMSG, RTM } from './codec/constants';
import { encodeNlmsg, parseNlmsgs, type NlMsg } from './codec/nlmsg';
import { NetlinkSocket, type NetlinkTransport } from './socket';

/**
 * A fake kernel: each request is answered by `reply(request)` with a list of datagrams, each a
 * list of messages (seq taken from the request unless given).
 */
function fake(reply: (req: NlMsg, n: number) => Partial<NlMsg>[][]) {
  const queue: Buffer[] = [];
  const sent: NlMsg[] = [];
  const io: NetlinkTransport = {
    fd: 3,
    send(msg) {
      const req = parseNlmsgs(msg)[0]!;
      sent.push(req);
      for (const dgram of reply(req, sent.length)) {
        queue.push(
          Buffer.concat(
            dgram.map((m) => encodeNlmsg(m.type ?? 0, m.flags ?? 0, m.seq ?? req.seq, 1234, m.data ?? Buffer.alloc(0))),
          ),
        );
      }
      return msg.length;
    },
    recv(buf) {
      const d = queue.shift();
      if (!d) return -11; // EAGAIN: what SO_RCVTIMEO gives
      d.copy(buf);
      return d.length;
    },
    close() {},
  };
  return { sock: new NetlinkSocket(io), sent };
}

const errno = (e: number, extack?: string): Partial<NlMsg> => {
  const body = Buffer.alloc(20);
  body.writeInt32LE(-e, 0);
  body.writeUInt32LE(16, 4);
  if (!extack) return { type: NLMSG.ERROR, flags: NLM_F.CAPPED, data: body };
  const text = Buffer.from(`${extack}\0`);
  const tlv = Buffer.alloc((4 + text.length + 3) & ~3);
  tlv.writeUInt16LE(4 + text.length, 0);
  tlv.writeUInt16LE(1, 2);
  text.copy(tlv, 4);
  return { type: NLMSG.ERROR, flags: NLM_F.CAPPED | NLM_F.ACK_TLVS, data: Buffer.concat([body, tlv]) };
};
const ack = () => errno(0);
const done = (): Partial<NlMsg> => ({ type: NLMSG.DONE, flags: NLM_F.MULTI, data: Buffer.alloc(4) });
const item = (n: number, flags: number = NLM_F.MULTI): Partial<NlMsg> => ({ type: RTM.NEWLINK, flags, data: Buffer.from([n]) });
const ctx = { op: 'doing', object: '"x"' };

describe('NetlinkSocket', () => {
  it('sends REQUEST|ACK with a fresh sequence number and returns the replies before the ACK', () => {
    const { sock, sent } = fake(() => [[item(1, 0)], [ack()]]);
    const replies = sock.request(RTM.GETLINK, 0, Buffer.alloc(16), ctx);
    expect(replies.map((m) => m.data[0])).toEqual([1]);
    expect(sent[0]!.flags).toBe(NLM_F.REQUEST | NLM_F.ACK);
    sock.request(RTM.GETLINK, 0, Buffer.alloc(16), ctx);
    expect(sent[1]!.seq).toBe(sent[0]!.seq + 1);
  });

  it('turns an error into a NetlinkError with the extended ACK', () => {
    const { sock } = fake(() => [[errno(22, 'mtu greater than device maximum')]]);
    let e: NetlinkError | undefined;
    try {
      sock.request(RTM.NEWLINK, 0, Buffer.alloc(16), ctx);
    } catch (err) {
      e = err as NetlinkError;
    }
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toMatchObject({ errno: 22, code: 'EINVAL', op: 'doing', object: '"x"', extack: 'mtu greater than device maximum' });
  });

  it('ignores stale replies to an earlier sequence number', () => {
    const { sock } = fake((req) => [[{ ...item(9, 0), seq: req.seq - 1 }, { ...errno(17), seq: req.seq - 1 }], [ack()]]);
    expect(sock.request(RTM.NEWLINK, 0, Buffer.alloc(16), ctx)).toEqual([]);
  });

  it('collects a multipart dump across datagrams until DONE', () => {
    const { sock, sent } = fake(() => [[item(1), item(2)], [item(3)], [done()]]);
    expect(sock.dump(RTM.GETLINK, Buffer.alloc(16), ctx).map((m) => m.data[0])).toEqual([1, 2, 3]);
    expect(sent[0]!.flags).toBe(NLM_F.REQUEST | NLM_F.DUMP);
  });

  it('restarts a dump the kernel flags NLM_F_DUMP_INTR, then gives up after the retries', () => {
    const intr = NLM_F.MULTI | NLM_F.DUMP_INTR;
    let { sock, sent } = fake((_, n) => (n < 3 ? [[item(n, intr)], [done()]] : [[item(n)], [done()]]));
    expect(sock.dump(RTM.GETLINK, Buffer.alloc(16), ctx).map((m) => m.data[0])).toEqual([3]);
    expect(sent).toHaveLength(3);
    ({ sock, sent } = fake((_, n) => [[item(n, intr)], [done()]]));
    expect(sock.dump(RTM.GETLINK, Buffer.alloc(16), ctx).map((m) => m.data[0])).toEqual([6]);
    expect(sent).toHaveLength(6); // first try + 5 retries, last answer returned
  });

  it('reports an error ending a dump', () => {
    const { sock } = fake(() => [[item(1)], [errno(95)]]);
    expect(() => sock.dump(RTM.GETLINK, Buffer.alloc(16), ctx)).toThrow('EOPNOTSUPP doing "x": operation not supported');
  });

  it('times out with ETIMEDOUT when the kernel does not answer', () => {
    const { sock } = fake(() => []);
    expect(() => sock.request(RTM.GETLINK, 0, Buffer.alloc(16), ctx)).toThrow(
      'ETIMEDOUT doing "x": connection timed out: no reply from the kernel',
    );
  });
});
