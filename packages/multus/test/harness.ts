// Runs multus the way a runtime does: as a process (from source) whose own netns is the test
// "host", with the CNI_* environment and the config on stdin. Delegates are found through
// CNI_PATH: a directory of source launchers of our plugins (marked as ours, so multus runs
// them in-process), or /usr/lib/cni for the Go plugins (exec'd).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SOURCE_NODE, writeLauncher, ROOT } from '../../chain/test/launchers';

export { ROOT };
export const MULTUS_MAIN = path.join(ROOT, 'packages/multus/src/main.ts');

let launchers: string | undefined;

/** A directory with launchers of our plugins (bridge, macvlan, ipvlan, host-local, static, ...). */
export function oursDir(): string {
  if (launchers) return launchers;
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-bin-'));
  for (const p of ['bridge', 'macvlan', 'ipvlan', 'host-local', 'static', 'loopback', 'tuning']) {
    writeLauncher(dir, p, path.join(ROOT, 'packages', p, 'src/main.ts'));
  }
  launchers = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Call {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  env?: Record<string, string>;
}

export interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
  ms: number;
}

/** Runs multus inside `hostNs` (async, so an in-process stub server keeps answering). */
export function multus(hostNs: string, call: Call, conf: unknown): Promise<Out> {
  const started = performance.now();
  const [node, ...rest] = SOURCE_NODE as [string, ...string[]];
  const child = spawn('ip', ['netns', 'exec', hostNs, node, ...rest, MULTUS_MAIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: call.command,
      CNI_CONTAINERID: call.containerId ?? 'ctr1',
      CNI_NETNS: call.netns ?? '',
      CNI_IFNAME: call.ifname ?? 'eth0',
      CNI_ARGS: call.args ?? '',
      CNI_PATH: call.path ?? oursDir(),
      ...call.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(typeof conf === 'string' ? conf : JSON.stringify(conf));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json, ms: Math.round(performance.now() - started) });
    });
  });
}

/** CNI_ARGS as kubelet (containerd) sends them. */
export function k8sArgs(ns: string, name: string, uid: string, sandbox = 'ctr1'): string {
  return `K8S_POD_UID=${uid};IgnoreUnknown=1;K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=${sandbox}`;
}
