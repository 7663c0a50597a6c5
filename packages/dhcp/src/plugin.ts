import type { Result } from '@cni-ts/cni';
import type { Plugin } from '@cni-ts/cni/skel';

// Light: the command modules (zod, net/rpc) load on demand, VERSION loads neither.

/** The dhcp IPAM plugin: every command is a call to the `dhcp daemon`. */
export const dhcp: Plugin = {
  type: 'dhcp',
  configSchema: async () => (await import('./config')).netConfSchema,
  add: async (req) => (await (await import('./commands')).cmdAdd(req)) as Result,
  del: async (req) => (await import('./commands')).cmdDel(req),
  check: async (req) => (await import('./commands')).cmdCheck(req),
  gc: async (req) => (await import('./commands')).cmdGc(req),
  status: async (req) => (await import('./commands')).cmdStatus(req),
};

/**
 * `dhcp daemon [flags]` and `dhcp status [flags]` run from the same binary as the plugin, as
 * upstream's does. Returns the exit code's promise for a subcommand, undefined for a plugin call.
 * `cni-ts-plugins dhcp daemon` (the launcher's form) carries the plugin name first.
 */
export function subcommand(argv: readonly string[], argv0: string): Promise<number> | undefined {
  let args = argv.slice(2);
  const self = argv0.slice(argv0.lastIndexOf('/') + 1);
  if (args[0] === 'dhcp' && self !== 'dhcp') args = args.slice(1);
  const [cmd, ...rest] = args;
  if (cmd === 'daemon') return import('./daemon/run').then((m) => m.runDaemon(rest));
  if (cmd === 'status') return import('./daemon/run').then((m) => m.runStatus(rest));
  return undefined;
}
