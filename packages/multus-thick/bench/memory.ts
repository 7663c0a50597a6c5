// The daemon's memory through pod churn (issue: upstream's daemon is OOM-killed at its 50Mi
// limit under churn, multus-cni#1346). Starts multus-daemon as its own process, sends
// `cycles` pod ADD/DEL pairs over its socket the way the shim does, and samples the daemon's
// RSS from /proc. Delegates are cheap (an exec'd script answering at once), so what grows is
// the daemon, not the plugins. Needs root (a throwaway netns, the socket).
//
//   pnpm --filter @cni-ts/multus-thick bench:memory [cycles]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeRequest } from '../src/api';
import { callDaemon } from '../src/client';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SOURCE_FLAGS = ['--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', path.join(ROOT, 'packages/cni/test/ts-hooks.mjs')];

/** The V8 flags the image starts the daemon with (deploy/Containerfile): small heaps for a long-lived, mostly idle process. */
export const DAEMON_NODE_FLAGS = (process.env.MULTUS_DAEMON_NODE_FLAGS ?? '--max-semi-space-size=1 --max-old-space-size=40 --single-threaded-gc --lite-mode').split(' ').filter(Boolean);

/** The environment the image gives the daemon (deploy/Containerfile): one malloc arena per thread would keep freed memory resident. */
export const DAEMON_ENV: Record<string, string> = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

export interface MemoryReport {
  cycles: number;
  /** RSS after start-up, before the first request (MiB). */
  startMiB: number;
  /** Highest RSS seen while cycling (MiB). */
  peakMiB: number;
  /** RSS after the last cycle (MiB). */
  endMiB: number;
  /** RSS samples, one every `cycles / 20` cycles (MiB). */
  samples: number[];
  seconds: number;
  /** V8 heap in use after the last cycle (MiB), from the daemon's /metrics. */
  heapUsedMiB: number;
}

const rssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : Number.NaN;
};

const CHEAP = `#!/bin/sh
# A delegate that costs nothing: ADD prints a result naming the interface, DEL prints nothing.
cat >/dev/null
if [ "$CNI_COMMAND" = ADD ]; then
  printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"10.99.0.2/24","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS"
fi
if [ "$CNI_COMMAND" = VERSION ]; then printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}'; fi
`;

/** Runs the churn and returns the daemon's RSS figures. `entry` is the daemon's entry (default: the source main). */
export async function benchDaemonMemory(cycles = 1000, entry = path.join(ROOT, 'packages/multus-thick/src/daemon-main.ts'), nodeFlags: string[] = DAEMON_NODE_FLAGS): Promise<MemoryReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-bench-'));
  const netns = `cnits-${process.pid}-thickbench`;
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'cheap'), CHEAP, { mode: 0o755 });
  const socketDir = path.join(dir, 'run');
  writeFileSync(path.join(dir, 'daemon-config.json'), JSON.stringify({ socketDir }));
  execFileSync('ip', ['netns', 'add', netns]);
  const child = spawn(process.execPath, [...nodeFlags, ...(entry.endsWith('.ts') ? SOURCE_FLAGS : []), entry, '-config', path.join(dir, 'daemon-config.json')], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, ...DAEMON_ENV } });
  try {
    const socket = path.join(socketDir, 'multus.sock');
    for (let i = 0; !existsSync(socket); i++) {
      if (i > 600 || child.exitCode !== null) throw new Error('the daemon did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await callDaemon(socket, 'GET', '/readyz');
    const startMiB = rssMiB(child.pid!);
    const conf = Buffer.from(JSON.stringify({
      cniVersion: '1.0.0', name: 'multus-cni-network', type: 'multus-shim',
      delegates: [{ cniVersion: '1.0.0', name: 'cheap-net', type: 'cheap' }],
      cniDir: path.join(dir, 'cache'), binDir: bin,
    }));
    const samples: number[] = [];
    let peak = startMiB;
    const started = performance.now();
    for (let i = 0; i < cycles; i++) {
      const env = {
        CNI_CONTAINERID: `ctr${i}`, CNI_NETNS: `/run/netns/${netns}`, CNI_IFNAME: 'eth0', CNI_PATH: bin,
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${i};K8S_POD_UID=uid-${i}`, PATH: process.env.PATH ?? '/usr/bin:/bin',
      };
      for (const command of ['ADD', 'DEL']) {
        const r = await callDaemon(socket, 'POST', '/cni', encodeRequest({ ...env, CNI_COMMAND: command }, conf));
        if (r.status !== 200) throw new Error(`${command} of pod-${i} failed: ${r.body}`);
      }
      if (i % 10 === 0) peak = Math.max(peak, rssMiB(child.pid!));
      if (i % Math.max(1, Math.floor(cycles / 20)) === 0) samples.push(rssMiB(child.pid!));
    }
    const endMiB = rssMiB(child.pid!);
    const metrics = (await callDaemon(socket, 'GET', '/metrics')).body;
    if (process.env.BENCH_DEBUG) process.stderr.write(metrics.split('\n').filter((l) => /^(nodejs|process)_/.test(l)).join('\n') + '\n');
    const heap = /nodejs_heap_used_bytes (\d+)/.exec(metrics);
    const heapUsedMiB = heap ? Math.round(Number(heap[1]) / 104857.6) / 10 : Number.NaN;
    return { cycles, startMiB, peakMiB: Math.max(peak, endMiB), endMiB, samples, heapUsedMiB, seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    execFileSync('ip', ['netns', 'delete', netns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const cycles = Number(process.argv[2] ?? 1000);
  const { bundleDaemon } = await import('./bundle');
  const entry = process.argv[3] ?? (await bundleDaemon());
  const r = await benchDaemonMemory(cycles, entry);
  process.stdout.write(`${JSON.stringify(r)}\nmultus-daemon RSS through ${r.cycles} ADD/DEL cycles: start ${r.startMiB} MiB, peak ${r.peakMiB} MiB, end ${r.endMiB} MiB (target < 50 MiB) in ${r.seconds} s\n`);
  process.exit(r.peakMiB < 50 ? 0 : 1);
}
