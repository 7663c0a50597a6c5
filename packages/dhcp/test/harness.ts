// Root test harness for dhcp: a throwaway LAN (a bridge in its own namespace), a server
// namespace running a real DHCP server (dnsmasq or busybox udhcpd), pod namespaces plugged
// into the bridge, and the daemons (ours from source, or the Go oracle's) on unix sockets.

import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { socketAnswers } from '../src/daemon/run';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePlugin, createNetns, deleteNetns, GO_DIR, must, NODE, netnsPath, run, uniqueName, until } from '@cni-ts/testkit';

export { until };

export const GO_DHCP = join(GO_DIR, 'dhcp');

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * A temp dir with our `dhcp` binary as a CNI_PATH entry: the plugin and daemon bundled into one
 * file (as the build does), run by the workspace's Node.
 */
export async function makeBinDir(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-dhcp-'));
  const bundle = await bundlePlugin('dhcp');
  writeFileSync(join(dir, 'dhcp'), `#!/bin/sh\nexec ${NODE} ${bundle} "$@"\n`);
  chmodSync(join(dir, 'dhcp'), 0o755);
  return dir;
}

export interface Pod {
  ns: string;
  path: string;
  mac: string;
}

/** A bridge in namespace `lan`, a server namespace on it at `<prefix>.1/24`, and pods. */
export class Lan {
  readonly lan = uniqueName('lan');
  readonly srv = uniqueName('srv');
  readonly pods: Pod[] = [];
  readonly prefix: string;
  private n = 0;

  constructor(prefix: string) {
    this.prefix = prefix;
    createNetns(this.lan);
    createNetns(this.srv);
    must('ip', ['-n', this.lan, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', this.lan, 'link', 'set', 'br0', 'up']);
    must('ip', ['-n', this.lan, 'link', 'add', 'srvport', 'type', 'veth', 'peer', 'name', 's0', 'netns', this.srv]);
    must('ip', ['-n', this.lan, 'link', 'set', 'srvport', 'master', 'br0', 'up']);
    must('ip', ['-n', this.srv, 'addr', 'add', `${prefix}.1/24`, 'dev', 's0']);
    must('ip', ['-n', this.srv, 'link', 'set', 's0', 'up']);
  }

  /** A pod namespace with `eth0` on the bridge, down and without an address (as a main plugin leaves it before IPAM). */
  addPod(ifname = 'eth0'): Pod {
    const ns = uniqueName(`pod${this.n}`);
    const mac = `02:42:0a:${this.prefix.split('.').slice(1).map((x) => Number(x).toString(16).padStart(2, '0')).join(':')}:${(0x10 + this.n).toString(16)}`;
    this.n++;
    createNetns(ns);
    const port = `p${this.n}`;
    must('ip', ['-n', this.lan, 'link', 'add', port, 'type', 'veth', 'peer', 'name', ifname, 'netns', ns]);
    must('ip', ['-n', this.lan, 'link', 'set', port, 'master', 'br0', 'up']);
    must('ip', ['-n', ns, 'link', 'set', ifname, 'address', mac]);
    const pod = { ns, path: netnsPath(ns), mac };
    this.pods.push(pod);
    return pod;
  }

  /** A pod namespace with no link in it (a main plugin will make one). */
  addEmptyPod(): Pod {
    const ns = uniqueName(`pod${this.n++}`);
    createNetns(ns);
    const pod = { ns, path: netnsPath(ns), mac: '' };
    this.pods.push(pod);
    return pod;
  }

  /** What a main plugin does with the IPAM result: the address on the interface. */
  configure(pod: Pod, address: string, ifname = 'eth0'): void {
    must('ip', ['-n', pod.ns, 'addr', 'replace', address, 'dev', ifname]);
    must('ip', ['-n', pod.ns, 'link', 'set', ifname, 'up']);
  }

  destroy(): void {
    for (const p of this.pods) deleteNetns(p.ns);
    deleteNetns(this.srv);
    deleteNetns(this.lan);
  }
}

/** A child process we started, stopped by its pid only. */
export class Proc {
  readonly child: ChildProcess;
  output = '';
  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.output += d));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 5000): Promise<number | null> {
    if (!this.exited) {
      const done = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill(signal);
      await Promise.race([done, sleep(ms)]);
      if (!this.exited) {
        this.child.kill('SIGKILL');
        await done;
      }
    }
    return this.child.exitCode;
  }
}

export interface Dnsmasq {
  proc: Proc;
  leaseFile: string;
  dir: string;
}

/**
 * dnsmasq in the server namespace: the pool <prefix>.50-.150; option 121 and 33 routes; lease
 * 2 minutes (dnsmasq's minimum) with T1/T2 set short so renewals come quickly.
 */
export async function startDnsmasq(lan: Lan, opts: { t1?: number; t2?: number; extra?: string[] } = {}): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-dnsmasq-'));
  const leaseFile = join(dir, 'leases');
  const p = lan.prefix;
  const args = [
    'netns',
    'exec',
    lan.srv,
    'dnsmasq',
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--interface=s0',
    '--bind-interfaces',
    '--port=0',
    `--pid-file=${join(dir, 'pid')}`,
    `--dhcp-range=${p}.50,${p}.150,255.255.255.0,2m`,
    `--dhcp-leasefile=${leaseFile}`,
    `--dhcp-option=3,${p}.1`,
    `--dhcp-option=121,10.99.0.0/16,${p}.1,0.0.0.0/0,${p}.1`,
    `--dhcp-option=58,${opts.t1 ?? 5}`,
    `--dhcp-option=59,${opts.t2 ?? 9}`,
    '--dhcp-authoritative',
    '--log-dhcp',
    '--log-facility=-',
    ...(opts.extra ?? []),
  ];
  const proc = new Proc('ip', args);
  await until('dnsmasq to start', () => existsSync(join(dir, 'pid')) || (proc.exited && (() => {
    throw new Error(`dnsmasq exited: ${proc.output}`);
  })()), 10_000, 100);
  return { proc, leaseFile, dir };
}

export interface DnsmasqLease {
  expiry: number;
  mac: string;
  ip: string;
  hostname: string;
  clientId: string;
}

export function dnsmasqLeases(d: Dnsmasq): DnsmasqLease[] {
  if (!existsSync(d.leaseFile)) return [];
  return readFileSync(d.leaseFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [expiry, mac, ip, hostname, clientId] = l.split(' ');
      return { expiry: Number(expiry), mac: mac!, ip: ip!, hostname: hostname!, clientId: clientId! };
    });
}

export async function stopDnsmasq(d: Dnsmasq): Promise<void> {
  await d.proc.stop();
  rmSync(d.dir, { recursive: true, force: true });
}

/** Takes down what a file's beforeAll set up, whatever part of it got done: daemons, dnsmasq, the LAN, directories. */
export async function teardown(parts: { daemons: (Daemon | undefined)[]; server?: Dnsmasq; lan?: Lan; dirs: (string | undefined)[] }): Promise<void> {
  for (const d of parts.daemons) await d?.stop();
  if (parts.server) await stopDnsmasq(parts.server);
  parts.lan?.destroy();
  for (const d of parts.dirs) if (d) rmSync(d, { recursive: true, force: true });
}

export interface Udhcpd {
  proc: Proc;
  leaseFile: string;
  dir: string;
  srvNs: string;
}

/** busybox udhcpd in the server namespace: 20 s leases, routers and option 121 routes. */
export async function startUdhcpd(lan: Lan, leaseSeconds = 20): Promise<Udhcpd> {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-udhcpd-'));
  const leaseFile = join(dir, 'leases');
  const p = lan.prefix;
  writeFileSync(leaseFile, '');
  writeFileSync(
    join(dir, 'udhcpd.conf'),
    [
      `start ${p}.50`,
      `end ${p}.150`,
      'interface s0',
      `lease_file ${leaseFile}`,
      `pidfile ${join(dir, 'pid')}`,
      'min_lease 10',
      `opt lease ${leaseSeconds}`,
      'opt subnet 255.255.255.0',
      `opt router ${p}.1`,
      `opt staticroutes 10.98.0.0/16 ${p}.1 0.0.0.0/0 ${p}.1`,
      'auto_time 1',
      '',
    ].join('\n'),
  );
  const proc = new Proc('ip', ['netns', 'exec', lan.srv, 'busybox', 'udhcpd', '-f', join(dir, 'udhcpd.conf')]);
  await until('udhcpd to start', () => existsSync(join(dir, 'pid')) || (proc.exited && (() => {
    throw new Error(`udhcpd exited: ${proc.output}`);
  })()), 10_000, 100);
  return { proc, leaseFile, dir, srvNs: lan.srv };
}

export interface UdhcpdLease {
  mac: string;
  ip: string;
  hostname: string;
  /** seconds left */
  expiresIn: number;
}

/** The lease table as `dumpleases` prints it (udhcpd writes the file every `auto_time` second). */
export function udhcpdLeases(u: Udhcpd): UdhcpdLease[] {
  const r = run('busybox', ['dumpleases', '-f', u.leaseFile]);
  const out: UdhcpdLease[] = [];
  for (const line of r.stdout.split('\n').slice(1)) {
    const m = /^([0-9a-f:]{17})\s+(\S+)\s+(.*?)\s+(?:(\d+)d)?:?(\d+):(\d+):(\d+)\s*$/.exec(line) ?? /^([0-9a-f:]{17})\s+(\S+)\s+(.*?)\s+(expired)\s*$/.exec(line);
    if (!m) continue;
    const secs = m[4] === 'expired' ? 0 : Number(m[4] ?? 0) * 86400 + Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
    out.push({ mac: m[1]!, ip: m[2]!, hostname: m[3]!.trim(), expiresIn: secs });
  }
  return out;
}

export async function stopUdhcpd(u: Udhcpd): Promise<void> {
  await u.proc.stop();
  rmSync(u.dir, { recursive: true, force: true });
}

export { socketAnswers };

export interface Daemon {
  proc: Proc;
  socket: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `dhcp daemon` (ours from `binDir`, or the Go oracle's) and waits for its socket. */
export async function startDaemon(impl: 'ts' | 'go', binDir: string, socket: string, flags: string[] = []): Promise<Daemon> {
  const bin = impl === 'go' ? GO_DHCP : join(binDir, 'dhcp');
  if (!existsSync(bin)) throw new Error(`${bin} is missing (the Go oracle comes with Debian's containernetworking-plugins)`);
  const proc = new Proc(bin, ['daemon', '-socketpath', socket, ...flags]);
  const end = Date.now() + 20_000;
  while (!(await socketAnswers(socket))) {
    if (proc.exited) throw new Error(`daemon exited: ${proc.output}`);
    if (Date.now() > end) throw new Error(`daemon did not listen on ${socket}: ${proc.output}`);
    await sleep(100);
  }
  return {
    proc,
    socket,
    stop: async (signal = 'SIGTERM') => {
      const code = await proc.stop(signal);
      // The Go oracle (1.1.1) leaves its socket behind.
      if (impl === 'go') rmSync(socket, { force: true });
      return code;
    },
  };
}

export interface CniCall {
  containerId: string;
  netns?: string;
  ifname?: string;
  args?: string;
}

export interface CniOut {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
  ms: number;
}

/** Runs the dhcp plugin (ours or the oracle's) once. */
export function cni(impl: 'ts' | 'go', binDir: string, command: string, call: CniCall, conf: unknown): Promise<CniOut> {
  const bin = impl === 'go' ? GO_DHCP : join(binDir, 'dhcp');
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns ?? '',
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_ARGS: call.args ?? '',
    CNI_PATH: binDir,
  };
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json, ms: Date.now() - start });
    });
    child.stdin.end(JSON.stringify(conf));
  });
}

/** The network config a runtime would hand the IPAM plugin. */
export function netConf(socket: string, ipam: Record<string, unknown> = {}, cniVersion = '1.0.0'): Record<string, unknown> {
  return { cniVersion, name: 'dhcpnet', type: 'macvlan', ipam: { type: 'dhcp', daemonSocketPath: socket, ...ipam } };
}

/** A result with Go 1.1.1's and the newest library's printing differences taken out (dns {}). */
export function normalize(result: unknown): unknown {
  const r = structuredClone(result) as Record<string, unknown>;
  if (r.dns && Object.keys(r.dns as object).length === 0) delete r.dns;
  return r;
}

export async function daemonLeases(binDir: string, socket: string): Promise<{ clientId: string; address: string; state: string; renewals: number }[]> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(join(binDir, 'dhcp'), ['status', '-socketpath', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let s = '';
    let e = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (s += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (e += d));
    child.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`dhcp status: ${e}`))));
  });
  return JSON.parse(out);
}
