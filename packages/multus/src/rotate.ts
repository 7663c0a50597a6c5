// Log rotation as upstream Multus's (lumberjack, set by SetLogOptions on every config load): a
// write that would take the log past maxSize MiB first renames it to `<name>-<UTC
// time>.<ext>`; then backups beyond maxBackups or older than maxAge days are removed and, with
// compress, the rest are gzipped (`.gz`, the plain copy removed). Upstream's defaults apply to
// what logOptions leaves out: 100 MiB, 5 days, 5 backups, compressed. Synchronous on purpose:
// the one-shot plugin exits right after its last line (lumberjack's background compression
// would die with it), and a log line must never fail a CNI call, so every failure is swallowed.
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '@cni-ts/cni';

export interface RotateOptions {
  /** MiB before a rotation (0 or less: the default). */
  maxSize: number;
  /** Days a backup is kept (0 or less: no age limit). */
  maxAge: number;
  /** Backups kept (0 or less: all). */
  maxBackups: number;
  compress: boolean;
}

/** logOptions as configured: any field may be missing. */
export type RotateInput = { [K in keyof RotateOptions]?: RotateOptions[K] | undefined };

export const DEFAULT_ROTATE: RotateOptions = { maxSize: 100, maxAge: 5, maxBackups: 5, compress: true };

/** logOptions over upstream's defaults (what SetLogOptions does). */
export function rotateOptions(o: RotateInput = {}): RotateOptions {
  return {
    maxSize: o.maxSize ?? DEFAULT_ROTATE.maxSize,
    maxAge: o.maxAge ?? DEFAULT_ROTATE.maxAge,
    maxBackups: o.maxBackups ?? DEFAULT_ROTATE.maxBackups,
    compress: o.compress ?? DEFAULT_ROTATE.compress,
  };
}

const MiB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** lumberjack's backup time format, 2006-01-02T15-04-05.000 (UTC). */
const stamp = (d: Date) => d.toISOString().replace(/:/g, '-').replace(/Z$/, '');
const STAMP_RE = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d\.\d{3})$/;

function split(file: string): { dir: string; prefix: string; ext: string } {
  const base = path.basename(file);
  const ext = path.extname(base);
  return { dir: path.dirname(file), prefix: `${base.slice(0, base.length - ext.length)}-`, ext };
}

/** The backup name a rotation at `when` gives `file`. */
export function backupName(file: string, when: Date): string {
  const { dir, prefix, ext } = split(file);
  return path.join(dir, `${prefix}${stamp(when)}${ext}`);
}

/** Backups of `file` beside it, newest first. */
export function listBackups(file: string): { name: string; time: number; gz: boolean }[] {
  const { dir, prefix, ext } = split(file);
  const out: { name: string; time: number; gz: boolean }[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const gz = name.endsWith(`${ext}.gz`);
    if (!gz && !name.endsWith(ext)) continue;
    const m = STAMP_RE.exec(name.slice(prefix.length, name.length - ext.length - (gz ? 3 : 0)));
    if (!m) continue;
    const time = Date.parse(`${m[1]}:${m[2]}:${m[3]}Z`);
    if (Number.isFinite(time)) out.push({ name: path.join(dir, name), time, gz });
  }
  return out.sort((a, b) => b.time - a.time);
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // another process rotating the same log removed it first
  }
}

/** Moves `file` aside and applies maxBackups, maxAge and compress to its backups. */
export function rotate(file: string, opts: RotateOptions, now = new Date()): void {
  try {
    renameSync(file, backupName(file, now));
  } catch {
    return; // another process rotated it first, or it is gone
  }
  // A backup and its compressed copy (a crash between writing one and removing the other) count once.
  const rank = new Map<string, number>();
  const plain: string[] = [];
  const cutoff = now.getTime() - opts.maxAge * DAY_MS;
  for (const b of listBackups(file)) {
    const key = b.gz ? b.name.slice(0, -3) : b.name;
    if (!rank.has(key)) rank.set(key, rank.size + 1);
    if ((opts.maxBackups > 0 && rank.get(key)! > opts.maxBackups) || (opts.maxAge > 0 && b.time < cutoff)) unlinkQuiet(b.name);
    else if (!b.gz) plain.push(b.name);
  }
  if (!opts.compress) return;
  for (const name of plain) {
    try {
      // Whole and durable before the plain copy goes: a crash leaves one of the two, never a torn .gz.
      writeFileAtomic(`${name}.gz`, gzipSync(readFileSync(name)), { mode: statSync(name).mode & 0o777, dirMode: false });
      unlinkQuiet(name);
    } catch {
      // left uncompressed; the next rotation tries again
    }
  }
}

/** Appends `text` to `file`, rotating first when it would grow past maxSize. */
export function appendRotating(file: string, text: string, opts: RotateOptions): void {
  const max = (opts.maxSize > 0 ? opts.maxSize : DEFAULT_ROTATE.maxSize) * MiB;
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    size = 0;
  }
  if (size > 0 && size + Buffer.byteLength(text) > max) rotate(file, opts);
  appendFileSync(file, text, { mode: 0o644 });
}
