#!/usr/bin/env node
// A/B of plugin binaries for start-up work: runs each binary as loopback (or any plugin taking
// the same request) for the given commands, interleaved, in a throwaway namespace, and prints
// wall time and CPU time (user + system, from wait4) as median (p10–p90). CPU time is the number
// to compare on a shared machine: it barely moves when other processes compete for the cores.
//
//   node tools/bench/ab.mjs [--runs 40] [--commands VERSION,ADD,DEL] [--plugin bridge] name=/path/to/loopback ...
//
// The binary is exec'd under its own path; name it `loopback` (or link it so) for the multi-call
// binary to know what to be. `--plugin bridge`: the binaries are bridge plugins, run from a
// throwaway "host" namespace on an L2-only bridge config (no IPAM), CNI_IFNAME eth0; give the
// commands in an order that leaves nothing behind (ADD,DEL).
import { parseArgs } from 'node:util';
import { createNetns, deleteAll } from './lib/netns.mjs';
import { evictPageCache, runBatch } from './lib/spawn.mjs';
import { summary } from './lib/stats.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '40' },
    commands: { type: 'string', default: 'VERSION,ADD,DEL' },
    plugin: { type: 'string', default: 'loopback' },
  },
});
const subjects = positionals.map((p) => {
  const [name, path] = p.includes('=') ? p.split('=', 2) : [p, p];
  return { name, path };
});
if (!subjects.length) {
  process.stderr.write('usage: node tools/bench/ab.mjs [--runs N] [--commands VERSION,ADD,DEL] name=/path/to/loopback ...\n');
  process.exit(2);
}
const commands = values.commands.split(',');
const bridge = values.plugin === 'bridge';
const ns = createNetns('ab');
const host = bridge ? createNetns('abh') : null;
const stdin = JSON.stringify(bridge ? { cniVersion: '1.0.0', name: 'ab', type: 'bridge', bridge: 'abbr0' } : { cniVersion: '1.0.0', name: 'ab', type: 'loopback' });
const samples = new Map();
try {
  for (const s of subjects) evictPageCache(s.path);
  for (let i = -2; i < Number(values.runs); i++) {
    for (const s of i % 2 ? subjects : subjects.toReversed()) {
      for (const command of commands) {
        const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: 'ab', CNI_NETNS: ns.path, CNI_IFNAME: bridge ? 'eth0' : 'lo', CNI_PATH: '/nonexistent' };
        const r = runBatch([{ cmd: [s.path], env, stdin }], { netns: host?.path });
        if (r.results[0].code !== 0) throw new Error(`${s.name} ${command}: exit ${r.results[0].code}: ${r.results[0].stdout}${r.results[0].stderr}`);
        if (i < 0) continue;
        const key = `${command}\t${s.name}`;
        if (!samples.has(key)) samples.set(key, { wall: [], cpu: [] });
        samples.get(key).wall.push(r.ms);
        samples.get(key).cpu.push(r.cpuMs);
      }
    }
  }
} finally {
  deleteAll();
}
const f = (s) => `${s.median.toFixed(1)} (${s.p10.toFixed(1)}–${s.p90.toFixed(1)})`;
process.stdout.write('command\tbinary\twall ms\tcpu ms\n');
for (const [key, v] of [...samples].toSorted()) process.stdout.write(`${key}\t${f(summary(v.wall))}\t${f(summary(v.cpu))}\n`);
