#!/usr/bin/env node
// `pnpm release`: the release artifacts, per architecture (default amd64 and arm64), in
// out/release/ (see tools/release/README.md):
//   cni-ts-plugins-linux-<arch>-v<version>.tgz        cni-ts-plugins, a native launcher per plugin,
//                                                     the cni-ts CLI's launcher, LICENSE: extracted
//                                                     into /opt/cni/bin, that is the whole install
//   cni-ts-plugins-linux-<arch>-v<version>.tgz.sha256 / .sha512   (sha256sum -c / sha512sum -c)
//   cni-ts-plugins-v<version>.manifest.json           plugins, package versions, VERSION answers,
//                                                     artifacts and their checksums
//   RELEASE-NOTES-v<version>.md                       the changelogs' sections for this version
// The tarballs are reproducible: entries sorted, owner 0:0, fixed modes, every mtime the commit's
// time (SOURCE_DATE_EPOCH), gzip without name or time; the binary is built from the commit alone.
//   cni-ts-{install,multus-thick,server}-linux-<arch>-v<version>.oci.tar (+ .sha256)
//                                                     the container images (images.mjs)
// Usage: node tools/release/release.mjs [--arch amd64,arm64] [--out DIR] [--no-train] [--no-images]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, ROOT } from '../build/build.mjs';
import { GOARCH } from '../build/lib/target.mjs';
import { DEFAULT_SOCKET, install } from '../install/install.mjs';
import { buildImages } from './images.mjs';

export const INSTALL_DIR = '/opt/cni/bin';
const NODE_ARCH = Object.fromEntries(Object.entries(GOARCH).map(([node, go]) => [go, node]));

const log = (m) => process.stderr.write(`release: ${m}\n`);
const digest = (algo, file) => createHash(algo).update(readFileSync(file)).digest('hex');

/** The commit's time: every file's mtime in the tarballs (reproducible builds' SOURCE_DATE_EPOCH). */
export function sourceDateEpoch(root = ROOT) {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const r = spawnSync('git', ['-C', root, 'log', '-1', '--format=%ct'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

export const tarballName = (arch, version) => `cni-ts-plugins-linux-${arch}-v${version}.tgz`;

/**
 * Writes `dir`'s files (flat) into a reproducible gzip'd tarball: GNU tar, names sorted, `./name`
 * entries as upstream's, numeric owner 0:0, the modes as they are, one mtime; gzip -n.
 */
export function writeTarball(dir, file, epoch) {
  for (const f of readdirSync(dir)) utimesSync(join(dir, f), epoch, epoch);
  utimesSync(dir, epoch, epoch);
  const tar = execFileSync(
    'tar',
    ['--sort=name', '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`, '-C', dir, '-cf', '-', '.'],
    { maxBuffer: 1 << 30 },
  );
  const gz = execFileSync('gzip', ['-n', '-9', '-c'], { input: tar, maxBuffer: 1 << 30 });
  writeFileSync(file, gz);
}

/** `<hex>  <name>\n`, as sha256sum/sha512sum print and check. */
function writeChecksums(file) {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const sums = {};
  for (const algo of ['sha256', 'sha512']) {
    sums[algo] = digest(algo, file);
    writeFileSync(`${file}.${algo}`, `${sums[algo]}  ${name}\n`);
  }
  return sums;
}

/** The CHANGELOG.md sections for `version` of every shipped package (changesets writes them). */
function releaseNotes(root, version, packages) {
  const parts = [`# cni-ts v${version}\n`];
  for (const pkg of packages) {
    const dir = join(root, 'packages', pkg.dir);
    const changelog = join(dir, 'CHANGELOG.md');
    if (!existsSync(changelog)) continue;
    const text = readFileSync(changelog, 'utf8');
    const start = text.indexOf(`\n## ${version}\n`);
    if (start < 0) continue;
    const end = text.indexOf('\n## ', start + 1);
    parts.push(`## ${pkg.name}\n${text.slice(start + `\n## ${version}\n`.length, end < 0 ? undefined : end).trim()}\n`);
  }
  if (parts.length === 1) parts.push('No changeset describes this version (`pnpm changeset` before `pnpm changeset version`).\n');
  return parts.join('\n');
}

/** Shipped workspace packages (not private) and their versions. */
function shippedPackages(root) {
  return readdirSync(join(root, 'packages'))
    .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
    .map((d) => ({ dir: d, ...JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) }))
    .filter((p) => !p.private)
    .toSorted((a, b) => a.name.localeCompare(b.name));
}

/**
 * Builds one architecture's binary and tarball.
 * @returns {Promise<{arch: string, file: string, size: number, sha256: string, sha512: string, manifest: object}>}
 */
export async function releaseArch({ root = ROOT, arch, outDir, train = true, images = true, epoch }) {
  const nodeArch = NODE_ARCH[arch];
  if (!nodeArch) throw new Error(`unknown architecture ${arch} (have: ${Object.keys(NODE_ARCH).join(', ')})`);
  const buildOut = join(outDir, `build-${arch}`);
  const started = Date.now();
  log(`${arch}: building the binary`);
  // --if-needed: a second run on the same commit reuses the binary (its fingerprint covers every input).
  const manifest = await build({ root, out: buildOut, arch: nodeArch, train, ifNeeded: true, log: (m) => log(`${arch}: ${m}`) });
  const stage = join(outDir, `stage-${arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  // The launchers record /opt/cni/bin/cni-ts-plugins as the binary's fallback path and the
  // resident server's default socket (they exec the binary beside them when no server answers).
  install({ binDir: join(buildOut, 'bin'), dest: stage, mode: 'native', socket: DEFAULT_SOCKET, installedAs: INSTALL_DIR });
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  for (const f of readdirSync(stage)) chmodSync(join(stage, f), f === 'LICENSE' ? 0o644 : 0o755);
  const file = join(outDir, tarballName(arch, manifest.version));
  writeTarball(stage, file, epoch);
  const sums = writeChecksums(file);
  const size = readFileSync(file).length;
  log(`${arch}: ${file} (${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const imgs = images ? buildImages({ root, outDir, arch, version: manifest.version, commit: manifest.commit, epoch, tarball: file, log }) : undefined;
  return { arch, file, size, ...sums, manifest, images: imgs };
}

/**
 * @param {object} [o]
 * @param {string} [o.root]
 * @param {string[]} [o.arches] default ['amd64', 'arm64']
 * @param {string} [o.out] default <root>/out/release
 * @param {boolean} [o.train]
 * @param {boolean} [o.images] the container images too (default; tools/release/images.mjs)
 */
export async function release(o = {}) {
  const root = o.root ?? ROOT;
  const outDir = o.out ?? join(root, 'out/release');
  const arches = o.arches ?? ['amd64', 'arm64'];
  const epoch = sourceDateEpoch(root);
  mkdirSync(outDir, { recursive: true });
  const packages = shippedPackages(root);
  const versions = new Set(packages.map((p) => p.version));
  if (versions.size !== 1) {
    throw new Error(`shipped packages disagree on the version (${[...versions].join(', ')}): .changeset/config.json keeps them in one fixed group`);
  }
  const results = [];
  for (const arch of arches) results.push(await releaseArch({ root, arch, outDir, train: o.train !== false, images: o.images !== false, epoch }));
  const first = results[0].manifest;
  const manifest = {
    name: 'cni-ts-plugins',
    version: first.version,
    commit: first.commit,
    sourceDateEpoch: epoch,
    node: first.node,
    koffi: first.koffi.version,
    plugins: first.plugins.map((p) => ({
      name: p.name,
      package: p.package,
      version: packages.find((q) => q.name === p.package)?.version,
      versionAnswer: first.versions[p.name] ?? null,
    })),
    commands: first.commands ?? [],
    programs: first.programs ?? [],
    artifacts: results.map((r) => ({
      arch: r.arch,
      file: r.file.slice(r.file.lastIndexOf('/') + 1),
      size: r.size,
      sha256: r.sha256,
      sha512: r.sha512,
      binarySha256: r.manifest.sha256,
      codeCache: r.manifest.codeCache,
      training: r.manifest.training,
      images: r.images?.images ?? [],
      imageBasePackages: r.images?.basePackages ?? [],
    })),
  };
  const manifestFile = join(outDir, `cni-ts-plugins-v${manifest.version}.manifest.json`);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outDir, `RELEASE-NOTES-v${manifest.version}.md`), releaseNotes(root, manifest.version, packages));
  log(`${manifestFile}`);
  return { outDir, manifest, manifestFile, results };
}

async function cli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { arch: { type: 'string' }, out: { type: 'string' }, 'no-train': { type: 'boolean' }, 'no-images': { type: 'boolean' } },
  });
  await release({
    arches: values.arch?.split(',').filter(Boolean),
    out: values.out ? resolve(values.out) : undefined,
    train: !values['no-train'],
    images: !values['no-images'],
  });
}

if (import.meta.main) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`release: ${err.message}\n`);
    process.exit(1);
  });
}
