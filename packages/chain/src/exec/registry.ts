// Our plugins, for in-process runs: @cni-ts/cni's catalog (type -> plugin module), installed by
// whoever embeds the chain (the multi-call binary's entry, the CLI bundle, a dev or test setup
// discovering the workspace; tools/build/lib/plugins.mjs). Each module is imported only when a
// list uses that type. The chain lists no plugin itself: without a catalog everything is exec'd.
import { registeredPlugin, registeredTypes, setOwnBinaryCheck, type Plugin } from '@cni-ts/cni';
import { isCniTsBinary } from './ours';

function isPlugin(v: unknown, type: string): v is Plugin {
  const p = v as Partial<Plugin> | null;
  return !!p && typeof p === 'object' && p.type === type && typeof p.add === 'function' && typeof p.del === 'function';
}

const attempted = new Map<string, Promise<Plugin | undefined>>();
const loadErrors = new Map<string, string>();

/** The plugin types this process can run in-process. */
export function ourPluginTypes(): string[] {
  return registeredTypes().toSorted();
}

/** Why our plugin `type` could not be used in-process (after a failed load), if it failed. */
export function ourPluginLoadError(type: string): string | undefined {
  return loadErrors.get(type);
}

/** Loads our plugin `type`; undefined when there is none (or it failed to load, see ourPluginLoadError). */
export function loadOurPlugin(type: string): Promise<Plugin | undefined> {
  let p = attempted.get(type);
  if (!p) {
    const load = registeredPlugin(type);
    p = load
      ? Promise.resolve()
          .then(load)
          .then(
            (plugin) => {
              if (isPlugin(plugin, type)) return plugin;
              loadErrors.set(type, `the plugin module of ${JSON.stringify(type)} exports no plugin of that type`);
              return undefined;
            },
            (err: unknown) => {
              loadErrors.set(type, `cannot load ${type}: ${(err as Error)?.message ?? String(err)}`);
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
 * Prepares in-process runs: installs the "is it our binary" rule into @cni-ts/cni (also for nested
 * delegation) and loads our plugins among `types`, so a failed load falls back to exec.
 */
export async function prepareInProcess(types: Iterable<string>): Promise<void> {
  if (!ruleInstalled) {
    setOwnBinaryCheck(isCniTsBinary);
    ruleInstalled = true;
  }
  for (const type of new Set(types)) await loadOurPlugin(type);
}
