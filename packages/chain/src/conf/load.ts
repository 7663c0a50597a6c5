// libcni's file loading: conflists with plugins from the `<name>/` folder, the deprecated
// single .conf/.json files upconverted to lists, and the lookup of a network by name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { goJsonParse, goMarshal, sortKeysDeep } from '@cni-ts/cni';
import type { NetworkConfigList, PluginConfig } from '../types';
import { ConfigFileError, NoConfigsFoundError, NotFoundError } from './errors';
import { confFiles } from './files';
import { confListFromBytes } from './list';
import { pluginConfFromBytes } from './plugin';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
};

/** Go's *PathError text: `open /etc/cni/net.d/x.conf: permission denied`. */
function goFsError(op: string, file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // Go opens a directory fine and fails on read.
  if (e.code === 'EISDIR') return `read ${file}: is a directory`;
  return `${op} ${file}: ${ERRNO_TEXT[e.code ?? ''] ?? e.message}`;
}

function read(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigFileError(file, new Error(`error reading ${file}: ${goFsError('open', file, err)}`));
  }
}

function parseFile<T>(file: string, parse: (b: Uint8Array) => T): T {
  const bytes = read(file);
  try {
    return parse(bytes);
  } catch (err) {
    throw new ConfigFileError(file, err, bytes);
  }
}

/** ConfFromFile: a single plugin config (.conf/.json). */
export function confFromFile(file: string): PluginConfig {
  return parseFile(file, pluginConfFromBytes);
}

/** NetworkPluginConfsFromFiles: `<dir>/<network>/*.conf`, sorted, bytes as read. */
export function pluginConfsFromDir(dir: string, network: string): PluginConfig[] {
  const sub = path.join(dir, network);
  let files: string[];
  try {
    files = confFiles(sub, ['.conf']);
  } catch (err) {
    throw new Error(`failed to read plugin config files in ${sub}: ${(err as Error).message}`, { cause: err });
  }
  return files.map((f) => ({ ...confFromFile(f), path: f }));
}

/**
 * NetworkConfFromFile: the list, then (unless loadOnlyInlinedPlugins) the plugins of the
 * `<name>/` folder beside it, appended after the inlined ones. No plugins at all is an error.
 */
export function confListFromFile(file: string): NetworkConfigList {
  const list = parseFile(file, confListFromBytes);
  list.path = file;
  if (!list.loadOnlyInlinedPlugins) list.plugins.push(...pluginConfsFromDir(path.dirname(file), list.name));
  if (list.plugins.length === 0) throw new ConfigFileError(file, new Error('no plugin configs found'));
  return list;
}

/**
 * ConfListFromConf: `{"cniVersion","name","plugins":[<the whole object>]}`, marshalled as Go
 * marshals a map (the cache stores these bytes as the list's config).
 */
export function confListFromConf(conf: PluginConfig, file?: string): NetworkConfigList {
  const raw = goJsonParse(conf.bytes);
  const bytes = new TextEncoder().encode(
    goMarshal(sortKeysDeep({ cniVersion: conf.network.cniVersion ?? '', name: conf.network.name ?? '', plugins: [raw ?? {}] })),
  );
  const list = confListFromBytes(bytes);
  if (file) list.path = file;
  return list;
}

/** LoadConf (deprecated): the first .conf/.json (sorted) whose name matches; any bad file aborts. */
export function loadConf(dir: string, name: string): PluginConfig & { path: string } {
  const files = confFiles(dir, ['.conf', '.json']);
  if (files.length === 0) throw new NoConfigsFoundError(dir);
  for (const file of files) {
    const conf = confFromFile(file);
    if (conf.network.name === name) return { ...conf, path: file };
  }
  throw new NotFoundError(dir, name);
}

/**
 * LoadNetworkConf / LoadConfList: the first .conflist (sorted) named `name`, else the first
 * .conf/.json of that name upconverted to a list. As in libcni, any file that fails to parse
 * aborts the lookup; the error names the file.
 */
export function loadConfList(dir: string, name: string): NetworkConfigList {
  const lists = confFiles(dir, ['.conflist']);
  for (const file of lists) {
    const list = confListFromFile(file);
    if (list.name === name) return list;
  }
  let single;
  try {
    single = loadConf(dir, name);
  } catch (err) {
    if (err instanceof NoConfigsFoundError && lists.length > 0) throw new NotFoundError(dir, name);
    throw err;
  }
  return confListFromConf(single, single.path);
}

export interface LoadedConfigs {
  /** Every network that loaded, in containerd's order (all extensions, sorted by file name). */
  networks: NetworkConfigList[];
  /** Files that failed, each error naming its file; they do not stop the others. */
  errors: ConfigFileError[];
}

/**
 * All networks of a directory, the way containerd's go-cni discovers them (.conf, .conflist and
 * .json, sorted; a file's type comes from its extension). A malformed file is reported and
 * skipped instead of hiding every other network.
 */
export function loadConfDir(dir: string): LoadedConfigs {
  const out: LoadedConfigs = { networks: [], errors: [] };
  for (const file of confFiles(dir, ['.conf', '.conflist', '.json'])) {
    try {
      out.networks.push(file.endsWith('.conflist') ? confListFromFile(file) : confListFromConf(confFromFile(file), file));
    } catch (err) {
      out.errors.push(err instanceof ConfigFileError ? err : new ConfigFileError(file, err));
    }
  }
  return out;
}
