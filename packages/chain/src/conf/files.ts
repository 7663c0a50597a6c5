// libcni ConfFiles: the config files of a directory with the given extensions.
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Files (not directories) of `dir` whose extension (from the last dot, case-sensitive) is one
 * of `extensions`, sorted by name. A missing directory gives [] without error.
 */
export function confFiles(dir: string, extensions: readonly string[]): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => !e.isDirectory() && extensions.includes(path.extname(e.name)))
    .map((e) => e.name)
    .toSorted(byteOrder)
    .map((name) => path.join(dir, name));
}

/** Go's sort.Strings: byte order. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
