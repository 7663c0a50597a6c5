// The multus Plugin: every command module (and with it zod, the chain, client-node, netlink)
// is imported on first use, so VERSION costs nothing beyond the skeleton.
import type { Plugin } from '@cni-ts/cni/skel';
import type { MultusOptions } from './commands/common';
import { ConfigBudget, DEFAULT_LIMITS } from './limits';

export type { MultusOptions };

export const DEFAULT_OPTIONS: MultusOptions = {
  checkpointFile: '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint',
  devInfoDir: '/var/run/k8s.cni.cncf.io/devinfo',
  readinessIntervalMs: 1000,
  readinessTimeoutMs: 45_000,
  limits: DEFAULT_LIMITS,
};

/**
 * A multus plugin; options exist for tests (paths of kubelet and device-plugin files, timings)
 * and for the daemon (size limits shared by all its calls, the delegates' deadline).
 */
export function createMultus(options: Partial<MultusOptions> = {}): Plugin {
  const opts: MultusOptions = { ...DEFAULT_OPTIONS, ...options };
  opts.budget ??= new ConfigBudget(opts.limits);
  return {
    type: 'multus',
    configSchema: async () => (await import('./config')).netConfSchema,
    add: async (req) => (await import('./commands/add')).cmdAdd(req, opts),
    del: async (req) => (await import('./commands/del')).cmdDel(req, opts),
    check: async (req) => (await import('./commands/others')).cmdCheck(req, opts),
    gc: async (req) => (await import('./commands/others')).cmdGC(req, opts),
    status: async (req) => (await import('./commands/others')).cmdStatus(req, opts),
  };
}

export const multus: Plugin = createMultus();
