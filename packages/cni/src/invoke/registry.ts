// Our own plugins that may run in-process when delegated to or run by the chain (see README
// "In-process delegation"): the catalog (type -> loader of the plugin module), installed by
// whoever knows which plugins this process carries (the binary's entry, a bundler, a dev or test
// setup discovering the workspace; tools/build/lib/plugins.mjs), plus plugins registered one by
// one. Without either, everything is exec'd.
import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Plugin, PluginModule } from '../plugin';

export type PluginLoader = () => Plugin | Promise<Plugin>;
/** A catalog entry: loads the plugin's module (`src/plugin.ts`, the Plugin its default export). */
export type PluginModuleLoader = () => Promise<PluginModule | Plugin>;

const registry = new Map<string, PluginLoader>();
// Global, so that every copy of this module (bundles, test workers) sees the one catalog.
const CATALOG = Symbol.for('cni-ts.plugins');
const global = globalThis as { [CATALOG]?: Readonly<Record<string, PluginModuleLoader>> };

/** Installs the catalog of the plugins this process may run in-process. */
export function setPluginCatalog(catalog: Readonly<Record<string, PluginModuleLoader>> | undefined): void {
  global[CATALOG] = catalog;
}

/** The installed catalog ({} when there is none). */
export function pluginCatalog(): Readonly<Record<string, PluginModuleLoader>> {
  return global[CATALOG] ?? {};
}

/** Registers one plugin under its type, loaded only when first used; it comes before the catalog. */
export function registerPlugin(type: string, load: PluginLoader): void {
  registry.set(type, load);
}

export function unregisterPlugin(type: string): void {
  registry.delete(type);
}

/** The loader of our plugin `type`: a registered one, else the catalog's. */
export function registeredPlugin(type: string): PluginLoader | undefined {
  const own = registry.get(type);
  if (own) return own;
  const catalog = pluginCatalog();
  if (!Object.hasOwn(catalog, type)) return undefined;
  const load = catalog[type]!;
  return async () => {
    const m = await load();
    return 'default' in m ? m.default : m;
  };
}

/** Every type registeredPlugin knows. */
export function registeredTypes(): string[] {
  return [...new Set([...registry.keys(), ...Object.keys(pluginCatalog())])];
}

/** The two paths are one file (same device and inode, symlinks followed); false when either is missing. */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/** The marker line of our launchers (tools/install: native and shell), in their first 512 bytes. */
const LAUNCHER_MARKER = /^# cni-ts [^\s]+ plugin:/m;

function head(file: string, bytes = 512): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0)).toString('latin1');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * True when `file` is one of our launchers: an executable (ELF, or a `#!` script) whose first 512
 * bytes hold the line `# cni-ts <plugin> plugin:` (tools/install writes it into both kinds).
 */
export function hasLauncherMarker(file: string): boolean {
  const text = head(file);
  return (text.startsWith('\x7fELF') || text.startsWith('#!')) && LAUNCHER_MARKER.test(text);
}

/**
 * A launcher of ours (`pnpm cni install`: a native one by default, or a shell one) that execs the
 * multi-call binary beside it, and that binary is the one this process runs from.
 */
function isLauncherOf(foundPath: string, self: string): boolean {
  if (!hasLauncherMarker(foundPath)) return false;
  let real = foundPath;
  try {
    real = realpathSync(foundPath);
  } catch {
    return false;
  }
  return [path.dirname(foundPath), path.dirname(real)].some((dir) => sameFile(path.join(dir, 'cni-ts-plugins'), self));
}

/**
 * The default test: the binary found in CNI_PATH is the very file this process runs from (a
 * link to the multi-call binary), or one of our launchers in front of that file, so running its
 * code in-process is running the same code.
 */
export function isOwnBinary(foundPath: string): boolean {
  return sameFile(foundPath, process.execPath) || isLauncherOf(foundPath, process.execPath);
}

let ownBinary: (foundPath: string) => boolean = isOwnBinary;

/** Replaces the test deciding that a found binary is ours (undefined restores the default). */
export function setOwnBinaryCheck(check: ((foundPath: string) => boolean) | undefined): void {
  ownBinary = check ?? isOwnBinary;
}

/** The registered plugin to run in-process for `type` found at `foundPath`, if any. */
export function inProcessPlugin(type: string, foundPath: string): PluginLoader | undefined {
  const load = registeredPlugin(type);
  return load && ownBinary(foundPath) ? load : undefined;
}
