// libcni InjectConf / buildOneConfig / injectRuntimeConfig: the exact stdin each plugin of a
// list receives. Go re-marshals the config through a map, so the stdin is compact with keys
// sorted at every level; injected values keep the order Go's encoder gives their types.
import { goJsonParse, goMarshal, resultToJson, sortKeysDeep, type Result } from '@cni-ts/cni';
import type { PluginConfig, RuntimeConf } from '../types';
import { byteOrder } from './files';
import { pluginConfFromBytes } from './plugin';

/**
 * InjectConf: sets top-level keys of a plugin config. `values` are marshalled as given (build
 * them in Go's order: resultToJson for results, sortKeysDeep for maps); the original keys are
 * re-marshalled sorted. Fails as Go does on an empty key or a nil value.
 */
export function injectConf(orig: PluginConfig, values: Record<string, unknown>): PluginConfig {
  let config: unknown;
  try {
    config = goJsonParse(orig.bytes);
  } catch (err) {
    throw new Error(`unmarshal existing network bytes: ${(err as Error).message}`, { cause: err });
  }
  if (config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new Error(`unmarshal existing network bytes: json: cannot unmarshal ${Array.isArray(config) ? 'array' : typeof config} into Go value of type map[string]interface {}`);
  }
  const merged: Record<string, unknown> = { ...(config as Record<string, unknown> | null) };
  const given = new Set<string>();
  for (const [key, value] of Object.entries(values)) {
    if (key === '') throw new Error('keys cannot be empty');
    if (value === null || value === undefined) throw new Error(`key '${key}' value must not be nil`);
    merged[key] = value;
    given.add(key);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(merged).toSorted(byteOrder)) out[key] = given.has(key) ? merged[key] : sortKeysDeep(merged[key]);
  return pluginConfFromBytes(new TextEncoder().encode(goMarshal(out)));
}

/**
 * injectRuntimeConfig: `runtimeConfig` gets every capability the plugin enables and the runtime
 * supplied; only when there is at least one, and then it replaces any runtimeConfig on disk.
 */
export function injectRuntimeConfig(conf: PluginConfig, rt: RuntimeConf): PluginConfig {
  const rc: Record<string, unknown> = {};
  for (const [cap, enabled] of Object.entries(conf.network.capabilities ?? {})) {
    if (enabled && rt.capabilityArgs && Object.hasOwn(rt.capabilityArgs, cap)) rc[cap] = rt.capabilityArgs[cap];
  }
  if (Object.keys(rc).length === 0) return conf;
  return injectConf(conf, { runtimeConfig: sortKeysDeep(rc) });
}

/** buildOneConfig: name and cniVersion of the list, the previous result, then runtimeConfig. */
export function buildOneConfig(name: string, cniVersion: string, orig: PluginConfig, prevResult: Result | undefined, rt?: RuntimeConf): PluginConfig {
  const inject: Record<string, unknown> = { name, cniVersion };
  if (prevResult) inject.prevResult = resultToJson(prevResult);
  const conf = injectConf(orig, inject);
  return rt ? injectRuntimeConfig(conf, rt) : conf;
}
