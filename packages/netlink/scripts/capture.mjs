#!/usr/bin/env node
// Captures the netlink bytes iproute2 sends and the kernel answers, for the codec's test fixtures.
// Each command runs under `strace -e write=all -e read=all` inside throwaway namespaces, and every
// sendmsg/sendto/recvmsg/recvfrom buffer is printed as hex:  node scripts/capture.mjs [filter]
// Needs root, strace and iproute2. The namespaces are `cnicap-a` and `cnicap-b`, deleted at the end.
// For the link kinds the host lacks, run it in the UML guest as well:
//   node tools/kernel/run.mjs --out /tmp/uml -- sh -c 'node packages/netlink/scripts/capture.mjs > /tmp/uml/capture.txt'
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { parseStrace as parse } from './_strace.mjs';

const A = 'cnicap-a';
const B = 'cnicap-b';
const sh = (args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** [label, argv after `ip -n A`, (optional) program instead of ip] */
const STEPS = [
  ['veth add', ['link', 'add', 'vx0', 'type', 'veth', 'peer', 'name', 'vx1']],
  ['veth add peer netns', ['link', 'add', 'vx2', 'mtu', '1400', 'address', '02:00:00:00:00:02', 'txqueuelen', '500', 'type', 'veth', 'peer', 'name', 'vx3', 'address', '02:00:00:00:00:03', 'netns', B]],
  ['macvlan add', ['link', 'add', 'mv0', 'link', 'vx0', 'type', 'macvlan', 'mode', 'bridge']],
  ['macvlan passthru bcqueuelen', ['link', 'add', 'mv1', 'link', 'vx1', 'type', 'macvlan', 'mode', 'passthru', 'bcqueuelen', '100']],
  ['macvlan source', ['link', 'add', 'mv2', 'link', 'vx0', 'type', 'macvlan', 'mode', 'source', 'macaddr', 'set', '02:00:00:00:00:aa', '02:00:00:00:00:bb']],
  ['bridge add', ['link', 'add', 'br0', 'type', 'bridge', 'vlan_filtering', '0', 'vlan_default_pvid', '10', 'stp_state', '0']],
  ['bridge add plain', ['link', 'add', 'br2', 'type', 'bridge']],
  ['bridge add vlan filtering', ['link', 'add', 'br1', 'type', 'bridge', 'vlan_filtering', '1']],
  // (dummy, ipvlan, vlan, vrf and VLAN filtering exist only in the UML kernel: run this there too)
  ['dummy for ipvlan', ['link', 'add', 'dmx', 'type', 'dummy']],
  ['ipvlan add', ['link', 'add', 'iv0', 'link', 'dmx', 'type', 'ipvlan', 'mode', 'l3s', 'private']],
  ['vlan add', ['link', 'add', 'link', 'vx0', 'name', 'vx0.100', 'type', 'vlan', 'id', '100']],
  ['dummy add', ['link', 'add', 'dm0', 'type', 'dummy']],
  ['vrf add', ['link', 'add', 'vrf0', 'type', 'vrf', 'table', '10']],
  ['set up', ['link', 'set', 'dev', 'vx0', 'up']],
  ['set down', ['link', 'set', 'dev', 'vx0', 'down']],
  ['set mtu', ['link', 'set', 'dev', 'vx0', 'mtu', '1450']],
  ['set mtu too big', ['link', 'set', 'dev', 'vx0', 'mtu', '70000']],
  ['set address', ['link', 'set', 'dev', 'vx0', 'address', '02:00:00:00:00:10']],
  ['set alias', ['link', 'set', 'dev', 'vx0', 'alias', 'hello']],
  ['set master', ['link', 'set', 'dev', 'vx2', 'master', 'br2']],
  ['set promisc', ['link', 'set', 'dev', 'vx0', 'promisc', 'on']],
  ['set allmulti', ['link', 'set', 'dev', 'vx0', 'allmulticast', 'on']],
  ['set txqlen', ['link', 'set', 'dev', 'vx0', 'txqueuelen', '900']],
  ['set name', ['link', 'set', 'dev', 'mv0', 'name', 'mv9']],
  ['set netns', ['link', 'set', 'dev', 'mv9', 'netns', B]],
  ['link show dev', ['link', 'show', 'dev', 'vx0']],
  ['link show missing', ['link', 'show', 'dev', 'nope0']],
  ['link dump', ['-d', 'link', 'show']],
  ['brport set', ['vx2', 'hairpin', 'on', 'isolated', 'on', 'learning', 'off', 'flood', 'off'], 'bridge-link'],
  ['bridge vlan add', ['vlan', 'add', 'dev', 'vx2', 'vid', '10', 'pvid', 'untagged', 'master'], 'bridge'],
  ['bridge vlan del', ['vlan', 'del', 'dev', 'vx2', 'vid', '10', 'master'], 'bridge'],
  ['bridge vlan show', ['vlan', 'show'], 'bridge'],
  ['set nomaster', ['link', 'set', 'dev', 'vx2', 'nomaster']],
  ['addr add v4', ['addr', 'add', '10.1.2.3/24', 'brd', '10.1.2.255', 'dev', 'vx0']],
  ['addr add v6', ['addr', 'add', 'fd00::3/64', 'dev', 'vx0', 'nodad', 'noprefixroute', 'valid_lft', '100', 'preferred_lft', '50']],
  ['addr dump', ['addr', 'show']],
  ['link up both', ['link', 'set', 'dev', 'vx1', 'up']],
  ['link up again', ['link', 'set', 'dev', 'vx0', 'up']],
  ['route add', ['route', 'add', '10.9.0.0/16', 'via', '10.1.2.1', 'dev', 'vx0', 'metric', '100', 'table', '100', 'proto', 'static', 'mtu', '1400', 'advmss', '1360', 'onlink']],
  ['route add src scope', ['route', 'add', '10.8.0.0/16', 'dev', 'vx0', 'scope', 'link', 'src', '10.1.2.3']],
  ['route add v6', ['-6', 'route', 'add', 'fd01::/64', 'via', 'fe80::1', 'dev', 'vx0', 'metric', '1024']],
  ['route add multipath', ['route', 'add', '10.7.0.0/16', 'nexthop', 'via', '10.1.2.1', 'dev', 'vx0', 'weight', '1', 'onlink', 'nexthop', 'via', '10.1.2.2', 'dev', 'vx0', 'weight', '2', 'onlink']],
  ['route replace', ['route', 'replace', '10.9.0.0/16', 'via', '10.1.2.2', 'dev', 'vx0', 'table', '100', 'onlink']],
  ['route add blackhole big table', ['route', 'add', 'blackhole', '10.6.0.0/16', 'table', '1000']],
  ['route dump', ['route', 'show', 'table', 'all']],
  ['route del', ['route', 'del', '10.9.0.0/16', 'table', '100']],
  ['neigh add', ['neigh', 'add', '10.1.2.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'vx0', 'nud', 'permanent']],
  ['neigh replace v6', ['neigh', 'replace', 'fd00::9', 'lladdr', '02:00:00:00:00:19', 'dev', 'vx0', 'nud', 'reachable']],
  ['neigh dump', ['neigh', 'show']],
  ['neigh del', ['neigh', 'del', '10.1.2.9', 'dev', 'vx0']],
  ['rule add', ['rule', 'add', 'from', '10.1.2.3/32', 'table', '100', 'priority', '1000']],
  ['rule add fwmark', ['rule', 'add', 'fwmark', '0x10/0xff', 'iif', 'vx0', 'oif', 'vx1', 'lookup', '2000', 'pref', '1001']],
  ['rule add v6 not to', ['-6', 'rule', 'add', 'not', 'to', 'fd00::/64', 'table', '100', 'pref', '1002']],
  ['rule dump', ['rule', 'show']],
  ['rule del', ['rule', 'del', 'priority', '1000']],
  ['addr del v4', ['addr', 'del', '10.1.2.3/24', 'dev', 'vx0']],
  ['link del', ['link', 'del', 'vx0']],
];

const filter = process.argv[2];
spawnSync('ip', ['netns', 'del', A]);
spawnSync('ip', ['netns', 'del', B]);
sh(['netns', 'add', A]);
sh(['netns', 'add', B]);
try {
  for (const [label, args, tool] of STEPS) {
    let argv;
    if (tool === 'bridge') argv = ['ip', 'netns', 'exec', A, 'bridge', ...args];
    else if (tool === 'bridge-link') argv = ['ip', 'netns', 'exec', A, 'bridge', 'link', 'set', 'dev', ...args];
    else argv = ['ip', '-n', A, ...args];
    const file = `/tmp/cnicap-${process.pid}.txt`;
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=sendmsg,sendto,recvmsg,recvfrom', '-e', 'write=all', '-e', 'read=all', '-o', file, ...argv]);
    const msgs = parse(file);
    rmSync(file, { force: true });
    if (filter && !label.includes(filter)) continue;
    console.log(`## ${label}: ${argv.join(' ')}  (exit ${r.status}${r.stderr.length ? `: ${r.stderr.toString().trim()}` : ''})`);
    for (const m of msgs) console.log(`${m.dir} ${m.hex}`);
  }
} finally {
  spawnSync('ip', ['netns', 'del', A]);
  spawnSync('ip', ['netns', 'del', B]);
}
