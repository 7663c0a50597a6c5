// invoke.FindInPath: where a plugin binary named by a config `type` lives.
import { statSync } from 'node:fs';
import path from 'node:path';
import { goList, goQuote } from '../gojson/quote';

/**
 * The first `<dir>/<plugin>` that stats (following symlinks) as a regular file; the
 * executable bit is not checked, as in Go. Errors: `no plugin name provided`,
 * `invalid plugin name: a/b`, `no paths provided`,
 * `failed to find plugin "x" in path [/opt/cni/bin /usr/lib/cni]`.
 */
export function findInPath(plugin: string, paths: readonly string[]): string {
  if (plugin === '') throw new Error('no plugin name provided');
  if (plugin.includes('/')) throw new Error(`invalid plugin name: ${plugin}`);
  if (paths.length === 0) throw new Error('no paths provided');
  for (const dir of paths) {
    const full = path.join(dir, plugin);
    try {
      if (statSync(full).isFile()) return full;
    } catch {
      // not here
    }
  }
  throw new Error(`failed to find plugin ${goQuote(plugin)} in path ${goList(paths)}`);
}
