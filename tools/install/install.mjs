// Installs built plugins into a CNI bin directory (default /opt/cni/bin).
//
// Every file we put in DEST is first written (or linked) under a temporary name inside DEST and
// then rename(2)d over the final name. rename is atomic within one filesystem, so a runtime that
// execs a plugin while we install sees either the old file or the new one, never a partial
// write; a process already running keeps its old inode.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

const tmpName = (dest, name) => join(dest, `.${name}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);

function atomically(dest, name, write) {
  const tmp = tmpName(dest, name);
  try {
    write(tmp);
    renameSync(tmp, join(dest, name));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
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
  atomically(dest, name, (tmp) => {
    copyFileSync(source, tmp);
    chmodSync(tmp, 0o755);
  });
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
  atomically(dest, name, (tmp) => {
    try {
      linkSync(join(dest, target), tmp);
    } catch {
      copyFileSync(join(dest, target), tmp);
      chmodSync(tmp, 0o755);
    }
  });
}

/**
 * @param {object} o
 * @param {string} o.binDir the build output (out/bin) holding cni-ts-plugins and manifest.json
 * @param {string} o.dest
 * @param {string[]} [o.plugins] default: every plugin in the manifest
 * @param {'native'|'link'|'copy'|'launcher'} [o.mode]
 * @returns {{dest: string, mode: string, installed: string[]}}
 */
export function install({ binDir, dest, plugins, mode = 'native' }) {
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode} (use ${MODES.join(', ')})`);
  const manifest = JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));
  const available = manifest.plugins.map((p) => p.name);
  const wanted = plugins?.length ? plugins : available;
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length) throw new Error(`unknown plugin(s): ${unknown.join(', ')} (built: ${available.join(', ')})`);
  const source = join(binDir, manifest.binary);
  if (!existsSync(source)) throw new Error(`${source} is missing: build first`);

  mkdirSync(dest, { recursive: true });
  if (mode === 'copy') {
    for (const name of wanted) placeCopy(source, dest, name);
  } else {
    placeCopy(source, dest, BINARY);
    for (const name of wanted) {
      const version = manifest.versions?.[name];
      if (mode === 'link') placeLink(dest, BINARY, name);
      else if (mode === 'native') placeBytes(nativeLauncher({ name, binary: resolve(dest, BINARY), version }), dest, name);
      else placeBytes(Buffer.from(launcherScript({ name, binary: resolve(dest, BINARY), version })), dest, name);
    }
  }
  return { dest, mode, installed: wanted };
}
