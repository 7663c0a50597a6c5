// Real runtimes run containers on a plugin set: podman 4.3 (CNI backend) and containerd 1.6's
// CRI plugin, each confined to a world (lab netns + private mount/pid namespaces, see world.ts),
// once with the Go oracle's plugins and once with ours (`pnpm cni install`), through the same
// logging shim, so the time each runtime spends in plugins is compared on the same operations.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLeaks, servedDir, servedStats } from '@cni-ts/testkit';
import { must } from './_exec.ts';
import { busyboxRootfs } from './image.ts';
import { cachedResults, filesIn, labLinks, labRules, leases, openLab, type Lab } from './lab.ts';
import { installOurs, IMPLS, requireTools, type Impl } from './plugins.ts';
import { BRIDGE, configureCriNetwork, createBridgeNetwork, createMacvlanNetwork, CRI, HOST_PORT, MACVLAN } from './scenarios.ts';
import { clearLog, readExecs, type PluginExec } from './shim.ts';
import { breakdown, comparisonTable, pluginTime, type PluginTime } from './timing.ts';
import type { Containerd } from './containerd.ts';

const MV_NET = MACVLAN.name;
const MV_SUBNET = MACVLAN.prefix;
const BR_NET = BRIDGE.name;
const BR_SUBNET = BRIDGE.prefix;
const CRI_NET = CRI.name;
const CRI_SUBNET = CRI.prefix;

let work: string;
let rootfs: string;
const fileStart = Date.now();
/** phase -> impl -> plugin time, filled by both runs and printed side by side at the end. */
const phases = new Map<string, Partial<Record<Impl, PluginTime>>>();
const wall: Partial<Record<Impl, number>> = {};
let install = 0;

const failedExecs = (execs: PluginExec[]) => execs.filter((e) => e.rc !== 0).map((e) => `${e.plugin} ${e.command} rc=${e.rc}: ${JSON.stringify(e.stdout)}`);
/** The DELs of the network's own chain (loopback runs beside it on CRI). */
const chain = (execs: PluginExec[]) => execs.filter((e) => e.command === 'DEL' && !e.nested && e.plugin !== 'loopback');

// The top-level chains and jumps portmap and firewall create once and share between containers
// (upstream never removes them): everything else they add must be gone after the last DEL.
// (labRules lists them twice: iptables -S, and nft's view of iptables-nft's tables.)
const SHARED = [
  /: -N (CNI-HOSTPORT-(DNAT|SETMARK|MASQ)|CNI-FORWARD|CNI-ADMIN)$|-j (CNI-HOSTPORT-(DNAT|MASQ)|CNI-FORWARD|CNI-ADMIN)$|: -A CNI-HOSTPORT-(MASQ|SETMARK) /,
  /jump (CNI-HOSTPORT-(DNAT|MASQ)|CNI-FORWARD|CNI-ADMIN)\b|"CNI portfwd masquerade mark"|^counter meta mark set mark or 0x0*2000$|^meta mark & 0x0*2000 == 0x0*2000 counter masquerade$/,
];
const unshared = (r: ReturnType<typeof labRules>) => ({ iptables: r.iptables.filter((l) => !SHARED[0]!.test(l)), nft: r.nft.filter((l) => !SHARED[1]!.test(l)) });
/** How c1 and c2 fared through c1's host port, per implementation (go runs first): ts must match. */
const viaHostPort: Partial<Record<Impl, Record<string, string>>> = {};

/** GET from the lab namespace (the runtime's host); the body, or '' on failure. */
const get = (world: Lab['world'], url: string) => {
  const r = world.exec('curl', ['-sS', '--max-time', '3', url]);
  return r.status === 0 ? r.stdout : '';
};
/** Conntrack entries of the lab namespace for a destination port (the published host port). */
const tracked = (world: Lab['world'], port: number) =>
  world
    .exec('conntrack', ['-L'])
    .stdout.split('\n')
    .filter((l) => l.includes(`dport=${port} `));

checkLeaks();

beforeAll(() => {
  requireTools();
  work = mkdtempSync(join(tmpdir(), `cnits-${process.pid}-runtimes-`));
  rootfs = busyboxRootfs(join(work, 'busybox.tar'));
});

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  // Served mode (CNI_TS_SERVED=1): every call of ours went through the resident server, in the
  // runtime's own mount namespace (its /run/netns and /var/lib), none handed back to the exec path.
  if (servedDir()) {
    const s = (await servedStats())!;
    console.log(`resident server counters after the runtimes: ${JSON.stringify(s)}`);
    expect(s.fallbacks, JSON.stringify(s)).toBe(0);
    expect(s.protocolErrors, JSON.stringify(s)).toBe(0);
    expect(s.served, JSON.stringify(s)).toBeGreaterThan(20);
    expect(s.otherMounts, JSON.stringify(s)).toBe(s.served);
  }
  console.log(
    `time spent in plugins, per phase (sum of top-level plugin execs through the logging shim; same operations both ways):\n` +
      `${comparisonTable(phases, IMPLS)}\n` +
      `wall time: ${IMPLS.map((i) => `${i} ${((wall[i] ?? 0) / 1000).toFixed(1)} s`).join(', ')} (ts includes ${(install / 1000).toFixed(1)} s of pnpm cni install); ` +
      `whole file ${((Date.now() - fileStart) / 1000).toFixed(1)} s`,
  );
});

describe.each(IMPLS)('%s plugins', (impl) => {
  let lab: Lab;
  let started = 0;

  /** Plugin execs since the last call; also recorded under `phase` for the comparison. */
  const phase = (label: string): PluginExec[] => {
    const execs = readExecs(lab.plugins.logDir);
    clearLog(lab.plugins.logDir);
    const t = pluginTime(execs);
    phases.set(label, { ...phases.get(label), [impl]: t });
    console.log(`[${impl}] ${label}: ${t.ms.toFixed(0)} ms in plugins over ${t.execs} execs\n${breakdown(t)}`);
    return execs;
  };

  beforeAll(async () => {
    started = Date.now();
    let ours: string | undefined;
    if (impl === 'ts') {
      ours = join(work, 'ours');
      const t0 = Date.now();
      const installed = installOurs(ours);
      install = Date.now() - t0;
      console.log(`[ts] pnpm cni install --dest ${ours} (${(install / 1000).toFixed(1)} s, builds if sources changed): ${installed.join(', ')}`);
    }
    lab = await openLab(impl, rootfs, ours);
    if (impl === 'ts') {
      const mine = Object.keys(lab.plugins.real).filter((n) => !lab.plugins.fromGo.includes(n));
      console.log(`[ts] ours: ${mine.join(', ')}; from the Go oracle (not ours yet): ${lab.plugins.fromGo.join(', ') || 'none'}`);
    }
  }, 600_000);

  afterAll(async () => {
    const errors = lab ? await lab.close() : [];
    wall[impl] = Date.now() - started;
    if (lab) {
      // Everything the world held is gone: its temp dir, lab namespace and cgroups.
      expect(existsSync(lab.world.dir), 'world directory').toBe(false);
      expect(existsSync(lab.world.netnsPath), 'lab namespace').toBe(false);
      expect(must('find', ['/sys/fs/cgroup/', '-maxdepth', '2', '-name', lab.world.cgroupParent.slice(1)]).trim(), 'cgroups').toBe('');
    }
    expect(errors).toEqual([]);
  }, 120_000);

  describe('podman, macvlan network', () => {
    let baseline: ReturnType<typeof labRules>;
    let m1ip = '';
    const keys: string[] = [];

    it('creates a macvlan network on a master link in the lab namespace', () => {
      const { world, podman } = lab;
      createMacvlanNetwork(lab);
      const conf = JSON.parse(readFileSync(podman.conflistPath(MV_NET), 'utf8'));
      expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(['macvlan']);
      expect(conf.plugins[0].ipam.type).toBe('host-local');
      baseline = labRules(world);
      phase('podman macvlan: network create');
    });

    it('runs two containers, one with a static --ip, and they ping each other', () => {
      const { world, podman } = lab;
      podman.start('m1', MV_NET);
      podman.start('m2', MV_NET, ['--ip', `${MV_SUBNET}.50`]);
      const execs = phase('podman macvlan: 2x run -d');
      expect(failedExecs(execs)).toEqual([]);
      // podman passes a static --ip as IP= in CNI_ARGS
      const adds = execs.filter((e) => e.plugin === 'macvlan' && e.command === 'ADD');
      expect(adds).toHaveLength(2);
      expect(adds.some((e) => e.env.CNI_ARGS?.split(';').includes(`IP=${MV_SUBNET}.50`))).toBe(true);

      m1ip = podman.ip('m1', MV_NET);
      expect(m1ip).toMatch(new RegExp(`^${MV_SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
      expect(podman.ip('m2', MV_NET)).toBe(`${MV_SUBNET}.50`);
      expect(podman.must(['exec', 'm2', 'ip', '-4', 'addr', 'show', 'eth0'])).toContain(`inet ${MV_SUBNET}.50/24`);
      expect(podman.must(['exec', 'm1', 'ip', 'route'])).toContain(`default via ${MV_SUBNET}.1`);
      const ping = podman.run(['exec', 'm1', 'ping', '-c', '1', '-W', '2', `${MV_SUBNET}.50`]);
      expect(ping.status, ping.stdout + ping.stderr).toBe(0);
      const back = podman.run(['exec', 'm2', 'ping', '-c', '1', '-W', '2', m1ip]);
      expect(back.status, back.stdout + back.stderr).toBe(0);
      expect(leases(world, MV_NET).toSorted()).toEqual([m1ip, `${MV_SUBNET}.50`].toSorted());
      expect(labLinks(world).filter((l) => l.endsWith(' macvlan'))).toEqual([]); // they live in the containers
      keys.push(podman.sandboxKey('m1'), podman.sandboxKey('m2'));
      phase('podman macvlan: inspect, exec');
    });

    it('podman rm leaves no macvlan, lease, cached result, rule or netns behind', () => {
      const { world, podman } = lab;
      podman.must(['rm', '-f', '-t', '0', 'm1', 'm2']);
      const execs = phase('podman macvlan: rm -f (2 containers)');
      expect(failedExecs(execs)).toEqual([]);
      const dels = execs.filter((e) => e.plugin === 'macvlan' && e.command === 'DEL');
      expect(dels).toHaveLength(2);
      expect(dels.every((e) => e.env.CNI_NETNS?.startsWith('/run/netns/'))).toBe(true);
      expect(labLinks(world).filter((l) => !l.startsWith('lo') && !l.startsWith('mvmaster') && !l.startsWith('mvpeer'))).toEqual([]);
      expect(leases(world, MV_NET)).toEqual([]);
      expect(cachedResults(world, MV_NET)).toEqual([]);
      expect(labRules(world)).toEqual(baseline);
      for (const k of keys) expect(existsSync(world.inside(k)), k).toBe(false);
      podman.must(['network', 'rm', MV_NET]);
      phase('podman macvlan: network rm');
    });
  });

  describe('podman, bridge network', () => {
    let baseline: ReturnType<typeof labRules>;
    let c1ip = '';
    const keys: string[] = [];

    it("creates a bridge network; podman's own conflist, unmodified: bridge, portmap, firewall, tuning", () => {
      const { world, podman } = lab;
      createBridgeNetwork(lab);
      const conf = JSON.parse(readFileSync(podman.conflistPath(BR_NET), 'utf8'));
      expect(conf.cniVersion).toBe('0.4.0');
      expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(['bridge', 'portmap', 'firewall', 'tuning']);
      baseline = labRules(world);
      phase('podman bridge: network create');
    });

    it('runs two containers, one with a static --ip, one with -p; they ping each other and the gateway; the host port reaches c1', () => {
      const { world, podman } = lab;
      podman.start('c1', BR_NET, ['-p', `${HOST_PORT.podman}:80`]);
      podman.start('c2', BR_NET, ['--ip', `${BR_SUBNET}.77`]);
      const execs = phase('podman bridge: 2x run -d');
      expect(failedExecs(execs)).toEqual([]);
      // every podman process VERSION-probes every plugin of every conflist with dummy values
      const probes = execs.filter((e) => e.command === 'VERSION');
      expect(probes.length).toBeGreaterThan(0);
      expect(probes.every((e) => e.env.CNI_NETNS === 'dummy')).toBe(true);
      const adds = execs.filter((e) => e.command === 'ADD' && !e.nested).map((e) => e.plugin);
      expect(adds).toEqual(['bridge', 'portmap', 'firewall', 'tuning', 'bridge', 'portmap', 'firewall', 'tuning']);

      c1ip = podman.ip('c1', BR_NET);
      expect(c1ip).toMatch(new RegExp(`^${BR_SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
      expect(podman.ip('c2', BR_NET)).toBe(`${BR_SUBNET}.77`);
      expect(podman.must(['exec', 'c1', 'ip', 'route'])).toContain(`default via ${BR_SUBNET}.1`);
      for (const [from, to] of [
        ['c1', `${BR_SUBNET}.77`],
        ['c2', c1ip],
        ['c1', `${BR_SUBNET}.1`],
      ] as const) {
        const r = podman.run(['exec', from, 'ping', '-c', '1', '-W', '2', to]);
        expect(r.status, `${from} -> ${to}: ${r.stdout}${r.stderr}`).toBe(0);
      }
      const links = labLinks(world);
      expect(links).toContain('cni-podman1 bridge');
      expect(links.filter((l) => l.endsWith(' veth') && !l.startsWith('mv'))).toHaveLength(2);
      expect(leases(world, BR_NET).toSorted()).toEqual([c1ip, `${BR_SUBNET}.77`].toSorted());
      // ipMasq: the lab's rules changed while the containers run
      expect(labRules(world)).not.toEqual(baseline);
      // -p 18080:80: the lab (the host) reaches c1 through 127.0.0.1 and the gateway address, c2
      // through the gateway, and c1 itself through its own host port (hairpin)
      podman.must(['exec', 'c1', 'sh', '-c', 'mkdir -p /www && echo hello-from-c1 > /www/index.html']);
      podman.must(['exec', '-d', 'c1', 'httpd', '-f', '-p', '80', '-h', '/www']);
      const hello = 'hello-from-c1\n';
      let first = '';
      for (let i = 0; i < 20 && first !== hello; i++) first = get(world, `http://127.0.0.1:${HOST_PORT.podman}/`);
      expect(first, 'lab -> 127.0.0.1:18080').toBe(hello);
      expect(get(world, `http://${BR_SUBNET}.1:${HOST_PORT.podman}/`), 'lab -> gateway:18080').toBe(hello);
      // From the containers (c2 through the host, c1 to itself): recorded, and ours must do what Go's do.
      const fared: Record<string, string> = {};
      // (the image's static busybox wget crashes on a connect; the host's curl runs in their netns)
      for (const from of ['c2', 'c1']) {
        const r = world.exec('nsenter', [`--net=${podman.sandboxKey(from)}`, 'curl', '-sS', '--max-time', '3', `http://${BR_SUBNET}.1:${HOST_PORT.podman}/`]);
        fared[from] = r.status === 0 ? r.stdout : `failed (${r.status}): ${r.stderr.trim()}`;
      }
      viaHostPort[impl] = fared;
      console.log(`[${impl}] through c1's host port from the containers: ${JSON.stringify(fared)}`);
      if (impl === 'ts' && viaHostPort.go) expect(fared).toEqual(viaHostPort.go);
      const rules = labRules(world);
      expect([...rules.iptables, ...rules.nft].some((l) => l.includes(`${c1ip}:80`)), 'the DNAT rule').toBe(true);
      expect([...rules.iptables, ...rules.nft].some((l) => l.includes(`${c1ip}`) && l.includes('accept')) || rules.iptables.some((l) => l.includes(`-s ${c1ip}/32 -j ACCEPT`)), 'the firewall rule').toBe(true);
      expect(tracked(world, HOST_PORT.podman).length).toBeGreaterThan(0);
      keys.push(podman.sandboxKey('c1'), podman.sandboxKey('c2'));
      phase('podman bridge: inspect, exec');
    });

    it('podman rm leaves no veth, lease, cached result, rule, conntrack entry or netns behind; network rm drops the bridge', () => {
      const { world, podman } = lab;
      podman.must(['rm', '-f', '-t', '0', 'c1', 'c2']);
      const execs = phase('podman bridge: rm -f (2 containers)');
      expect(failedExecs(execs)).toEqual([]);
      expect(execs.filter((e) => e.command === 'DEL' && !e.nested).map((e) => e.plugin)).toEqual(['tuning', 'firewall', 'portmap', 'bridge', 'tuning', 'firewall', 'portmap', 'bridge']);
      expect(labLinks(world).filter((l) => l.endsWith(' veth') && !l.startsWith('mv'))).toEqual([]);
      expect(leases(world, BR_NET)).toEqual([]);
      expect(cachedResults(world, BR_NET)).toEqual([]);
      expect(unshared(labRules(world))).toEqual(unshared(baseline));
      const after = labRules(world);
      expect([...after.iptables, ...after.nft].filter((l) => l.includes('CNI-DN-') || l.includes(`${c1ip} `) || l.includes(`${c1ip}/`) || l.includes(`${c1ip}:`))).toEqual([]);
      // upstream's portmap leaves the connections to the host port tracked (DEL flush: cni-ts only)
      if (impl === 'ts') expect(tracked(world, HOST_PORT.podman)).toEqual([]);
      for (const k of keys) expect(existsSync(world.inside(k)), k).toBe(false);
      podman.must(['network', 'rm', BR_NET]);
      expect(labLinks(world)).not.toContain('cni-podman1 bridge');
      expect(filesIn(world, '/run/netns')).toEqual([world.netns]);
      phase('podman bridge: network rm');
    });
  });

  describe('containerd CRI', () => {
    let ctd: Containerd;
    let baseline: ReturnType<typeof labRules>;
    const pods: Array<{ id: string; ip: string; pid: number }> = [];
    let httpd = '';

    it('starts containerd with a bridge conflist; NetworkReady', async () => {
      const { world } = lab;
      ctd = await lab.containerd();
      await configureCriNetwork(ctd);
      expect((await ctd.cri.status()).NetworkReady?.status).toBe(true);
      expect(labLinks(world)).not.toContain(`${CRI.bridge} bridge`); // created on the first ADD
      expect((await ctd.cri.version()).runtimeName).toBe('containerd');
      baseline = labRules(world);
      phase('containerd: start');
    });

    it('RunPodSandbox runs loopback and the conflist; pods get addresses and reach each other', async () => {
      const { world } = lab;
      for (const name of ['p1', 'p2']) {
        const portMappings = name === 'p1' ? [{ containerPort: 80, hostPort: HOST_PORT.cri }] : [];
        const id = await ctd.cri.runPodSandbox({ name, uid: `uid-${name}`, namespace: 'default', cgroupParent: world.cgroupParent, portMappings });
        const st = await ctd.cri.podSandboxStatus(id, true);
        const info = JSON.parse(st.info.info ?? '{}') as { pid?: number };
        pods.push({ id, ip: st.ip, pid: info.pid ?? 0 });
      }
      const execs = phase('containerd: 2x RunPodSandbox');
      expect(failedExecs(execs)).toEqual([]);
      // loopback runs on every sandbox, with cniVersion 0.3.1, beside the network's chain
      const lo = execs.filter((e) => e.plugin === 'loopback' && e.command === 'ADD');
      expect(lo).toHaveLength(2);
      expect(lo.every((e) => e.env.CNI_IFNAME === 'lo' && (e.stdin as { cniVersion?: string }).cniVersion === '0.3.1')).toBe(true);
      expect(execs.filter((e) => e.command === 'ADD' && !e.nested && e.plugin !== 'loopback').map((e) => e.plugin)).toEqual(['bridge', 'portmap', 'tuning', 'bridge', 'portmap', 'tuning']);
      const pm = execs.find((e) => e.plugin === 'portmap' && e.command === 'ADD' && (e.stdin as { runtimeConfig?: unknown }).runtimeConfig !== undefined);
      // containerd 1.6 spells the keys as Go field names (Go's decoding, and ours, ignore the case)
      expect((pm?.stdin as { runtimeConfig?: unknown } | undefined)?.runtimeConfig).toEqual({ portMappings: [{ HostPort: HOST_PORT.cri, ContainerPort: 80, Protocol: 'tcp', HostIP: '' }] });

      const [p1, p2] = pods as [(typeof pods)[0], (typeof pods)[0]];
      for (const p of pods) {
        expect(p.ip).toMatch(new RegExp(`^${CRI_SUBNET.replaceAll('.', '\\.')}\\.\\d+$`));
        expect(p.pid).toBeGreaterThan(0);
        const inPod = (args: string[]) => world.must('nsenter', [`--net=/proc/${p.pid}/ns/net`, ...args]);
        expect(inPod(['ip', '-o', 'link', 'show', 'lo'])).toMatch(/<LOOPBACK,UP/);
        expect(inPod(['ip', '-o', 'link', 'show', 'eth0'])).toContain('mtu 1400');
      }
      for (const [from, to] of [
        [p1, p2.ip],
        [p2, p1.ip],
        [p1, `${CRI_SUBNET}.1`],
      ] as const) {
        const r = world.exec('nsenter', [`--net=/proc/${from.pid}/ns/net`, 'ping', '-c', '1', '-W', '2', to]);
        expect(r.status, `${from.ip} -> ${to}: ${r.stdout}${r.stderr}`).toBe(0);
      }
      expect(leases(world, CRI_NET).toSorted()).toEqual(pods.map((p) => p.ip).toSorted());
      expect(filesIn(world, '/run/cni/tuning')).toHaveLength(2);
      // the hostPort: a server in p1's network namespace answers on the lab's port 18081
      const www = join(world.dir, 'www');
      world.must('mkdir', ['-p', www]);
      world.must('sh', ['-c', `echo hello-from-p1 > ${www}/index.html`]);
      httpd = world.must('nsenter', [`--net=/proc/${p1.pid}/ns/net`, 'sh', '-c', `busybox httpd -f -p 80 -h ${www} >/dev/null 2>&1 & echo $!`]).trim();
      let body = '';
      for (let i = 0; i < 20 && body === ''; i++) body = get(world, `http://127.0.0.1:${HOST_PORT.cri}/`);
      expect(body, 'lab -> 127.0.0.1:18081').toBe('hello-from-p1\n');
      expect(get(world, `http://${CRI_SUBNET}.1:${HOST_PORT.cri}/`), 'lab -> gateway:18081').toBe('hello-from-p1\n');
      phase('containerd: status, exec');
    });

    it('StopPodSandbox runs DEL with the netns, RemovePodSandbox runs it again with an empty netns', async () => {
      const { world } = lab;
      const stops: PluginExec[] = [];
      const removes: PluginExec[] = [];
      if (httpd) world.must('kill', [httpd]); // it holds p1's netns open
      for (const p of pods) {
        await ctd.cri.stopPodSandbox(p.id);
        stops.push(...readExecs(lab.plugins.logDir));
        clearLog(lab.plugins.logDir);
      }
      expect(leases(world, CRI_NET)).toEqual([]);
      for (const p of pods) {
        await ctd.cri.removePodSandbox(p.id);
        removes.push(...readExecs(lab.plugins.logDir));
        clearLog(lab.plugins.logDir);
      }
      for (const [label, execs] of [
        ['containerd: 2x StopPodSandbox', stops],
        ['containerd: 2x RemovePodSandbox', removes],
      ] as const) {
        const t = pluginTime(execs);
        phases.set(label, { ...phases.get(label), [impl]: t });
        console.log(`[${impl}] ${label}: ${t.ms.toFixed(0)} ms in plugins over ${t.execs} execs\n${breakdown(t)}`);
        expect(failedExecs(execs)).toEqual([]);
      }
      expect(chain(stops).map((e) => e.plugin)).toEqual(['tuning', 'portmap', 'bridge', 'tuning', 'portmap', 'bridge']);
      expect(chain(stops).every((e) => (e.env.CNI_NETNS ?? '') !== '')).toBe(true);
      expect(chain(removes).map((e) => e.plugin)).toEqual(['tuning', 'portmap', 'bridge', 'tuning', 'portmap', 'bridge']);
      expect(chain(removes).every((e) => (e.env.CNI_NETNS ?? 'unset') === '')).toBe(true);

      expect(await ctd.cri.listPodSandbox()).toEqual([]);
      expect(labLinks(world).filter((l) => l.endsWith(' veth') && !l.startsWith('mv'))).toEqual([]);
      expect(leases(world, CRI_NET)).toEqual([]);
      expect(cachedResults(world, CRI_NET)).toEqual([]);
      expect(unshared(labRules(world))).toEqual(unshared(baseline));
      expect([...labRules(world).iptables, ...labRules(world).nft].filter((l) => l.includes('CNI-DN-'))).toEqual([]);
      if (impl === 'ts') expect(tracked(world, HOST_PORT.cri)).toEqual([]);
      expect(filesIn(world, '/run/netns')).toEqual([world.netns]);
      // tuning (mtu) kept a backup per pod while it ran; DEL restored and removed it
      expect(filesIn(world, '/run/cni/tuning')).toEqual([]);
    });
  });
});
