// What each delegate receives, seen from a recording fake plugin (a shell script, so it is
// exec'd — the foreign-plugin path): CNI_ARGS, runtimeConfig, cni-args, the device picked from
// the kubelet's pod-resources API or checkpoint for a resourceName NAD and its device-info file; CHECK, STATUS and GC
// routing. Multus runs in-process here; only the fake plugin runs, and it touches no network.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cniEnv, dispatch } from '@cni-ts/cni';
import { checkLeaks, testEnv } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMultus } from '../src/plugin';
import { podObject, startStub, writeKubeconfig } from '../../../e2e/src/k8s-stub/index';
import { startPodResourcesStub, testCluster, type TestCluster } from '@cni-ts/testkit/multus';
import { k8sArgs } from '@cni-ts/testkit/multus';

checkLeaks();

const FAKE = `#!/bin/sh
d="$FAKE_LOG"; n=$(cat "$d/seq" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/seq"
cat > "$d/$n.stdin"
env | grep '^CNI_' | sort > "$d/$n.env"
if [ "$CNI_COMMAND" = ADD ]; then
  printf '{"cniVersion":"1.1.0","interfaces":[{"name":"%s","mac":"02:00:00:00:00:%02d","sandbox":"%s"}],"ips":[{"address":"10.9.%d.5/24","gateway":"10.9.%d.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.9.%d.1"}]}' "$CNI_IFNAME" "$n" "$CNI_NETNS" "$n" "$n" "$n"
fi
`;

let cluster: TestCluster;
let root: string;
beforeAll(async () => {
  cluster = await testCluster();
  root = mkdtempSync(path.join(tmpdir(), 'cnits-multus-fake-'));
});
afterAll(async () => {
  await cluster?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Call {
  command: string;
  stdin: Record<string, unknown>;
  env: Record<string, string>;
}

function fixture(tag: string) {
  const dir = path.join(root, tag);
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'log');
  const cniDir = path.join(dir, 'cache');
  const devInfoDir = path.join(dir, 'devinfo');
  for (const d of [bin, log, cniDir, devInfoDir]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(bin, 'fake'), FAKE);
  chmodSync(path.join(bin, 'fake'), 0o755);
  const calls = (): Call[] =>
    readdirSync(log)
      .filter((f) => f.endsWith('.stdin'))
      .map((f) => Number(f.split('.')[0]))
      .sort((a, b) => a - b)
      .map((n) => {
        const env = Object.fromEntries(
          readFileSync(path.join(log, `${n}.env`), 'utf8')
            .trim()
            .split('\n')
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        return { command: env.CNI_COMMAND!, stdin: JSON.parse(readFileSync(path.join(log, `${n}.stdin`), 'utf8')), env };
      });
  return { dir, bin, log, cniDir, devInfoDir, calls };
}

async function run(plugin: ReturnType<typeof createMultus>, command: string, netns: string, args: string, conf: unknown, env: Record<string, string>) {
  const out = await dispatch(plugin, {
    env: cniEnv({ command, containerId: 'ctr9', netns, ifname: 'eth0', args, path: env.CNI_PATH! }, env),
    stdin: JSON.stringify(conf),
  });
  return { ...out, json: out.stdout ? (JSON.parse(out.stdout) as Record<string, unknown>) : undefined };
}

/** A Multus config with the API server and a fake master delegate, and the fake plugin's environment. */
function withApi(f: ReturnType<typeof fixture>) {
  return {
    conf: {
      cniVersion: '1.1.0',
      name: 'multus-cni-network',
      type: 'multus',
      kubeconfig: cluster.kubeconfig,
      delegates: [{ cniVersion: '1.1.0', name: 'master-net', type: 'fake' }],
      cniDir: f.cniDir,
      binDir: f.bin,
    },
    env: { CNI_PATH: '/nonexistent', FAKE_LOG: f.log, PATH: process.env.PATH ?? '/usr/bin:/bin' },
  };
}

describe('what delegates receive', () => {
  it('CNI_ARGS, runtimeConfig, cni-args, deviceID from the checkpoint, device-info in the status', async () => {
    const f = fixture('args');
    const { container } = testEnv();
    const ns = cluster.namespace;
    const fakeConf = (name: string) => ({
      cniVersion: '1.1.0',
      name,
      type: 'fake',
      capabilities: { portMappings: true, ips: true, mac: true, deviceID: true, CNIDeviceInfoFile: true },
      args: { cni: { keep: 'me', spoofchk: 'off' } },
    });
    const nadA = `sriov-a-${process.pid}`;
    const nadB = `sriov-b-${process.pid}`;
    for (const n of [nadA, nadB]) await cluster.createNad({ name: n, config: fakeConf(n), annotations: { 'k8s.v1.cni.cncf.io/resourceName': 'intel.com/sriov_vf' } });
    const pod = await cluster.createPod({
      name: `pod-args-${process.pid}`,
      annotations: {
        'k8s.v1.cni.cncf.io/networks': JSON.stringify([
          { name: nadA, ips: ['10.20.0.5/24'], mac: '02:23:45:67:89:01', 'cni-args': { spoofchk: 'on' }, portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] },
          { name: nadB },
        ]),
      },
    });
    const uid = (pod.metadata as { uid: string }).uid;
    // The device plugin's checkpoint (two VFs for this pod, listed unsorted) and its device-info file.
    const checkpoint = path.join(f.dir, 'kubelet_internal_checkpoint');
    writeFileSync(
      checkpoint,
      JSON.stringify({
        Data: {
          PodDeviceEntries: [
            { PodUID: uid, ContainerName: 'c', ResourceName: 'intel.com/sriov_vf', DeviceIDs: { '0': ['0000:18:02.5', '0000:18:02.3'] }, AllocResp: '' },
            { PodUID: 'someone-else', ContainerName: 'c', ResourceName: 'intel.com/sriov_vf', DeviceIDs: { '0': ['0000:18:02.1'] }, AllocResp: '' },
          ],
          RegisteredDevices: {},
        },
        Checksum: 1,
      }),
    );
    mkdirSync(path.join(f.devInfoDir, 'dp'), { recursive: true });
    writeFileSync(path.join(f.devInfoDir, 'dp', 'intel.com-sriov_vf-0000:18:02.3-device.json'), JSON.stringify({ type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:18:02.3' } }));
    // No kubelet socket: the checkpoint is the source.
    const plugin = createMultus({ checkpointFile: checkpoint, podResourcesSocket: path.join(f.dir, 'no-kubelet.sock'), devInfoDir: f.devInfoDir });
    const conf = {
      cniVersion: '1.1.0',
      name: 'multus-cni-network',
      type: 'multus',
      kubeconfig: cluster.kubeconfig,
      delegates: [{ ...fakeConf('master-net'), args: undefined }],
      cniDir: f.cniDir,
      binDir: f.bin,
      runtimeConfig: { portMappings: [{ hostPort: 9090, containerPort: 90, protocol: 'tcp' }] },
    };
    const env = { CNI_PATH: '/nonexistent', FAKE_LOG: f.log, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const args = `${k8sArgs(ns, `pod-args-${process.pid}`, uid, 'sandbox9')};EXTRA=1`;
    const r = await run(plugin, 'ADD', container.path, args, conf, env);
    expect(r.exitCode, r.stdout).toBe(0);
    const [master, a, b] = f.calls();
    expect([master!.env.CNI_IFNAME, a!.env.CNI_IFNAME, b!.env.CNI_IFNAME]).toEqual(['eth0', 'net1', 'net2']);
    // As upstream's thin binary: the Kubernetes keys, then every pair of the runtime's CNI_ARGS
    // (same keys again included), then MAC= and IP= for the requests.
    const k8s = `K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=pod-args-${process.pid};K8S_POD_INFRA_CONTAINER_ID=sandbox9`;
    expect(a!.env.CNI_ARGS).toBe(`IgnoreUnknown=true;${k8s};K8S_POD_UID=${uid};K8S_POD_UID=${uid};IgnoreUnknown=1;${k8s};EXTRA=1;MAC=02:23:45:67:89:01;IP=10.20.0.5/24`);
    // The master gets the runtime's runtimeConfig only; a secondary gets it overlaid with its requests.
    expect(master!.stdin.runtimeConfig).toEqual({ portMappings: [{ hostPort: 9090, containerPort: 90, protocol: 'tcp' }] });
    const infoA = path.join(f.devInfoDir, 'cni', `${ns}-${nadA}-ctr9_net1`);
    expect(a!.stdin).toMatchObject({
      deviceID: '0000:18:02.3',
      pciBusID: '0000:18:02.3',
      args: { cni: { keep: 'me', spoofchk: 'on' } },
      runtimeConfig: {
        portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
        ips: ['10.20.0.5/24'],
        mac: '02:23:45:67:89:01',
        deviceID: '0000:18:02.3',
        CNIDeviceInfoFile: infoA,
      },
    });
    // Devices are handed out in sorted order, one per NAD naming the resource.
    expect(b!.stdin).toMatchObject({ deviceID: '0000:18:02.5', runtimeConfig: { deviceID: '0000:18:02.5' } });
    expect(existsSync(infoA)).toBe(true);
    const status = JSON.parse((await cluster.getPod(`pod-args-${process.pid}`)).metadata!.annotations!['k8s.v1.cni.cncf.io/network-status']!);
    expect(status.map((s: Record<string, unknown>) => [s.name, s.interface, s.default ?? false, s['device-info'] ?? null])).toEqual([
      ['master-net', 'eth0', true, null],
      [`${ns}/${nadA}`, 'net1', false, { type: 'pci', version: '1.1.0', pci: { 'pci-address': '0000:18:02.3' } }],
      [`${ns}/${nadB}`, 'net2', false, null],
    ]);
    // The master's result is returned, in multus's version.
    expect(r.json).toMatchObject({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }] });

    const d = await run(plugin, 'DEL', container.path, args, conf, env);
    expect(d.exitCode, d.stdout).toBe(0);
    const dels = f.calls().filter((c) => c.command === 'DEL');
    expect(dels.map((c) => c.env.CNI_IFNAME)).toEqual(['net2', 'net1', 'eth0']);
    // DEL gets the cached result as prevResult, the same deviceID, and the device-info file is gone.
    expect(dels[1]!.stdin).toMatchObject({ deviceID: '0000:18:02.3', prevResult: { interfaces: [{ name: 'net1' }] } });
    expect(existsSync(infoA)).toBe(false);
    expect(readdirSync(path.join(f.cniDir, 'results'))).toEqual([]);
  });

  it('deviceID from the kubelet pod-resources API (gRPC List on its socket): matched by namespace/name, sorted, one List per call; a failing kubelet fails the ADD', async () => {
    const f = fixture('podres');
    const { container } = testEnv();
    const ns = cluster.namespace;
    const resource = 'example.com/vf';
    const nads = [`podres-a-${process.pid}`, `podres-b-${process.pid}`, `podres-c-${process.pid}`];
    for (const n of nads) await cluster.createNad({ name: n, config: { cniVersion: '1.1.0', name: n, type: 'fake', capabilities: { deviceID: true } }, annotations: { 'k8s.v1.cni.cncf.io/resourceName': resource } });
    const name = `pod-podres-${process.pid}`;
    const pod = await cluster.createPod({ name, annotations: { 'k8s.v1.cni.cncf.io/networks': nads.join(',') } });
    const uid = (pod.metadata as { uid: string }).uid;
    const kubelet = await startPodResourcesStub([
      // Same name in another namespace, and another resource of this pod: neither is handed out.
      { name, namespace: `${ns}-other`, containers: [{ name: 'c', devices: [{ resourceName: resource, deviceIds: ['0000:00:00.1'] }] }] },
      {
        name,
        namespace: ns,
        containers: [
          { name: 'app', devices: [{ resourceName: resource, deviceIds: ['0000:3b:02.4'] }, { resourceName: 'example.com/gpu', deviceIds: ['gpu0'] }] },
          { name: 'sidecar', devices: [{ resourceName: resource, deviceIds: ['0000:3b:02.2'] }] },
        ],
      },
    ]);
    try {
      // A checkpoint naming other devices: with the socket present it is not read.
      const checkpoint = path.join(f.dir, 'kubelet_internal_checkpoint');
      writeFileSync(checkpoint, JSON.stringify({ Data: { PodDeviceEntries: [{ PodUID: uid, ResourceName: resource, DeviceIDs: { '0': ['9999:99:99.9'] } }] } }));
      const plugin = createMultus({ checkpointFile: checkpoint, podResourcesSocket: kubelet.socket, devInfoDir: f.devInfoDir });
      const { conf, env } = withApi(f);
      const args = k8sArgs(ns, name, uid, 'sandbox9');
      const r = await run(plugin, 'ADD', container.path, args, conf, env);
      expect(r.exitCode, r.stdout).toBe(0);
      const [, a, b, c] = f.calls();
      // Sorted across containers, the next one per NAD; the third NAD finds none left.
      expect([a, b].map((x) => [x!.stdin.deviceID, x!.stdin.pciBusID, (x!.stdin.runtimeConfig as Record<string, unknown>).deviceID])).toEqual([
        ['0000:3b:02.2', '0000:3b:02.2', '0000:3b:02.2'],
        ['0000:3b:02.4', '0000:3b:02.4', '0000:3b:02.4'],
      ]);
      expect(c!.stdin.deviceID).toBeUndefined();
      expect(kubelet.calls).toBe(1);
      expect((await run(plugin, 'DEL', container.path, args, conf, env)).exitCode).toBe(0);

      // The socket exists but the kubelet fails: the ADD fails (no silent fall-back to the checkpoint), nothing is left attached.
      kubelet.failWith = 14; // UNAVAILABLE
      const before = f.calls().length;
      const bad = await run(plugin, 'ADD', container.path, args, conf, env);
      expect(bad.exitCode).toBe(1);
      expect(bad.json?.msg).toMatch(/failed to get a ResourceClient instance: getKubeletClient: error getting pod resources from client: getPodResources: failed to list pod resources: 14 UNAVAILABLE: pod-resources stand-in told to fail/);
      expect(f.calls().slice(before).map((x) => x.command)).not.toContain('ADD');
      expect(readdirSync(path.join(f.cniDir, 'results'))).toEqual([]);
    } finally {
      await kubelet.close();
    }
  });

  it('CHECK (delegates form), STATUS and GC go to the cluster network only', async () => {
    const f = fixture('cmds');
    const { container } = testEnv();
    const plugin = createMultus();
    const conf = {
      cniVersion: '1.1.0',
      name: 'multus-cni-network',
      type: 'multus',
      delegates: [{ cniVersion: '1.1.0', name: 'master-net', type: 'fake' }, { cniVersion: '1.1.0', name: 'second', type: 'fake' }],
      cniDir: f.cniDir,
      binDir: f.bin,
    };
    const env = { CNI_PATH: '/nonexistent', FAKE_LOG: f.log, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    expect((await run(plugin, 'ADD', container.path, '', conf, env)).exitCode).toBe(0);
    expect((await run(plugin, 'CHECK', container.path, '', conf, env)).exitCode).toBe(0);
    expect((await run(plugin, 'STATUS', '', '', conf, env)).exitCode).toBe(0);
    expect((await run(plugin, 'GC', '', '', conf, env)).exitCode).toBe(0);
    const calls = f.calls();
    expect(calls.map((c) => [c.command, c.env.CNI_IFNAME ?? ''])).toEqual([
      ['ADD', 'eth0'],
      ['ADD', 'net1'],
      ['CHECK', 'eth0'],
      ['CHECK', 'net1'],
      ['STATUS', ''],
      ['GC', ''],
    ]);
    expect(calls[2]!.stdin.prevResult).toMatchObject({ interfaces: [{ name: 'eth0' }] });
    expect(calls[4]!.stdin.name).toBe('master-net');
    // Every cached attachment is valid for GC, as upstream.
    expect(calls[5]!.stdin['cni.dev/valid-attachments']).toEqual(
      expect.arrayContaining([
        { containerID: 'ctr9', ifname: 'eth0' },
        { containerID: 'ctr9', ifname: 'net1' },
      ]),
    );
    expect((await run(plugin, 'DEL', container.path, '', conf, env)).exitCode).toBe(0);
  });
});

describe('NAD configs', () => {
  it('a conflist in spec.config without a name: the NAD name is injected, every plugin runs, prevResult chains', async () => {
    const f = fixture('conflist');
    const { container } = testEnv();
    const nad = `chain-${process.pid}`;
    await cluster.createNad({ name: nad, config: { cniVersion: '1.1.0', plugins: [{ type: 'fake', first: true }, { type: 'fake', second: true }] } });
    const pod = await cluster.createPod({ name: `pod-list-${process.pid}`, annotations: { 'k8s.v1.cni.cncf.io/networks': nad } });
    const args = k8sArgs(cluster.namespace, `pod-list-${process.pid}`, (pod.metadata as { uid: string }).uid);
    const { conf, env } = withApi(f);
    const plugin = createMultus();
    expect((await run(plugin, 'ADD', container.path, args, conf, env)).exitCode).toBe(0);
    const [, first, second] = f.calls();
    expect([first!.stdin.name, first!.stdin.first, second!.stdin.second, first!.env.CNI_IFNAME]).toEqual([nad, true, true, 'net1']);
    expect(first!.stdin.prevResult).toBeUndefined();
    expect(second!.stdin.prevResult).toMatchObject({ interfaces: [{ name: 'net1' }] });
    const status = JSON.parse((await cluster.getPod(`pod-list-${process.pid}`)).metadata!.annotations!['k8s.v1.cni.cncf.io/network-status']!);
    expect(status[1]).toMatchObject({ name: `${cluster.namespace}/${nad}`, interface: 'net1' });
    expect((await run(plugin, 'DEL', container.path, args, conf, env)).exitCode).toBe(0);
    expect(f.calls().filter((c) => c.command === 'DEL').map((c) => [c.env.CNI_IFNAME, c.stdin.second ?? c.stdin.first ?? 'master'])).toEqual([
      ['net1', true],
      ['net1', true],
      ['eth0', 'master'],
    ]);
  });
});

describe('the pod and the credentials', () => {
  const fakeOnly = (f: ReturnType<typeof fixture>, kubeconfig: string) => ({
    cniVersion: '1.1.0',
    name: 'multus-cni-network',
    type: 'multus',
    kubeconfig,
    delegates: [{ cniVersion: '1.1.0', name: 'master-net', type: 'fake' }],
    cniDir: f.cniDir,
    binDir: f.bin,
  });

  it('a UID mismatch fails the ADD, except for static pods (their mirror pod has another UID)', async () => {
    const f = fixture('uid');
    const { container } = testEnv();
    const env = { CNI_PATH: '/nonexistent', FAKE_LOG: f.log, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const plugin = createMultus();
    const conf = fakeOnly(f, cluster.kubeconfig);
    await cluster.createPod({ name: `pod-uid-${process.pid}` });
    const bad = await run(plugin, 'ADD', container.path, k8sArgs(cluster.namespace, `pod-uid-${process.pid}`, 'not-the-uid'), conf, env);
    expect(bad.exitCode).toBe(1);
    expect((bad.json as { msg: string }).msg).toMatch(/expected pod UID "not-the-uid" but got ".+" from Kube API/);
    await cluster.createPod({ name: `pod-static-${process.pid}`, annotations: { 'kubernetes.io/config.source': 'file' } });
    const args = k8sArgs(cluster.namespace, `pod-static-${process.pid}`, 'mirror-uid');
    expect((await run(plugin, 'ADD', container.path, args, conf, env)).exitCode).toBe(0);
    expect((await run(plugin, 'DEL', container.path, args, conf, env)).exitCode).toBe(0);
  });

  it.skipIf(!!process.env.MULTUS_E2E_KUBECONFIG)('kubeconfig token-file is read on every call: a rotated token is picked up; a rejected one fails with a hint', async () => {
    const f = fixture('token');
    const { container } = testEnv();
    let token = 'first';
    const stub = await startStub({ token: () => token });
    try {
      const tokenFile = path.join(f.dir, 'token');
      writeFileSync(tokenFile, 'first');
      const kubeconfig = writeKubeconfig(path.join(f.dir, 'kubeconfig'), { server: stub.url, tokenFile });
      const pod = stub.put('pods', podObject({ namespace: 'ns1', name: 'p1' }));
      const args = k8sArgs('ns1', 'p1', (pod.metadata as { uid: string }).uid);
      const env = { CNI_PATH: '/nonexistent', FAKE_LOG: f.log, PATH: process.env.PATH ?? '/usr/bin:/bin' };
      const plugin = createMultus();
      const conf = fakeOnly(f, kubeconfig);
      expect((await run(plugin, 'ADD', container.path, args, conf, env)).exitCode).toBe(0);
      expect((await run(plugin, 'DEL', container.path, args, conf, env)).exitCode).toBe(0);
      token = 'second'; // the server now wants the refreshed token; the file still has the old one
      const rejected = await run(plugin, 'ADD', container.path, args, conf, env);
      expect(rejected.exitCode).toBe(1);
      expect((rejected.json as { msg: string }).msg).toMatch(/error waiting for pod: Unauthorized \(the API server rejected the credentials of .*kubeconfig; an expired service-account token\?/);
      writeFileSync(tokenFile, 'second');
      expect((await run(plugin, 'ADD', container.path, args, conf, env)).exitCode).toBe(0);
      expect((await run(plugin, 'DEL', container.path, args, conf, env)).exitCode).toBe(0);
    } finally {
      await stub.close();
    }
  });
});
