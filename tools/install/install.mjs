// Installs built plugins into a CNI bin directory (default /opt/cni/bin).
//
// Every file we put in DEST goes through @cni-ts/cni's placeFileAtomic: written (or linked)
// under a temporary name inside DEST, fsynced, rename(2)d over the final name, DEST fsynced.
// rename is atomic within one filesystem, so a runtime that execs a plugin while we install sees
// either the old file or the new one, never a partial write; a process already running keeps its
// old inode. (The helper's source file is plain enough for Node to load without a build.)
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { placeFileAtomic } from '../../packages/cni/src/fs/atomic.ts';
import { launcherScript } from './launcher.mjs';
import { nativeLauncher } from './native-launcher.mjs';

/**
 * native (default): the binary once, and per plugin a native launcher that answers VERSION and
 * execs the binary for the rest (native-launcher.mjs); link: hard links to the binary; copy: a
 * copy of the binary per plugin; launcher: per plugin a /bin/sh script doing what the native
 * launcher does.
 */
export const MODES = ['native', 'link', 'copy', 'launcher'];
export const BINARY = 'cni-ts-plugins';
/** Where `cni-ts-plugins serve` listens by default (packages/server), and native launchers look. */
export const DEFAULT_SOCKET = '/run/cni-ts/plugins.sock';

/** `write(tmp)` creates the file; it becomes dest/name atomically (mode 0755 unless `linked`). */
function atomically(dest, name, write, linked = false) {
  placeFileAtomic(join(dest, name), write, linked ? { syncData: false, dirMode: false } : { mode: 0o755, dirMode: false });
}

function sameInode(a, b) {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

const fileHash = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');

function sameFile(a, b) {
  try {
    if (sameInode(a, b)) return true;
    if (statSync(a).size !== statSync(b).size) return false;
    return fileHash(a) === fileHash(b);
  } catch {
    return false;
  }
}

/** Puts a copy of `source` at dest/name unless an identical file is already there. */
function placeCopy(source, dest, name) {
  if (sameFile(source, join(dest, name))) return false;
  atomically(dest, name, (tmp) => copyFileSync(source, tmp));
  return true;
}

/** Writes `bytes` at dest/name unless that file already holds exactly them. */
function placeBytes(bytes, dest, name) {
  try {
    if (readFileSync(join(dest, name)).equals(bytes)) return;
  } catch {
    // not there yet
  }
  atomically(dest, name, (tmp) => writeFileSync(tmp, bytes, { mode: 0o755 }));
}

/** dest/name becomes a hard link to dest/target (a copy where the filesystem refuses links). */
function placeLink(dest, target, name) {
  if (sameInode(join(dest, target), join(dest, name))) return;
  try {
    atomically(dest, name, (tmp) => linkSync(join(dest, target), tmp), true);
  } catch {
    // a filesystem without hard links: a copy
    atomically(dest, name, (tmp) => copyFileSync(join(dest, target), tmp));
  }
}

/**
 * @param {object} o
 * @param {string} o.binDir the build output (out/bin) holding cni-ts-plugins and manifest.json
 * @param {string} o.dest
 * @param {string[]} [o.plugins] default: every plugin in the manifest, and its commands (the
 *   `cni-ts` CLI, a program of the binary); a command can be named like a plugin
 * @param {'native'|'link'|'copy'|'launcher'} [o.mode]
 * @param {string} [o.socket] the resident server's socket the native launchers forward to when it
 *   answers (default DEFAULT_SOCKET; '' = never forward). Other modes always exec the binary.
 * @param {string} [o.installedAs] the directory the files will be run from, when `dest` is a
 *   staging directory (a release tarball's: /opt/cni/bin); launchers record its binary's path
 * @returns {{dest: string, mode: string, installed: string[], socket: string}}
 */
export function install({ binDir, dest, plugins, mode = 'native', socket = DEFAULT_SOCKET, installedAs = dest }) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode} (use ${MODES.join(', ')})`);
  const manifest = JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));
  const commands = manifest.commands ?? [];
  const available = [...manifest.plugins.map((p) => p.name), ...commands];
  const wanted = plugins?.length ? plugins : available;
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length) throw new Error(`unknown plugin(s): ${unknown.join(', ')} (built: ${available.join(', ')})`);
  const source = join(binDir, manifest.binary);
  // The launchers' code for the binary's architecture (the manifest says; older ones are x64).
  const arch = manifest.arch ?? 'x64';
  const binaryPath = resolve(installedAs, BINARY);
  if (!existsSync(source)) throw new Error(`${source} is missing: build first`);

  mkdirSync(dest, { recursive: true });
  if (mode === 'copy') {
    for (const name of wanted) placeCopy(source, dest, name);
  } else {
    placeCopy(source, dest, BINARY);
    for (const name of wanted) {
      const version = manifest.versions?.[name];
      if (mode === 'link') placeLink(dest, BINARY, name);
      else if (mode === 'native') {
        // A command (cni-ts) is never a server request: its launcher always execs the binary.
        const buildId = commands.includes(name) ? '' : (manifest.buildId ?? '');
        placeBytes(nativeLauncher({ name, binary: binaryPath, version, socket: buildId ? socket : '', buildId, arch }), dest, name);
      }
      else placeBytes(Buffer.from(launcherScript({ name, binary: binaryPath, version })), dest, name);
    }
  }
  return { dest, mode, installed: wanted, socket: mode === 'native' && manifest.buildId ? socket : '' };
}
