// What each plugin runs to teach the code cache its real paths (see sandbox.mjs). A plugin not
// listed here is trained with VERSION only; a request that fails still teaches its error path.
// IPAM is a shell stub (stubIpam) so that no other binary is needed at build time.

const IPAM = { type: 'train-ipam' };

/** Interfaces the sandbox creates: `up0` (an uplink), `dev0` (a free device), `eth0` in the container. */
export const SANDBOX_LINKS = { uplink: 'up0', device: 'dev0', containerIf: 'eth0' };

/** @type {Record<string, {ifname: string, config: object, commands?: string[]}>} */
export const TRAINING = {
  loopback: { ifname: 'lo', config: { type: 'loopback' } },
  'host-local': { ifname: 'eth1', config: { type: 'train', ipam: { type: 'host-local', subnet: '10.99.0.0/24', dataDir: '/var/lib/cni/train' } } },
  static: { ifname: 'eth1', config: { type: 'train', ipam: { type: 'static', addresses: [{ address: '10.99.1.2/24', gateway: '10.99.1.1' }] } } },
  bridge: { ifname: 'eth1', config: { type: 'bridge', bridge: 'trainbr0', isGateway: true, ipMasq: false, ipam: IPAM } },
  macvlan: { ifname: 'eth1', config: { type: 'macvlan', master: 'up0', mode: 'bridge', ipam: IPAM } },
  ipvlan: { ifname: 'eth1', config: { type: 'ipvlan', master: 'up0', ipam: IPAM } },
  ptp: { ifname: 'eth1', config: { type: 'ptp', ipam: IPAM } },
  vlan: { ifname: 'eth1', config: { type: 'vlan', master: 'up0', vlanId: 42, ipam: IPAM } },
  'host-device': { ifname: 'eth1', config: { type: 'host-device', device: 'dev0' } },
  tuning: {
    ifname: 'eth0',
    config: { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.arp_notify': '1' }, promisc: true },
    commands: ['ADD', 'DEL'],
  },
};

/** The IPAM stub's script: a fixed result for ADD, nothing for the rest. */
export function stubIpam() {
  const result = JSON.stringify({ cniVersion: '1.0.0', ips: [{ address: '10.99.2.2/24', gateway: '10.99.2.1' }] });
  return `#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = ADD ] && printf '%s' '${result}'\nexit 0\n`;
}

/**
 * The requests for one plugin, in order: ADD, CHECK (with ADD's result as prevResult), DEL.
 * @returns {{command: string, ifname: string, config: object}[]}
 */
export function requestsFor(name) {
  const t = TRAINING[name];
  if (!t) return [];
  const base = { cniVersion: '1.0.0', name: 'cni-ts-train', ...t.config };
  const tuningPrev = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', sandbox: '/run/netns/train' }],
    ips: [{ address: '10.99.3.2/24', interface: 0 }],
  };
  return (t.commands ?? ['ADD', 'CHECK', 'DEL']).map((command) => ({
    command,
    ifname: t.ifname,
    config: name === 'tuning' ? { ...base, prevResult: tuningPrev } : base,
  }));
}
