#!/usr/bin/env node
// Captures the traffic-control netlink bytes that tc (iproute2) and the Go bandwidth plugin
// (/usr/lib/cni/bandwidth, vishvananda/netlink) send and the kernel answers, and writes them as
// the fixtures of the tc codec tests: src/codec/fixtures/tc-captured.ts.
//   node packages/netlink/scripts/capture-tc.mjs
// Needs root, strace, iproute2 and the Go plugins in /usr/lib/cni. Everything runs inside the
// throwaway namespaces `cnicap-tc-a` (the "host") and `cnicap-tc-b`, deleted at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { straceNetlink } from './_strace.mjs';

const A = 'cnicap-tc-a';
const B = 'cnicap-tc-b';
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const goConfig = (hostVeth, mac) => ({
  cniVersion: '0.4.0',
  name: 'bwnet',
  type: 'bandwidth',
  ingressRate: 8_000_000,
  ingressBurst: 800_000,
  egressRate: 16_000_000,
  egressBurst: 1_600_000,
  prevResult: {
    cniVersion: '0.4.0',
    interfaces: [{ name: hostVeth, mac }, { name: 'eth0', sandbox: `/run/netns/${B}` }],
    ips: [{ version: '4', interface: 1, address: '10.77.0.2/24' }],
  },
});

/** [label, argv inside A, stdin?, env?] */
const STEPS = [
  ['ifb add', ['ip', 'link', 'add', 'ifb0', 'mtu', '1400', 'txqueuelen', '0', 'type', 'ifb']],
  ['tbf add', ['tc', 'qdisc', 'add', 'dev', 'tx0', 'root', 'handle', '1:', 'tbf', 'rate', '8mbit', 'burst', '100000', 'latency', '25ms']],
  ['tbf peakrate', ['tc', 'qdisc', 'add', 'dev', 'ifb0', 'root', 'handle', '2:', 'tbf', 'rate', '1mbit', 'burst', '10kb', 'latency', '50ms', 'peakrate', '2mbit', 'mtu', '1514']],
  ['ingress add', ['tc', 'qdisc', 'add', 'dev', 'tx0', 'handle', 'ffff:', 'ingress']],
  ['u32 mirred add', ['tc', 'filter', 'add', 'dev', 'tx0', 'parent', 'ffff:', 'protocol', 'all', 'prio', '1', 'u32', 'match', 'u32', '0', '0', 'classid', '1:1', 'action', 'mirred', 'egress', 'redirect', 'dev', 'ifb0']],
  ['qdisc dump', ['tc', 'qdisc', 'show']],
  ['filter dump', ['tc', 'filter', 'show', 'dev', 'tx0', 'ingress']],
  ['tbf replace rate64', ['tc', 'qdisc', 'replace', 'dev', 'tx0', 'root', 'handle', '1:', 'tbf', 'rate', '40gbit', 'burst', '4mb', 'limit', '10mb']],
  ['qdisc dump rate64', ['tc', 'qdisc', 'show', 'dev', 'tx0']],
  ['filter del', ['tc', 'filter', 'del', 'dev', 'tx0', 'parent', 'ffff:', 'prio', '1']],
  ['ingress del', ['tc', 'qdisc', 'del', 'dev', 'tx0', 'ingress']],
  ['qdisc del root', ['tc', 'qdisc', 'del', 'dev', 'tx0', 'root']],
  ['qdisc del missing', ['tc', 'qdisc', 'del', 'dev', 'tx0', 'root']],
  ['go bandwidth', 'go'],
  ['go filter dump', ['tc', 'filter', 'show', 'dev', 'vgo0', 'ingress']],
  ['go qdisc dump', ['tc', 'qdisc', 'show']],
];

const kind = (hex) => {
  const b = Buffer.from(hex, 'hex');
  // TCA_KIND comes first, right after nlmsghdr (16) + tcmsg (20)
  return b.length > 40 && b.readUInt16LE(38) === 1 ? b.toString('latin1', 40, b.indexOf(0, 40)) : '';
};
const tcmsg = (hex) => {
  const b = Buffer.from(hex, 'hex');
  return { index: b.readInt32LE(20), handle: b.readUInt32LE(24), parent: b.readUInt32LE(28), kind: kind(hex) };
};
const on = (dev, k, handle) => (hex, idx) => {
  const t = tcmsg(hex);
  return t.index === idx[dev] && t.kind === k && (handle === undefined || t.handle === handle);
};

/** [name, step label, direction, type, which ('last' | 'first' | index among matches | predicate)] */
const PICKS = [
  ['tcIfbAdd', 'ifb add', 'send', 16, 'last'],
  ['tcTbfAdd', 'tbf add', 'send', 36, 'last'],
  ['tcTbfPeakrate', 'tbf peakrate', 'send', 36, 'last'],
  ['tcIngressAdd', 'ingress add', 'send', 36, 'last'],
  ['tcU32MirredAdd', 'u32 mirred add', 'send', 44, 'last'],
  ['tcQdiscDumpRequest', 'qdisc dump', 'send', 38, 'last'],
  ['tcQdiscDumpReplyTbf', 'qdisc dump', 'recv', 36, on('tx0', 'tbf')],
  ['tcQdiscDumpReplyTbfPeakrate', 'qdisc dump', 'recv', 36, on('ifb0', 'tbf')],
  ['tcQdiscDumpReplyIngress', 'qdisc dump', 'recv', 36, on('tx0', 'ingress')],
  ['tcQdiscDumpReplyPfifoFast', 'qdisc dump', 'recv', 36, on('ifb1', 'pfifo_fast')],
  ['tcQdiscDumpReplyNoqueue', 'qdisc dump', 'recv', 36, on('lo', 'noqueue')],
  ['tcFilterDumpRequest', 'filter dump', 'send', 46, 'last'],
  ['tcFilterDumpReplyChain', 'filter dump', 'recv', 44, 0],
  ['tcFilterDumpReplyTable', 'filter dump', 'recv', 44, 1],
  ['tcFilterDumpReplyNode', 'filter dump', 'recv', 44, 2],
  ['tcTbfReplaceRate64', 'tbf replace rate64', 'send', 36, 'last'],
  ['tcQdiscDumpReplyTbfRate64', 'qdisc dump rate64', 'recv', 36, on('tx0', 'tbf')],
  ['tcFilterDel', 'filter del', 'send', 45, 'last'],
  ['tcIngressDel', 'ingress del', 'send', 37, 'last'],
  ['tcQdiscDelRoot', 'qdisc del root', 'send', 37, 'last'],
  ['tcErrorQdiscDelMissing', 'qdisc del missing', 'recv', 2, 'last'],
  ['goIfbAdd', 'go bandwidth', 'send', 16, 'last'],
  ['goTbfHostVeth', 'go bandwidth', 'send', 36, 'first'],
  ['goIngressAdd', 'go bandwidth', 'send', 36, (hex) => kind(hex) === 'ingress'],
  ['goU32MirredAdd', 'go bandwidth', 'send', 44, 'last'],
  ['goTbfIfb', 'go bandwidth', 'send', 36, 'last'],
  ['goFilterDumpReplyNode', 'go filter dump', 'recv', 44, 2],
  ['goQdiscDumpReplyTbfIfb', 'go qdisc dump', 'recv', 36, (hex, idx) => tcmsg(hex).index === idx.ifb && kind(hex) === 'tbf'],
];

spawnSync('ip', ['netns', 'del', A]);
spawnSync('ip', ['netns', 'del', B]);
ip('netns', 'add', A);
ip('netns', 'add', B);
const steps = [];
let cmds = {};
try {
  ip('-n', A, 'link', 'set', 'lo', 'up');
  ip('-n', A, 'link', 'add', 'tx0', 'type', 'veth', 'peer', 'name', 'tx1', 'netns', B);
  ip('-n', A, 'link', 'add', 'vgo0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', B);
  ip('-n', A, 'link', 'add', 'ifb1', 'type', 'ifb');
  for (const dev of ['tx0', 'vgo0', 'ifb1']) ip('-n', A, 'link', 'set', dev, 'up');
  for (const dev of ['tx1', 'eth0']) ip('-n', B, 'link', 'set', dev, 'up');
  const mac = JSON.parse(ip('-n', A, '-j', 'link', 'show', 'vgo0'))[0].address;
  for (const [label, argv] of STEPS) {
    let r;
    if (argv === 'go') {
      const env = { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'ctr1', CNI_NETNS: `/run/netns/${B}`, CNI_IFNAME: 'eth0', CNI_PATH: '/usr/lib/cni' };
      r = straceNetlink(['ip', 'netns', 'exec', A, '/usr/lib/cni/bandwidth'], { env, input: JSON.stringify(goConfig('vgo0', mac)) });
      cmds[label] = 'the Go bandwidth plugin (/usr/lib/cni/bandwidth ADD, ingress 8 Mbit/s burst 800 kbit, egress 16 Mbit/s burst 1.6 Mbit)';
    } else {
      r = straceNetlink(['ip', 'netns', 'exec', A, ...argv]);
      cmds[label] = argv.join(' ');
    }
    console.log(`## ${label}: exit ${r.status}${r.stderr ? `: ${r.stderr}` : ''}`);
    steps.push({ label, msgs: r.msgs });
  }
  const idx = Object.fromEntries(JSON.parse(ip('-n', A, '-j', 'link', 'show')).map((l) => [l.ifname, l.ifindex]));
  idx.ifb = JSON.parse(ip('-n', A, '-j', 'link', 'show', 'type', 'ifb')).find((l) => l.ifname.startsWith('bwp')).ifindex;

  const kernel = execFileSync('uname', ['-r']).toString().trim();
  const iproute = execFileSync('tc', ['-V']).toString().trim();
  let out = `// Generated by scripts/capture-tc.mjs: every message below was captured, not written by hand.
// Requests are what ${iproute} and the Go bandwidth plugin of Debian's
// containernetworking-plugins sent; replies are what kernel ${kernel} answered; read with
// \`strace -e write=all -e read=all\` in throwaway namespaces. Regenerate: node scripts/capture-tc.mjs
/* eslint-disable */

`;
  for (const [name, label, dir, type, which] of PICKS) {
    const step = steps.find((s) => s.label === label);
    const all = step.msgs.filter((m) => m.dir === dir && m.type === type);
    const msg =
      which === 'last' ? all.at(-1) : which === 'first' ? all[0] : typeof which === 'number' ? all[which] : all.find((m) => which(m.hex, idx));
    if (!msg) throw new Error(`no message for ${name}`);
    const chunks = msg.hex.match(/.{1,96}/g);
    const body = chunks.length === 1 ? `'${chunks[0]}'` : `[\n${chunks.map((c) => `  '${c}',`).join('\n')}\n].join('')`;
    out += `/** ${dir === 'send' ? 'sent by' : 'reply to'} \`${cmds[label]}\` */\nexport const ${name} = ${body};\n\n`;
  }
  const dest = join(import.meta.dirname, '../src/codec/fixtures/tc-captured.ts');
  writeFileSync(dest, out);
  console.log(`wrote ${PICKS.length} fixtures to ${dest}`);
} finally {
  spawnSync('ip', ['netns', 'del', A]);
  spawnSync('ip', ['netns', 'del', B]);
}
