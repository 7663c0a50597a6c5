// Runs multus the way a runtime does: as a process (from source) whose own netns is the test
// "host", with the CNI_* environment and the config on stdin. Delegates are found through
// CNI_PATH: a directory of source launchers of our plugins (marked as ours, so multus runs
// them in-process), or /usr/lib/cni for the Go plugins (exec'd).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { catalogFor, discoverPlugins } from '../../../../tools/build/lib/plugins.mjs';
import { callEnv, type CniCall, type ProcOut, spawnProc } from '../proc';
import { ROOT, SOURCE_NODE, writeLauncher } from '../source';

export { ROOT };
export const MULTUS_MAIN = path.join(ROOT, 'packages/multus/src/main.ts');

let launchers: string | undefined;

/** A directory with a source launcher of each of our plugins (bridge, macvlan, host-local, ...). */
export function oursDir(): string {
  if (launchers) return launchers;
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-multus-bin-'));
  for (const p of catalogFor(discoverPlugins(ROOT)).filter((q) => q.name !== 'multus')) writeLauncher(dir, p.name, p.main);
  launchers = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export type Call = CniCall;
export type Out = ProcOut;

/** Runs multus inside `hostNs` (async, so an in-process stub server keeps answering). */
export function multus(hostNs: string, call: Call, conf: unknown): Promise<Out> {
  return spawnProc(['ip', 'netns', 'exec', hostNs, ...SOURCE_NODE, MULTUS_MAIN], { env: callEnv(call, oursDir()), input: conf });
}

/** CNI_ARGS as kubelet (containerd) sends them. */
export function k8sArgs(ns: string, name: string, uid: string, sandbox = 'ctr1'): string {
  return `K8S_POD_UID=${uid};IgnoreUnknown=1;K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=${name};K8S_POD_INFRA_CONTAINER_ID=${sandbox}`;
}
