// DHCP exchanges (RFC 2131 §3.1, §4.3.6, §4.4): DISCOVER/OFFER/REQUEST/ACK, RENEW (unicast to
// the server, ciaddr set), REBIND (broadcast, ciaddr set) and RELEASE, over a Transport, with
// upstream's retry policy around them.

import { randomInt } from 'node:crypto';
import {
  BOOTREPLY,
  type DhcpMessage,
  decodeMessage,
  describe,
  encodeMessage,
  FLAG_BROADCAST,
  type IPv4,
  messageType,
  MsgType,
  newMessage,
  Opt,
  optIP,
  optSeconds,
  optText,
} from './message';
import { buildUdp, CLIENT_PORT, parseUdp, SERVER_PORT } from './frame';
import { clientIdOption, type LeaseOptions } from './options';
import {
  BROADCAST_MAC,
  closePacketLink,
  type PacketLink,
  receiveAll,
  sendDatagram,
  waitReadable,
} from './packet';

/** Where a message goes: the IP and link-layer destination, and our source address. */
export interface Destination {
  ip: IPv4;
  mac: Uint8Array;
  src: IPv4;
}

export interface Reply {
  msg: DhcpMessage;
  srcMac: Uint8Array;
}

/** One interface's DHCP traffic. */
export interface Transport {
  readonly mac: Uint8Array;
  send(msg: DhcpMessage, to: Destination): void;
  /** The next BOOTREPLY addressed to our hardware address, or undefined once `deadline` (ms epoch) passes or `signal` aborts. */
  recv(deadline: number, signal?: AbortSignal): Promise<Reply | undefined>;
  close(): void;
}

/** A Transport over the packet socket of packet.ts. */
export class PacketTransport implements Transport {
  private queue: Reply[] = [];
  private readonly link: PacketLink;
  constructor(link: PacketLink) {
    this.link = link;
  }

  get mac(): Uint8Array {
    return this.link.mac;
  }

  send(msg: DhcpMessage, to: Destination): void {
    sendDatagram(this.link, to.mac, buildUdp(to.src, to.ip, CLIENT_PORT, SERVER_PORT, encodeMessage(msg)));
  }

  async recv(deadline: number, signal?: AbortSignal): Promise<Reply | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      for (const r of receiveAll(this.link)) {
        const udp = parseUdp(r.datagram);
        if (!udp || udp.dstPort !== CLIENT_PORT) continue;
        try {
          const msg = decodeMessage(udp.payload);
          if (msg.op === BOOTREPLY && Buffer.from(msg.chaddr).equals(Buffer.from(this.link.mac))) this.queue.push({ msg, srcMac: r.srcMac });
        } catch {
          // not a DHCP message: ignore
        }
      }
      const next = this.queue.shift();
      if (next) return next;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await waitReadable(this.link, left, signal);
    }
  }

  close(): void {
    closePacketLink(this.link);
  }
}

/** A bound lease: the ACK and what the daemon needs to renew and release it. */
export interface Bound {
  ack: DhcpMessage;
  /** the server's identifier (option 54), or the ACK's source if absent */
  serverId: IPv4;
  /** the link-layer address the ACK came from (the server, or the relay in front of it) */
  serverMac: Uint8Array;
  /** when the ACK arrived (ms epoch) */
  boundAt: number;
  /** lease time, T1 and T2 in seconds */
  leaseTime: number;
  t1: number;
  t2: number;
}

export const DEFAULT_LEASE_TIME = 3600;

export function bind(ack: DhcpMessage, serverMac: Uint8Array, boundAt = Date.now()): Bound {
  const leaseTime = optSeconds(ack, Opt.LeaseTime) ?? DEFAULT_LEASE_TIME;
  // upstream: rebinding defaults to 85 % and renewal to 50 % of the lease (integer durations).
  const t2 = optSeconds(ack, Opt.RebindingTime) ?? (leaseTime * 85) / 100;
  const t1 = optSeconds(ack, Opt.RenewalTime) ?? leaseTime / 2;
  return { ack, serverId: optIP(ack, Opt.ServerId) ?? ack.siaddr, serverMac, boundAt, leaseTime, t1, t2 };
}

export function renewAt(b: Bound): number {
  return b.boundAt + b.t1 * 1000;
}
export function rebindAt(b: Bound): number {
  return b.boundAt + b.t2 * 1000;
}
export function expiresAt(b: Bound): number {
  return b.boundAt + b.leaseTime * 1000;
}

export class NakError extends Error {
  override name = 'NakError';
}

/** No answer within the per-request timeout (nclient4's text). */
export class NoResponseError extends Error {
  override name = 'NoResponseError';
  constructor() {
    super('no matching response packet received');
  }
}

export interface ExchangeOptions {
  clientId: string;
  options: LeaseOptions;
  /** set the BOOTP broadcast flag (the daemon's -broadcast) */
  broadcast: boolean;
  /** how long to wait for each answer, ms */
  timeoutMs: number;
  /** abort everything (DEL, shutdown) */
  signal?: AbortSignal;
}

function xid(): number {
  return randomInt(0, 0x1_0000_0000);
}

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

function baseMessage(t: Transport, type: number, o: ExchangeOptions, fields: Partial<DhcpMessage> = {}): DhcpMessage {
  const m = newMessage({ xid: xid(), chaddr: t.mac, ...fields });
  m.options.set(Opt.MessageType, Uint8Array.of(type));
  return m;
}

/** Options every DISCOVER and REQUEST carries: 55, 57, 61 and the provided ones. */
function addLeaseOptions(m: DhcpMessage, o: ExchangeOptions): void {
  m.options.set(Opt.ParamRequestList, Uint8Array.from(o.options.requested));
  m.options.set(Opt.MaxMessageSize, Uint8Array.of(1500 >> 8, 1500 & 0xff));
  m.options.set(Opt.ClientId, clientIdOption(o.clientId));
  for (const [code, value] of o.options.provide) m.options.set(code, value);
}

async function awaitReply(t: Transport, deadline: number, signal: AbortSignal | undefined, match: (r: Reply) => boolean): Promise<Reply> {
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const r = await t.recv(deadline, signal);
    if (signal?.aborted) throw signal.reason;
    if (!r) throw new NoResponseError();
    if (match(r)) return r;
  }
}

function stopAt(o: ExchangeOptions, deadline?: number): number {
  const d = Date.now() + o.timeoutMs;
  return deadline === undefined ? d : Math.min(d, deadline);
}

/** DISCOVER, OFFER, REQUEST (selecting), ACK: one attempt. */
export async function discoverAndRequest(t: Transport, o: ExchangeOptions, deadline?: number): Promise<Bound> {
  const flags = o.broadcast ? FLAG_BROADCAST : 0;
  const discover = baseMessage(t, MsgType.Discover, o, { flags });
  addLeaseOptions(discover, o);
  t.send(discover, { ip: BROADCAST, mac: BROADCAST_MAC, src: ZERO });
  const offer = await awaitReply(t, stopAt(o, deadline), o.signal, (r) => r.msg.xid === discover.xid && messageType(r.msg) === MsgType.Offer);
  const serverId = optIP(offer.msg, Opt.ServerId);
  const request = baseMessage(t, MsgType.Request, o, { flags });
  addLeaseOptions(request, o);
  request.options.set(Opt.RequestedIP, Buffer.from(offer.msg.yiaddr.split('.').map(Number)));
  if (serverId) request.options.set(Opt.ServerId, offer.msg.options.get(Opt.ServerId)!);
  return requestLease(t, request, { ip: BROADCAST, mac: BROADCAST_MAC, src: ZERO }, o, serverId, deadline);
}

/** Sends a REQUEST and waits for its ACK (bound) or NAK (thrown), from `serverId` when given. */
async function requestLease(t: Transport, request: DhcpMessage, to: Destination, o: ExchangeOptions, serverId: IPv4 | undefined, deadline?: number): Promise<Bound> {
  t.send(request, to);
  const reply = await awaitReply(t, stopAt(o, deadline), o.signal, (r) => {
    const type = messageType(r.msg);
    const from = optIP(r.msg, Opt.ServerId);
    return r.msg.xid === request.xid && (type === MsgType.Ack || type === MsgType.Nak) && (serverId === undefined || from === undefined || from === serverId);
  });
  if (messageType(reply.msg) === MsgType.Nak) throw nak(reply.msg);
  return bind(reply.msg, reply.srcMac);
}

function nak(m: DhcpMessage): NakError {
  const text = optText(m, Opt.Message);
  return new NakError(text ? `server rejected request with Nak (msg: ${text})` : 'server rejected request with Nak');
}

/**
 * RENEWING (`unicast`: to the server that granted the lease, RFC 2131 §4.3.6 and §4.4.5) or
 * REBINDING (broadcast): a REQUEST with ciaddr = our address and neither requested-IP nor
 * server-id. One attempt.
 */
export async function renew(t: Transport, lease: Bound, o: ExchangeOptions, unicast: boolean, deadline?: number): Promise<Bound> {
  const request = baseMessage(t, MsgType.Request, o, { ciaddr: lease.ack.yiaddr });
  addLeaseOptions(request, o);
  const to = unicast ? { ip: lease.serverId, mac: lease.serverMac, src: lease.ack.yiaddr } : { ip: BROADCAST, mac: BROADCAST_MAC, src: lease.ack.yiaddr };
  return requestLease(t, request, to, o, unicast ? lease.serverId : undefined, deadline);
}

/** RELEASE: unicast to the server, ciaddr and source = our address, server-id and client-id set. */
export function release(t: Transport, lease: Bound, o: Pick<ExchangeOptions, 'clientId'>): void {
  const m = newMessage({ xid: xid(), chaddr: t.mac, ciaddr: lease.ack.yiaddr });
  m.options.set(Opt.MessageType, Uint8Array.of(MsgType.Release));
  m.options.set(Opt.ServerId, Buffer.from(lease.serverId.split('.').map(Number)));
  m.options.set(Opt.ClientId, clientIdOption(o.clientId));
  t.send(m, { ip: lease.serverId, mac: lease.serverMac, src: lease.ack.yiaddr });
}

// ---- retry policy (upstream's backoffRetry) -----------------------------------------------------

export const RESEND_FAST_DELAY = 2000;
export const RESEND_FAST_MAX = 4;
export const RESEND_DELAY0 = 4000;

/** The delays between attempts: 4 at 2 s, then 4 s doubling while below `resendMaxMs`, each ±1 s. */
export function* backoffDelays(resendMaxMs: number, random: () => number = Math.random): Generator<number> {
  let base = RESEND_DELAY0;
  for (let i = 0; i < RESEND_FAST_MAX; i++) yield RESEND_FAST_DELAY + jitter(random);
  for (;;) {
    yield base + jitter(random);
    if (base < resendMaxMs) base *= 2;
  }
}

function jitter(random: () => number): number {
  return 1000 * (2 * random() - 1);
}

export class NoMoreTriesError extends Error {
  override name = 'NoMoreTriesError';
  constructor() {
    super('no more tries');
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, sleeping `backoffDelays` between failures, and gives up
 * with "no more tries" once `deadline` would pass (upstream's -resendtimeout). `log` gets every
 * failure.
 */
export async function withRetries<T>(
  attempt: (deadline: number) => Promise<T>,
  opts: { deadline: number; resendMaxMs: number; signal?: AbortSignal; log?: (msg: string) => void },
): Promise<T> {
  const delays = backoffDelays(opts.resendMaxMs);
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    try {
      return await attempt(opts.deadline);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof NakError === false && !(err instanceof NoResponseError)) throw err;
      opts.log?.(`${(err as Error).message}`);
      const delay = delays.next().value as number;
      if (Date.now() + delay >= opts.deadline) throw new NoMoreTriesError();
      opts.log?.(`retrying in ${(delay / 1000).toFixed(6)} seconds`);
      await sleep(delay, opts.signal);
    }
  }
}

export { describe };
