// The two networks of the demo. Every name is unique to the run (`cnits-demo-<id>`), and every
// state directory lives in the run's temporary directory, so nothing outlives the teardown.
import { join } from 'node:path';

/**
 * @param {{id: string, tmp: string, master: string, has: (type: string) => boolean, cniVersion: string}} o
 * @returns {{name: string, ifname: string, conflist: object, skipped: string[]}[]}
 */
export function networks({ id, tmp, master, has, cniVersion }) {
  const hostLocal = (subnet, gateway) => ({
    type: 'host-local',
    dataDir: join(tmp, 'ipam'),
    ranges: [[{ subnet, gateway }]],
  });
  const out = [];

  const bridgeName = `cnits-demo-${id}-bridge`;
  if (has('bridge') && has('host-local')) {
    out.push({
      name: bridgeName,
      ifname: 'eth0',
      skipped: [],
      conflist: {
        cniVersion,
        name: bridgeName,
        plugins: [
          { type: 'bridge', bridge: `cnitsbr${id}`, isGateway: true, hairpinMode: true, ipam: { ...hostLocal('10.201.0.0/24', '10.201.0.1'), routes: [{ dst: '0.0.0.0/0' }] } },
          // as podman's bridge networks: published ports (`-p`), and the FORWARD chain opened for the pods
          ...(has('portmap') ? [{ type: 'portmap', capabilities: { portMappings: true } }] : []),
          ...(has('firewall') ? [{ type: 'firewall', backend: 'iptables' }] : []),
        ],
      },
    });
    for (const t of ['portmap', 'firewall']) if (!has(t)) out.at(-1).skipped.push(t);
  } else {
    out.push({ name: bridgeName, skipped: ['the whole bridge network (needs bridge and host-local)'], conflist: null });
  }

  const mvName = `cnits-demo-${id}-macvlan`;
  if (has('macvlan') && has('host-local')) {
    const plugins = [{ type: 'macvlan', master, mode: 'bridge', ipam: hostLocal('10.202.0.0/24', '10.202.0.1') }];
    const skipped = [];
    if (has('tuning')) plugins.push({ type: 'tuning', mtu: 1400, dataDir: join(tmp, 'tuning'), capabilities: { mac: true } });
    else skipped.push('tuning');
    if (has('route-override')) plugins.push({ type: 'route-override', dataDir: join(tmp, 'route-override'), addroutes: [{ dst: '10.203.0.0/16', gw: '10.202.0.1' }] });
    else skipped.push('route-override');
    out.push({ name: mvName, ifname: 'net1', skipped, conflist: { cniVersion, name: mvName, plugins } });
  } else {
    out.push({ name: mvName, skipped: ['the whole macvlan network (needs macvlan and host-local)'], conflist: null });
  }
  return out;
}
