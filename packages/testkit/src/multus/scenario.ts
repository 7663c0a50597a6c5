// Shared by the multus e2e files: a pod with the bridge cluster network (a conflist file) and
// a macvlan NAD selected by its annotation, on the API server of ./cluster. Used by the multus
// and multus-thick tests (`@cni-ts/testkit/multus`).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv, type TestEnv } from '../env';
import { addrs, link, links } from '../state';
import { afterAll, beforeAll, expect } from 'vitest';
import { testCluster, type TestCluster } from './cluster';
import { k8sArgs, multus, type Out } from './harness';

export let cluster: TestCluster;
const dirs: string[] = [];
export const tmp = (tag: string) => {
  const d = mkdtempSync(path.join(tmpdir(), `cnits-multus-${tag}-`));
  dirs.push(d);
  return d;
};

/** Registers the cluster's lifetime with the file's hooks. */
export function useCluster(): void {
  beforeAll(async () => {
    cluster = await testCluster();
  });
  afterAll(async () => {
    await cluster?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

export interface Setup {
  env: TestEnv;
  conf: Record<string, unknown>;
  cniDir: string;
  ipamDirs: { cluster: string; macvlan: string };
  podName: string;
  uid: string;
  args: string;
  nad: string;
  confDir: string;
}

export interface SetupOptions {
  /** The networks annotation, given the macvlan NAD's name (default: just that name). */
  annotation?: (nad: string) => string;
  /** More annotations of the pod. */
  annotations?: Record<string, string>;
  /** Extra top-level fields / status of the pod object. */
  podExtra?: Record<string, unknown>;
  /** The macvlan NAD's spec.config; null = an empty spec (resolved from confDir by name). */
  nadConfig?: Record<string, unknown> | null;
}

/** A host with master0 (macvlan's parent), the bridge cluster network as a file, a macvlan NAD and a pod selecting it. */
export async function setup(o: SetupOptions = {}): Promise<Setup> {
  const env = testEnv();
  env.hostLink('master0');
  const confDir = tmp('conf');
  const cniDir = tmp('cache');
  const ipamDirs = { cluster: tmp('hl-cluster'), macvlan: tmp('hl-macvlan') };
  const clusterFile = path.join(confDir, '10-cbr0.conflist');
  writeFileSync(
    clusterFile,
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'cbr0',
      plugins: [{ type: 'bridge', bridge: 'cni0', isGateway: true, isDefaultGateway: true, ipam: { type: 'host-local', subnet: '10.88.0.0/24', dataDir: ipamDirs.cluster } }],
    }),
  );
  const nad = `macvlan-${Math.random().toString(36).slice(2, 7)}`;
  const macvlan = { cniVersion: '1.0.0', type: 'macvlan', master: 'master0', mode: 'bridge', ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir: ipamDirs.macvlan } };
  if (o.nadConfig === null) writeFileSync(path.join(confDir, '20-macvlan.conf'), JSON.stringify({ ...macvlan, name: nad }));
  await cluster.createNad({ name: nad, config: o.nadConfig === null ? undefined : (o.nadConfig ?? macvlan) });
  const podName = `pod-${Math.random().toString(36).slice(2, 7)}`;
  const pod = await cluster.createPod({ name: podName, annotations: { 'k8s.v1.cni.cncf.io/networks': o.annotation ? o.annotation(nad) : nad, ...o.annotations }, ...o.podExtra });
  const uid = (pod.metadata as { uid: string }).uid;
  const conf = {
    cniVersion: '1.0.0',
    name: 'multus-cni-network',
    type: 'multus',
    kubeconfig: await cluster.kubeconfigIn(env.host.name),
    clusterNetwork: clusterFile,
    confDir,
    cniDir,
    // Never /opt/cni/bin of the machine: plugins come from CNI_PATH only.
    binDir: tmp('bin'),
    multusNamespace: cluster.namespace,
  };
  return { env, conf, cniDir, ipamDirs, podName, uid, args: k8sArgs(cluster.namespace, podName, uid), nad, confDir };
}

export const reserved = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\d+\.\d+\.\d+\.\d+$/.test(path.basename(f)));

export function ok(r: Out) {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json;
}

export const add = (s: Setup, extra: Partial<Parameters<typeof multus>[1]> = {}, conf = s.conf) =>
  multus(s.env.host.name, { command: 'ADD', netns: s.env.container.path, args: s.args, ...extra }, conf);
export const del = (s: Setup, extra: Partial<Parameters<typeof multus>[1]> = {}, conf = s.conf) =>
  multus(s.env.host.name, { command: 'DEL', netns: s.env.container.path, args: s.args, ...extra }, conf);

export function expectAttached(s: Setup) {
  const ctr = s.env.container.name;
  expect(link(ctr, 'eth0')?.linkinfo?.info_kind).toBe('veth');
  expect(link(ctr, 'net1')?.linkinfo?.info_kind).toBe('macvlan');
  expect(addrs(ctr, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.88.0.2/24');
  expect(addrs(ctr, 'net1').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.77.0.2/24');
  expect(reserved(s.ipamDirs.cluster)).toHaveLength(1);
  expect(reserved(s.ipamDirs.macvlan)).toHaveLength(1);
}

export function expectDetached(s: Setup) {
  const ctr = s.env.container.name;
  expect(links(ctr).map((l) => l.ifname)).toEqual(['lo']);
  expect(reserved(s.ipamDirs.cluster)).toEqual([]);
  expect(reserved(s.ipamDirs.macvlan)).toEqual([]);
  expect(existsSync(path.join(s.cniDir, 'ctr1'))).toBe(false);
  expect(existsSync(path.join(s.cniDir, 'results')) ? readdirSync(path.join(s.cniDir, 'results')) : []).toEqual([]);
}

