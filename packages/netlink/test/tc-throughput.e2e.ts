// Throughput through the shaping the bandwidth plugin sets up, built with this library: a TBF on
// the host veth (traffic towards the container) and, the other way, the host veth's ingress
// redirected to an IFB with a TBF. A bounded TCP transfer between two throwaway namespaces
// (Node sender and receiver, addresses inside the test's namespaces only) measures the rate.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NODE, checkLeaks, testEnv, type TestNetns } from '@cni-ts/testkit';
import { bandwidthTbf, openHandle, openNetns, pschedClock } from '../src/index';

const PORT = 5201;

const RECEIVER = `
const net = require('node:net');
const srv = net.createServer((s) => {
  let bytes = 0, first = 0, last = 0;
  s.on('data', (d) => { const t = performance.now(); if (!first) first = t; last = t; bytes += d.length; });
  s.on('end', () => { process.stdout.write(JSON.stringify({ bytes, ms: last - first }) + '\\n'); srv.close(); });
});
srv.listen(${PORT}, process.argv[1], () => process.stdout.write('ready\\n'));
`;

const SENDER = `
const net = require('node:net');
const s = net.connect(${PORT}, process.argv[1], () => s.end(Buffer.alloc(Number(process.argv[2]), 0x5a)));
s.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

/** Runs `node -e script` inside a namespace; resolves with stdout when it exits 0. */
function nodeIn(ns: TestNetns, script: string, args: string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, NODE, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const line of d.split('\n')) if (line && onLine) onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node in ${ns.name} exited ${code ?? signal}: ${err.trim()}`));
    });
  });
}

/**
 * Sends `bytes` from `from` to `toIp` (in `to`); returns the rate the receiver saw, bytes/s, from
 * its first byte to its last. A token bucket lets its `burst` through at once and then `rate`
 * per second, so that much is left out of the count.
 */
async function transfer(from: TestNetns, to: TestNetns, toIp: string, bytes: number, burst = 0): Promise<number> {
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const receiving = nodeIn(to, RECEIVER, [toIp], (l) => l === 'ready' && ready());
  await Promise.race([isReady, receiving]);
  await nodeIn(from, SENDER, [toIp, String(bytes)]);
  const result = JSON.parse((await receiving).trim().split('\n').at(-1)!) as { bytes: number; ms: number };
  expect(result.bytes).toBe(bytes);
  return ((result.bytes - burst) / Math.max(result.ms, 0.001)) * 1000;
}

/**
 * Measures a shaped transfer until it lands within ±20 % of `rate`: every attempt must stay under
 * +20 % (the shaping never lets more through), and one of three must reach -20 % (on a machine
 * loaded by other suites, softirq work is deferred to ksoftirqd and a run can fall short of the
 * rate for reasons that are not the qdisc's).
 */
async function expectRate(rate: number, measure: () => Promise<number>): Promise<void> {
  const seen: number[] = [];
  const mbits = () => seen.map((r) => ((r * 8) / 1e6).toFixed(2)).join(', ');
  for (let i = 0; i < 3; i++) {
    const got = await measure();
    seen.push(got);
    expect(got, `${mbits()} Mbit/s for ${(rate * 8) / 1e6} Mbit/s`).toBeLessThan(rate * 1.2);
    if (got > rate * 0.8) return;
  }
  expect.fail(`${mbits()} Mbit/s: below ${(rate * 8 * 0.8) / 1e6} Mbit/s in 3 attempts`);
}

/**
 * container `tp1` 10.66.9.2 <-> host `tp0` 10.66.9.1 (the shaped veth) and host `tc0` 10.66.10.1
 * <-> client `tc1` 10.66.10.2; the host forwards between them. Traffic towards the container
 * comes from the client, as a pod's traffic comes from elsewhere: a TBF on the sender's own host
 * would push back into its TCP stack (local drops shrink the window) and measure TCP, not the TBF.
 */
function topology() {
  const env = testEnv();
  const client = env.extra('client');
  const h = openHandle(env.host.path);
  const legs: [TestNetns, string, string, string, string][] = [
    [env.container, 'tp0', 'tp1', '10.66.9.1', '10.66.9.2'],
    [client, 'tc0', 'tc1', '10.66.10.1', '10.66.10.2'],
  ];
  for (const [peerNs, hostEnd, peerEnd, hostIp, peerIp] of legs) {
    const ns = openNetns(peerNs.path);
    try {
      h.linkAdd({ kind: 'veth', name: hostEnd, up: true, peer: { name: peerEnd, netns: ns } });
    } finally {
      ns.close();
    }
    h.addrAdd(hostEnd, `${hostIp}/24`);
    const c = openHandle(peerNs.path);
    try {
      c.linkSetUp(peerEnd);
      c.addrAdd(peerEnd, `${peerIp}/24`);
      c.routeAdd({ dst: 'default', gateway: hostIp });
    } finally {
      c.close();
    }
  }
  h.sysctlSet('net/ipv4/ip_forward', 1);
  return { env, client, h };
}

describe('shaped throughput', () => {
  checkLeaks();

  it('a TBF of 8 Mbit/s on the host veth limits traffic towards the container to 8 Mbit/s ±20 %', async () => {
    const { env, client, h } = topology();
    try {
      // unshaped first: the same transfer is far faster, so the measurement below measures the TBF
      const free = await transfer(client, env.container, '10.66.9.2', 1_000_000);
      expect(free).toBeGreaterThan(5_000_000);
      const t = bandwidthTbf(8_000_000, 1_000_000, pschedClock());
      h.qdiscAdd({ kind: 'tbf', link: 'tp0', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
      await expectRate(1_000_000, () => transfer(client, env.container, '10.66.9.2', 1_325_000, t.burstBytes));
    } finally {
      h.close();
    }
  });

  it('the IFB path (ingress qdisc, u32 match-all, mirred redirect, TBF on the IFB) limits traffic from the container to 16 Mbit/s ±20 %', async () => {
    const { env, client, h } = topology();
    try {
      const t = bandwidthTbf(16_000_000, 2_000_000, pschedClock());
      h.linkAdd({ kind: 'ifb', name: 'tpifb', mtu: 1500, txqlen: 0, up: true });
      h.qdiscAdd({ kind: 'ingress', link: 'tp0' });
      h.filterAdd({ kind: 'u32', link: 'tp0', parent: 'ffff:', priority: 1, classid: '1:1', actions: [{ kind: 'mirred', dev: 'tpifb' }] });
      h.qdiscAdd({ kind: 'tbf', link: 'tpifb', handle: '1:', rate: t.rate, buffer: t.buffer, limit: t.limit });
      await expectRate(2_000_000, () => transfer(env.container, client, '10.66.10.2', 2_650_000, t.burstBytes));
      expect(h.qdiscList('tpifb')[0]!.stats!.bytes).toBeGreaterThan(2_650_000n);
    } finally {
      h.close();
    }
  });
});
