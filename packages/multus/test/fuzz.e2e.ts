// Fuzzing what namespace users write (issue 18): pod annotations (both forms, the default-network
// one too) and the NAD names and configs they point at, built from a seeded generator out of
// random bytes, `..`, `/`, `:`, NUL, Multus's own keys and 1 MB strings. Every case runs ADD
// then DEL through Multus in one worker process (fuzz-runner.ts, in the test's host netns) and
// must end in success or a CNI error (never a crash), the DEL must succeed and leave the pod and
// cniDir empty, and no file outside the plugins' directories may change.
//
//   CNI_TS_FUZZ_SEED=<n> CNI_TS_FUZZ_CASES=<n> pnpm exec vitest run --project e2e packages/multus/test/fuzz.e2e.ts
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkLeaks, testEnv } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { SOURCE_NODE, writeLauncher } from '@cni-ts/testkit';
import { cluster, k8sArgs, MULTUS_MAIN, oursDir, reserved, ROOT, tmp, useCluster } from '@cni-ts/testkit/multus';
import type { FuzzInput, FuzzOutcome } from './fuzz-runner';

checkLeaks();
useCluster();

const SEED = Number(process.env.CNI_TS_FUZZ_SEED ?? 18);
const CASES = Number(process.env.CNI_TS_FUZZ_CASES ?? 120);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}

/** Every file below `dir` with size and mtime. */
function tree(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = path.join(dir, f);
    if (skip.some((s) => p === s || p.startsWith(`${s}/`))) continue;
    const st = statSync(p);
    out[f] = st.isFile() ? `${st.size}:${st.mtimeMs}` : 'dir';
  }
  return out;
}

// Messages of JavaScript failures nobody meant to report: a crash dressed as a CNI error.
const CRASH = /TypeError|ReferenceError|RangeError|is not a function|Cannot read propert|Cannot destructure|undefined is not|Maximum call stack|is not iterable|Unexpected (token|end of JSON)/;

describe('fuzzing annotations and NADs', () => {
  it(`seed ${SEED}, ${CASES} cases: a CNI error or success, a DEL that always works, nothing outside the directories`, { timeout: 240_000 }, async () => {
    const r = rng(SEED);
    const env = testEnv();
    env.hostLink('master0');
    const root = tmp('fuzz');
    const dirs = { conf: path.join(root, 'conf'), cni: path.join(root, 'cni'), ipam: path.join(root, 'ipam'), bin: path.join(root, 'bin'), evil: path.join(root, 'evil'), victim: path.join(root, 'victim'), work: path.join(root, 'work') };
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const victim = path.join(dirs.victim, 'precious');
    writeFileSync(victim, 'not a CNI result\n');
    const mark = path.join(dirs.victim, 'pwned');
    writeFileSync(path.join(dirs.evil, 'pwn'), `#!/bin/sh\ntouch '${mark}'\necho '{"cniVersion":"1.0.0"}'\n`);
    chmodSync(path.join(dirs.evil, 'pwn'), 0o755);
    writeLauncher(dirs.bin, 'multus', MULTUS_MAIN);
    const clusterFile = path.join(dirs.conf, '10-lo.conflist');
    writeFileSync(clusterFile, JSON.stringify({ cniVersion: '1.0.0', name: 'lo-net', plugins: [{ type: 'loopback' }] }));

    // The token pools an attacker draws from.
    const up = `/${'../'.repeat(24)}${victim.slice(1)}`;
    const huge = 'x'.repeat(1 << 20);
    const randomText = () => {
      const n = 1 + r.int(24);
      let s = '';
      for (let i = 0; i < n; i++) s += r.chance(0.8) ? String.fromCharCode(r.int(256)) : String.fromCodePoint(0x80 + r.int(0x10ff00));
      return s.replace(/[\uD800-\uDFFF]/g, 'x');
    };
    const okNad = 'fz-ok';
    const nadNames = [okNad];
    const names = () => r.pick([okNad, okNad, 'fz-missing', '', '.', '..', '/', 'a/b', ':', 'a:b', '\0', 'a\u0000b', ' ', 'UPPER', 'ümlaut', up, '%2e%2e', 'a'.repeat(300), randomText(), ...nadNames]);
    const ifnames = () => r.pick(['', 'net7', 'eth0', '..', '.', 'a:b', 'a/b', up, '0123456789abcdef', 'a\u0000b', 'x y', 'lo', randomText(), 'macvlan9']);
    const namespaces = () => r.pick([cluster.namespace, cluster.namespace, 'default', 'kube-system', '', '..', '.', 'a/b', 'Other', randomText()]);
    const scalar = (): unknown => r.pick([randomText(), up, '', null, 0, -1, 1e308, true, [], {}, [randomText()], { a: up }]);

    // NADs whose configs are the attacker's: Multus's own keys, odd types and names, 1 MB values.
    const evilKeys = { binDir: dirs.evil, cniDir: dirs.victim, confDir: dirs.evil, kubeconfig: victim, logFile: victim, daemonSocketDir: dirs.victim };
    const macvlan = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', type: 'macvlan', master: 'master0', mode: 'bridge', ipam: { type: 'host-local', subnet: '10.99.0.0/24', dataDir: dirs.ipam }, ...extra });
    await cluster.createNad({ name: okNad, config: macvlan() });
    const nadConfigs: (Record<string, unknown> | string)[] = [
      macvlan({ name: up }),
      macvlan({ name: '..' }),
      macvlan({ name: huge }),
      macvlan({ type: 'multus', ...evilKeys, delegates: [{ cniVersion: '1.0.0', name: 'p', type: 'pwn' }] }),
      macvlan({ type: 'multus-shim', ...evilKeys }),
      macvlan({ ipam: { type: 'multus' }, ...evilKeys }),
      { cniVersion: '1.0.0', name: 'l', plugins: [{ type: 'loopback' }, { TYPE: 'multus', ...evilKeys }] },
      macvlan({ type: up }),
      macvlan({ type: huge }),
      macvlan({ type: 'pwn' }),
      macvlan({ master: up }),
      macvlan({ pad: huge }),
      `{"cniVersion":"1.0.0","type":"macvlan",${'"x":1,'.repeat(10)}`,
      huge,
    ];
    for (const [i, config] of nadConfigs.entries()) {
      const name = `fz-nad-${i}`;
      await cluster.createNad({ name, config });
      nadNames.push(name);
    }

    const element = () => {
      const el: Record<string, unknown> = {};
      if (r.chance(0.9)) el[r.pick(['name', 'name', 'Name'])] = r.chance(0.9) ? names() : scalar();
      if (r.chance(0.4)) el.namespace = r.chance(0.9) ? namespaces() : scalar();
      if (r.chance(0.5)) el[r.pick(['interface', 'interfaceRequest'])] = r.chance(0.9) ? ifnames() : scalar();
      if (r.chance(0.15)) el.mac = r.pick(['02:00:00:00:00:01', 'zz', up, scalar()]);
      if (r.chance(0.15)) el.ips = r.pick([['10.99.0.50/24'], [up], ['10.0.0.300'], scalar()]);
      if (r.chance(0.1)) el['default-route'] = r.pick([['10.99.0.1'], [up], scalar()]);
      if (r.chance(0.1)) el['cni-args'] = r.pick([{ binDir: dirs.evil }, { a: up }, scalar()]);
      if (r.chance(0.1)) el.deviceID = r.pick([up, '0000:00:00.1', scalar()]);
      if (r.chance(0.05)) el.portMappings = r.pick([[{ hostPort: 1, containerPort: 2 }], scalar()]);
      return el;
    };
    const annotation = (): string => {
      const kind = r.int(10);
      if (kind < 4) {
        return Array.from({ length: 1 + r.int(3) }, () => {
          const ns = r.chance(0.3) ? `${namespaces()}/` : '';
          const ifn = r.chance(0.4) ? `@${ifnames()}` : '';
          return `${ns}${names()}${ifn}`;
        }).join(r.pick([',', ', ', ',,', ' , ']));
      }
      if (kind < 8) return JSON.stringify(Array.from({ length: 1 + r.int(3) }, () => (r.chance(0.95) ? element() : scalar())));
      if (kind === 8) return JSON.stringify(Array.from({ length: 1 + r.int(3) }, element)).slice(0, -1 - r.int(5));
      return r.pick([randomText(), up, '[', '{}', 'null', '""', '[null]', huge, `[{"name":"${huge}"}]`, `${okNad}@${huge}`]);
    };
    const cases: FuzzInput['cases'] = [];
    for (let i = 0; i < CASES; i++) {
      const annotations: Record<string, string | null> = { 'k8s.v1.cni.cncf.io/networks': r.chance(0.9) ? annotation() : null };
      annotations['v1.multus-cni.io/default-network'] = r.chance(0.2) ? (r.chance(0.5) ? annotation() : `${namespaces()}/${names()}`) : null;
      cases.push({ annotations });
    }

    const podName = 'fuzz-pod';
    const pod = await cluster.createPod({ name: podName });
    const uid = (pod.metadata as { uid: string }).uid;
    const kubeconfig = await cluster.kubeconfigIn(env.host.name);
    const input: FuzzInput = {
      kubeconfig,
      podPath: `/api/v1/namespaces/${cluster.namespace}/pods/${podName}`,
      containerNs: env.container.name,
      cniDir: dirs.cni,
      devInfoDir: path.join(dirs.cni, 'devinfo'),
      checkpointFile: path.join(dirs.work, 'no-checkpoint'),
      conf: {
        cniVersion: '1.0.0',
        name: 'multus-cni-network',
        type: 'multus',
        kubeconfig,
        clusterNetwork: clusterFile,
        confDir: dirs.conf,
        cniDir: dirs.cni,
        binDir: dirs.bin,
        multusNamespace: cluster.namespace,
        namespaceIsolation: true,
      },
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_CONTAINERID: 'fz1', CNI_NETNS: env.container.path, CNI_IFNAME: 'eth0', CNI_ARGS: k8sArgs(cluster.namespace, podName, uid, 'fz1'), CNI_PATH: oursDir() },
      cases,
    };
    const inputFile = path.join(dirs.work, 'input.json');
    const outputFile = path.join(dirs.work, 'output.jsonl');
    writeFileSync(inputFile, JSON.stringify(input));
    const outside = tree(root, [dirs.cni, dirs.ipam, dirs.work]);

    const [node, ...rest] = SOURCE_NODE as [string, ...string[]];
    const child = spawn('ip', ['netns', 'exec', env.host.name, node, ...rest, path.join(ROOT, 'packages/multus/test/fuzz-runner.ts'), inputFile, outputFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr.slice(-4000)).toBe(0);

    const outcomes = readFileSync(outputFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FuzzOutcome);
    expect(outcomes).toHaveLength(CASES);
    const summary = { success: 0, cniError: 0, refusedByApiServer: 0 };
    for (const o of outcomes) {
      const what = `case ${o.i} (seed ${SEED}): ${JSON.stringify(cases[o.i]!.annotations).slice(0, 300)}`;
      if (o.refused) {
        summary.refusedByApiServer++;
        continue;
      }
      expect([0, 1], what).toContain(o.add!.exit);
      if (o.add!.exit === 1) {
        summary.cniError++;
        expect(typeof o.add!.code, `${what}: ${o.add!.msg}`).toBe('number');
        expect(o.add!.msg, what).not.toMatch(CRASH);
      } else summary.success++;
      expect(o.del, `${what}: ${o.del?.msg}`).toMatchObject({ exit: 0 });
      expect(o.links, what).toEqual(['lo']);
      expect(o.leftovers, what).toEqual([]);
    }
    // Every kind of outcome happened: the generator reaches both ends.
    expect(summary.success).toBeGreaterThan(CASES / 20);
    expect(summary.cniError).toBeGreaterThan(CASES / 4);
    console.log(`fuzz seed ${SEED}: ${CASES} cases, ${summary.success} attached and detached, ${summary.cniError} CNI errors, ${summary.refusedByApiServer} refused by the API server; ${Math.round(outcomes.reduce((a, o) => a + (o.ms ?? 0), 0))} ms in Multus`);

    expect(existsSync(mark)).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('not a CNI result\n');
    expect(tree(root, [dirs.cni, dirs.ipam, dirs.work])).toEqual(outside);
    expect(reserved(dirs.ipam)).toEqual([]);
  });
});
