// CNI configs on disk as Multus and the net-attach-def client find them: by network name in
// confDir (GetCNIConfigFromFile), from a NAD's spec.config (GetCNIConfigFromSpec), and the
// cluster network given as a directory or a file (getNetDelegate options 3 and 4).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { confFiles, confFromFile, confListFromBytes, pluginConfsFromDir, type NetworkConfigList } from '@cni-ts/chain';
import { goJsonParse } from '@cni-ts/cni';
import { marshalMap } from './delegate';

function chainError(err: unknown): string {
  const e = err as { reason?: string; message: string };
  return e.reason ?? e.message;
}

/**
 * GetCNIConfigFromFile: the first .conf/.json/.conflist of confDir (sorted) whose name is
 * `name` ("" = the first file at all); its bytes as read.
 */
export function cniConfigFromFile(name: string, confDir: string): Uint8Array {
  let files: string[];
  try {
    files = confFiles(confDir, ['.conf', '.json', '.conflist']);
  } catch {
    files = [];
  }
  if (files.length === 0) throw new Error(`No networks found in ${confDir}`);
  for (const file of files) {
    if (file.endsWith('.conflist')) {
      let list: NetworkConfigList;
      try {
        list = confListFromBytes(readFileSync(file));
      } catch (err) {
        throw new Error(`Error loading CNI conflist file ${file}: ${chainError(err)}`, { cause: err });
      }
      if (list.name === name || name === '') return list.bytes;
    } else {
      let conf;
      try {
        conf = confFromFile(file);
      } catch (err) {
        throw new Error(`Error loading CNI config file ${file}: ${chainError(err)}`, { cause: err });
      }
      if (conf.network.name === name || name === '') return conf.bytes;
    }
  }
  throw new Error(`no network available in the name ${name} in cni dir ${confDir}`);
}

/** GetCNIConfigFromSpec: spec.config, with the NAD's name injected when it has none. */
export function cniConfigFromSpec(config: string, nadName: string): Uint8Array {
  let raw: unknown;
  const bytes = new TextEncoder().encode(config);
  try {
    raw = goJsonParse(bytes);
  } catch (err) {
    throw new Error(`failed to unmarshal Spec.Config: ${(err as Error).message}`, { cause: err });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new Error(`failed to unmarshal Spec.Config: json: cannot unmarshal ${Array.isArray(raw) ? 'array' : raw === null ? 'null' : typeof raw} into Go value of type map[string]interface {}`);
  }
  const obj = raw as Record<string, unknown>;
  if (!('name' in obj) || obj.name === '') return marshalMap({ ...obj, name: nadName });
  return bytes;
}

const LIST_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * LoadChainedPluginsFromFile: a regular .conflist file, its plugins plus (unless
 * loadOnlyInlinedPlugins) those of `<dir>/<name>/`.
 */
export function loadChainedPluginsFromFile(file: string): NetworkConfigList {
  const clean = path.normalize(file);
  const st = statSync(clean);
  if (!st.isFile()) throw new Error('CNI configuration path is not a regular file');
  let bytes: Buffer;
  try {
    bytes = readFileSync(clean);
  } catch (err) {
    throw new Error(`error reading ${file}: ${(err as Error).message}`, { cause: err });
  }
  return loadSubdirectoryChain(bytes, path.dirname(file));
}

/** loadSubdirectoryChain: a list from bytes, extended with `<confDir>/<name>/*.conf`. */
export function loadSubdirectoryChain(bytes: Uint8Array, confDir: string): NetworkConfigList {
  let list: NetworkConfigList;
  try {
    list = confListFromBytes(bytes);
  } catch (err) {
    throw new Error(`error loading network config from bytes: ${chainError(err)}`, { cause: err });
  }
  if (!list.loadOnlyInlinedPlugins && confDir !== '') {
    if (!LIST_NAME.test(list.name)) throw new Error(`invalid network config name: ${list.name}`);
    try {
      list.plugins.push(...pluginConfsFromDir(confDir, list.name));
    } catch (err) {
      throw new Error(`error loading plugin configs: ${chainError(err)}`, { cause: err });
    }
  }
  if (list.plugins.length === 0) throw new Error('no plugin configs found');
  return list;
}
