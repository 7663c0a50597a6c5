import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination, Reply, Transport } from '../dhcp/client';
import { type DhcpMessage, decodeMessage, encodeMessage, messageType, MsgType, newMessage, Opt } from '../dhcp/message';
import type { CmdArgs } from '../wire';
import type { Presence } from './lease';
import { DhcpService } from './service';

const MAC = Uint8Array.of(2, 0, 0, 0, 0, 1);
const SRV_MAC = Uint8Array.of(2, 0, 0, 0, 0, 0xaa);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** One DHCP server for every transport the daemon opens. */
class FakeServer {
  mode: 'ack' | 'nak' | 'silent' = 'ack';
  mask = true;
  leaseTime = 2;
  log: { type: number; to: Destination; msg: DhcpMessage }[] = [];

  transport(): Transport {
    const queue: Reply[] = [];
    return {
      mac: MAC,
      send: (msg, to) => {
        const m = decodeMessage(encodeMessage(msg));
        this.log.push({ type: messageType(m), to, msg: m });
        if (this.mode === 'silent') return;
        const type = messageType(m);
        if (type !== MsgType.Discover && type !== MsgType.Request) return;
        const r = newMessage({ op: 2, xid: m.xid, chaddr: MAC, yiaddr: '10.5.0.7' });
        const t = type === MsgType.Discover ? MsgType.Offer : this.mode === 'nak' ? MsgType.Nak : MsgType.Ack;
        r.options.set(Opt.MessageType, Uint8Array.of(t));
        r.options.set(Opt.ServerId, Uint8Array.of(10, 5, 0, 1));
        if (this.mask) r.options.set(Opt.SubnetMask, Uint8Array.of(255, 255, 0, 0));
        r.options.set(Opt.Router, Uint8Array.of(10, 5, 0, 1));
        r.options.set(Opt.LeaseTime, u32(this.leaseTime));
        queue.push({ msg: r, srcMac: SRV_MAC });
      },
      recv: async (deadline) => {
        if (!queue.length) await new Promise((res) => setTimeout(res, Math.max(0, Math.min(10, deadline - Date.now()))));
        return queue.shift();
      },
      close: () => {},
    };
  }

  count(type: number): number {
    return this.log.filter((l) => l.type === type).length;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let server: FakeServer;
let where: Presence;
let downs: string[];
const services: DhcpService[] = [];

let seenNetns: string[] = [];

function service(hostPrefix = ''): DhcpService {
  const s = new DhcpService({
    hostPrefix,
    timeoutMs: 100,
    resendMaxMs: 62_000,
    resendTimeoutMs: 400,
    broadcast: false,
    stateDir: dir,
    log: () => {},
    openTransport: (netns) => {
      seenNetns.push(netns);
      return server.transport();
    },
    presence: () => where,
    linkDown: (_ns, ifname) => void downs.push(ifname),
  });
  services.push(s);
  return s;
}

function args(over: Partial<CmdArgs> = {}, ipam: Record<string, unknown> = { type: 'dhcp' }): CmdArgs {
  return {
    containerId: 'ctr',
    netns: '/run/netns/x',
    ifname: 'eth0',
    args: '',
    path: '',
    netnsOverride: '',
    stdin: Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'net', ipam })),
    ...over,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhcp-svc-'));
  server = new FakeServer();
  where = 'present';
  downs = [];
  seenNetns = [];
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('DhcpService', () => {
  it('allocates, renews at T1 (unicast), keeps the lease on disk, releases on DEL', async () => {
    const s = service();
    const r = await s.allocate(args());
    expect(r).toEqual({
      cniVersion: '1.1.0',
      ips: [{ address: '10.5.0.7/16', gateway: '10.5.0.1' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.5.0.1' }],
      dns: {},
    });
    expect(readdirSync(dir)).toHaveLength(1);
    await sleep(1300); // T1 = 1 s
    const renews = server.log.filter((l) => l.type === MsgType.Request && l.msg.ciaddr === '10.5.0.7');
    expect(renews.length).toBeGreaterThanOrEqual(1);
    expect(renews[0]!.to.ip).toBe('10.5.0.1');
    expect(s.status()[0]).toMatchObject({ clientId: 'ctr/net/eth0', address: '10.5.0.7', state: 'bound' });
    await s.release(args());
    expect(server.count(MsgType.Release)).toBe(1);
    expect(s.status()).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('a repeated ADD reuses the lease; one whose upkeep ended gets a new one (upstream blocks forever)', async () => {
    const s = service();
    await s.allocate(args());
    await s.allocate(args());
    expect(server.count(MsgType.Discover)).toBe(1);
    where = 'link-gone';
    await sleep(1200);
    expect(s.status()).toEqual([]);
    where = 'present';
    await s.allocate(args());
    expect(server.count(MsgType.Discover)).toBe(2);
  });

  it('a NAK on renewal: the interface goes down and the lease is dropped', async () => {
    const s = service();
    await s.allocate(args());
    server.mode = 'nak';
    await sleep(1300);
    expect(downs).toEqual(['eth0']);
    expect(s.status()).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('a namespace that is gone: dropped without a renewal', async () => {
    const s = service();
    await s.allocate(args());
    where = 'netns-gone';
    await sleep(1200);
    expect(s.status()).toEqual([]);
    expect(server.log.filter((l) => l.msg.ciaddr === '10.5.0.7')).toEqual([]);
  });

  it('a new daemon re-adopts saved leases; DEL then releases them', async () => {
    server.leaseTime = 60;
    const a = service();
    await a.allocate(args({ containerId: 'one' }));
    await a.shutdown();
    expect(server.count(MsgType.Release)).toBe(0);
    const b = service();
    expect(b.restore()).toBe(1);
    expect(b.status()[0]).toMatchObject({ clientId: 'one/net/eth0', address: '10.5.0.7' });
    await b.release(args({ containerId: 'one' }));
    expect(server.count(MsgType.Release)).toBe(1);
    expect(server.log.at(-1)!.to).toEqual({ ip: '10.5.0.1', mac: SRV_MAC, src: '10.5.0.7' });
  });

  it('a DEL cancels an ADD still trying to get the same lease', async () => {
    server.mode = 'silent';
    const s = new DhcpService({
      hostPrefix: '',
      timeoutMs: 100,
      resendMaxMs: 62_000,
      resendTimeoutMs: 60_000,
      broadcast: false,
      stateDir: dir,
      log: () => {},
      openTransport: () => server.transport(),
      presence: () => where,
    });
    services.push(s);
    const add = s.allocate(args());
    await sleep(300);
    const start = Date.now();
    await s.release(args());
    await expect(add).rejects.toThrow('lease acquisition cancelled by DEL');
    expect(Date.now() - start).toBeLessThan(1000);
    expect(s.status()).toEqual([]);
  });

  it('GC releases the leases of this network whose attachment is not valid any more', async () => {
    server.leaseTime = 60;
    const s = service();
    await s.allocate(args({ containerId: 'keep' }));
    await s.allocate(args({ containerId: 'stale' }));
    await s.allocate(args({ containerId: 'stale' }, { type: 'dhcp' }));
    const other = { ...args({ containerId: 'stale' }), stdin: Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'other', ipam: {} })) };
    await s.allocate(other);
    const gc = (valid: unknown) => ({ ...args({ containerId: '', netns: '', ifname: '' }), stdin: Buffer.from(JSON.stringify({ cniVersion: '1.1.0', name: 'net', ipam: {}, 'cni.dev/valid-attachments': valid })) });
    // no list at all: nothing is known to be stale
    expect(await s.gc({ ...gc([]), stdin: Buffer.from('{"name":"net","ipam":{}}') })).toEqual([]);
    expect(await s.gc(gc([{ containerID: 'keep', ifname: 'eth0' }]))).toEqual(['stale/net/eth0']);
    expect(server.count(MsgType.Release)).toBe(1);
    expect(s.status().map((l) => l.clientId).toSorted()).toEqual(['keep/net/eth0', 'stale/other/eth0']);
  });

  it('-hostprefix goes in front of every namespace path', async () => {
    const s = service('/host');
    await s.allocate(args({ netns: '/var/run/netns/x' }));
    expect(seenNetns).toEqual(['/host/var/run/netns/x']);
    expect(s.status()[0]!.netns).toBe('/host/var/run/netns/x');
  });

  it("errors: upstream's texts, no lease kept", async () => {
    const s = service();
    await expect(s.allocate({ ...args(), stdin: Buffer.from('{"name":"n"}') })).rejects.toThrow("error parsing netconf: IPAM config missing 'ipam' key");
    await expect(s.allocate({ ...args(), stdin: Buffer.from('{"name":"n","ipam":{"provide":"x"}}') })).rejects.toThrow(
      'error parsing netconf: json: cannot unmarshal string into Go struct field IPAMConfig.ipam.provide of type []main.ProvideOption',
    );
    server.mask = false;
    await expect(s.allocate(args())).rejects.toThrow('DHCP option Subnet Mask not found in DHCPACK');
    expect(server.count(MsgType.Release)).toBe(1);
    server.mode = 'silent';
    await expect(s.allocate(args({ containerId: 'q' }))).rejects.toThrow('no more tries');
    expect(s.status()).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(0);
  });
});
