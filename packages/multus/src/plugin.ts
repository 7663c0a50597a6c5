// The multus Plugin: every command module (and with it zod, the chain, client-node, netlink)
// is imported on first use, so VERSION costs nothing beyond the skeleton.
import type { Plugin } from '@cni-ts/cni/skel';
import type { MultusOptions } from './commands/common';
import type { HotplugInput } from './commands/hotplug';
import { ConfigBudget, DEFAULT_LIMITS } from './limits';
import { DEFAULT_CHECKPOINT_FILE, DEFAULT_POD_RESOURCES_SOCKET } from './resources';

export type { MultusOptions, HotplugInput };

/** The Multus plugin, and the thick daemon's /delegate for one posted network. */
export interface MultusPlugin extends Plugin {
  /** A plugin running only `input`'s network (ADD, DEL, CHECK, STATUS), with this instance's options; stdin is the daemon's configuration. */
  hotplug(input: HotplugInput): Plugin;
}

export const DEFAULT_OPTIONS: MultusOptions = {
  checkpointFile: DEFAULT_CHECKPOINT_FILE,
  podResourcesSocket: DEFAULT_POD_RESOURCES_SOCKET,
  devInfoDir: '/var/run/k8s.cni.cncf.io/devinfo',
  readinessIntervalMs: 1000,
  readinessTimeoutMs: 45_000,
  limits: DEFAULT_LIMITS,
};

/**
 * A multus plugin; options exist for tests (paths of kubelet and device-plugin files, timings)
 * and for the daemon (size limits shared by all its calls, the delegates' deadline).
 */
export function createMultus(options: Partial<MultusOptions> = {}): MultusPlugin {
  const opts: MultusOptions = { ...DEFAULT_OPTIONS, ...options };
  opts.budget ??= new ConfigBudget(opts.limits);
  const hotplug = (input: HotplugInput): Plugin => {
    const run = async (req: Parameters<NonNullable<Plugin['add']>>[0]) => (await import('./commands/hotplug')).cmdDelegate(req, input, opts);
    return { type: 'multus', add: run as Plugin['add'], del: async (req) => void (await run(req)), check: async (req) => void (await run(req)), status: async (req) => void (await run(req)) };
  };
  return {
    hotplug,
    type: 'multus',
    configSchema: async () => (await import('./config')).netConfSchema,
    add: async (req) => (await import('./commands/add')).cmdAdd(req, opts),
    del: async (req) => (await import('./commands/del')).cmdDel(req, opts),
    check: async (req) => (await import('./commands/others')).cmdCheck(req, opts),
    gc: async (req) => (await import('./commands/others')).cmdGC(req, opts),
    status: async (req) => (await import('./commands/others')).cmdStatus(req, opts),
  };
}

export const multus: MultusPlugin = createMultus();

export default multus;
