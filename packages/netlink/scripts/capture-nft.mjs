#!/usr/bin/env node
// Captures what the real `nft` sends for the rulesets our plugins write, and what the kernel
// answers to `nft list ruleset` and `conntrack -L`, for the nf_tables/ctnetlink codec fixtures.
// Each step runs under `strace -e write=all -e read=all` inside a throwaway namespace; the result
// is written to src/codec/nft/fixtures/captured.ts.
//   node scripts/capture-nft.mjs            (root; needs strace, nft, and conntrack for the ct part)
// Requests are normalised: sequence numbers and port ids zeroed, attribute padding zeroed (nft
// leaves stack bytes there). The namespaces are `cnicap-nft-a` / `-b`, deleted at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const A = 'cnicap-nft-a';
const B = 'cnicap-nft-b';
const OUT = join(dirname(fileURLToPath(import.meta.url)), '../src/codec/nft/fixtures/captured.ts');

// The scripts run one after the other in namespace A: handles in the delete steps follow from it.
const IPMASQ_COMMENT = '1f3a6a27c3b0d22e-5d3f1c1b8a5e7f90, net: masqnet, if: eth0, id: ctr1';
const SCENARIOS = [
  {
    name: 'ipmasqAdd',
    what: 'ipMasq (nftables backend) ADD of a dual-stack container, as plugin-kit writes it',
    script: `add table inet cni_plugins_masquerade { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }
add chain inet cni_plugins_masquerade masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }
add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority 100 ; }
flush chain inet cni_plugins_masquerade postrouting
add rule inet cni_plugins_masquerade postrouting ip daddr == 224.0.0.0/4  return
add rule inet cni_plugins_masquerade postrouting ip6 daddr == ff00::/8  return
add rule inet cni_plugins_masquerade postrouting goto masq_checks
add rule inet cni_plugins_masquerade masq_checks ip saddr == 10.23.0.2 ip daddr != 10.23.0.0/24 masquerade comment "${IPMASQ_COMMENT}"
add rule inet cni_plugins_masquerade masq_checks ip6 saddr == fd00:23::2 ip6 daddr != fd00:23::/64 masquerade comment "${IPMASQ_COMMENT}"
`,
    dump: true,
  },
  {
    name: 'ipmasqDel',
    what: 'ipMasq DEL: the attachment\'s rules by handle',
    script: `delete rule inet cni_plugins_masquerade masq_checks handle 6
delete rule inet cni_plugins_masquerade masq_checks handle 7
`,
  },
  {
    name: 'portmapIp',
    what: 'portmap (nftables backend, v1.9) ADD of two mappings, one with a host IP, snat on',
    script: `add table ip cni_hostport { comment "CNI portmap plugin" ; }
add chain ip cni_hostport hostports
add chain ip cni_hostport hostip_hostports
add chain ip cni_hostport hostports_all
flush chain ip cni_hostport hostports_all
add rule ip cni_hostport hostports_all jump hostip_hostports
add rule ip cni_hostport hostports_all jump hostports
add chain ip cni_hostport prerouting { type nat hook prerouting priority dstnat ; }
flush chain ip cni_hostport prerouting
add rule ip cni_hostport prerouting fib daddr type local jump hostports_all
add chain ip cni_hostport output { type nat hook output priority -100 ; }
flush chain ip cni_hostport output
add rule ip cni_hostport output fib daddr type local jump hostports_all
add chain ip cni_hostport masquerading { type nat hook postrouting priority srcnat ; }
add rule ip cni_hostport hostports tcp dport 8080 dnat to 172.16.30.2:80 comment "abc123"
add rule ip cni_hostport hostports ip daddr 192.168.1.1 udp dport 5353 dnat to 172.16.30.2:53 comment "abc123"
add rule ip cni_hostport masquerading ip saddr 172.16.30.2 ip daddr 172.16.30.2 masquerade comment "abc123"
add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 172.16.30.2 masquerade comment "abc123"
`,
    dump: true,
  },
  {
    name: 'portmapIp6',
    what: 'portmap ADD of the IPv6 address (masqAll as upstream main writes it)',
    script: `add table ip6 cni_hostport { comment "CNI portmap plugin" ; }
add chain ip6 cni_hostport hostports
add chain ip6 cni_hostport prerouting { type nat hook prerouting priority dstnat ; }
add rule ip6 cni_hostport prerouting fib daddr type local jump hostports
add chain ip6 cni_hostport masquerading { type nat hook postrouting priority srcnat ; }
add rule ip6 cni_hostport hostports ip6 daddr fd00::1 tcp dport 8080 dnat to [fd00:30::2]:80 comment "abc123"
add rule ip6 cni_hostport masquerading ip6 saddr ::/0 ip6 daddr fd00:30::2 masquerade comment "abc123"
`,
  },
  {
    name: 'service',
    what: 'a multus-service proxy: DNAT to two endpoints at random, with session affinity',
    script: `add table ip svc
add set ip svc aff-a { type ipv4_addr ; flags dynamic,timeout ; timeout 3h ; }
add set ip svc aff-b { type ipv4_addr ; flags dynamic,timeout ; timeout 3h ; }
add chain ip svc output { type nat hook output priority -100 ; }
add chain ip svc prerouting { type nat hook prerouting priority -100 ; }
add chain ip svc postrouting { type nat hook postrouting priority 100 ; }
add chain ip svc raw { type filter hook prerouting priority raw ; }
add chain ip svc svc-x
add chain ip svc ep-a
add chain ip svc ep-b
add rule ip svc output ip daddr 10.96.0.10 tcp dport 80 counter jump svc-x
add rule ip svc prerouting iifname "net1" ip daddr 10.96.0.10 tcp dport 80 jump svc-x
add rule ip svc svc-x ip saddr @aff-a goto ep-a
add rule ip svc svc-x ip saddr @aff-b goto ep-b
add rule ip svc svc-x numgen random mod 2 vmap { 0 : goto ep-a, 1 : goto ep-b }
add rule ip svc ep-a meta mark set 0x4000
add rule ip svc ep-a update @aff-a { ip saddr } meta l4proto tcp dnat to 10.1.0.1:8080
add rule ip svc ep-b meta mark set 0x4000
add rule ip svc ep-b update @aff-b { ip saddr } meta l4proto tcp dnat to 10.1.0.2:8080
add rule ip svc postrouting meta mark & 0x4000 == 0x4000 oifname "net1" masquerade fully-random
add rule ip svc postrouting ct state established,related counter accept
add rule ip svc raw iifname "lo" ip daddr { 10.1.0.1, 10.1.0.2 } notrack
add rule ip svc raw ip saddr { 10.0.0.0/8, 192.168.0.0/16 } counter accept
add element ip svc aff-a { 10.0.0.9 timeout 10s }
`,
    dump: true,
  },
  {
    name: 'service6',
    what: 'the same proxy for IPv6 in an inet table',
    script: `add table inet svc6
add set inet svc6 aff-a { type ipv6_addr ; flags dynamic,timeout ; timeout 10800s ; }
add chain inet svc6 output { type nat hook output priority -100 ; }
add chain inet svc6 post { type nat hook postrouting priority 100 ; }
add chain inet svc6 svc-x
add chain inet svc6 ep-a
add chain inet svc6 ep-b
add rule inet svc6 output ip6 daddr fd00:96::10 tcp dport 80 jump svc-x
add rule inet svc6 svc-x ip6 saddr @aff-a goto ep-a
add rule inet svc6 svc-x numgen random mod 2 vmap { 0 : goto ep-a, 1 : goto ep-b }
add rule inet svc6 ep-a update @aff-a { ip6 saddr } meta l4proto tcp dnat ip6 to [fd00:1::1]:8080
add rule inet svc6 ep-b meta l4proto tcp dnat ip6 to [fd00:1::2]:8080
add rule inet svc6 post ip saddr 10.0.0.1 snat ip to 10.0.0.2
`,
  },
  {
    name: 'edits',
    what: 'insert, add at a position, replace; a named set with elements; a base chain with policy and comment',
    script: `add table ip t
add chain ip t in { type filter hook input priority 0 ; policy drop ; comment "in" ; }
add chain ip t c
add rule ip t c counter accept comment "x"
add rule ip t c counter drop
insert rule ip t c position 4 counter return
add rule ip t c position 4 tcp dport 1 accept comment "after 4"
replace rule ip t c handle 3 udp dport 2 drop
add set ip t s { type ipv4_addr ; size 100 ; comment "addrs" ; }
add element ip t s { 1.1.1.1, 2.2.2.2 }
`,
  },
  {
    name: 'deletes',
    what: 'delete element, flush set, delete rule/set/chain, flush and delete table',
    script: `delete element ip t s { 1.1.1.1 }
flush set ip t s
delete rule ip t c handle 4
delete set ip t s
flush chain ip t c
delete chain ip t c
flush table ip t
delete table ip t
`,
  },
];

const NLA_F_NESTED = 0x8000;

/** Zeroes the padding of every attribute (recursing into nests) of a request body after nfgenmsg. */
function zeroPadding(buf, off, end) {
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2);
    if (len < 4 || off + len > end) return;
    if (type & NLA_F_NESTED) zeroPadding(buf, off + 4, off + len);
    const padded = Math.min((len + 3) & ~3, end - off);
    buf.fill(0, off + len, off + padded);
    off += padded;
  }
}

function split(hex) {
  const b = Buffer.from(hex, 'hex');
  const out = [];
  for (let off = 0; off + 16 <= b.length; ) {
    const len = b.readUInt32LE(off);
    if (len < 16 || off + len > b.length) break;
    out.push(Buffer.from(b.subarray(off, off + len)));
    off += (len + 3) & ~3;
  }
  return out;
}

function trace(argv, input) {
  const file = `/tmp/cnicap-nft-${process.pid}.txt`;
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=sendmsg,sendto,recvmsg,recvfrom', '-e', 'write=all', '-e', 'read=all', '-o', file, ...argv], {
    input,
  });
  const text = readFileSync(file, 'utf8');
  rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const calls = [];
  let cur;
  for (const line of text.split('\n')) {
    const call = line.match(/^\d+\s+(sendmsg|sendto|recvmsg|recvfrom)\(/);
    if (call) {
      cur = { dir: call[1].startsWith('send') ? 'send' : 'recv', hex: '' };
      calls.push(cur);
      continue;
    }
    const dump = line.match(/^ \| [0-9a-f]{5}  ((?:[0-9a-f]{2} {1,2})+)/);
    if (dump && cur) cur.hex += dump[1].replace(/\s+/g, '');
  }
  return calls.filter((c) => c.hex).flatMap((c) => split(c.hex).map((m) => ({ dir: c.dir, m })));
}

const nlType = (m) => m.readUInt16LE(4);
const normal = (m) => {
  m.writeUInt32LE(0, 8);
  m.writeUInt32LE(0, 12);
  zeroPadding(m, 20, m.length);
  return m.toString('hex');
};

function batchOf(msgs) {
  const sent = msgs.filter((x) => x.dir === 'send').map((x) => x.m);
  const begin = sent.findIndex((m) => nlType(m) === 0x10);
  const end = sent.findIndex((m) => nlType(m) === 0x11);
  if (begin < 0 || end < begin) throw new Error('no batch sent');
  return sent.slice(begin + 1, end).map(normal);
}

/** The kernel's answers to `nft list ruleset`: tables, chains, rules, sets, elements. */
function rulesetDump(ns) {
  const keep = new Set([0xa00, 0xa03, 0xa06, 0xa09, 0xa0c]);
  // nft may dump an object type twice (it refreshes its cache): keep each message once.
  const hexes = trace(['ip', 'netns', 'exec', ns, 'nft', 'list', 'ruleset'])
    .filter((x) => x.dir === 'recv' && keep.has(nlType(x.m)))
    .map((x) => x.m.toString('hex'));
  return [...new Set(hexes)];
}

function conntrackCapture() {
  // A UDP flow from B to A (10.250.0.2 -> 10.250.0.1:5353) and one to port 5354, tracked in A
  // (conntrack is only on in a namespace whose ruleset needs it: one ct rule does).
  execFileSync('ip', ['-n', A, 'link', 'add', 'ct0', 'type', 'veth', 'peer', 'name', 'ct1', 'netns', B]);
  execFileSync('ip', ['-n', A, 'addr', 'add', '10.250.0.1/24', 'dev', 'ct0']);
  execFileSync('ip', ['-n', B, 'addr', 'add', '10.250.0.2/24', 'dev', 'ct1']);
  execFileSync('ip', ['-n', A, 'link', 'set', 'ct0', 'up']);
  execFileSync('ip', ['-n', B, 'link', 'set', 'ct1', 'up']);
  execFileSync('ip', ['netns', 'exec', A, 'nft', 'add table ip track; add chain ip track in { type filter hook input priority 0 ; }; add rule ip track in ct state new counter']);
  const send = (port) =>
    execFileSync('ip', ['netns', 'exec', B, process.execPath, '-e', `const s=require('dgram').createSocket('udp4');s.bind(40000+${port % 100},'10.250.0.2',()=>s.send('x',${port},'10.250.0.1',()=>s.close()))`]);
  send(5353);
  send(5354);
  const list = trace(['ip', 'netns', 'exec', A, 'conntrack', '-L', '-p', 'udp']);
  const del = trace(['ip', 'netns', 'exec', A, 'conntrack', '-D', '-p', 'udp', '--dport', '5353']);
  return {
    dumpRequest: normal(list.find((x) => x.dir === 'send' && nlType(x.m) === 0x101).m),
    dumpReplies: list.filter((x) => x.dir === 'recv' && nlType(x.m) === 0x100).map((x) => x.m.toString('hex')),
    deleteRequest: normal(del.find((x) => x.dir === 'send' && nlType(x.m) === 0x102).m),
  };
}

spawnSync('ip', ['netns', 'del', A]);
spawnSync('ip', ['netns', 'del', B]);
execFileSync('ip', ['netns', 'add', A]);
execFileSync('ip', ['netns', 'add', B]);
const nftVersion = execFileSync('nft', ['--version']).toString().trim();
const kernel = execFileSync('uname', ['-r']).toString().trim();
let out = `// Generated by scripts/capture-nft.mjs: every message below was captured, not written by hand.
// Requests are what ${nftVersion} sent (and conntrack-tools for ctnetlink); replies are what
// kernel ${kernel} answered; read with strace in throwaway namespaces. Sequence numbers, port
// ids and attribute padding are zeroed. Regenerate: node scripts/capture-nft.mjs (root).
/* eslint-disable */

export interface NftScenario {
  /** the nft script */
  script: string;
  /** the batch's messages between BATCH_BEGIN and BATCH_END, as hex */
  batch: string[];
  /** the kernel's NEWTABLE/NEWCHAIN/NEWRULE/NEWSET/NEWSETELEM answers to \`nft list ruleset\` afterwards */
  dump?: string[];
}
`;
try {
  for (const s of SCENARIOS) {
    const msgs = trace(['ip', 'netns', 'exec', A, 'nft', '-f', '-'], s.script);
    const entry = { script: s.script, batch: batchOf(msgs) };
    if (s.dump) entry.dump = rulesetDump(A);
    out += `\n/** ${s.what} */\nexport const ${s.name}: NftScenario = ${JSON.stringify(entry, null, 2)};\n`;
    if (s.dump) execFileSync('ip', ['netns', 'exec', A, 'nft', 'list', 'ruleset']);
  }
  execFileSync('ip', ['netns', 'exec', A, 'nft', 'flush', 'ruleset']);
  const ct = conntrackCapture();
  out += `\n/** conntrack -L -p udp, and conntrack -D -p udp --dport 5353, with flows to 10.250.0.1:5353 and :5354 */\nexport const conntrack = ${JSON.stringify(ct, null, 2)};\n`;
} finally {
  spawnSync('ip', ['netns', 'del', A]);
  spawnSync('ip', ['netns', 'del', B]);
}
writeFileSync(OUT, out);
console.log(`wrote ${OUT}`);
