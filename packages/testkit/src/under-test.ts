// What a test file of a plugin sets up before its first test and takes down after its last: the
// throwaway paths its tests make, and the plugin under test (ours, bundled from source, beside
// the Go oracle of the same type).
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { dataDir, goPlugin, type PluginImpl, tsPlugin } from './plugin-harness';

export interface TempPaths {
  /** Removes `path` (a file or directory) after the file's tests; returns it. */
  add<T extends string>(path: T): T;
  /** A fresh directory `cnits-<tag>-*` under the temp dir, removed after the file's tests. */
  dir(tag?: string): string;
}

/** Paths removed (recursively, errors ignored) after the test file; `timeout` for large trees. */
export function tempPaths(timeout?: number): TempPaths {
  const paths: string[] = [];
  afterAll(() => {
    for (const p of paths.splice(0)) rmSync(p, { recursive: true, force: true });
  }, timeout);
  return {
    add(path) {
      paths.push(path);
      return path;
    },
    dir(tag) {
      const d = dataDir(tag);
      paths.push(d);
      return d;
    },
  };
}

export interface UnderTest extends TempPaths {
  /** Ours (available from the file's first test on). */
  readonly ours: PluginImpl;
  /** The Go oracle, /usr/lib/cni/<type>. */
  readonly go: PluginImpl;
}

export interface UnderTestOptions {
  /** the plugin type when it differs from the package name */
  type?: string;
  /** fail the file loudly when the Go oracle is missing */
  oracle?: boolean;
  /** for bundling ours (UML runs want minutes) */
  timeout?: number;
}

/** Ours of package `pkg`, bundled in beforeAll, the Go oracle of its type, and temp paths. */
export function underTest(pkg: string, opts: UnderTestOptions = {}): UnderTest {
  const go = goPlugin(opts.type ?? pkg);
  let ours: PluginImpl | undefined;
  beforeAll(async () => {
    if (opts.oracle) expect(existsSync(go.argv[0]!), `the Go oracle ${go.argv[0]} is missing`).toBe(true);
    ours = await tsPlugin(pkg);
  }, opts.timeout);
  const temp = tempPaths();
  return {
    ...temp,
    go,
    get ours() {
      if (!ours) throw new Error(`${pkg}: ours is bundled in beforeAll, not yet`);
      return ours;
    },
  };
}
