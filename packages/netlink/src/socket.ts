import { NetlinkError, SyscallError } from './errors';
import { libc } from './_libc';
import { AF_NETLINK, NETLINK_OPT, NETLINK_ROUTE, NLM_F, NLMSG, SOL_NETLINK } from './codec/constants';
import { decodeDone, decodeError, type NlError } from './codec/error';
import { encodeNlmsg, parseNlmsgs, type NlMsg } from './codec/nlmsg';

const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_RCVTIMEO = 20;
const SO_SNDBUFFORCE = 32;
const MSG_DONTWAIT = 0x40;
const MSG_TRUNC = 0x20;
const EINTR = 4;
const EAGAIN = 11;
const ETIMEDOUT = 110;
const EBADMSG = 74;
const ENOBUFS = 105;

/** What an error should say we were doing: `EEXIST <op> <object>: ...`. */
export interface OpContext {
  op: string;
  object?: string;
}

export interface SocketOptions {
  /** receive timeout for each reply, in ms (default 10 s): a wedged kernel must not hang a CNI call forever. */
  timeoutMs?: number;
  /** how often a dump is restarted when the kernel flags it inconsistent (NLM_F_DUMP_INTR); default 5. */
  dumpRetries?: number;
  /** netlink protocol: NETLINK_ROUTE (0, the default) or NETLINK_NETFILTER (12). */
  protocol?: number;
}

/** One message of a batch: the socket adds REQUEST and the sequence number. */
export interface BatchMessage {
  type: number;
  flags: number;
  body: Buffer;
}

// Kernel dump chunks are at most 32 KiB unless we ask for more; single replies can be larger
// (a link with many VFs), so leave generous room. MSG_TRUNC tells us if it was not enough.
const RECV_BUF = 256 * 1024;
const SNDBUF_DEFAULT = 1 << 18;

let seqBase = (Date.now() ^ (process.pid << 8)) >>> 0;

/** The datagram I/O under a NetlinkSocket: a kernel socket, or a fake in the unit tests. */
export interface NetlinkTransport {
  readonly fd: number;
  /** sends one datagram; returns its length or -errno. */
  send(msg: Buffer): number;
  /**
   * receives one datagram into buf; returns its full length (MSG_TRUNC semantics) or -errno.
   * With `dontWait`, -EAGAIN at once when nothing is queued.
   */
  recv(buf: Buffer, dontWait?: boolean): number;
  close(): void;
}

function kernelTransport(fd: number): NetlinkTransport {
  const c = libc();
  let open = fd;
  return {
    get fd() {
      return open;
    },
    send: (msg) => {
      const n = c.sendto(open, msg, msg.length, 0, null, 0);
      return n < 0 ? -c.errno() : n;
    },
    recv: (buf, dontWait) => {
      const n = c.recvfrom(open, buf, buf.length, MSG_TRUNC | (dontWait ? MSG_DONTWAIT : 0), null, null);
      return n < 0 ? -c.errno() : n;
    },
    close: () => {
      if (open < 0) return;
      c.close(open);
      open = -1;
    },
  };
}

/**
 * A blocking netlink socket (NETLINK_ROUTE unless `protocol` says otherwise). It stays bound to the namespace it was opened in, so a socket
 * opened inside a container's netns can be used from anywhere without switching again.
 */
export class NetlinkSocket {
  readonly #io: NetlinkTransport;
  readonly #buf = Buffer.allocUnsafe(RECV_BUF);
  readonly #dumpRetries: number;

  /** Wraps a transport; NetlinkSocket.open() is the way to get a kernel socket. */
  constructor(io: NetlinkTransport, opts: SocketOptions = {}) {
    this.#io = io;
    this.#dumpRetries = opts.dumpRetries ?? 5;
  }

  /** Opens a socket in the calling thread's current namespace. */
  static open(opts: SocketOptions = {}): NetlinkSocket {
    const c = libc();
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, opts.protocol ?? NETLINK_ROUTE);
    if (fd < 0) throw new SyscallError(c.errno(), 'opening netlink socket');
    try {
      const addr = Buffer.alloc(12);
      addr.writeUInt16LE(AF_NETLINK, 0);
      if (c.bind(fd, addr, 12) < 0) throw new SyscallError(c.errno(), 'binding netlink socket');
      const one = Buffer.alloc(4);
      one.writeInt32LE(1);
      // Best effort: older kernels lack these; everything still works without them.
      c.setsockopt(fd, SOL_NETLINK, NETLINK_OPT.EXT_ACK, one, 4);
      c.setsockopt(fd, SOL_NETLINK, NETLINK_OPT.CAP_ACK, one, 4);
      c.setsockopt(fd, SOL_NETLINK, NETLINK_OPT.GET_STRICT_CHK, one, 4);
      const size = Buffer.alloc(4);
      size.writeInt32LE(1 << 20);
      c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, 4);
      size.writeInt32LE(SNDBUF_DEFAULT);
      c.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, size, 4);
      const ms = opts.timeoutMs ?? 10_000;
      const tv = Buffer.alloc(16);
      tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
      tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
      if (c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16) < 0) {
        throw new SyscallError(c.errno(), 'setting netlink receive timeout');
      }
    } catch (err) {
      c.close(fd);
      throw err;
    }
    return new NetlinkSocket(kernelTransport(fd), opts);
  }

  get fd(): number {
    return this.#io.fd;
  }

  close(): void {
    this.#io.close();
  }

  #nextSeq(): number {
    seqBase = (seqBase + 1) >>> 0;
    if (seqBase === 0) seqBase = 1;
    return seqBase;
  }

  #send(msg: Buffer, ctx: OpContext): void {
    if (this.#io.fd < 0) throw new Error('netlink socket is closed');
    for (;;) {
      const n = this.#io.send(msg);
      if (n >= 0) return;
      if (-n !== EINTR) throw new NetlinkError(-n, ctx.op, ctx.object);
    }
  }

  /** Receives one datagram and returns the messages in it that answer `seq`. */
  #recv(seq: number, ctx: OpContext): NlMsg[] {
    for (;;) {
      const n = this.#io.recv(this.#buf);
      if (n < 0) {
        const errno = -n;
        if (errno === EINTR) continue;
        if (errno === EAGAIN) {
          throw new NetlinkError(ETIMEDOUT, ctx.op, ctx.object, { extack: 'no reply from the kernel' });
        }
        throw new NetlinkError(errno, ctx.op, ctx.object);
      }
      if (n > this.#buf.length) {
        throw new NetlinkError(EBADMSG, ctx.op, ctx.object, { extack: `reply of ${n} bytes truncated` });
      }
      // Replies to an earlier request that timed out carry an older seq: drop them.
      // One copy per datagram: the receive buffer is reused by the next call.
      const msgs = parseNlmsgs(Buffer.from(this.#buf.subarray(0, n))).filter((m) => m.seq === seq);
      if (msgs.length) return msgs;
    }
  }

  /**
   * Sends a request with NLM_F_ACK and returns the replies that came before the ACK (a GET's
   * answer; nothing for NEW/DEL/SET). A kernel error becomes a NetlinkError carrying the extack.
   */
  request(type: number, flags: number, body: Buffer, ctx: OpContext): NlMsg[] {
    const seq = this.#nextSeq();
    this.#send(encodeNlmsg(type, flags | NLM_F.REQUEST | NLM_F.ACK, seq, 0, body), ctx);
    const replies: NlMsg[] = [];
    for (;;) {
      for (const m of this.#recv(seq, ctx)) {
        if (m.type === NLMSG.ERROR) {
          const e = decodeError(m);
          if (e.errno !== 0) throw new NetlinkError(e.errno, ctx.op, ctx.object, { extack: e.message });
          return replies;
        }
        if (m.type === NLMSG.NOOP) continue;
        replies.push(m);
      }
    }
  }

  /**
   * Runs a dump (NLM_F_DUMP) to its end and returns every message. A dump the kernel flags as
   * interrupted (NLM_F_DUMP_INTR: the table changed under it) is restarted a few times, then the
   * last, possibly inconsistent, answer is returned (Go's netlinksafe does the same).
   */
  dump(type: number, body: Buffer, ctx: OpContext): NlMsg[] {
    for (let attempt = 0; ; attempt++) {
      const { msgs, interrupted } = this.#dumpOnce(type, body, ctx);
      if (!interrupted || attempt >= this.#dumpRetries) return msgs;
    }
  }

  /**
   * Sends `msgs` as one datagram (an nfnetlink batch) and returns the sequence number given to each
   * and the kernel's answers, by sequence number (an ACK is `errno` 0; a message that asked for
   * none and succeeded has none). The kernel handles a datagram sent to it inside sendmsg()
   * itself, so every answer is queued once send returns: they are drained without blocking, as
   * nft does. `overflowed`: answers were lost (ENOBUFS), the receive buffer was too small.
   */
  batch(msgs: readonly BatchMessage[], ctx: OpContext): { seqs: number[]; answers: Map<number, NlError>; overflowed: boolean } {
    // Leftovers of an earlier exchange (and a pending ENOBUFS) must not be taken for ours.
    this.#drain(() => {});
    const seqs = msgs.map(() => this.#nextSeq());
    const dgram = Buffer.concat(msgs.map((m, i) => encodeNlmsg(m.type, m.flags | NLM_F.REQUEST, seqs[i]!, 0, m.body)));
    if (dgram.length > SNDBUF_DEFAULT) this.#growSndbuf(dgram.length);
    this.#send(dgram, ctx);
    const ours = new Set(seqs);
    const answers = new Map<number, NlError>();
    const overflowed = this.#drain((m) => {
      if (m.type === NLMSG.ERROR && ours.has(m.seq)) answers.set(m.seq, decodeError(m));
    }, ctx);
    return { seqs, answers, overflowed };
  }

  /** Reads what is queued without waiting; true if the kernel dropped answers (ENOBUFS). */
  #drain(each: (m: NlMsg) => void, ctx: OpContext = { op: 'reading netlink socket' }): boolean {
    let overflowed = false;
    for (;;) {
      const n = this.#io.recv(this.#buf, true);
      if (n < 0) {
        if (-n === EINTR) continue;
        if (-n === EAGAIN) return overflowed;
        if (-n === ENOBUFS) {
          overflowed = true;
          continue;
        }
        throw new NetlinkError(-n, ctx.op, ctx.object);
      }
      if (n > this.#buf.length) {
        throw new NetlinkError(EBADMSG, ctx.op, ctx.object, { extack: `reply of ${n} bytes truncated` });
      }
      for (const m of parseNlmsgs(Buffer.from(this.#buf.subarray(0, n)))) each(m);
    }
  }

  /** A batch bigger than the send buffer would fail with EMSGSIZE: make room (root may exceed wmem_max). */
  #growSndbuf(len: number): void {
    const size = Buffer.alloc(4);
    size.writeInt32LE(Math.min(len * 2, 0x7fffffff));
    libc().setsockopt(this.#io.fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4);
  }

  #dumpOnce(type: number, body: Buffer, ctx: OpContext): { msgs: NlMsg[]; interrupted: boolean } {
    const seq = this.#nextSeq();
    this.#send(encodeNlmsg(type, NLM_F.REQUEST | NLM_F.DUMP, seq, 0, body), ctx);
    const msgs: NlMsg[] = [];
    let interrupted = false;
    for (;;) {
      for (const m of this.#recv(seq, ctx)) {
        if (m.flags & NLM_F.DUMP_INTR) interrupted = true;
        if (m.type === NLMSG.DONE) {
          const e = decodeDone(m);
          if (e.errno !== 0) throw new NetlinkError(e.errno, ctx.op, ctx.object, { extack: e.message });
          return { msgs, interrupted };
        }
        if (m.type === NLMSG.ERROR) {
          const e = decodeError(m);
          if (e.errno !== 0) throw new NetlinkError(e.errno, ctx.op, ctx.object, { extack: e.message });
          return { msgs, interrupted };
        }
        if (m.type === NLMSG.NOOP) continue;
        msgs.push(m);
      }
    }
  }
}
