// libcni NetworkConfFromBytes: a network configuration list, with libcni's texts for every
// rejected shape and the field each one is about.
import { goJsonParse, GoJsonSyntaxError, selectListVersion } from '@cni-ts/cni';
import type { NetworkConfigList, PluginConfig } from '../types';
import { ConfError } from './errors';
import { goTypeName } from './gotype';
import { decodePluginConf, marshalSorted } from './plugin';

const PREFIX = 'error parsing configuration list';

function fail(text: string, field?: string): never {
  throw new ConfError(`${PREFIX}: ${text}`, { field });
}

/** disableCheck & co.: a bool, or "true"/"false" in any case (spec 0.4.0 typed them as strings). */
function readBool(raw: Record<string, unknown>, key: string): boolean {
  if (!(key in raw)) return false;
  const v = raw[key];
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') fail(`invalid type ${goTypeName(v)} for ${key}`, key);
  const s = v.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return fail(`invalid value ${JSON.stringify(s)} for ${key}`, key);
}

function readVersion(raw: Record<string, unknown>): string {
  let cniVersion = '';
  if ('cniVersion' in raw) {
    if (typeof raw.cniVersion !== 'string') fail(`invalid cniVersion type ${goTypeName(raw.cniVersion)}`, 'cniVersion');
    cniVersion = raw.cniVersion;
  }
  if (!('cniVersions' in raw)) return cniVersion;
  const list = raw.cniVersions;
  // libcni prints the type of its (nil) target slice here, whatever the value was.
  if (!Array.isArray(list)) fail('invalid type for cniVersions: []interface {}', 'cniVersions');
  list.forEach((v, i) => {
    if (typeof v !== 'string') fail(`invalid type for cniVersions index ${i}: ${goTypeName(v)}`, `cniVersions[${i}]`);
  });
  try {
    return selectListVersion(cniVersion, list as string[]);
  } catch (err) {
    const m = /^error parsing configuration list: invalid cniVersions entry .* at index (\d+):/.exec((err as Error).message);
    throw new ConfError((err as Error).message, { field: m ? `cniVersions[${m[1]}]` : 'cniVersion', cause: err });
  }
}

/**
 * Parses a .conflist document. `plugins` may be absent (they then come from the `<name>/`
 * folder, see confListFromFile) unless loadOnlyInlinedPlugins is set. Each inlined plugin's
 * bytes are its object re-marshalled as Go does (keys sorted, compact); the list keeps `bytes`.
 */
export function confListFromBytes(bytes: Uint8Array): NetworkConfigList {
  let parsed: unknown;
  try {
    parsed = goJsonParse(bytes);
  } catch (err) {
    const offset = err instanceof GoJsonSyntaxError ? err.offset : undefined;
    throw new ConfError(`${PREFIX}: ${(err as Error).message}`, { offset, cause: err });
  }
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    const kind = Array.isArray(parsed) ? 'array' : typeof parsed === 'boolean' ? 'bool' : typeof parsed;
    fail(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  const raw = (parsed ?? {}) as Record<string, unknown>;
  if (!('name' in raw)) fail('no name', 'name');
  if (typeof raw.name !== 'string') fail(`invalid name type ${goTypeName(raw.name)}`, 'name');
  const list: NetworkConfigList = {
    name: raw.name,
    cniVersion: readVersion(raw),
    disableCheck: readBool(raw, 'disableCheck'),
    disableGC: readBool(raw, 'disableGC'),
    loadOnlyInlinedPlugins: readBool(raw, 'loadOnlyInlinedPlugins'),
    plugins: [],
    bytes,
  };
  if (!('plugins' in raw)) {
    if (list.loadOnlyInlinedPlugins) fail("`loadOnlyInlinedPlugins` is true, and no 'plugins' key", 'plugins');
    return list;
  }
  const plugins = raw.plugins;
  if (!Array.isArray(plugins)) fail(`invalid 'plugins' type ${goTypeName(plugins)}`, 'plugins');
  if (plugins.length === 0) fail('no plugins in list', 'plugins');
  list.plugins = plugins.map((conf, i): PluginConfig => {
    try {
      return { network: decodePluginConf(conf, `plugins[${i}]`), bytes: marshalSorted(conf) };
    } catch (err) {
      const field = err instanceof ConfError ? err.field : `plugins[${i}]`;
      throw new ConfError(`failed to parse plugin config ${i}: ${(err as Error).message}`, { field, cause: err });
    }
  });
  return list;
}
