// The release's container images, as OCI archives (no registry, no Docker engine): built with
// umoci and skopeo (Debian's) from a debootstrap'd Debian root and the release tarball, for each
// architecture. One filesystem, two layers, three images that differ only in their config:
//   layer 1  Debian bookworm minbase + iptables + nftables (tools/release/debian-root.sh <arch> image)
//   layer 2  /opt/cni-ts/bin: the release tarball's files, extracted; /usr/local/bin/cni-ts-install
//   cni-ts-install        entrypoint cni-ts-install: fills the host directory mounted at
//                         /host/opt/cni/bin, file by file atomically (image/cni-ts-install)
//   cni-ts-multus-thick   entrypoint `cni-ts-plugins multus-daemon` (the thick daemon; multus-shim
//                         and `cni-ts-plugins multus-entrypoint` are in the image too)
//   cni-ts-server         entrypoint `cni-ts-plugins serve` (the resident server)
// All three run as root: installing into the host's /opt/cni/bin, the daemon (which refuses to run
// otherwise) and the server all create links, namespaces' interfaces and files only root may.
// Written as out/release/<image>-linux-<arch>-v<version>.oci.tar (+ .sha256), the OCI reference
// inside being <image>:v<version>: `podman load -i <file>` (localhost/<image>:v<version>) or
// `podman run oci-archive:<file>`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const IMAGES = {
  'cni-ts-install': { entrypoint: ['/usr/local/bin/cni-ts-install'], what: 'installs the plugins into the host directory mounted at /host/opt/cni/bin' },
  'cni-ts-multus-thick': { entrypoint: ['/opt/cni-ts/bin/cni-ts-plugins', 'multus-daemon'], what: 'the Multus thick-mode daemon' },
  'cni-ts-server': { entrypoint: ['/opt/cni-ts/bin/cni-ts-plugins', 'serve'], what: 'the resident plugin server' },
};

export const imageArchiveName = (image, arch, version) => `${image}-linux-${arch}-v${version}.oci.tar`;

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function sh(cmd, args, o = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, ...o });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')}: ${String(err.stderr || err.message).trim()}`, { cause: err });
  }
}

/** The Debian base root for `arch` (cached by debian-root.sh) and its packages, name=version. */
export function baseRoot(root, arch) {
  const dir = sh('bash', [join(root, 'tools/release/debian-root.sh'), arch, 'image'], { timeout: 1_800_000 }).trim();
  const packages = sh('chroot', [dir, 'dpkg-query', '-W', '-f', '${Package}=${Version}\\n']).trim().split('\n');
  return { dir, packages };
}

/**
 * Builds the three images of one architecture from its tarball.
 * @param {{root: string, outDir: string, arch: string, version: string, commit: string, epoch: number, tarball: string, log?: (m: string) => void}} o
 * @returns {{images: {image: string, file: string, sha256: string, manifestDigest: string}[], basePackages: string[]}}
 */
export function buildImages(o) {
  const log = o.log ?? (() => {});
  const created = new Date(o.epoch * 1000).toISOString();
  const base = baseRoot(o.root, o.arch);
  const work = join(o.outDir, `images-${o.arch}`);
  rmSync(work, { recursive: true, force: true });
  const layout = join(work, 'oci');
  const files = join(work, 'files');
  mkdirSync(join(files, 'opt/cni-ts/bin'), { recursive: true });
  mkdirSync(join(files, 'usr/local/bin'), { recursive: true });
  sh('tar', ['-xzf', o.tarball, '-C', join(files, 'opt/cni-ts/bin')]);
  copyFileSync(join(o.root, 'tools/release/image/cni-ts-install'), join(files, 'usr/local/bin/cni-ts-install'));
  chmodSync(join(files, 'usr/local/bin/cni-ts-install'), 0o755);

  const history = (by) => ['--history.created', created, '--history.created_by', by];
  sh('umoci', ['init', '--layout', layout]);
  sh('umoci', ['new', '--image', `${layout}:base`]);
  sh('umoci', ['config', '--image', `${layout}:base`, '--architecture', o.arch, '--os', 'linux', '--created', created, '--no-history']);
  log(`${o.arch}: image layer 1, Debian bookworm minbase (${base.packages.length} packages)`);
  sh('umoci', ['insert', '--image', `${layout}:base`, ...history(`debootstrap --variant=minbase --include=iptables,nftables bookworm (tools/release/debian-root.sh ${o.arch} image)`), base.dir, '/'], { timeout: 1_800_000 });
  log(`${o.arch}: image layer 2, the release tarball`);
  sh('umoci', ['insert', '--image', `${layout}:base`, ...history(`tar -xzf ${o.tarball.slice(o.tarball.lastIndexOf('/') + 1)} -C /opt/cni-ts/bin; cni-ts-install`), files, '/'], { timeout: 1_800_000 });

  const out = [];
  for (const [image, spec] of Object.entries(IMAGES)) {
    const labels = {
      'org.opencontainers.image.title': image,
      'org.opencontainers.image.description': `cni-ts: ${spec.what}`,
      'org.opencontainers.image.version': o.version,
      'org.opencontainers.image.revision': o.commit,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.created': created,
      // The base is no registry image (none is reachable here): Debian's packages, listed.
      'io.cni-ts.base': `debian bookworm minbase + iptables + nftables (${base.packages.length} packages, listed in the release manifest)`,
    };
    sh('umoci', [
      'config', '--image', `${layout}:base`, '--tag', image, '--no-history', '--created', created,
      '--config.env', `PATH=${PATH}`, '--config.user', '0:0', '--config.workingdir', '/',
      ...spec.entrypoint.flatMap((e) => ['--config.entrypoint', e]),
      ...Object.entries(labels).flatMap(([k, v]) => ['--config.label', `${k}=${v}`]),
    ]);
    const file = join(o.outDir, imageArchiveName(image, o.arch, o.version));
    rmSync(file, { force: true });
    sh('skopeo', ['copy', '--quiet', `oci:${layout}:${image}`, `oci-archive:${file}:${image}:v${o.version}`], { timeout: 1_800_000 });
    const sha256 = sh('sha256sum', [file]).split(' ')[0];
    sh('sh', ['-c', `cd "$1" && sha256sum "$2" > "$2.sha256"`, 'sha', o.outDir, file.slice(file.lastIndexOf('/') + 1)]);
    // The manifest's digest, as a registry would name the image: sha256 of its exact bytes.
    const manifest = sh('skopeo', ['inspect', '--raw', `oci-archive:${file}`]);
    out.push({ image, file: file.slice(file.lastIndexOf('/') + 1), sha256, manifestDigest: `sha256:${createHash('sha256').update(manifest).digest('hex')}` });
    log(`${o.arch}: ${file}`);
  }
  rmSync(work, { recursive: true, force: true });
  return { images: out, basePackages: base.packages };
}

/**
 * `node tools/release/images.mjs [--arch amd64,arm64] [--out DIR]`: (re)makes the images from the
 * tarballs a release left in DIR (default out/release), and records them in its manifest.
 */
async function cli(argv) {
  const { parseArgs } = await import('node:util');
  const { existsSync, readFileSync, writeFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const root = resolve(import.meta.dirname, '../..');
  const { values } = parseArgs({ args: argv, options: { arch: { type: 'string' }, out: { type: 'string' } } });
  const outDir = values.out ? resolve(values.out) : join(root, 'out/release');
  const manifestFile = readdirSync(outDir).find((f) => /^cni-ts-plugins-v.*\.manifest\.json$/.test(f));
  if (!manifestFile) throw new Error(`${outDir}: no release manifest (run pnpm release first)`);
  const manifest = JSON.parse(readFileSync(join(outDir, manifestFile), 'utf8'));
  const arches = values.arch?.split(',').filter(Boolean) ?? manifest.artifacts.map((a) => a.arch);
  for (const arch of arches) {
    const artifact = manifest.artifacts.find((a) => a.arch === arch);
    if (!artifact || !existsSync(join(outDir, artifact.file))) throw new Error(`${arch}: no tarball in ${outDir}`);
    const r = buildImages({ root, outDir, arch, version: manifest.version, commit: manifest.commit, epoch: manifest.sourceDateEpoch, tarball: join(outDir, artifact.file), log: (m) => process.stderr.write(`images: ${m}\n`) });
    artifact.images = r.images;
    artifact.imageBasePackages = r.basePackages;
  }
  writeFileSync(join(outDir, manifestFile), `${JSON.stringify(manifest, null, 2)}\n`);
}

if (import.meta.main) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`images: ${err.message}\n`);
    process.exit(1);
  });
}
