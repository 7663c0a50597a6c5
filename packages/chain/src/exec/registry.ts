// Our plugins, for in-process runs: a fixed table of plugin type -> package, imported only
// when a list uses that type (the CLI does not load every plugin at start). Each package is
// registered into @cni-ts/cni's registry, so delegation from one of our plugins to another
// (bridge -> host-local) runs in-process too, under the same rule.
import { registerPlugin, registeredPlugin, setOwnBinaryCheck, type Plugin } from '@cni-ts/cni';
import { isCniTsBinary } from './ours';

/** The plugin packages of this workspace, by the `type` that names them in configs. */
export const OUR_PLUGINS: Readonly<Record<string, string>> = Object.freeze({
  bridge: '@cni-ts/bridge',
  'host-device': '@cni-ts/host-device',
  'host-local': '@cni-ts/host-local',
  ipvlan: '@cni-ts/ipvlan',
  loopback: '@cni-ts/loopback',
  macvlan: '@cni-ts/macvlan',
  'route-override': '@cni-ts/route-override',
  static: '@cni-ts/static',
  tuning: '@cni-ts/tuning',
});

// Literal specifiers, so bundlers split each plugin into a chunk loaded on first use.
const IMPORTS: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  bridge: () => import('@cni-ts/bridge'),
  'host-device': () => import('@cni-ts/host-device'),
  'host-local': () => import('@cni-ts/host-local'),
  ipvlan: () => import('@cni-ts/ipvlan'),
  loopback: () => import('@cni-ts/loopback'),
  macvlan: () => import('@cni-ts/macvlan'),
  'route-override': () => import('@cni-ts/route-override'),
  static: () => import('@cni-ts/static'),
  tuning: () => import('@cni-ts/tuning'),
};

function isPlugin(v: unknown, type: string): v is Plugin {
  const p = v as Partial<Plugin> | null;
  return !!p && typeof p === 'object' && p.type === type && typeof p.add === 'function' && typeof p.del === 'function';
}

const attempted = new Map<string, Promise<Plugin | undefined>>();
const loadErrors = new Map<string, string>();

/** Why our package for `type` could not be used in-process (after a failed load), if it failed. */
export function ourPluginLoadError(type: string): string | undefined {
  return loadErrors.get(type);
}

/** Imports our package for `type` and finds its Plugin export; undefined when there is none. */
export function loadOurPlugin(type: string): Promise<Plugin | undefined> {
  let p = attempted.get(type);
  if (!p) {
    const spec = Object.hasOwn(OUR_PLUGINS, type) ? OUR_PLUGINS[type] : undefined;
    const load = Object.hasOwn(IMPORTS, type) ? IMPORTS[type] : undefined;
    p = spec && load
      ? load().then(
          (mod) => {
            const plugin = Object.values(mod).find((v): v is Plugin => isPlugin(v, type));
            if (!plugin) loadErrors.set(type, `${spec} exports no plugin of type ${JSON.stringify(type)}`);
            return plugin;
          },
          (err: unknown) => {
            loadErrors.set(type, `cannot import ${spec}: ${(err as Error)?.message ?? String(err)}`);
            return undefined;
          },
        )
      : Promise.resolve(undefined);
    attempted.set(type, p);
  }
  return p;
}

let ruleInstalled = false;

/**
 * Makes `types` available in-process: each of ours that loads is registered (once). Also
 * installs the "is it our binary" rule into @cni-ts/cni for nested delegation.
 */
export async function prepareInProcess(types: Iterable<string>): Promise<void> {
  if (!ruleInstalled) {
    setOwnBinaryCheck(isCniTsBinary);
    ruleInstalled = true;
  }
  for (const type of new Set(types)) {
    if (registeredPlugin(type)) continue;
    const plugin = await loadOurPlugin(type);
    if (plugin) registerPlugin(type, () => plugin);
  }
}
