// The daemon's memory through pod churn (issue: upstream's daemon is OOM-killed at its 50Mi
// limit under churn, multus-cni#1346). Starts multus-daemon as its own process inside a memory
// cgroup limited like a pod (50 MiB by default, upstream's manifest limit), sends `cycles` pod
// ADD/DEL pairs over its socket the way the shim does, and reads what the kernel says: the
// process's RSS high-water mark and anonymous memory, the group's charge and its OOM kills.
// The daemon runs its own copy of the Node binary, as it does in its pod (no other process maps
// the image's node), so the pages of the binary it maps are its alone and charged to its group
// (~25-30 MiB of page cache at the end of a run). The delegate is either a shell
// script the daemon execs (what grows is the daemon, not the plugins) or our loopback run
// in-process, as the daemon runs our plugins. Needs root (a throwaway netns, the socket, the cgroup).
//
//   pnpm --filter @cni-ts/multus-thick bench:memory [cycles [daemon.mjs]] [--limit MiB|0] [--in-process] [--api [--no-cache] [--pods N]] [--json]
//   ... bench:memory --bundle   (prints the path of a fresh daemon bundle, for reuse as daemon.mjs)
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sleepSync } from '@cni-ts/cni';
import { encodeRequest } from '../src/api';
import { callDaemon } from '../src/client';
import { createMemoryCgroup, type MemoryCgroup } from './cgroup';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SOURCE_FLAGS = ['--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', path.join(ROOT, 'packages/testkit/src/ts-hooks.mjs')];

/** The V8 flags the image starts the daemon with (deploy/Containerfile): small heaps for a long-lived, mostly idle process. */
export const DAEMON_NODE_FLAGS = (process.env.MULTUS_DAEMON_NODE_FLAGS ?? '--max-semi-space-size=1 --max-old-space-size=40 --single-threaded-gc --lite-mode').split(' ').filter(Boolean);

/** The environment the image gives the daemon (deploy/Containerfile): one malloc arena per thread would keep freed memory resident. */
export const DAEMON_ENV: Record<string, string> = { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };

export interface MemoryOptions {
  cycles?: number;
  /** The daemon's entry (default: the source main under the TypeScript loader). */
  entry?: string;
  nodeFlags?: string[];
  /** The cgroup's memory limit in MiB; 0 runs the daemon without a cgroup. Default 50. */
  limitMiB?: number;
  /**
   * `exec` (default): the delegate is a shell script the daemon execs, so only the daemon's own
   * memory is measured. `in-process`: our loopback plugin, run inside the daemon as it runs our
   * plugins (koffi, netlink and setns into the pod's netns included).
   */
  delegate?: 'exec' | 'in-process';
  /**
   * Through the API server, as in a cluster: a stand-in API server (e2e/src/k8s-stub, in the
   * bench's process, on 127.0.0.1) holds a pod per cycle whose annotation asks for a
   * NetworkAttachmentDefinition; the daemon reads the pod and the NAD, runs the cluster network
   * and the NAD's network (both the exec'd delegate) and writes the network-status annotation.
   */
  api?: boolean;
  /**
   * With `api`: the daemon reads through its own client and watch caches (daemon-config.json's
   * `kubeconfig`, MULTUS_NODE_NAME), as it does in a cluster (default). `false`: each request
   * makes its own client from the shim's config and reads pods and NADs live.
   */
  cache?: boolean;
  /** With `api`: pods the node already has (running, not churned), each a realistic pod object (default 0). */
  nodePods?: number;
}

/** API requests the daemon made, as the stand-in counted them. */
export interface ApiCounts {
  /** During the cycles, per pod ADD + DEL. */
  perPod: number;
  /** During the cycles, by `verb resource[/sub]`. */
  byVerb: Record<string, number>;
  /** Answers other than 2xx during the cycles (conflicts included). */
  failed: number;
  /** Before the first cycle (the caches' lists and watches). */
  startup: number;
}

export interface MemoryReport {
  cycles: number;
  delegate: 'exec' | 'in-process';
  api: boolean;
  /** Requests that did not answer 200 (the run stops at the first). */
  failed: number;
  limitMiB: number;
  /** OOM kills in the daemon's cgroup (0 without a limit). */
  oomKills: number;
  /** RSS after start-up, before the first request (MiB). */
  startMiB: number;
  /** The RSS high-water mark of start-up (VmHWM when the daemon first answered /readyz, MiB). */
  startupPeakMiB: number;
  /** The kernel's RSS high-water mark through the cycles (VmHWM, reset after start-up, MiB). */
  peakMiB: number;
  /** RSS after the last cycle (MiB). */
  endMiB: number;
  /** Highest anonymous RSS seen (RssAnon, sampled every 10 cycles, MiB): heaps, stacks, malloc. */
  peakAnonMiB: number;
  /** The group's highest charge as the kernel counts it (page cache and kernel memory included, MiB). */
  cgroupPeakMiB: number;
  /** The group's charge after the last cycle: anonymous and page cache (MiB). */
  cgroupEnd: { anonMiB: number; fileMiB: number };
  /** RSS samples, one every `cycles / 20` cycles (MiB). */
  samples: number[];
  seconds: number;
  /** V8 heap in use after the last cycle (MiB), from the daemon's /metrics. */
  heapUsedMiB: number;
  /** With `api`: what the daemon asked of the API server. */
  apiRequests?: ApiCounts;
  cache?: boolean;
  nodePods?: number;
}

const MiB = (kB: number) => Math.round((kB / 1024) * 10) / 10;
const status = (pid: number, key: string) => MiB(Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN));

const CHEAP = `#!/bin/sh
# A delegate that costs nothing: ADD prints a result naming the interface, DEL prints nothing.
cat >/dev/null
if [ "$CNI_COMMAND" = ADD ]; then
  printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"10.99.0.2/24","interface":0}]}' "$CNI_IFNAME" "$CNI_NETNS"
fi
if [ "$CNI_COMMAND" = VERSION ]; then printf '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}'; fi
`;

/**
 * Never run: the marker line makes the daemon (through @cni-ts/chain's rule for our binaries) run
 * our loopback in-process instead of exec'ing this file. Exiting 1 makes a missed rule loud.
 */
const IN_PROCESS_LOOPBACK = `#!/bin/sh
# cni-ts loopback plugin: run in-process by the daemon (packages/multus-thick/bench/memory.ts)
echo 'the daemon exec'd the in-process marker' >&2
exit 1
`;

const REQUEST_TIMEOUT_MS = 15_000;

/** Moves itself into the group, then execs the daemon. */
const INTO_GROUP = 'echo $$ > "$0" && exec "$@"';

/** Runs the churn and returns the daemon's memory figures. */
export async function benchDaemonMemory(opts: MemoryOptions = {}): Promise<MemoryReport> {
  const cycles = opts.cycles ?? 1000;
  const entry = opts.entry ?? path.join(ROOT, 'packages/multus-thick/src/daemon-main.ts');
  const limitMiB = opts.limitMiB ?? 50;
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-bench-'));
  const netns = `cnits-${process.pid}-thickbench`;
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'cheap'), CHEAP, { mode: 0o755 });
  writeFileSync(path.join(bin, 'loopback'), IN_PROCESS_LOOPBACK, { mode: 0o755 });
  const socketDir = path.join(dir, 'run');
  const api = opts.api ? await apiServer(dir, opts.nodePods ?? 0) : undefined;
  const cache = !!api && opts.cache !== false;
  writeFileSync(path.join(dir, 'daemon-config.json'), JSON.stringify({ socketDir, ...(cache ? { kubeconfig: api!.kubeconfig } : {}) }));
  let group: MemoryCgroup | undefined;
  let child: ChildProcess | undefined;
  // Killed mid-run (a timeout, ^C): nothing of the run may stay behind.
  const onSignal = (sig: NodeJS.Signals) => {
    child?.kill('SIGKILL');
    for (let i = 0; i < 50 && group && readFileSync(group.procsFile, 'utf8').trim(); i++) sleepSync(100);
    try {
      if (group) group.remove();
    } catch {
      // reaped by the next run (cgroup.ts)
    }
    spawnSync('ip', ['netns', 'delete', netns]);
    rmSync(dir, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  execFileSync('ip', ['netns', 'add', netns]);
  try {
    const args = [...(opts.nodeFlags ?? DAEMON_NODE_FLAGS), ...(entry.endsWith('.ts') ? SOURCE_FLAGS : []), entry, '-config', path.join(dir, 'daemon-config.json')];
    const env = { ...process.env, ...DAEMON_ENV, ...(cache ? { MULTUS_NODE_NAME: BENCH_NODE } : {}) };
    const stdio: ['ignore', 'ignore', 'inherit' | 'ignore'] = ['ignore', 'ignore', process.env.BENCH_DEBUG ? 'inherit' : 'ignore'];
    const copy = path.join(dir, 'node');
    copyFileSync(process.execPath, copy);
    if (limitMiB > 0) {
      group = createMemoryCgroup(`cnits-${process.pid}-thickbench`, limitMiB * 1024 * 1024);
      child = spawn('/bin/sh', ['-c', INTO_GROUP, group.procsFile, copy, ...args], { stdio, env });
    } else {
      child = spawn(copy, args, { stdio, env });
    }
    const proc = child;
    let failed = true;
    try {
      const report = await churn(proc.pid!, () => proc.exitCode ?? (proc.signalCode ? 128 : null), path.join(socketDir, 'multus.sock'), { cycles, dir, bin, netns, limitMiB, group, delegate: opts.delegate ?? 'exec', api, cache });
      failed = false;
      return report;
    } finally {
      // A daemon that failed the run may be stuck thrashing: no graceful drain for it.
      proc.kill(failed ? 'SIGKILL' : 'SIGTERM');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(undefined) : proc.once('exit', r)));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    execFileSync('ip', ['netns', 'delete', netns]);
    group?.remove();
    await api?.stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}



interface ChurnContext {
  cycles: number;
  dir: string;
  bin: string;
  netns: string;
  limitMiB: number;
  group: MemoryCgroup | undefined;
  delegate: 'exec' | 'in-process';
  api: Awaited<ReturnType<typeof apiServer>> | undefined;
  cache: boolean;
}

/** The node the churned pods (and the node's other pods) are bound to: MULTUS_NODE_NAME. */
export const BENCH_NODE = 'bench-node';

/**
 * A pod as a Deployment's ReplicaSet makes it and a cluster serves it (~6 KB of JSON): owner,
 * labels, two containers with env, mounts and probes, projected volumes, managedFields of the
 * controller, the scheduler and the kubelet, a running status.
 */
export function realisticPod(ns: string, name: string, node: string, annotations: Record<string, string> = {}): Record<string, unknown> {
  const container = (n: string) => ({
    name: n,
    image: `registry.example/${n}:1.2.3`,
    command: ['/bin/server'],
    args: ['--port=8080', '--log-level=info', '--config=/etc/app/config.yaml'],
    env: Array.from({ length: 12 }, (_, i) => ({ name: `APP_SETTING_${i}`, value: `value-${i}-${'x'.repeat(20)}` })),
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  const fields = (manager: string) => ({ manager, operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:ports': {} } } }, 'f:status': { 'f:conditions': {} } } });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      generateName: `${name.replace(/-[^-]*$/, '')}-`,
      labels: { app: 'web', 'pod-template-hash': '5d8f7c9b6' },
      annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7c9b6', uid: '3f0c6b6e-2a1d-4c36-9a7e-5e2d1c0b9a8f', controller: true, blockOwnerDeletion: true }],
      managedFields: [fields('kube-controller-manager'), fields('kube-scheduler'), fields('kubelet')],
    },
    spec: {
      nodeName: node,
      containers: [container('app'), container('sidecar')],
      volumes: [{ name: 'config', configMap: { name: 'web-config', defaultMode: 420 } }, { name: 'kube-api-access-abcde', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
    status: {
      phase: 'Running',
      qosClass: 'Burstable',
      hostIP: '192.168.10.5',
      podIP: '10.244.1.17',
      podIPs: [{ ip: '10.244.1.17' }],
      startTime: '2026-01-01T00:00:00Z',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' })),
      containerStatuses: ['app', 'sidecar'].map((n) => ({ name: n, ready: true, restartCount: 0, started: true, image: `registry.example/${n}:1.2.3`, imageID: `registry.example/${n}@sha256:${'a'.repeat(64)}`, containerID: `containerd://${'b'.repeat(64)}`, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } })),
    },
  };
}

/** The stand-in API server with the NAD, a kubeconfig for it and the cluster network's file. */
async function apiServer(dir: string, nodePods: number) {
  const { startStub, nadObject, kubeconfigText } = await import('../../../e2e/src/k8s-stub/index');
  const stub = await startStub({ historySize: 1000 });
  stub.put('nads', nadObject({ namespace: 'bench', name: 'cheap-nad', config: { cniVersion: '1.0.0', type: 'cheap' } }));
  for (let i = 0; i < nodePods; i++) stub.put('pods', realisticPod('apps', `web-5d8f7c9b6-${i.toString(36).padStart(5, '0')}`, BENCH_NODE));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigText({ server: stub.url }), { mode: 0o600 });
  const clusterNetwork = path.join(dir, 'cluster.conf');
  writeFileSync(clusterNetwork, JSON.stringify({ cniVersion: '1.0.0', name: 'cluster-net', type: 'cheap' }));
  return {
    stub,
    kubeconfig,
    clusterNetwork,
    nodePods,
    /** What was counted so far (requests are forgotten as they are counted: the bench's own memory stays flat). */
    counts: { requests: 0, failed: 0, byVerb: {} as Record<string, number> },
    /** Counts the requests recorded so far and forgets them. */
    count(): void {
      for (const r of stub.requests.splice(0)) {
        this.counts.requests++;
        if (r.status < 200 || r.status >= 300) this.counts.failed++;
        const key = r.verb ? `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}` : `${r.method} ${r.path}`;
        this.counts.byVerb[key] = (this.counts.byVerb[key] ?? 0) + 1;
      }
    },
    /** A pod of the node asking for the NAD; returns its uid. */
    addPod(name: string): string {
      const pod = stub.put('pods', realisticPod('bench', name, BENCH_NODE, { 'k8s.v1.cni.cncf.io/networks': 'cheap-nad' }));
      return pod.metadata!.uid as string;
    },
    /** The pod deleted once its sandbox is gone (as kubelet confirms a deletion). */
    removePod(name: string): void {
      stub.delete('pods', 'bench', name);
      this.count();
    },
  };
}

async function churn(pid: number, exited: () => number | null, socket: string, c: ChurnContext): Promise<MemoryReport> {
  const died = () => `the daemon died${c.group?.oomKills() ? ` (OOM-killed under its ${c.limitMiB} MiB limit)` : ''}`;
  // Ready once /readyz answers (the socket file appears at bind(), a moment before listen()).
  const started = Date.now();
  for (;;) {
    if (exited() !== null) throw new Error(died());
    const r = existsSync(socket) ? await callDaemon(socket, 'GET', '/readyz', undefined, 10_000).catch(() => undefined) : undefined;
    if (r?.status === 200) break;
    if (Date.now() - started > 60_000) throw new Error('the daemon did not become ready within 60 s');
    await new Promise((res) => setTimeout(res, 50));
  }
  const startMiB = status(pid, 'VmRSS');
  const startupPeakMiB = status(pid, 'VmHWM');
  // 5 > clear_refs resets VmHWM to the current RSS (proc(5)), so VmHWM at the end is the peak of the cycles.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  let startup = 0;
  if (c.api) {
    c.api.count();
    startup = c.api.counts.requests;
    c.api.counts.requests = 0;
    c.api.counts.failed = 0;
    c.api.counts.byVerb = {};
  }
  return cycles(pid, exited, socket, c, died, c.api, startMiB, startupPeakMiB, startup);
}

async function cycles(
  pid: number, exited: () => number | null, socket: string, c: ChurnContext, died: () => string,
  api: Awaited<ReturnType<typeof apiServer>> | undefined, startMiB: number, startupPeakMiB: number, startup: number,
): Promise<MemoryReport> {
  const common = { cniVersion: '1.0.0', name: 'multus-cni-network', type: 'multus-shim', cniDir: path.join(c.dir, 'cache'), binDir: c.bin };
  const delegate = c.delegate === 'exec' ? { cniVersion: '1.0.0', name: 'cheap-net', type: 'cheap' } : { cniVersion: '1.0.0', name: 'lo-net', type: 'loopback' };
  const conf = Buffer.from(JSON.stringify(api ? { ...common, kubeconfig: api.kubeconfig, clusterNetwork: api.clusterNetwork, confDir: c.dir } : { ...common, delegates: [delegate] }));
  const samples: number[] = [];
  let peakAnonMiB = 0;
  const cyclesStarted = performance.now();
  for (let i = 0; i < c.cycles; i++) {
    const uid = api ? api.addPod(`pod-${i}`) : `uid-${i}`;
    const env = {
      CNI_CONTAINERID: `ctr${i}`, CNI_NETNS: `/run/netns/${c.netns}`, CNI_IFNAME: 'eth0', CNI_PATH: c.bin,
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=pod-${i};K8S_POD_UID=${uid}`, PATH: process.env.PATH ?? '/usr/bin:/bin',
    };
    for (const command of ['ADD', 'DEL']) {
      // A request stuck for 15 s is a failure (a daemon thrashing at its limit), not a hang.
      const r = await callDaemon(socket, 'POST', '/cni', encodeRequest({ ...env, CNI_COMMAND: command }, conf), REQUEST_TIMEOUT_MS).catch((err: Error) => {
        throw new Error(exited() !== null ? died() : `${command} of pod-${i}: ${err.message}`, { cause: err });
      });
      if (r.status !== 200) throw new Error(`${command} of pod-${i} failed: ${r.body}`);
    }
    api?.removePod(`pod-${i}`);
    if (i % 10 === 0) peakAnonMiB = Math.max(peakAnonMiB, status(pid, 'RssAnon'));
    if (i % Math.max(1, Math.floor(c.cycles / 20)) === 0) samples.push(status(pid, 'VmRSS'));
  }
  const seconds = Math.round((performance.now() - cyclesStarted) / 100) / 10;
  const endMiB = status(pid, 'VmRSS');
  peakAnonMiB = Math.max(peakAnonMiB, status(pid, 'RssAnon'));
  const metrics = (await callDaemon(socket, 'GET', '/metrics', undefined, REQUEST_TIMEOUT_MS)).body;
  if (process.env.BENCH_DEBUG) process.stderr.write(metrics.split('\n').filter((l) => /^(nodejs|process)_/.test(l)).join('\n') + '\n');
  const heap = /nodejs_heap_used_bytes (\d+)/.exec(metrics);
  return {
    cycles: c.cycles,
    delegate: c.delegate,
    api: !!c.api,
    failed: 0,
    ...(c.api ? { cache: c.cache, nodePods: c.api.nodePods, apiRequests: { perPod: Math.round((c.api.counts.requests / c.cycles) * 100) / 100, byVerb: Object.fromEntries(Object.entries(c.api.counts.byVerb).map(([k, v]) => [k, Math.round((v / c.cycles) * 100) / 100])), failed: c.api.counts.failed, startup } } : {}),
    limitMiB: c.limitMiB,
    oomKills: c.group?.oomKills() ?? 0,
    startMiB,
    startupPeakMiB,
    peakMiB: status(pid, 'VmHWM'),
    endMiB,
    peakAnonMiB,
    cgroupPeakMiB: c.group ? MiB(c.group.peak() / 1024) : Number.NaN,
    cgroupEnd: c.group ? { anonMiB: MiB(c.group.usage().anon / 1024), fileMiB: MiB(c.group.usage().file / 1024) } : { anonMiB: Number.NaN, fileMiB: Number.NaN },
    samples,
    seconds,
    heapUsedMiB: heap ? MiB(Number(heap[1]) / 1024) : Number.NaN,
  };
}

/** One line for people; the bench (tools/bench) reads the JSON line before it. */
export function describe(r: MemoryReport): string {
  const limit = r.limitMiB > 0 ? `in a ${r.limitMiB} MiB cgroup (${r.oomKills} OOM kills, group peak ${r.cgroupPeakMiB} MiB)` : 'without a cgroup limit';
  const api = r.apiRequests
    ? `; API requests per pod ${r.apiRequests.perPod} (${Object.entries(r.apiRequests.byVerb).map(([k, v]) => `${k} ${v}`).join(', ')}), ${r.apiRequests.failed} failed, ${r.apiRequests.startup} at start-up`
    : '';
  const through = r.api ? `, API server${r.cache ? ', watch cache' : ', live reads'}${r.nodePods ? `, ${r.nodePods} other pods on the node` : ''}` : '';
  return `multus-daemon (${r.delegate === 'exec' ? "exec'd" : 'in-process'} delegate${through}) through ${r.cycles} ADD/DEL cycles ${limit}: RSS start ${r.startMiB} MiB (start-up peak ${r.startupPeakMiB}), peak ${r.peakMiB} MiB, end ${r.endMiB} MiB; anonymous peak ${r.peakAnonMiB} MiB; ${r.seconds} s${api}`;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv.splice(i, 2)[1] : undefined;
  };
  const json = argv.includes('--json') ? (argv.splice(argv.indexOf('--json'), 1), true) : false;
  const limit = flag('--limit');
  const api = argv.includes('--api') ? (argv.splice(argv.indexOf('--api'), 1), true) : false;
  const inProcess = argv.includes('--in-process') ? (argv.splice(argv.indexOf('--in-process'), 1), true) : false;
  const noCache = argv.includes('--no-cache') ? (argv.splice(argv.indexOf('--no-cache'), 1), true) : false;
  const pods = flag('--pods');
  const { bundleDaemon } = await import('./bundle');
  if (argv[0] === '--bundle') {
    // For callers that run several benches on one bundle (pnpm bench): print it, keep it.
    process.stdout.write(`${await bundleDaemon()}\n`);
    process.exit(0);
  }
  const entry = argv[1] ?? (await bundleDaemon());
  // Also on a signal (benchDaemonMemory cleans up its own run and exits).
  if (!argv[1]) process.once('exit', () => rmSync(path.dirname(entry), { recursive: true, force: true }));
  try {
    const r = await benchDaemonMemory({ cycles: Number(argv[0] ?? 1000), entry, limitMiB: limit === undefined ? 50 : Number(limit), delegate: inProcess ? 'in-process' : 'exec', api, cache: !noCache, nodePods: Number(pods ?? 0) });
    if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
    process.stdout.write(`${describe(r)}\n`);
    process.exitCode = r.oomKills === 0 ? 0 : 1;
  } finally {
    if (!argv[1]) rmSync(path.dirname(entry), { recursive: true, force: true });
  }
}
