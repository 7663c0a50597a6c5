// What each plugin runs to teach the code cache its real paths (see sandbox.mjs): the request in
// its package.json (`cni-ts.training`, lib/plugins.mjs). A plugin without one is trained with
// VERSION only; a request that fails still teaches its error path. IPAM is a shell stub (stubIpam,
// type `train-ipam`) so that no other binary is needed at build time.

/** Interfaces the sandbox creates: `up0` (an uplink), `dev0` (a free device), `eth0` in the container. */
export const SANDBOX_LINKS = { uplink: 'up0', device: 'dev0', containerIf: 'eth0' };

/** The IPAM stub's script: a fixed result for ADD, nothing for the rest. */
export function stubIpam() {
  const result = JSON.stringify({ cniVersion: '1.0.0', ips: [{ address: '10.99.2.2/24', gateway: '10.99.2.1' }] });
  return `#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = ADD ] && printf '%s' '${result}'\nexit 0\n`;
}

/**
 * The requests for one plugin, in order: ADD, CHECK (with ADD's result as prevResult), DEL.
 * @param {{training?: {ifname: string, config: object, commands?: string[]}}} plugin
 * @returns {{command: string, ifname: string, config: object}[]}
 */
export function requestsFor(plugin) {
  const t = plugin.training;
  if (!t) return [];
  const config = { cniVersion: '1.0.0', name: 'cni-ts-train', ...t.config };
  return (t.commands ?? ['ADD', 'CHECK', 'DEL']).map((command) => ({ command, ifname: t.ifname, config }));
}
