import { describe, expect, it } from 'vitest';
import {
  backoffDelays,
  bind,
  type Destination,
  discoverAndRequest,
  NakError,
  NoMoreTriesError,
  release,
  renew,
  type Reply,
  type Transport,
  withRetries,
} from './client';
import { buildUdp, parseUdp } from './frame';
import { classlessRoutes, decodeMessage, type DhcpMessage, encodeMessage, messageType, MsgType, newMessage, Opt, optIP, staticRoutes } from './message';
import { clientIdOf, prepareOptions, resultFromAck } from './options';

const MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);
const SRV_MAC = Uint8Array.of(2, 0, 0, 0, 0, 0xaa);
const ip = (s: string) => Uint8Array.from(s.split('.').map(Number));
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

function sum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

function ack(fields: Partial<DhcpMessage> = {}, opts: [number, Uint8Array][] = []): DhcpMessage {
  const m = newMessage({ op: 2, xid: 1, chaddr: MAC, yiaddr: '10.1.0.9', ...fields });
  m.options.set(Opt.MessageType, Uint8Array.of(MsgType.Ack));
  m.options.set(Opt.ServerId, ip('10.1.0.1'));
  for (const [c, v] of opts) m.options.set(c, v);
  return m;
}

describe('DHCP messages', () => {
  it('round-trips fields and options, message type first, split long options, pads to 300 bytes', () => {
    const m = newMessage({ xid: 0xdeadbeef, chaddr: MAC, flags: 0x8000, ciaddr: '10.0.0.5' });
    m.options.set(Opt.ClientId, Buffer.from('\0abc'));
    m.options.set(Opt.MessageType, Uint8Array.of(MsgType.Discover));
    m.options.set(200, new Uint8Array(300).fill(7));
    const b = encodeMessage(m);
    expect(b.length).toBeGreaterThanOrEqual(300);
    expect(b[240]).toBe(Opt.MessageType);
    const d = decodeMessage(b);
    expect(d.xid).toBe(0xdeadbeef);
    expect(d.flags).toBe(0x8000);
    expect(d.ciaddr).toBe('10.0.0.5');
    expect(Buffer.from(d.chaddr)).toEqual(Buffer.from(MAC));
    expect(d.options.get(200)?.length).toBe(300);
    expect(messageType(d)).toBe(MsgType.Discover);
  });

  it('rejects short and non-DHCP payloads', () => {
    expect(() => decodeMessage(new Uint8Array(100))).toThrow(/too short/);
    expect(() => decodeMessage(new Uint8Array(300))).toThrow(/magic/);
  });

  it('parses option 121 (RFC 3442) and option 33 (classful)', () => {
    const m = ack({}, [
      [Opt.ClasslessRoutes, Uint8Array.of(16, 10, 99, 10, 1, 0, 1, 0, 10, 1, 0, 1, 24, 192, 168, 5, 0, 0, 0, 0)],
      [Opt.StaticRoutes, Uint8Array.of(10, 2, 3, 4, 10, 1, 0, 1, 172, 16, 0, 0, 10, 1, 0, 1, 224, 0, 0, 0, 10, 1, 0, 1)],
    ]);
    expect(classlessRoutes(m)).toEqual([
      { dst: '10.99.0.0/16', router: '10.1.0.1' },
      { dst: '0.0.0.0/0', router: '10.1.0.1' },
      { dst: '192.168.5.0/24', router: '0.0.0.0' },
    ]);
    expect(staticRoutes(m)).toEqual([
      { dst: '10.2.3.4/8', router: '10.1.0.1' },
      { dst: '172.16.0.0/16', router: '10.1.0.1' },
    ]);
    expect(classlessRoutes(ack({}, [[Opt.ClasslessRoutes, Uint8Array.of(33, 1, 2, 3, 4)]]))).toBeUndefined();
  });

  it('frames IPv4/UDP with valid checksums and parses it back', () => {
    const dg = buildUdp('0.0.0.0', '255.255.255.255', 68, 67, Buffer.from('hello'));
    expect(sum(dg.subarray(0, 20))).toBe(0xffff);
    expect(parseUdp(dg)).toEqual({ src: '0.0.0.0', dst: '255.255.255.255', srcPort: 68, dstPort: 67, payload: Uint8Array.from(Buffer.from('hello')) });
    const frag = Uint8Array.from(dg);
    frag[6] = 0x20; // more fragments
    expect(parseUdp(frag)).toBeUndefined();
  });
});

describe('options (upstream prepareOptions)', () => {
  it('builds option 55 from request plus the defaults, sorted', () => {
    expect(prepareOptions('', [], [{ option: '121' }]).requested).toEqual([1, 3, 121]);
    expect(prepareOptions('', [], [{ option: 'host-name', skipDefault: true }]).requested).toEqual([12]);
    // the docs' own example: an entry without an option name (accepted since v1.6.0)
    expect(prepareOptions('', [], [{ skipDefault: false }]).requested).toEqual([1, 3]);
    // nothing at all: the library's own list
    expect(prepareOptions('', [], [{ skipDefault: true }]).requested).toEqual([1, 3, 6, 15]);
  });

  it('takes provided values literally or from CNI_ARGS', () => {
    const o = prepareOptions('IgnoreUnknown=1;K8S_POD_NAME=web-0;X=a=b', [{ option: 'host-name', fromArg: 'K8S_POD_NAME' }, { option: '60', value: 'vc' }, { option: 'user-class', fromArg: 'X' }], []);
    expect(o.provide.map(([c, v]) => [c, Buffer.from(v).toString()])).toEqual([
      [12, 'web-0'],
      [60, 'vc'],
      [77, 'a=b'],
    ]);
  });

  it("fails with upstream's texts", () => {
    expect(() => prepareOptions('', [{ option: 'hostname', value: 'x' }], [])).toThrow(
      'Can not parse option "hostname": Can not parse option: strconv.ParseUint: parsing "hostname": invalid syntax',
    );
    expect(() => prepareOptions('', [], [{ option: '256' }])).toThrow('Can not parse option "256": Can not parse option: strconv.ParseUint: parsing "256": value out of range');
    expect(() => prepareOptions('', [{ option: 'host-name', value: 'x'.repeat(256) }], [])).toThrow(/^value too long for option "host-name": "x{256}"$/);
    expect(() => prepareOptions(`A=${'y'.repeat(300)}`, [{ option: 'host-name', fromArg: 'A' }], [])).toThrow(/value too long for option "host-name" from CNI_ARGS "A"/);
  });

  it('client id is containerID/network/ifname, cut at 254 bytes', () => {
    expect(clientIdOf('c', 'n', 'eth0')).toBe('c/n/eth0');
    expect(clientIdOf('c'.repeat(300), 'n', 'eth0')).toHaveLength(254);
  });
});

describe('the result of an ACK', () => {
  it('address, gateway and a default route without option 121', () => {
    const r = resultFromAck(ack({}, [
      [Opt.SubnetMask, ip('255.255.255.0')],
      [Opt.Router, Uint8Array.of(...ip('10.1.0.1'), ...ip('10.1.0.2'))],
      [Opt.StaticRoutes, Uint8Array.of(...ip('172.16.0.0'), ...ip('10.1.0.3'))],
    ]), 7);
    expect(r).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.0.9/24', gateway: '10.1.0.1' }],
      routes: [
        { dst: '172.16.0.0/16', gw: '10.1.0.3', priority: 7 },
        { dst: '0.0.0.0/0', gw: '10.1.0.1', priority: 7 },
      ],
      dns: {},
    });
  });

  it('option 121 alone when present, on-link routes with scope link', () => {
    const r = resultFromAck(ack({}, [
      [Opt.SubnetMask, ip('255.255.0.0')],
      [Opt.Router, ip('10.1.0.1')],
      [Opt.ClasslessRoutes, Uint8Array.of(24, 192, 168, 5, 0, 0, 0, 0, 0, 10, 1, 0, 254)],
    ]));
    expect(r.routes).toEqual([
      { dst: '192.168.5.0/24', gw: '0.0.0.0', scope: 253 },
      { dst: '0.0.0.0/0', gw: '10.1.0.254' },
    ]);
  });

  it('needs a subnet mask', () => {
    expect(() => resultFromAck(ack())).toThrow('DHCP option Subnet Mask not found in DHCPACK');
  });
});

/** An in-memory DHCP server behind a Transport. */
class FakeNet implements Transport {
  readonly mac = MAC;
  sent: { msg: DhcpMessage; to: Destination }[] = [];
  private queue: Reply[] = [];
  answer: 'ack' | 'nak' | 'silent' = 'ack';

  send(msg: DhcpMessage, to: Destination): void {
    this.sent.push({ msg: decodeMessage(encodeMessage(msg)), to });
    if (this.answer === 'silent') return;
    const type = messageType(msg);
    const reply = (t: number) => {
      const r = ack({ xid: msg.xid, yiaddr: '10.1.0.9' }, [
        [Opt.SubnetMask, ip('255.255.255.0')],
        [Opt.LeaseTime, u32(20)],
      ]);
      r.options.set(Opt.MessageType, Uint8Array.of(t));
      this.queue.push({ msg: r, srcMac: SRV_MAC });
    };
    if (type === MsgType.Discover) reply(MsgType.Offer);
    if (type === MsgType.Request) reply(this.answer === 'nak' ? MsgType.Nak : MsgType.Ack);
  }

  async recv(deadline: number): Promise<Reply | undefined> {
    const r = this.queue.shift();
    if (r) return r;
    await new Promise((res) => setTimeout(res, Math.max(0, Math.min(20, deadline - Date.now()))));
    return this.queue.shift();
  }

  close(): void {}
}

const EX = { clientId: 'c/n/eth0', options: prepareOptions('', [{ option: 'host-name', value: 'pod' }], []), broadcast: false, timeoutMs: 50 };

describe('exchanges', () => {
  it('DORA: broadcast DISCOVER and REQUEST with client id, 55, 57, provided options, 50 and 54', async () => {
    const net = new FakeNet();
    const b = await discoverAndRequest(net, EX);
    expect(b.ack.yiaddr).toBe('10.1.0.9');
    expect(b.leaseTime).toBe(20);
    expect(b.t1).toBe(10);
    expect(b.t2).toBe(17);
    const [d, r] = net.sent;
    expect(messageType(d!.msg)).toBe(MsgType.Discover);
    expect(d!.to).toEqual({ ip: '255.255.255.255', mac: Uint8Array.of(255, 255, 255, 255, 255, 255), src: '0.0.0.0' });
    expect(Buffer.from(d!.msg.options.get(Opt.ClientId)!).toString('latin1')).toBe('\0c/n/eth0');
    expect([...d!.msg.options.get(Opt.ParamRequestList)!]).toEqual([1, 3]);
    expect(Buffer.from(d!.msg.options.get(Opt.HostName)!).toString()).toBe('pod');
    expect(d!.msg.flags).toBe(0);
    expect(optIP(r!.msg, Opt.RequestedIP)).toBe('10.1.0.9');
    expect(optIP(r!.msg, Opt.ServerId)).toBe('10.1.0.1');
    expect(r!.msg.ciaddr).toBe('0.0.0.0');
  });

  it('RENEW is unicast to the server with ciaddr and without 50/54; REBIND is broadcast; RELEASE unicast with ciaddr', async () => {
    const net = new FakeNet();
    const lease = bind(ack({}, [[Opt.SubnetMask, ip('255.255.255.0')]]), SRV_MAC);
    await renew(net, lease, EX, true);
    await renew(net, lease, EX, false);
    release(net, lease, EX);
    const [rn, rb, rl] = net.sent;
    expect(rn!.to).toEqual({ ip: '10.1.0.1', mac: SRV_MAC, src: '10.1.0.9' });
    expect(rn!.msg.ciaddr).toBe('10.1.0.9');
    expect(rn!.msg.options.has(Opt.RequestedIP)).toBe(false);
    expect(rn!.msg.options.has(Opt.ServerId)).toBe(false);
    expect(rb!.to.ip).toBe('255.255.255.255');
    expect(messageType(rl!.msg)).toBe(MsgType.Release);
    expect(rl!.to).toEqual({ ip: '10.1.0.1', mac: SRV_MAC, src: '10.1.0.9' });
    expect(rl!.msg.ciaddr).toBe('10.1.0.9');
    expect(optIP(rl!.msg, Opt.ServerId)).toBe('10.1.0.1');
  });

  it('-broadcast sets the BOOTP broadcast flag', async () => {
    const net = new FakeNet();
    await discoverAndRequest(net, { ...EX, broadcast: true });
    expect(net.sent.map((s) => s.msg.flags)).toEqual([0x8000, 0x8000]);
  });

  it('a NAK is an error; silence is retried until the resend timeout says "no more tries"', async () => {
    const net = new FakeNet();
    net.answer = 'nak';
    await expect(discoverAndRequest(net, EX)).rejects.toBeInstanceOf(NakError);
    net.answer = 'silent';
    const start = Date.now();
    await expect(withRetries((d) => discoverAndRequest(net, EX, d), { deadline: Date.now() + 300, resendMaxMs: 62_000 })).rejects.toBeInstanceOf(NoMoreTriesError);
    expect(Date.now() - start).toBeLessThan(400);
  });

  it('backs off 4 times at 2 s, then 4 s doubling up to resendmax, with ±1 s jitter', () => {
    const g = backoffDelays(16_000, () => 0.5);
    expect(Array.from({ length: 9 }, () => g.next().value)).toEqual([2000, 2000, 2000, 2000, 4000, 8000, 16000, 16000, 16000]);
    const lo = backoffDelays(62_000, () => 0);
    expect(lo.next().value).toBe(1000);
  });
});
