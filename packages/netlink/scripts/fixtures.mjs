#!/usr/bin/env node
// Turns the output of scripts/capture.mjs into src/codec/fixtures/captured.ts: named hex strings of
// single netlink messages, each with the command it came from. The second capture comes from the
// user-mode-linux guest (tools/kernel), whose kernel has the link kinds the host lacks.
//   node scripts/capture.mjs > /tmp/capture.txt
//   node tools/kernel/run.mjs --out /tmp/uml -- sh -c 'node packages/netlink/scripts/capture.mjs > /tmp/uml/capture.txt'
//   node scripts/fixtures.mjs /tmp/capture.txt /tmp/uml/capture.txt
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function load(input) {
const steps = [];
let cur;
for (const line of readFileSync(input, 'utf8').split('\n')) {
  const h = line.match(/^## (.+?): (.*)  \(exit/);
  if (h) {
    cur = { label: h[1], cmd: h[2], msgs: [] };
    steps.push(cur);
    continue;
  }
  const m = line.match(/^(send|recv) ([0-9a-f]+)$/);
  if (!m || !cur) continue;
  const b = Buffer.from(m[2], 'hex');
  for (let off = 0; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off);
    if (len < 16 || off + len > b.length) break;
    cur.msgs.push({ dir: m[1], type: b.readUInt16LE(off + 4), flags: b.readUInt16LE(off + 6), hex: b.subarray(off, off + len).toString('hex') });
    off += (len + 3) & ~3;
  }
}
return steps;
}
const sources = { host: load(process.argv[2] ?? '/tmp/capture.txt'), uml: load(process.argv[3] ?? '/tmp/uml/capture.txt') };

/** [name, step label, direction, type, which ('last' | index among matches | predicate on hex), what] */
const ifname = (n) => (hex) => hex.includes(Buffer.from(`${n}\0`).toString('hex'));
const PICKS = [
  ['linkAddVeth', 'veth add', 'send', 16, 'last'],
  ['linkAddVethPeerNetns', 'veth add peer netns', 'send', 16, 'last'],
  ['linkAddMacvlan', 'macvlan add', 'send', 16, 'last'],
  ['linkAddMacvlanPassthru', 'macvlan passthru bcqueuelen', 'send', 16, 'last'],
  ['linkAddMacvlanSource', 'macvlan source', 'send', 16, 'last'],
  ['linkAddBridgeOptions', 'bridge add', 'send', 16, 'last'],
  ['linkAddBridge', 'bridge add plain', 'send', 16, 'last'],
  ['linkAddBridgeVlanFiltering', 'bridge add vlan filtering', 'send', 16, 'last'],
  ['linkAddIpvlan', 'ipvlan add', 'send', 16, 'last', 'uml'],
  ['linkAddVlan', 'vlan add', 'send', 16, 'last'],
  ['linkAddDummy', 'dummy add', 'send', 16, 'last'],
  ['linkAddVrf', 'vrf add', 'send', 16, 'last'],
  ['linkSetUp', 'set up', 'send', 16, 'last'],
  ['linkSetDown', 'set down', 'send', 16, 'last'],
  ['linkSetMtu', 'set mtu', 'send', 16, 'last'],
  ['linkSetMtuTooBig', 'set mtu too big', 'send', 16, 'last'],
  ['linkSetAddress', 'set address', 'send', 16, 'last'],
  ['linkSetAlias', 'set alias', 'send', 16, 'last'],
  ['linkSetMaster', 'set master', 'send', 16, 'last'],
  ['linkSetNomaster', 'set nomaster', 'send', 16, 'last'],
  ['linkSetPromisc', 'set promisc', 'send', 16, 'last'],
  ['linkSetAllmulti', 'set allmulti', 'send', 16, 'last'],
  ['linkSetTxqlen', 'set txqlen', 'send', 16, 'last'],
  ['linkSetName', 'set name', 'send', 16, 'last'],
  ['linkSetNetns', 'set netns', 'send', 16, 'last'],
  ['linkGetByIndex', 'link show dev', 'send', 18, 'last'],
  ['linkGetByName', 'link show missing', 'send', 18, 'last'],
  ['linkDumpRequest', 'link dump', 'send', 18, 0],
  ['linkDel', 'link del', 'send', 17, 'last'],
  ['bridgePortSet', 'brport set', 'send', 19, 'last'],
  ['bridgeVlanAdd', 'bridge vlan add', 'send', 19, 'last'],
  ['bridgeVlanDel', 'bridge vlan del', 'send', 17, 'last'],
  ['bridgeVlanDumpRequest', 'bridge vlan show', 'send', 18, 'last'],
  ['addrAddV4', 'addr add v4', 'send', 20, 'last'],
  ['addrAddV6', 'addr add v6', 'send', 20, 'last'],
  ['addrDelV4', 'addr del v4', 'send', 21, 'last'],
  ['addrDumpRequest', 'addr dump', 'send', 22, 'last'],
  ['routeAdd', 'route add', 'send', 24, 'last'],
  ['routeAddSrcScope', 'route add src scope', 'send', 24, 'last'],
  ['routeAddV6', 'route add v6', 'send', 24, 'last'],
  ['routeAddMultipath', 'route add multipath', 'send', 24, 'last'],
  ['routeReplace', 'route replace', 'send', 24, 'last'],
  ['routeAddBlackholeTable1000', 'route add blackhole big table', 'send', 24, 'last'],
  ['routeDel', 'route del', 'send', 25, 'last'],
  ['routeDumpRequest', 'route dump', 'send', 26, 'last'],
  ['neighAdd', 'neigh add', 'send', 28, 'last'],
  ['neighReplaceV6', 'neigh replace v6', 'send', 28, 'last'],
  ['neighDel', 'neigh del', 'send', 29, 'last'],
  ['neighDumpRequest', 'neigh dump', 'send', 30, 'last'],
  ['ruleAdd', 'rule add', 'send', 32, 'last'],
  ['ruleAddFwmark', 'rule add fwmark', 'send', 32, 'last'],
  ['ruleAddV6Not', 'rule add v6 not to', 'send', 32, 'last'],
  ['ruleDel', 'rule del', 'send', 33, 'last'],
  ['ruleDumpRequest', 'rule dump', 'send', 34, 'last'],
  // kernel replies
  ['linkReplyVeth', 'link show dev', 'recv', 16, 'last'],
  ['linkDumpReplyLo', 'link dump', 'recv', 16, ifname('lo')],
  ['linkDumpReplyBridge', 'link dump', 'recv', 16, ifname('br2')],
  ['linkDumpReplyBridgePort', 'link dump', 'recv', 16, ifname('vx2')],
  ['linkDumpReplyMacvlanSource', 'link dump', 'recv', 16, ifname('mv2')],
  ['linkDumpReplyMacvlanPassthru', 'link dump', 'recv', 16, ifname('mv1')],
  ['linkDumpDone', 'link dump', 'recv', 3, 0],
  ['bridgeDumpReplyPort', 'bridge vlan show', 'recv', 16, (hex) => hex.slice(32, 34) === '07' && ifname('vx2')(hex)],
  ['addrDumpReplyV4', 'addr dump', 'recv', 20, 0],
  ['addrDumpReplyV6', 'addr dump', 'recv', 20, 1],
  ['routeDumpReplyMetrics', 'route dump', 'recv', 24, 1],
  ['routeDumpReplyBlackhole', 'route dump', 'recv', 24, 2],
  ['routeDumpReplyPrefsrc', 'route dump', 'recv', 24, 3],
  ['routeDumpReplyMultipath', 'route dump', 'recv', 24, 4],
  ['routeDumpReplyV6', 'route dump', 'recv', 24, (hex) => hex.slice(32, 34) === '0a' && hex.includes('fd01')],
  ['neighDumpReplyV4', 'neigh dump', 'recv', 28, (hex) => hex.includes('0a010209')],
  ['neighDumpReplyV6', 'neigh dump', 'recv', 28, (hex) => hex.includes('fd000000000000000000000000000009')],
  ['ruleDumpReplyFrom', 'rule dump', 'recv', 32, 1],
  ['ruleDumpReplyFwmark', 'rule dump', 'recv', 32, 2],
  // replies of the UML kernel (Linux 6.1) for the kinds the host lacks
  ['umlLinkDumpReplyIpvlan', 'link dump', 'recv', 16, ifname('iv0'), 'uml'],
  ['umlLinkDumpReplyVlan', 'link dump', 'recv', 16, ifname('vx0.100'), 'uml'],
  ['umlLinkDumpReplyDummy', 'link dump', 'recv', 16, ifname('dm0'), 'uml'],
  ['umlLinkDumpReplyVrf', 'link dump', 'recv', 16, ifname('vrf0'), 'uml'],
  ['umlLinkAddBridgeOptionsAck', 'bridge add', 'recv', 2, 'last', 'uml'],
  ['umlLinkDumpReplyBridgeVlanFiltering', 'link dump', 'recv', 16, ifname('br1'), 'uml'],
  ['umlBridgeVlanDumpReplyPort', 'bridge vlan show', 'recv', 16, (hex) => hex.slice(32, 34) === '07' && ifname('vx2')(hex), 'uml'],
  ['errorMtuExtack', 'set mtu too big', 'recv', 2, 'last'],
  ['errorNoDevice', 'link show missing', 'recv', 2, 'last'],
  ['errorNotSupportedFull', 'bridge add', 'recv', 2, 'last'],
  ['ackCapped', 'set up', 'recv', 2, 'last'],
];

const kernel = execFileSync('uname', ['-r']).toString().trim();
const iproute = execFileSync('ip', ['-V']).toString().trim();
let out = `// Generated by scripts/fixtures.mjs from scripts/capture.mjs: every message below was captured, not
// written by hand. Requests are what ${iproute} sent; replies are what kernel ${kernel}
// answered; both read with \`strace -e write=all -e read=all\` in throwaway namespaces.
// Regenerate: node scripts/capture.mjs > /tmp/capture.txt && node scripts/fixtures.mjs /tmp/capture.txt
/* eslint-disable */

`;
for (const [name, label, dir, type, which, source = 'host'] of PICKS) {
  const step = sources[source].find((s) => s.label === label);
  if (!step) throw new Error(`no step ${label}`);
  const all = step.msgs.filter((m) => m.dir === dir && m.type === type);
  const msg = which === 'last' ? all.at(-1) : typeof which === 'number' ? all[which] : all.find((m) => which(m.hex));
  if (!msg) throw new Error(`no message for ${name}`);
  const chunks = msg.hex.match(/.{1,96}/g);
  const body = chunks.length === 1 ? `'${chunks[0]}'` : `[\n${chunks.map((c) => `  '${c}',`).join('\n')}\n].join('')`;
  const where = source === 'uml' ? ' (UML guest, Linux 6.1)' : '';
  out += `/** ${dir === 'send' ? 'sent by' : 'reply to'} \`${step.cmd}\`${where} */\nexport const ${name} = ${body};\n\n`;
}
const dest = join(import.meta.dirname, '../src/codec/fixtures/captured.ts');
writeFileSync(dest, out);
console.log(`wrote ${PICKS.length} fixtures to ${dest}`);
