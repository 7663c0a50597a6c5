// The daemon's link to a container interface: an AF_PACKET socket (SOCK_DGRAM, ETH_P_IP) opened
// inside the container's namespace and bound to the interface, so DHCP works before the
// interface has an address and whatever the namespace's rp_filter says. Sockets are created
// synchronously while switched into the namespace and used from the host side afterwards (a
// socket keeps the namespace it was made in). Reading is event driven: one poll(2) runs on a
// libuv worker thread (koffi's async call) for all open sockets, woken through an eventfd.

import { openHandle, openNetns, SyscallError, withNetns } from '@cni-ts/netlink';
import { koffi } from '@cni-ts/netlink/ffi';

const AF_PACKET = 17;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_IP = 0x0800;
const SOL_SOCKET = 1;
const SO_ATTACH_FILTER = 26;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;
const EINTR = 4;
const POLLIN = 1;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;

type Fn<A extends unknown[], R> = ((...args: A) => R) & { async: (...args: [...A, (err: unknown, res: R) => void]) => void };

interface Sys {
  socket: Fn<[number, number, number], number>;
  bind: Fn<[number, Buffer, number], number>;
  setsockopt: Fn<[number, number, number, Buffer, number], number>;
  sendto: Fn<[number, Buffer, number, number, Buffer, number], number>;
  recvfrom: Fn<[number, Buffer, number, number, Buffer, Buffer], number>;
  close: Fn<[number], number>;
  poll: Fn<[Buffer, number, number], number>;
  eventfd: Fn<[number, number], number>;
  write: Fn<[number, Buffer, number], number>;
  read: Fn<[number, Buffer, number], number>;
  errno: () => number;
  address: (b: Buffer) => bigint;
}

let sys: Sys | undefined;

/** The few libc calls the packet path needs (poll and eventfd are not in @cni-ts/netlink's set). */
function libc(): Sys {
  if (sys) return sys;
  const k = koffi() as unknown as {
    load: (name: string) => { func: (decl: string) => unknown };
    errno: () => number;
    address: (b: Buffer) => bigint;
  };
  const lib = k.load('libc.so.6');
  const f = <T>(decl: string) => lib.func(decl) as T;
  sys = {
    socket: f('int socket(int, int, int)'),
    bind: f('int bind(int, void *, uint32_t)'),
    setsockopt: f('int setsockopt(int, int, int, void *, uint32_t)'),
    sendto: f('long sendto(int, void *, size_t, int, void *, uint32_t)'),
    recvfrom: f('long recvfrom(int, void *, size_t, int, void *, void *)'),
    close: f('int close(int)'),
    poll: f('int poll(void *, unsigned long, int)'),
    eventfd: f('int eventfd(unsigned int, int)'),
    write: f('long write(int, void *, size_t)'),
    read: f('long read(int, void *, size_t)'),
    errno: () => k.errno(),
    address: (b) => k.address(b),
  };
  return sys;
}

/** Classic BPF: accept only unfragmented IPv4 UDP to port 68 (offsets from the IP header). */
function udp68Filter(): Buffer {
  const insns: [number, number, number, number][] = [
    [0x30, 0, 0, 9], // ldb [9]            protocol
    [0x15, 0, 6, 17], // jeq #17 else drop
    [0x28, 0, 0, 6], // ldh [6]            flags + fragment offset
    [0x45, 4, 0, 0x1fff], // jset #0x1fff -> drop
    [0xb1, 0, 0, 0], // ldxb 4*([0]&0xf)  header length
    [0x48, 0, 0, 2], // ldh [x+2]          UDP destination port
    [0x15, 0, 1, 68], // jeq #68 else drop
    [0x06, 0, 0, 0x40000], // ret accept
    [0x06, 0, 0, 0], // ret drop
  ];
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b.writeUInt8(jt, i * 8 + 2);
    b.writeUInt8(jf, i * 8 + 3);
    b.writeUInt32LE(k, i * 8 + 4);
  });
  return b;
}

export interface PacketLink {
  fd: number;
  ifindex: number;
  ifname: string;
  mac: Uint8Array;
}

export interface OpenOptions {
  /** Bring the link up when it is down (upstream does, before DHCP). */
  setUp?: boolean;
}

function parseMac(s: string): Uint8Array {
  return Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
}

/**
 * Opens the packet socket for `ifname` in the namespace at `netnsPath`. Throws the netlink
 * package's errors: `failed to Statfs "<path>": no such file or directory` for a missing
 * namespace, `Link not found` for a missing interface.
 */
export function openPacketLink(netnsPath: string, ifname: string, opts: OpenOptions = {}): PacketLink {
  const c = libc();
  const ns = openNetns(netnsPath);
  try {
    const h = openHandle(ns);
    let link;
    try {
      link = h.linkByName(ifname);
      if (opts.setUp && !link.up) h.linkSetUp(ifname);
    } finally {
      h.close();
    }
    if (!link.mac) throw new Error(`link ${ifname} has no hardware address`);
    const fd = withNetns(ns, () => c.socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP)));
    if (fd < 0) throw new SyscallError(c.errno(), 'opening packet socket');
    try {
      const prog = udp68Filter();
      const fprog = Buffer.alloc(16);
      fprog.writeUInt16LE(prog.length / 8, 0);
      fprog.writeBigUInt64LE(c.address(prog), 8);
      if (c.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, fprog.length) < 0) {
        throw new SyscallError(c.errno(), 'attaching packet filter');
      }
      const sll = sockaddrLl(link.index);
      if (c.bind(fd, sll, sll.length) < 0) throw new SyscallError(c.errno(), 'binding packet socket', ifname);
      // Frames that arrived between socket() and the filter: drop them.
      drain(fd);
    } catch (err) {
      c.close(fd);
      throw err;
    }
    return { fd, ifindex: link.index, ifname, mac: parseMac(link.mac) };
  } finally {
    ns.close();
  }
}

const IFF_RUNNING = 0x40;

/** True when the link has carrier (IFF_RUNNING): frames sent before that are lost. */
export function linkRunning(netnsPath: string, ifname: string): boolean {
  const ns = openNetns(netnsPath);
  try {
    const h = openHandle(ns);
    try {
      return (h.linkByName(ifname).flags & IFF_RUNNING) !== 0;
    } finally {
      h.close();
    }
  } finally {
    ns.close();
  }
}

function htons(v: number): number {
  return ((v & 0xff) << 8) | (v >> 8);
}

function sockaddrLl(ifindex: number, mac?: Uint8Array): Buffer {
  const sll = Buffer.alloc(20);
  sll.writeUInt16LE(AF_PACKET, 0);
  sll.writeUInt16BE(ETH_P_IP, 2);
  sll.writeInt32LE(ifindex, 4);
  if (mac) {
    sll.writeUInt8(mac.length, 11);
    sll.set(mac, 12);
  }
  return sll;
}

function drain(fd: number): void {
  const c = libc();
  const buf = Buffer.alloc(2048);
  const from = Buffer.alloc(20);
  const len = Buffer.alloc(4);
  for (let i = 0; i < 1024; i++) {
    len.writeUInt32LE(20);
    if (c.recvfrom(fd, buf, buf.length, MSG_DONTWAIT, from, len) < 0) return;
  }
}

export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** Sends an IP datagram to `dstMac` on the link. */
export function sendDatagram(link: PacketLink, dstMac: Uint8Array, datagram: Uint8Array): void {
  const c = libc();
  const sll = sockaddrLl(link.ifindex, dstMac);
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (c.sendto(link.fd, buf, buf.length, 0, sll, sll.length) < 0) {
    throw new SyscallError(c.errno(), 'sending DHCP packet', link.ifname);
  }
}

export interface Received {
  datagram: Uint8Array;
  /** the sender's link-layer address */
  srcMac: Uint8Array;
}

/** Everything queued on the socket now (non-blocking). */
export function receiveAll(link: PacketLink): Received[] {
  const c = libc();
  const out: Received[] = [];
  const buf = Buffer.alloc(2048);
  const from = Buffer.alloc(20);
  const len = Buffer.alloc(4);
  for (let i = 0; i < 256; i++) {
    len.writeUInt32LE(20);
    const n = c.recvfrom(link.fd, buf, buf.length, MSG_DONTWAIT, from, len);
    if (n < 0) {
      const e = c.errno();
      if (e === EAGAIN || e === EINTR) break;
      throw new SyscallError(e, 'receiving DHCP packet', link.ifname);
    }
    const halen = Math.min(from.readUInt8(11), 8);
    out.push({ datagram: Uint8Array.from(buf.subarray(0, n)), srcMac: Uint8Array.from(from.subarray(12, 12 + halen)) });
  }
  return out;
}

export function closePacketLink(link: PacketLink): void {
  poller.forget(link.fd);
}

/**
 * One poll(2) for every open socket, on a libuv worker thread. `waitReadable(fd, ms)` resolves
 * true when the fd may have data, false at the deadline. Closing goes through `forget`, which
 * closes the fd only once the poll that may be watching it has returned.
 */
class Poller {
  private waiters = new Map<number, Set<(readable: boolean) => void>>();
  private closing = new Set<number>();
  private efd = -1;
  private polling = false;

  private wake(): void {
    if (this.efd < 0) return;
    const one = Buffer.alloc(8);
    one.writeBigUInt64LE(1n);
    libc().write(this.efd, one, 8);
  }

  waitReadable(fd: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.waiters.get(fd);
      if (!set) this.waiters.set(fd, (set = new Set()));
      const onAbort = () => {
        done(false);
        this.wake();
      };
      const done = (readable: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(fd) === set) this.waiters.delete(fd);
        // Nobody waits any more: let the poll return, so it holds no worker thread while idle.
        if (this.waiters.size === 0 && this.polling) this.wake();
        resolve(readable);
      };
      const timer = setTimeout(() => {
        done(false);
        this.wake();
      }, Math.max(0, timeoutMs));
      set.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.start();
    });
  }

  forget(fd: number): void {
    for (const w of Array.from(this.waiters.get(fd) ?? [])) w(false);
    this.waiters.delete(fd);
    if (this.polling) {
      this.closing.add(fd);
      this.wake();
    } else libc().close(fd);
  }

  private start(): void {
    if (this.polling) {
      this.wake();
      return;
    }
    const c = libc();
    if (this.efd < 0) {
      this.efd = c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (this.efd < 0) throw new SyscallError(c.errno(), 'creating eventfd');
    }
    this.polling = true;
    const fds = [this.efd, ...this.waiters.keys()];
    const pfd = Buffer.alloc(fds.length * 8);
    fds.forEach((fd, i) => {
      pfd.writeInt32LE(fd, i * 8);
      pfd.writeInt16LE(POLLIN, i * 8 + 4);
    });
    c.poll.async(pfd, fds.length, 60_000, () => {
      this.polling = false;
      const drainBuf = Buffer.alloc(8);
      c.read(this.efd, drainBuf, 8);
      for (const fd of this.closing) c.close(fd);
      this.closing.clear();
      // Without relying on revents: every waiter re-checks its socket (recv is non-blocking).
      for (const [, set] of this.waiters) for (const w of Array.from(set)) w(true);
      if (this.waiters.size > 0) this.start();
    });
  }
}

const poller = new Poller();

/** Resolves true when the link's socket may be readable, false after `timeoutMs`. */
export function waitReadable(link: PacketLink, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return poller.waitReadable(link.fd, timeoutMs, signal);
}
