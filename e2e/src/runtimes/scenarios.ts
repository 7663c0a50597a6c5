// The networks the suite and the benchmark use, defined once so both measure the same thing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './_exec.ts';
import type { Containerd } from './containerd.ts';
import type { Lab } from './lab.ts';

export const MACVLAN = { name: 'cnits-mv', prefix: '10.98.0', master: 'mvmaster', peer: 'mvpeer' } as const;
export const BRIDGE = { name: 'cnits-br', prefix: '10.99.0', bridge: 'cni-podman1' } as const;
export const CRI = { name: 'cnits-cri', prefix: '10.88.50', bridge: 'cribr0' } as const;

/**
 * A macvlan network (podman writes macvlan + host-local) whose master is a veth in the lab
 * namespace: this kernel has no dummy module.
 */
export function createMacvlanNetwork(lab: Lab): void {
  const ns = lab.world.netns;
  must('ip', ['-n', ns, 'link', 'add', MACVLAN.master, 'type', 'veth', 'peer', 'name', MACVLAN.peer]);
  must('ip', ['-n', ns, 'link', 'set', MACVLAN.master, 'up']);
  must('ip', ['-n', ns, 'link', 'set', MACVLAN.peer, 'up']);
  lab.podman.must(['network', 'create', '-d', 'macvlan', '-o', `parent=${MACVLAN.master}`, '--subnet', `${MACVLAN.prefix}.0/24`, MACVLAN.name]);
}

/**
 * A bridge network as `podman network create --driver bridge` writes it, unmodified: bridge
 * (+ host-local), portmap, firewall, tuning.
 */
export function createBridgeNetwork(lab: Lab): void {
  lab.podman.must(['network', 'create', '--driver', 'bridge', '--subnet', `${BRIDGE.prefix}.0/24`, '--gateway', `${BRIDGE.prefix}.1`, BRIDGE.name]);
}

/** The host port the suite publishes (`podman run -p`, a CRI hostPort). */
export const HOST_PORT = { podman: 18080, cri: 18081 } as const;

/** The CRI network: bridge (+ host-local), portmap (hostPort), tuning, as a kubelet node's conflist would be. */
export const criConflist = () => ({
  cniVersion: '1.0.0',
  name: CRI.name,
  plugins: [
    {
      type: 'bridge',
      bridge: CRI.bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: `${CRI.prefix}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
    { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    { type: 'tuning', mtu: 1400 },
  ],
});

/** Writes the CRI conflist and waits until the CRI plugin (which watches conf_dir) reports NetworkReady. */
export async function configureCriNetwork(ctd: Containerd, timeoutMs = 15_000): Promise<void> {
  writeFileSync(join(ctd.confDir, '10-cri.conflist'), JSON.stringify(criConflist()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await ctd.cri.status();
    if (st.NetworkReady?.status) return;
    if (Date.now() > deadline) throw new Error(`CRI network not ready after ${timeoutMs} ms: ${JSON.stringify(st.NetworkReady)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
