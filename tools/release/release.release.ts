// The release tarballs on clean systems (issue 25). `pnpm release` makes them (or they are
// reused when out/release holds this commit's); each is extracted with the root's own tar into
// /opt/cni/bin of a debootstrap'd Debian root (tools/release/debian-root.sh: no Node, no pnpm, no
// compiler; cached under out/cache) and run from there with chroot, inside throwaway namespaces:
//   amd64: VERSION of every plugin (the launcher's answer, and the binary's own), the about text,
//          `cni-ts-plugins --version`, the cni-ts CLI, bridge + host-local ADD/CHECK/DEL;
//   arm64 (qemu-user through binfmt): VERSION of every plugin, --version, a loopback ADD/DEL;
//   the amd64 container images under podman: the install image fills a host directory and the
//   plugins work from there, the thick daemon answers /healthz, the server listens.
// Checksums verify with sha256sum/sha512sum -c. Slow (builds both binaries when out/release is
// stale): its own suite, `pnpm test release`, not part of the default run (tools/release/README.md).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must, testEnv } from '@cni-ts/testkit';
import { releaseVersion, sourceCommit } from '../build/build.mjs';
import { IMAGES, imageArchiveName } from './images.mjs';
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

// The container images (tools/release/images.mjs), run by podman as a node would: its own storage
// and configuration in this test's directory (cgroupfs, runc, no network), nothing shared with
// the machine's podman.
describe('container images (amd64, podman)', () => {
  let dir: string;
  let podmanEnv: NodeJS.ProcessEnv;
  const podman = (args: string[], timeout = 600_000) => {
    const r = spawnSync('podman', args, { encoding: 'utf8', env: podmanEnv, timeout });
    return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  };

  beforeAll(() => {
    dir = join(work, 'podman');
    for (const d of ['storage', 'runroot', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(
      join(dir, 'containers.conf'),
      `[containers]\nlog_driver = "k8s-file"\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${dir}/events.log"\ntmp_dir = "${dir}/tmp"\nimage_copy_tmp_dir = "${dir}/tmp"\nruntime = "runc"\n`,
    );
    writeFileSync(join(dir, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${dir}/storage"\nrunroot = "${dir}/runroot"\n`);
    podmanEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
    for (const image of Object.keys(IMAGES)) {
      const sum = spawnSync('sha256sum', ['-c', `${imageArchiveName(image, 'amd64', version)}.sha256`], { cwd: OUT, encoding: 'utf8' });
      expect(sum.status, sum.stdout + sum.stderr).toBe(0);
      const load = podman(['load', '-q', '-i', join(OUT, imageArchiveName(image, 'amd64', version))]);
      expect(load.status, load.stderr).toBe(0);
    }
  }, 1_800_000);
  afterAll(() => {
    if (!dir) return;
    podman(['rm', '-f', '-a']);
    podman(['rmi', '-f', '-a']);
    // overlay mounts of the private storage, if any is left, before the directory goes.
    spawnSync('sh', ['-c', `grep -o " ${dir}/storage[^ ]*" /proc/mounts | xargs -r -n1 umount -l`]);
  });
  const ref = (image: string) => {
    const r = podman(['images', '--format', '{{.ID}} {{.Labels}}']);
    const line = r.stdout.split('\n').find((l) => l.includes(`org.opencontainers.image.title:${image}`));
    if (!line) throw new Error(`${image}: not among the loaded images:\n${r.stdout}`);
    return line.split(' ')[0]!;
  };

  it('the install image fills a host directory, file by file atomically, and the plugins work from there', () => {
    const host = join(work, 'host-bin');
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, 'loopback'), 'an older loopback\n');
    writeFileSync(join(host, 'someone-elses-plugin'), 'kept\n');
    const r = podman(['run', '--rm', '--network', 'none', '-v', `${host}:/host/opt/cni/bin`, ref('cni-ts-install')]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`cni-ts-plugins v${version}`);
    const stage = join(OUT, 'stage-amd64');
    const expected = readdirSync(stage).filter((f) => f !== 'LICENSE');
    // Every file of the release, byte for byte, executable; nothing half-written left; others' files kept.
    expect(readdirSync(host).toSorted()).toEqual([...expected, 'someone-elses-plugin'].toSorted());
    for (const f of expected) {
      expect(readFileSync(join(host, f)).equals(readFileSync(join(stage, f))), f).toBe(true);
      expect(statSync(join(host, f)).mode & 0o777).toBe(0o755);
    }
    for (const p of manifest.plugins) {
      const v = spawnSync(join(host, p.name), [], { env: { CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
      expect(v.status, `${p.name}: ${v.stderr}`).toBe(0);
      if (p.versionAnswer) expect(v.stdout).toBe(p.versionAnswer);
    }
    // A loopback ADD/DEL from the filled directory (the launcher execs the binary beside it).
    const env = testEnv();
    must('ip', ['-n', env.container.name, 'link', 'set', 'lo', 'down']);
    const call = (command: string) =>
      spawnSync(join(host, 'loopback'), [], {
        input: JSON.stringify({ cniVersion: '1.0.0', name: 'lo', type: 'loopback' }),
        encoding: 'utf8',
        env: { CNI_COMMAND: command, CNI_CONTAINERID: 'release-image', CNI_NETNS: env.container.path, CNI_IFNAME: 'lo', CNI_PATH: host },
      });
    const add = call('ADD');
    expect(add.status, add.stdout + add.stderr).toBe(0);
    expect(must('ip', ['-n', env.container.name, 'link', 'show', 'lo'])).toMatch(/UP/);
    const del = call('DEL');
    expect(del.status, del.stdout + del.stderr).toBe(0);
  });

  it("the multus-thick image's daemon starts, answers /healthz, and stops on SIGTERM with 0", async () => {
    const conf = join(work, 'thick-conf');
    const sock = join(work, 'thick-run');
    mkdirSync(conf, { recursive: true });
    mkdirSync(sock, { recursive: true });
    writeFileSync(join(conf, 'daemon-config.json'), JSON.stringify({ socketDir: '/run/multus', cniConfigDir: '/etc/cni/net.d' }));
    const run = podman(['run', '-d', '--name', 'cnits-release-thick', '--network', 'none', '-v', `${conf}:/etc/cni/net.d/multus.d`, '-v', `${sock}:/run/multus`, ref('cni-ts-multus-thick')]);
    expect(run.status, run.stderr).toBe(0);
    let health = '';
    for (let i = 0; i < 120 && health !== '200'; i++) {
      health = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--unix-socket', join(sock, 'multus.sock'), 'http://multus/healthz'], { encoding: 'utf8' }).stdout;
      if (health !== '200') await new Promise((res) => setTimeout(res, 500));
    }
    const logs = podman(['logs', 'cnits-release-thick']).stderr;
    expect(health, logs).toBe('200');
    expect(podman(['stop', '-t', '20', 'cnits-release-thick']).status).toBe(0);
    expect(podman(['inspect', 'cnits-release-thick', '--format', '{{.State.ExitCode}}']).stdout.trim()).toBe('0');
    podman(['rm', 'cnits-release-thick']);
  }, 300_000);

  it("the server image's resident server listens on its socket and stops on SIGTERM", async () => {
    // The server's default socket, /run/cni-ts/plugins.sock: its directory must be root's, 0700.
    const sock = join(work, 'server-run');
    mkdirSync(sock, { recursive: true, mode: 0o700 });
    const run = podman(['run', '-d', '--name', 'cnits-release-server', '--network', 'none', '-v', `${sock}:/run/cni-ts`, ref('cni-ts-server')]);
    expect(run.status, run.stderr).toBe(0);
    let up = false;
    for (let i = 0; i < 120 && !up; i++) {
      up = existsSync(join(sock, 'plugins.sock')) && statSync(join(sock, 'plugins.sock')).isSocket();
      if (!up) await new Promise((res) => setTimeout(res, 500));
    }
    expect(up, podman(['logs', 'cnits-release-server']).stderr).toBe(true);
    expect(podman(['stop', '-t', '20', 'cnits-release-server']).status).toBe(0);
    podman(['rm', 'cnits-release-server']);
  }, 300_000);
});

// Reproducible: a second release of this commit, from a clone in another directory (so that no
// path of the first checkout can hide in it). Every entry of the tarballs is byte-identical, and
// so are the tar listings (names, modes, owners, times), except the binary cni-ts-plugins: its V8
// code caches (one per plugin and program, and the SEA main script's) are laid out by V8's
// per-process random string hash seed, so they differ from run to run (tools/release/README.md
// "Reproducible"). For the binary the test checks that everything that goes into it but those
// caches is identical: every bundle, the SEA main script, the native module. amd64 by default
// (CNI_TS_REPRO_ARCHES=amd64,arm64 for both: the arm64 build runs under emulation, an hour here).
/** The files of directory `a` whose bytes differ from `b`'s of the same name. */
const differing = (a: string, b: string) => readdirSync(a).filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(b, f))));

describe('reproducible', () => {
  const arches = (process.env.CNI_TS_REPRO_ARCHES ?? 'amd64').split(',').filter(Boolean);
  it(`a second release from a fresh clone: identical tarball entries but for the binary's code caches (${arches.join(', ')})`, () => {
    const commit = sourceCommit(ROOT);
    expect(commit, 'out/release must be of a clean commit to compare with').not.toMatch(/-dirty$/);
    expect(manifest.commit).toBe(commit);
    const clone = join(work, 'second-clone');
    must('git', ['clone', '--quiet', ROOT, clone]);
    const pnpm = spawnSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: clone, encoding: 'utf8', timeout: 600_000 });
    expect(pnpm.status, pnpm.stderr).toBe(0);
    const out = join(work, 'second-release');
    const r = spawnSync(process.execPath, [join(clone, 'tools/release/release.mjs'), '--arch', arches.join(','), '--no-images', '--out', out], {
      cwd: clone,
      encoding: 'utf8',
      timeout: 3_500_000,
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    for (const arch of arches) {
      const name = tarballName(arch, version);
      const listing = (dir: string) =>
        must('tar', ['--full-time', '-tvzf', join(dir, name)])
          .split('\n')
          .filter((l) => !l.endsWith('./cni-ts-plugins'));
      expect(listing(out)).toEqual(listing(OUT));
      const [first, second] = [join(OUT, `stage-${arch}`), join(out, `stage-${arch}`)];
      const entries = differing(first, second);
      expect(entries.filter((f) => f !== 'cni-ts-plugins'), `${arch}: entries that differ`).toEqual([]);
      if (entries.length === 0) {
        expect(readFileSync(join(out, name)).equals(readFileSync(join(OUT, name))), `${name}: same entries, other bytes`).toBe(true);
        continue;
      }
      const [b1, b2] = [join(OUT, `build-${arch}/build`), join(out, `build-${arch}/build`)];
      expect(differing(join(b1, 'bundle'), join(b2, 'bundle')), `${arch}: bundles that differ`).toEqual([]);
      for (const f of ['main.cjs', 'koffi.node']) expect(readFileSync(join(b1, f)).equals(readFileSync(join(b2, f))), `${arch}: ${f}`).toBe(true);
      console.log(`${arch}: the binaries differ in their code caches: ${differing(join(b1, 'cache'), join(b2, 'cache')).join(', ')} (and the SEA main script's)`);
    }
  }, 3_600_000);
});
