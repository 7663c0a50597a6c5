// Bounded TCP transfers between throwaway namespaces, to measure what a shaping qdisc lets
// through: a Node receiver and sender (addresses inside the test's namespaces only), the rate the
// receiver saw, and a bounded-attempts check of a rate within ±20 %. Used by netlink's tc tests
// and the bandwidth plugin's.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { TestNetns } from './env';
import { NODE } from './plugin-exec';
import { must } from './_exec';

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
export async function transfer(from: TestNetns, to: TestNetns, toIp: string, bytes: number, burst = 0): Promise<number> {
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
 * Measures a shaped transfer until it lands within ±20 % of `rate` (bytes/s): every attempt must
 * stay under +20 % (the shaping never lets more through), and one of three must reach -20 % (on a
 * machine loaded by other suites, softirq work is deferred to ksoftirqd and a run can fall short
 * of the rate for reasons that are not the qdisc's). Returns the rates seen.
 */
export async function expectRate(rate: number, measure: () => Promise<number>): Promise<number[]> {
  const seen: number[] = [];
  const mbits = () => seen.map((r) => ((r * 8) / 1e6).toFixed(2)).join(', ');
  for (let i = 0; i < 3; i++) {
    const got = await measure();
    seen.push(got);
    expect(got, `${mbits()} Mbit/s for ${(rate * 8) / 1e6} Mbit/s`).toBeLessThan(rate * 1.2);
    if (got > rate * 0.8) return seen;
  }
  return expect.fail(`${mbits()} Mbit/s: below ${(rate * 8 * 0.8) / 1e6} Mbit/s in 3 attempts`);
}

/**
 * Connects `peer` to `host` with a veth (`hostEnd` in host, `peerEnd` in peer), addresses on both
 * ends (CIDRs), the peer's default route via the host end and forwarding on in the host: a sender
 * or receiver "elsewhere", whose traffic to a pod goes through the host as real traffic does.
 */
export function routedPeer(host: TestNetns, peer: TestNetns, o: { hostEnd: string; peerEnd: string; hostCidr: string; peerCidr: string }): void {
  must('ip', ['-n', host.name, 'link', 'add', o.hostEnd, 'type', 'veth', 'peer', 'name', o.peerEnd, 'netns', peer.name]);
  must('ip', ['-n', host.name, 'addr', 'add', o.hostCidr, 'dev', o.hostEnd]);
  must('ip', ['-n', host.name, 'link', 'set', o.hostEnd, 'up']);
  must('ip', ['-n', peer.name, 'addr', 'add', o.peerCidr, 'dev', o.peerEnd]);
  must('ip', ['-n', peer.name, 'link', 'set', o.peerEnd, 'up']);
  must('ip', ['-n', peer.name, 'route', 'add', 'default', 'via', o.hostCidr.split('/')[0]!]);
  must('ip', ['netns', 'exec', host.name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
}
