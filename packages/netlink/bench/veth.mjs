#!/usr/bin/env node
// Benchmark: create + move + delete N veth pairs with @cni-ts/netlink vs `ip -batch`, in throwaway
// namespaces. Run as root:  node packages/netlink/bench/veth.mjs [--n 1000] [--runs 3]
// `runBench(opts)` returns the numbers for tools/bench (pnpm bench).
import '../test/helpers/load-src.mjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const nl = await import('../src/index.ts');

const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function ours(n, a, bPath) {
  const h = nl.openHandle(a.path);
  const b = nl.openNetns(bPath);
  try {
    const phases = {};
    let t = process.hrtime.bigint();
    const t0 = t;
    for (let i = 0; i < n; i++) h.linkAdd({ kind: 'veth', name: `bv${i}`, peer: { name: `bp${i}` } });
    phases.add = ms(t);
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) h.linkSetNsFd(`bp${i}`, b);
    phases.move = ms(t);
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) h.linkDel(`bv${i}`);
    phases.del = ms(t);
    return { total: ms(t0), phases };
  } finally {
    b.close();
    h.close();
  }
}

function ipBatch(n, aName, bName, dir) {
  const lines = (f) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';
  const files = {
    add: lines((i) => `link add bv${i} type veth peer name bp${i}`),
    move: lines((i) => `link set bp${i} netns ${bName}`),
    del: lines((i) => `link del bv${i}`),
  };
  const phases = {};
  let total = 0;
  for (const [phase, text] of Object.entries(files)) {
    const file = join(dir, `${phase}.batch`);
    writeFileSync(file, text);
    const t = process.hrtime.bigint();
    execFileSync('ip', ['-n', aName, '-batch', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    phases[phase] = ms(t);
    total += phases[phase];
  }
  return { total, phases };
}

const summary = (xs) => ({
  totalMs: median(xs.map((x) => x.total)),
  addMs: median(xs.map((x) => x.phases.add)),
  moveMs: median(xs.map((x) => x.phases.move)),
  delMs: median(xs.map((x) => x.phases.del)),
});

/**
 * Runs both implementations `runs` times, alternating, on fresh namespaces each time, and returns
 * medians in milliseconds plus `ratio` = ip -batch time / our time (above 1: we are faster).
 */
export function runBench({ n = 1000, runs = 3, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-bench-veth-'));
  const tag = `cnits-${process.pid}-bench-veth`;
  const results = { ours: [], ip: [] };
  try {
    for (let r = 0; r < runs; r++) {
      for (const impl of r % 2 ? ['ip', 'ours'] : ['ours', 'ip']) {
        const a = nl.createNamedNetns(`${tag}-a`);
        const b = nl.createNamedNetns(`${tag}-b`);
        try {
          const res = impl === 'ours' ? ours(n, a, b.path) : ipBatch(n, `${tag}-a`, `${tag}-b`, dir);
          results[impl].push(res);
          log(`${impl} run ${r + 1}: ${res.total.toFixed(0)} ms (add ${res.phases.add.toFixed(0)}, move ${res.phases.move.toFixed(0)}, del ${res.phases.del.toFixed(0)})`);
        } finally {
          a.close();
          b.close();
          nl.deleteNamedNetns(`${tag}-a`);
          nl.deleteNamedNetns(`${tag}-b`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const o = summary(results.ours);
  const i = summary(results.ip);
  return {
    n,
    runs,
    ours: o,
    ipBatch: i,
    oursPerPairUs: (o.totalMs * 1000) / n,
    ipBatchPerPairUs: (i.totalMs * 1000) / n,
    ratio: i.totalMs / o.totalMs,
  };
}

if (import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' } } });
  const r = runBench({ n: Number(values.n), runs: Number(values.runs), log: (m) => process.stderr.write(`${m}\n`) });
  console.log(JSON.stringify(r, null, 2));
  console.log(
    `veth create+move+delete x${r.n}: cni-ts ${r.ours.totalMs.toFixed(0)} ms, ip -batch ${r.ipBatch.totalMs.toFixed(0)} ms, ratio ${r.ratio.toFixed(2)} (ip/ours)`,
  );
}
