// `dhcp daemon` and `dhcp status`: the programs of the dhcp binary that are not the plugin.
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
