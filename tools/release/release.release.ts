// The release tarballs on clean systems (issue 25). `pnpm release` makes them (or they are
// reused when out/release holds this commit's); each is extracted with the root's own tar into
// /opt/cni/bin of a debootstrap'd Debian root (tools/release/debian-root.sh: no Node, no pnpm, no
// compiler; cached under out/cache) and run from there with chroot, inside throwaway namespaces:
//   amd64: VERSION of every plugin (the launcher's answer, and the binary's own), the about text,
//          `cni-ts-plugins --version`, the cni-ts CLI, bridge + host-local ADD/CHECK/DEL;
//   arm64 (qemu-user through binfmt): VERSION of every plugin, --version, a loopback ADD/DEL.
// Checksums verify with sha256sum/sha512sum -c. Slow (builds both binaries when out/release is
// stale): its own suite, `pnpm test release`, not part of the default run (tools/release/README.md).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must, testEnv } from '@cni-ts/testkit';
import { releaseVersion, sourceCommit } from '../build/build.mjs';
import { release, tarballName } from './release.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, 'out/release');
const version = releaseVersion(ROOT);

interface Manifest {
  version: string;
  commit: string;
  node: string;
  plugins: { name: string; package: string; version: string; versionAnswer: string | null }[];
  commands: string[];
}
let manifest: Manifest;
let work: string;

/** This commit's release, made now unless out/release already holds it (both arches). */
async function ensureRelease(): Promise<Manifest> {
  const file = join(OUT, `cni-ts-plugins-v${version}.manifest.json`);
  // CNI_TS_RELEASE_REUSE=1: test out/release as it is (a release made earlier, on another commit).
  if (process.env.CNI_TS_RELEASE_REUSE === '1') return JSON.parse(readFileSync(file, 'utf8'));
  const commit = sourceCommit(ROOT);
  if (existsSync(file) && !commit.endsWith('-dirty')) {
    const m = JSON.parse(readFileSync(file, 'utf8'));
    const complete = ['amd64', 'arm64'].every((a) => existsSync(join(OUT, tarballName(a, version))));
    if (m.commit === commit && complete) return m;
  }
  return (await release({ root: ROOT, out: OUT })).manifest as Manifest;
}

function debianRoot(arch: string): string {
  const r = spawnSync('bash', [join(ROOT, 'tools/release/debian-root.sh'), arch], { encoding: 'utf8', timeout: 1_500_000 });
  if (r.status !== 0) throw new Error(`cannot make the clean Debian ${arch} root: ${r.stderr}`);
  return r.stdout.trim();
}

// Runs `argv` inside the root with chroot, in `netns` (ip netns exec), with a private mount
// namespace: the root's /run, /var/lib, /opt/cni/bin and /tmp are this test's directories, /proc,
// /sys and /dev the kernel's; nothing is written into the cached root.
const IN_ROOT = `
set -e
for d in run var/lib opt/cni/bin tmp; do mount --bind "$STATE/$d" "$R/$d"; done
mkdir -p "$R/run/netns"
mount --rbind /run/netns "$R/run/netns"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --rbind /dev "$R/dev"
exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
`;

interface Rooted {
  root: string;
  state: string;
  run(argv: string[], o?: { netns?: string; env?: Record<string, string>; input?: string }): { status: number | null; stdout: string; stderr: string };
}

function rooted(arch: string): Rooted {
  const root = debianRoot(arch);
  for (const d of ['opt/cni/bin', 'var/lib', 'tmp', 'run']) mkdirSync(join(root, d), { recursive: true });
  const state = join(work, arch);
  for (const d of ['run', 'var/lib/cni', 'opt/cni/bin', 'tmp']) mkdirSync(join(state, d), { recursive: true });
  return {
    root,
    state,
    run(argv, o = {}) {
      const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
      const inner = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', IN_ROOT, 'in-root', ...env, ...argv];
      const r = spawnSync(o.netns ? 'ip' : inner[0]!, o.netns ? ['netns', 'exec', o.netns, ...inner] : inner.slice(1), {
        encoding: 'utf8',
        input: o.input ?? '',
        timeout: 240_000,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', R: root, STATE: state },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
    },
  };
}

/** Extracts the arch's tarball in the root with the root's own tar: the whole install. */
function installTarball(r: Rooted, arch: string) {
  const tgz = tarballName(arch, version);
  copyFileSync(join(OUT, tgz), join(r.state, 'tmp', tgz));
  const x = r.run(['tar', '-xzf', `/tmp/${tgz}`, '-C', '/opt/cni/bin']);
  expect(x.stderr).toBe('');
  expect(x.status).toBe(0);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cnits-release-'));
  manifest = await ensureRelease();
}, 3_600_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('release artifacts', () => {
  it('checksums verify, the manifest names every plugin with its version and VERSION answer', () => {
    for (const arch of ['amd64', 'arm64']) {
      for (const algo of ['sha256', 'sha512']) {
        const r = spawnSync(`${algo}sum`, ['-c', `${tarballName(arch, version)}.${algo}`], { cwd: OUT, encoding: 'utf8' });
        expect(r.stdout).toContain(': OK');
        expect(r.status).toBe(0);
      }
    }
    expect(manifest.version).toBe(version);
    expect(manifest.plugins.length).toBeGreaterThan(10);
    for (const p of manifest.plugins) expect(p.version).toBe(version);
    expect(manifest.commands).toContain('cni-ts');
  });

  it('a tarball holds the binary, one launcher per plugin, the cni-ts CLI and LICENSE, flat', () => {
    const list = must('tar', ['-tvzf', join(OUT, tarballName('amd64', version))]).trim().split('\n');
    const names = list.map((l) => l.slice(l.lastIndexOf(' ') + 1)).filter((n) => n !== './');
    const expected = ['./LICENSE', './cni-ts', './cni-ts-plugins', ...manifest.plugins.map((p) => `./${p.name}`)].toSorted();
    expect(names.toSorted()).toEqual(expected);
    for (const l of list) expect(l).toMatch(/ 0\/0 /);
  });
});

describe('amd64 on a clean Debian root', () => {
  let r: Rooted;
  beforeAll(() => {
    r = rooted('amd64');
    installTarball(r, 'amd64');
  }, 1_800_000);

  it('has no Node, pnpm or compiler', () => {
    for (const tool of ['node', 'nodejs', 'pnpm', 'gcc', 'cc']) expect(r.run(['sh', '-c', `command -v ${tool}`]).status).not.toBe(0);
  });

  it('answers VERSION for every plugin, from the launcher and from the binary; about texts carry the release version', () => {
    for (const p of manifest.plugins) {
      const v = r.run([`/opt/cni/bin/${p.name}`], { env: { CNI_COMMAND: 'VERSION' } });
      expect(v.status, `${p.name}: ${v.stderr}`).toBe(0);
      expect(JSON.parse(v.stdout).supportedVersions).toContain('1.0.0');
      if (p.versionAnswer) expect(v.stdout).toBe(p.versionAnswer);
    }
    const skel = r.run(['/opt/cni/bin/cni-ts-plugins', 'bridge'], { env: { CNI_COMMAND: 'VERSION', CNI_TS_NO_EARLY_VERSION: '1' } });
    expect(JSON.parse(skel.stdout).cniVersion).toBeDefined();
    const about = r.run(['/opt/cni/bin/bridge']);
    expect(about.stderr).toContain(`CNI bridge plugin cni-ts v${version}`);
  });

  it('cni-ts-plugins --version prints version, commit and Node; the cni-ts CLI runs', () => {
    const v = r.run(['/opt/cni/bin/cni-ts-plugins', '--version']);
    expect(v.stdout).toBe(`cni-ts-plugins v${version}\ncommit: ${manifest.commit}\nnode: v${manifest.node}\nplatform: linux/amd64\n`);
    const cli = r.run(['/opt/cni/bin/cni-ts', '--help']);
    expect(cli.stdout + cli.stderr).toMatch(/usage: cni-ts/);
  });

  it('bridge + host-local ADD, CHECK and DEL in throwaway namespaces', () => {
    const env = testEnv();
    const conf = {
      cniVersion: '1.0.0',
      name: 'relnet',
      type: 'bridge',
      bridge: 'cnirel0',
      isGateway: true,
      ipMasq: false,
      ipam: { type: 'host-local', subnet: '10.77.0.0/24' },
    };
    const call = (command: string, config: object) =>
      r.run(['/opt/cni/bin/bridge'], {
        netns: env.host.name,
        input: JSON.stringify(config),
        env: { CNI_COMMAND: command, CNI_CONTAINERID: 'release-e2e', CNI_NETNS: env.container.path, CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' },
      });
    const add = call('ADD', conf);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    const result = JSON.parse(add.stdout);
    expect(result.ips[0].address).toMatch(/^10\.77\.0\.\d+\/24$/);
    expect(must('ip', ['-n', env.container.name, '-4', 'addr', 'show', 'eth0'])).toContain(result.ips[0].address);
    expect(must('ip', ['-n', env.host.name, 'link', 'show', 'cnirel0'])).toContain('cnirel0');
    const check = call('CHECK', { ...conf, prevResult: result });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const del = call('DEL', conf);
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(spawnSync('ip', ['-n', env.container.name, 'link', 'show', 'eth0']).status).not.toBe(0);
    // host-local's reservation is gone from the root's (this test's) /var/lib/cni.
    expect(must('sh', ['-c', `ls ${join(r.state, 'var/lib/cni/networks/relnet')} 2>/dev/null || true`]).trim().split('\n').filter((f) => f.startsWith('10.'))).toEqual([]);
  });
});

describe('arm64 on a clean Debian root, under qemu-user', () => {
  let r: Rooted;
  beforeAll(() => {
    r = rooted('arm64');
    installTarball(r, 'arm64');
  }, 1_800_000);

  it('is an arm64 root and an arm64 binary', () => {
    expect(r.run(['dpkg', '--print-architecture']).stdout.trim()).toBe('arm64');
    expect(must('file', ['-b', join(OUT, 'stage-arm64/cni-ts-plugins')])).toMatch(/ARM aarch64/);
    expect(must('file', ['-b', join(OUT, 'stage-arm64/loopback')])).toMatch(/ARM aarch64/);
  });

  it('answers VERSION for every plugin and --version', () => {
    for (const p of manifest.plugins) {
      const v = r.run([`/opt/cni/bin/${p.name}`], { env: { CNI_COMMAND: 'VERSION' } });
      expect(v.status, `${p.name}: ${v.stderr}`).toBe(0);
      if (p.versionAnswer) expect(v.stdout).toBe(p.versionAnswer);
    }
    expect(r.run(['/opt/cni/bin/cni-ts-plugins', '--version']).stdout).toContain('platform: linux/arm64\n');
  });

  it('loopback ADD and DEL', () => {
    const env = testEnv();
    must('ip', ['-n', env.container.name, 'link', 'set', 'lo', 'down']);
    const call = (command: string) =>
      r.run(['/opt/cni/bin/loopback'], {
        netns: env.host.name,
        input: JSON.stringify({ cniVersion: '1.0.0', name: 'lo', type: 'loopback' }),
        env: { CNI_COMMAND: command, CNI_CONTAINERID: 'release-arm64', CNI_NETNS: env.container.path, CNI_IFNAME: 'lo', CNI_PATH: '/opt/cni/bin' },
      });
    const add = call('ADD');
    expect(add.status, add.stdout + add.stderr).toBe(0);
    expect(JSON.parse(add.stdout).interfaces[0].name).toBe('lo');
    expect(must('ip', ['-n', env.container.name, 'link', 'show', 'lo'])).toMatch(/UP/);
    const del = call('DEL');
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(must('ip', ['-n', env.container.name, 'link', 'show', 'lo'])).not.toMatch(/[<,]UP[,>]/);
  });
});
