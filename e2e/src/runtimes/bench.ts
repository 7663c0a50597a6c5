// Time the runtimes spend in plugins, ours vs the Go oracle's, for `pnpm bench` (tools/bench)
// or anyone else: plain Node 24 can import this file (type stripping; node: built-ins only).
//
//   const { measureRuntimes, runtimeBenchTable } = await import('<root>/e2e/src/runtimes/bench.ts');
//   const rows = await measureRuntimes({ runs: 5, ours: '/tmp/x/bin' });   // needs root
//   console.log(runtimeBenchTable(rows));
//
// Per iteration and implementation (interleaved, order rotated): `podman run --rm ... true` on
// the macvlan and on the bridge network, and one CRI pod through RunPodSandbox, StopPodSandbox and
// RemovePodSandbox on containerd. The plugin time is the sum of top-level plugin execs recorded by
// the logging shim (nested IPAM execs are inside their parent), so it leaves out the runtimes'
// own work; the wall time is the client's whole operation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from './image.ts';
import { openLab, type Lab } from './lab.ts';
import { installOurs, IMPLS, type Impl } from './plugins.ts';
import { IMAGE } from './podman.ts';
import { BRIDGE, configureCriNetwork, createBridgeNetwork, createMacvlanNetwork, MACVLAN } from './scenarios.ts';
import { clearLog, readExecs } from './shim.ts';
import { median, pluginTime } from './timing.ts';

export const RUNTIME_CASES = ['podman run --rm (macvlan)', 'podman run --rm (bridge)', 'CRI pod run/stop/remove (bridge)'] as const;
export type RuntimeCase = (typeof RUNTIME_CASES)[number];

export interface RuntimeBenchOptions {
  /** Measured iterations per case and implementation (default 5). */
  runs?: number;
  /** Unmeasured iterations first (default 1). */
  warmup?: number;
  impls?: readonly Impl[];
  /** A directory our plugins are installed in (`pnpm cni install --dest DIR`); default: install into a temp dir. */
  ours?: string;
  log?: (msg: string) => void;
}

export interface RuntimeBenchRow {
  case: RuntimeCase;
  impl: Impl;
  /** The client's whole operation, ms, one entry per iteration. */
  wallMs: number[];
  /** Time in plugins (top-level execs through the shim), ms, one entry per iteration. */
  pluginMs: number[];
  /** Plugin execs of one iteration (nested IPAM included). */
  execs: number;
  /** For `ts`: plugins taken from the Go oracle because we do not have them yet. */
  fromGo: string[];
  /** First failure, if an iteration failed (the case is then not measured further). */
  error?: string;
}

/** One iteration of one case; returns the wall time in ms. */
async function once(lab: Lab, c: RuntimeCase, i: number): Promise<number> {
  const t0 = performance.now();
  if (c === 'CRI pod run/stop/remove (bridge)') {
    const { cri } = await lab.containerd();
    const id = await cri.runPodSandbox({ name: `bench-${i}`, uid: `uid-bench-${i}`, cgroupParent: lab.world.cgroupParent });
    await cri.stopPodSandbox(id);
    await cri.removePodSandbox(id);
  } else {
    const net = c === 'podman run --rm (macvlan)' ? MACVLAN.name : BRIDGE.name;
    lab.podman.must(['run', '--rm', '--network', net, '--cgroup-parent', lab.world.cgroupParent, IMAGE, 'true']);
  }
  return performance.now() - t0;
}

export async function measureRuntimes(opts: RuntimeBenchOptions = {}): Promise<RuntimeBenchRow[]> {
  const runs = opts.runs ?? 5;
  const warmup = opts.warmup ?? 1;
  const impls = opts.impls ?? IMPLS;
  const log = opts.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), `cnits-${process.pid}-runtimes-bench-`));
  const labs = new Map<Impl, Lab>();
  const rows: RuntimeBenchRow[] = [];
  try {
    const rootfs = busyboxRootfs(join(work, 'busybox.tar'));
    let ours = opts.ours;
    if (impls.includes('ts') && !ours) {
      ours = join(work, 'ours');
      log('installing our plugins (pnpm cni install)');
      installOurs(ours);
    }
    for (const impl of impls) {
      const lab = await openLab(impl, rootfs, ours);
      labs.set(impl, lab);
      createMacvlanNetwork(lab);
      createBridgeNetwork(lab);
      await configureCriNetwork(await lab.containerd());
      for (const c of RUNTIME_CASES) rows.push({ case: c, impl, wallMs: [], pluginMs: [], execs: 0, fromGo: lab.plugins.fromGo });
    }
    for (let i = -warmup; i < runs; i++) {
      const order = impls.map((_, k) => impls[(k + Math.max(i, 0)) % impls.length]!);
      for (const impl of order) {
        const lab = labs.get(impl)!;
        for (const row of rows.filter((r) => r.impl === impl && !r.error)) {
          clearLog(lab.plugins.logDir);
          try {
            const wall = await once(lab, row.case, i + warmup);
            const execs = readExecs(lab.plugins.logDir);
            const failed = execs.find((e) => e.rc !== 0);
            if (failed) throw new Error(`${failed.plugin} ${failed.command} exited ${failed.rc}: ${JSON.stringify(failed.stdout)}`);
            if (i < 0) continue;
            row.wallMs.push(wall);
            row.pluginMs.push(pluginTime(execs).ms);
            row.execs = execs.length;
          } catch (err) {
            row.error = (err as Error).message.split('\n')[0]!.slice(0, 200);
            log(`${impl} ${row.case}: ${row.error}`);
          }
        }
      }
      if (i >= 0) log(`iteration ${i + 1}/${runs} done`);
    }
    return rows;
  } finally {
    const errors: string[] = [];
    for (const lab of labs.values()) errors.push(...(await lab.close()));
    rmSync(work, { recursive: true, force: true });
    if (errors.length) log(`cleanup: ${errors.join('; ')}`);
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '–');

/** A markdown table: per case, median wall and plugin time of each implementation, and ts/go. */
export function runtimeBenchTable(rows: readonly RuntimeBenchRow[]): string {
  const impls = [...new Set(rows.map((r) => r.impl))];
  const head = ['case', ...impls.flatMap((i) => [`${i}: wall`, `${i}: in plugins`]), 'plugin time ts/go', 'execs'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  for (const c of RUNTIME_CASES) {
    const of = (i: Impl) => rows.find((r) => r.case === c && r.impl === i);
    const cells = impls.flatMap((i) => {
      const r = of(i);
      if (r?.error) return [`failed: ${r.error.replaceAll('|', '/')}`, ''];
      return [ms(median(r?.wallMs ?? [])), ms(median(r?.pluginMs ?? []))];
    });
    const go = median(of('go')?.pluginMs ?? []);
    const ts = median(of('ts')?.pluginMs ?? []);
    const ratio = Number.isFinite(go) && Number.isFinite(ts) && go > 0 ? `${(ts / go).toFixed(1)}x` : '–';
    const execs = impls.map((i) => of(i)?.execs ?? 0).join(' / ');
    lines.push(`| ${[c, ...cells, ratio, execs].join(' | ')} |`);
  }
  const fromGo = rows.find((r) => r.impl === 'ts')?.fromGo ?? [];
  if (fromGo.length) lines.push('', `ts column: ${fromGo.join(', ')} still from the Go oracle (not ours yet).`);
  return lines.join('\n');
}
