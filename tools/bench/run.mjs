#!/usr/bin/env node
// `pnpm bench`: builds the plugins (if anything changed), installs them into temporary
// directories, then measures our plugins, the Go oracle (/usr/lib/cni) and a bare Node start side
// by side, interleaved in the same run, and prints a table that also replaces the generated block
// of docs/perf.md.
//
//   pnpm bench [--runs N] [--rss-runs N] [--only SUBSTR] [--no-build] [--no-write]
//              [--veth-n N] [--no-veth] [--daemon-cycles N] [--no-daemon] [--no-whereabouts]
//              [--runtimes] [--runtime-runs N] [--no-server] [--server-cycles N]
//
// Besides the cases (cases/index.mjs) it runs the netlink veth bench (ours vs `ip -batch`, small n
// by default), the multus-daemon's memory through 1000 pod ADD/DEL cycles in a 50 MiB cgroup
// (packages/multus-thick/bench/memory.ts) and, with --runtimes only (podman and containerd take minutes), the time real
// runtimes spend in our plugins vs the Go ones (e2e/src/runtimes/bench.ts).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, nodeBinary, NothingToBuild, ROOT } from '../build/build.mjs';
import { install } from '../install/install.mjs';
import { cases } from './cases/index.mjs';
import { createNetns, deleteAll, deleteNetns, ipIn } from './lib/netns.mjs';
import { haveTime, withRss } from './lib/rss.mjs';
import { evictPageCache, runBatch } from './lib/spawn.mjs';
import { serverSection, startServer } from './lib/server.mjs';
import { renderTable, replaceBlock } from './lib/table.mjs';

const GO_DIR = '/usr/lib/cni';
const IMPLS = ['cni-ts', 'cni-ts served', 'cni-ts link', 'cni-ts skeleton', 'Go', 'node -e 0'];
const log = (m) => process.stderr.write(`bench: ${m}\n`);

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '15' },
      'rss-runs': { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      only: { type: 'string' },
      'no-build': { type: 'boolean' },
      'no-write': { type: 'boolean' },
      // Moving and deleting a veth take ~20 ms each here, nearly all in the kernel (both tools alike), so
      // n stays small by default: 20 pairs, 3 runs, both implementations, take ~5 s.
      'veth-n': { type: 'string', default: '20' },
      'no-veth': { type: 'boolean' },
      // 1000 cycles take ~17 s here; the daemon's memory levels off after a few hundred.
      'daemon-cycles': { type: 'string', default: '1000' },
      'no-daemon': { type: 'boolean' },
      'no-whereabouts': { type: 'boolean' },
      runtimes: { type: 'boolean' },
      'runtime-runs': { type: 'string', default: '3' },
      'no-server': { type: 'boolean' },
      'server-cycles': { type: 'string', default: '10000' },
    },
  });
  return {
    runs: Number(values.runs),
    rssRuns: Number(values['rss-runs']),
    warmup: Number(values.warmup),
    only: values.only,
    build: !values['no-build'],
    write: !values['no-write'],
    vethN: values['no-veth'] ? 0 : Number(values['veth-n']),
    runtimes: Boolean(values.runtimes),
    runtimeRuns: Number(values['runtime-runs']),
    daemonCycles: values['no-daemon'] ? 0 : Number(values['daemon-cycles']),
    whereabouts: !values['no-whereabouts'],
    server: !values['no-server'],
    serverCycles: Number(values['server-cycles']),
  };
}

function goVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'containernetworking-plugins'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown version';
  }
}

function makeContext(opts, manifest, dirs, tmp) {
  const ours = manifest ? manifest.plugins.map((p) => p.name) : [];
  const dirOf = { 'cni-ts': dirs.native, 'cni-ts link': dirs.link, Go: GO_DIR, ...(dirs.served ? { 'cni-ts served': dirs.served } : {}) };
  return {
    runs: opts.runs,
    tmp,
    node: nodeBinary(),
    ourPlugins: () => ours,
    impls: (wanted) => wanted.filter((i) => i === 'node -e 0' || existsSync(dirOf[i === 'cni-ts skeleton' ? 'cni-ts link' : i] ?? '/nonexistent')),
    dir: (impl) => dirOf[impl],
    bin(impl, name) {
      if (impl.startsWith('cni-ts') && !ours.includes(name)) return null;
      const p = dirOf[impl] && join(dirOf[impl], name);
      return p && existsSync(p) ? p : null;
    },
    env: (extra) => ({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...extra }),
    netns: createNetns,
    deleteNetns,
    ip: ipIn,
  };
}

/** What failed, short enough for a table cell: the CNI error's msg, else the first output line. */
function firstLine(r) {
  let text;
  try {
    const e = JSON.parse(r.stdout);
    text = `${e.msg}${e.details ? `: ${e.details}` : ''}`;
  } catch {
    text = `${r.stdout}\n${r.stderr}`.trim().split('\n')[0] ?? '';
  }
  return `exit ${r.code}${text ? `: ${text.slice(0, 120).replaceAll('|', '/')}` : ''}`;
}

/** Runs one case; adds its samples to `rows` (row -> impl -> {ms, rss, error}). */
function runCase(c, ctx, opts, rows) {
  const state = c.setup?.(ctx);
  try {
    const plans = c.plans(ctx, state).filter((p) => p.steps.length);
    const cell = (row, impl) => {
      if (!rows.has(row)) rows.set(row, new Map());
      const byImpl = rows.get(row);
      if (!byImpl.has(impl)) byImpl.set(impl, { ms: [], cpu: [], rss: [] });
      return byImpl.get(impl);
    };
    // An untimed step (`untimed: true`, e.g. putting back what a DEL leaves so that the next ADD
    // starts from the same state) runs in every iteration but has no row; its failure shows in the
    // plan's first row.
    const timed = (p) => p.steps.filter((s) => !s.untimed);
    for (const p of plans) for (const s of timed(p)) cell(s.row, p.impl);
    // A case the machine cannot run (a kernel without the plugin's link kind) says why in its rows.
    if (state?.unavailable) {
      for (const p of plans) for (const s of timed(p)) cell(s.row, p.impl).note = state.unavailable;
      return;
    }

    const iterate = (i, mode) => {
      // Rotate the order each iteration so no implementation always runs right after another.
      const order = plans.map((_, k) => plans[(k + Math.max(i, 0)) % plans.length]);
      for (const plan of order) {
        if (plan.failed) continue;
        const outputs = {};
        for (const step of plan.steps) {
          const jobs = step.jobs.map((j) => (typeof j.stdin === 'function' ? { ...j, stdin: j.stdin(outputs) } : j));
          const wrapped = mode === 'rss' ? jobs.map(withRss) : null;
          const r = runBatch(wrapped ? wrapped.map((w) => w.job) : jobs, { netns: step.netns });
          outputs[step.row] = r.results.map((x) => x.stdout);
          const bad = r.results.find((x) => x.code !== 0);
          if (bad) {
            cell(step.untimed ? timed(plan)[0].row : step.row, plan.impl).error = `${step.untimed ? `${step.row}: ` : ''}${firstLine(bad)}`;
            plan.failed = true;
            break;
          }
          if (step.untimed) continue;
          if (mode === 'time' && i >= 0) {
            cell(step.row, plan.impl).ms.push(r.ms);
            cell(step.row, plan.impl).cpu.push(r.cpuMs);
          }
          if (mode === 'rss') cell(step.row, plan.impl).rss.push(Math.max(...wrapped.map((w) => w.read())));
        }
      }
    };
    // A case's own count is an upper bound (its share of the time budget); --runs can go lower.
    const runs = Math.min(c.runs ?? opts.runs, opts.runs);
    for (let i = -(c.warmup ?? opts.warmup); i < runs; i++) iterate(i, 'time');
    if (haveTime()) for (let i = 0; i < (c.rssRuns ?? opts.rssRuns); i++) iterate(i, 'rss');
  } finally {
    c.teardown?.(ctx, state);
  }
}

/** The chain case runs the `cni-ts` CLI from @cni-ts/chain's dist/ (with its dependencies' dist/). */
function buildChain() {
  try {
    execFileSync('pnpm', ['--filter', '@cni-ts/chain...', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    log(`building @cni-ts/chain failed (the chain rows stay empty): ${String(err.stderr ?? err.message).split('\n')[0]}`);
  }
}

/** ours vs `ip -batch`: create, move and delete n veth pairs (packages/netlink/bench/veth.mjs). */
async function vethSection(opts) {
  const { runBench } = await import(join(ROOT, 'packages/netlink/bench/veth.mjs'));
  const r = runBench({ n: opts.vethN, runs: 3, log: (m) => log(`veth: ${m}`) });
  const f = (x) => x.toFixed(1);
  const ph = (s) => ` (add ${f(s.addMs)}, move ${f(s.moveMs)}, del ${f(s.delMs)})`;
  return [
    `Netlink: create, move to another namespace and delete ${r.n} veth pairs, median of ${r.runs} runs (packages/netlink/bench/veth.mjs: ours from the bench's own process, \`ip\` as one \`ip -batch\` process per phase; \`--veth-n\` sets n):`,
    '',
    '| | total, ms | per pair, µs |',
    '|---|---:|---:|',
    `| @cni-ts/netlink | ${f(r.ours.totalMs)}${ph(r.ours)} | ${f(r.oursPerPairUs)} |`,
    `| \`ip -batch\` | ${f(r.ipBatch.totalMs)}${ph(r.ipBatch)} | ${f(r.ipBatchPerPairUs)} |`,
    '',
    `\`ip -batch\` ÷ ours: ${r.ratio.toFixed(2)}× (above 1: ours is faster).`,
  ].join('\n');
}

const under = (x) => (x < 50 ? 'under 50' : `**above 50 by ${(x - 50).toFixed(1)}**`);

/**
 * The multus-daemon under pod churn (issue 11): run by packages/multus-thick/bench/memory.ts in
 * its own process (the daemon is bundled from sources there), its JSON line read back.
 */
function daemonSection(opts) {
  const script = join(ROOT, 'packages/multus-thick/bench/memory.ts');
  const loader = ['--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', join(ROOT, 'packages/testkit/src/ts-hooks.mjs')];
  // One bundle of the daemon for every run.
  const entry = execFileSync(process.execPath, [...loader, script, '--bundle'], { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    return daemonRuns(opts, script, loader, entry);
  } finally {
    rmSync(dirname(entry), { recursive: true, force: true });
  }
}

function daemonRuns(opts, script, loader, entry) {
  const run = (...extra) => {
    const limit = extra.includes('--no-limit') ? '0' : '50';
    extra = extra.filter((x) => x !== '--no-limit');
    try {
      const out = execFileSync(process.execPath, [...loader, script, String(opts.daemonCycles), entry, '--limit', limit, '--json', ...extra], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return JSON.parse(out.split('\n').find((l) => l.startsWith('{')));
    } catch (err) {
      // One failed run (an OOM kill above all) is a result too: its row says what happened.
      const lines = String(err.stderr || err.message).split('\n');
      const why = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.find((l) => /died|OOM/.test(l)) ?? String(err.message).split('\n')[0];
      return { error: why.trim().replaceAll('|', '/'), api: extra.includes('--api'), delegate: extra.includes('--in-process') ? 'in-process' : 'exec', cycles: opts.daemonCycles, limitMiB: Number(limit) };
    }
  };
  // The API-server run goes without a limit: at 50 MiB it thrashes until a request times out, a few
  // hundred cycles in (docs/perf.md; `pnpm --filter @cni-ts/multus-thick bench:memory 1000 --api`
  // shows it), which would cost the bench half a minute to show a known failure.
  const runs = [run(), run('--in-process'), run('--api', '--no-limit')];
  const what = (r) =>
    r.api ? "through the API server (stand-in): pod + NAD read, status written, 2 exec'd delegates" : r.delegate === 'exec' ? "exec'd delegate (a shell script)" : 'in-process delegate (our loopback)';
  const label = (r) => `${what(r)}; ${r.limitMiB > 0 ? `${r.limitMiB} MiB cgroup` : 'no cgroup limit'}`;
  const rows = runs.flatMap((r) => r.error ? [`| ${label(r)} | **failed**: ${r.error} | | | | |`] : [
    `| ${label(r)} | RSS through the cycles (VmRSS; peak: VmHWM) | ${r.startMiB} | ${r.peakMiB} | ${r.endMiB} | ${under(r.peakMiB)} |`,
    `| | RSS of start-up (VmHWM before the first trim) | | ${r.startupPeakMiB} | | ${under(r.startupPeakMiB)} |`,
    `| | anonymous (RssAnon, sampled) | | ${r.peakAnonMiB} | | ${under(r.peakAnonMiB)} |`,
    ...(r.limitMiB > 0 ? [`| | charged to its cgroup (kernel's peak; end: anonymous + page cache) | | ${r.cgroupPeakMiB} | ${r.cgroupEnd.anonMiB} + ${r.cgroupEnd.fileMiB} | ${r.cgroupPeakMiB >= r.limitMiB ? 'at the limit: page cache reclaimed' : under(r.cgroupPeakMiB)} |`] : []),
    `| | V8 heap used (/metrics) | | | ${r.heapUsedMiB} | |`,
    `| | OOM kills, failed requests, time | | | | ${r.oomKills}, ${r.failed}, ${r.seconds} s |`,
  ]);
  return [
    `multus-daemon (thick mode) through ${runs[0].cycles} pod ADD/DEL cycles over its socket, in a memory cgroup limited to 50 MiB (upstream's manifest limit), running its own copy of Node as in its pod: inline delegates (exec'd, then in-process), then, without a limit, pods and a NetworkAttachmentDefinition from a stand-in API server (packages/multus-thick/bench/memory.ts; \`--daemon-cycles\` sets the count, \`--no-daemon\` skips it; a request unanswered for 15 s fails a run). Target (issue 11): under 50 MiB.`,
    '',
    '| delegate | daemon memory, MiB | start | peak | end | vs 50 MiB |',
    '|---|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

/**
 * whereabouts' stores (issue 22): allocations per second at 1, 8 and 64 concurrent ADDs, on the
 * stand-in API server and on a real 3-member etcd (packages/whereabouts/bench/alloc.ts, in its
 * own process; the etcd cluster needs Debian's etcd-server).
 */
function whereaboutsSection() {
  const script = join(ROOT, 'packages/whereabouts/bench/alloc.ts');
  const loader = ['--conditions=source', '--disable-warning=ExperimentalWarning', '--import', join(ROOT, 'packages/testkit/src/ts-hooks.mjs')];
  const out = execFileSync(process.execPath, [...loader, script, '--n', '64'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  return [
    'whereabouts: allocations per second, 64 ADDs at 1, 8 and 64 at a time (each a whole command as a plugin exec runs it, its own client; process start-up not included; packages/whereabouts/bench/alloc.ts; `--no-whereabouts` skips it). The Kubernetes rows run against the stand-in API server in its own process; the second uses whereabouts\' pool write (a resourceVersion test: concurrent writers of a pool conflict) instead of ours (a test of the entry itself).',
    '',
    out.trim(),
  ].join('\n');
}

/** Time podman and containerd spend in plugins, ours (the installed link dir) vs Go's. */
async function runtimesSection(opts, ours) {
  const { measureRuntimes, runtimeBenchTable } = await import(join(ROOT, 'e2e/src/runtimes/bench.ts'));
  const rows = await measureRuntimes({ runs: opts.runtimeRuns, warmup: 1, ours, log: (m) => log(`runtimes: ${m}`) });
  return [`Runtimes (\`--runtimes\`): median of ${opts.runtimeRuns} runs per case (e2e/src/runtimes/bench.ts):`, '', runtimeBenchTable(rows)].join('\n');
}

async function main() {
  const opts = options(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const isRoot = process.geteuid?.() === 0;
  let manifest = null;
  try {
    manifest = opts.build ? await build({ ifNeeded: true }) : JSON.parse(readFileSync(join(ROOT, 'out/bin/manifest.json'), 'utf8'));
  } catch (err) {
    // No plugin yet: measure the others. A broken build must not produce a table without us.
    if (!(err instanceof NothingToBuild)) {
      log(`the build failed: ${err.message}\n(--no-build measures the last binary that was built)`);
      process.exit(1);
    }
    log(`${err.message}; measuring the others only`);
  }
  if (opts.build && !opts.only) buildChain();

  const tmp = mkdtempSync(join(tmpdir(), 'cnits-bench-'));
  const cleanup = () => {
    server?.stop();
    deleteAll();
    rmSync(tmp, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (cleanup(), process.exit(130)));
  const dirs = { native: join(tmp, 'bin'), link: join(tmp, 'link') };
  let server = null;
  if (manifest) {
    const binDir = join(ROOT, 'out/bin');
    // `cni-ts` never forwards (whatever server runs on this machine); `cni-ts served` forwards
    // to the resident server this bench starts.
    install({ binDir, dest: dirs.native, mode: 'native', socket: '' });
    install({ binDir, dest: dirs.link, mode: 'link' });
    if (opts.server && isRoot && manifest.buildId) {
      dirs.served = join(tmp, 'served');
      const socket = join(tmp, 'run/plugins.sock');
      install({ binDir, dest: dirs.served, mode: 'native', socket });
      server = await startServer(join(dirs.served, 'cni-ts-plugins'), socket);
    }
  }
  const ctx = makeContext(opts, manifest, dirs, tmp);
  // Every binary starts from the page-cache state of a fresh boot (see evictPageCache).
  for (const f of [join(dirs.native, 'cni-ts-plugins'), join(dirs.link, 'cni-ts-plugins'), ctx.node, ...ctx.ourPlugins().map((p) => join(GO_DIR, p))]) {
    if (existsSync(f)) evictPageCache(f);
  }
  const rows = new Map();
  const skipped = [];
  const sections = [];
  try {
    for (const c of cases) {
      if (opts.only && !c.id.includes(opts.only)) continue;
      if (c.root && !isRoot) {
        skipped.push(`${c.id} (needs root)`);
        continue;
      }
      const t = Date.now();
      runCase(c, ctx, opts, rows);
      log(`${c.id}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    if (server && (!opts.only || 'server'.includes(opts.only))) {
      const t = Date.now();
      try {
        sections.push(await serverSection(ctx, server, opts));
      } catch (err) {
        sections.push(`Resident server bench failed: ${err.message}`);
      }
      log(`server: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    if (opts.vethN > 0 && (!opts.only || 'veth'.includes(opts.only))) {
      if (!isRoot) skipped.push('veth (needs root)');
      else {
        const t = Date.now();
        try {
          sections.push(await vethSection(opts));
        } catch (err) {
          sections.push(`Netlink veth bench failed: ${err.message}`);
        }
        log(`veth: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
    }
    if (opts.daemonCycles > 0 && (!opts.only || 'daemon'.includes(opts.only))) {
      if (!isRoot) skipped.push('multus-daemon memory (needs root)');
      else {
        const t = Date.now();
        try {
          sections.push(daemonSection(opts));
        } catch (err) {
          sections.push(`multus-daemon memory bench failed: ${String(err.stderr || err.message).trim().split('\n').slice(-3).join(' ')}`);
        }
        log(`daemon: ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
    }
    if (opts.whereabouts && (!opts.only || 'whereabouts'.includes(opts.only))) {
      const t = Date.now();
      try {
        sections.push(whereaboutsSection());
      } catch (err) {
        sections.push(`whereabouts bench failed: ${String(err.stderr || err.message).trim().split('\n').slice(-3).join(' ')}`);
      }
      log(`whereabouts: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    if (opts.runtimes && manifest) {
      const t = Date.now();
      try {
        sections.push(await runtimesSection(opts, dirs.link));
      } catch (err) {
        sections.push(`Runtimes bench failed: ${err.message.split('\n')[0]}`);
      }
      log(`runtimes: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    } else if (!opts.runtimes) {
      skipped.push('runtimes (podman, containerd: `--runtimes`)');
    }
  } finally {
    cleanup();
  }

  const impls = IMPLS.filter((i) => [...rows.values()].some((m) => m.has(i)));
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const custom = cases.filter((c) => c.runs && c.runs < opts.runs).map((c) => `${c.id}: ${c.runs} runs`);
  const meta = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`pnpm bench\` on ${cpu}, ${cpus().length} cores, Linux ${release()}, ` +
      `load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after (${Math.round((Date.now() - started) / 1000)} s).`,
    `Node ${process.versions.node} (the one embedded in the binary); Go oracle: Debian containernetworking-plugins ${goVersion()} (${GO_DIR}).`,
    `Wall time: median (p10–p90) over ${opts.runs} runs${custom.length ? ` (${custom.join(', ')})` : ''} after warm-up runs, ` +
      `implementations interleaved; wall clock from posix_spawn to wait4, CPU time from wait4 (steadier than wall time on a busy machine). Peak RSS: median ru_maxrss (GNU time) of ${opts.rssRuns} runs, the largest process of a batch.`,
    '`cni-ts`: `pnpm cni install` (a native launcher per plugin in front of the single-executable binary); `cni-ts link`: `--mode link` (hard links to the binary, whose preamble answers VERSION); ' +
      '`cni-ts skeleton`: the binary with the early VERSION answer switched off; `cni-ts served`: the same native launchers installed with `--socket`, a resident server (`cni-ts-plugins serve`, warmed up by the warm-up runs) answering (its peak RSS column is the launcher\'s alone: the server\'s memory is in the resident server section). – : not measured (plugin not there yet).',
  ];
  if (skipped.length) meta.push(`Skipped: ${skipped.join(', ')}.`);
  if (!haveTime()) meta.push('Peak RSS not measured: /usr/bin/time (GNU time) is not installed.');
  const block = [meta.join('\n'), renderTable(rows, impls), ...sections].join('\n\n');
  process.stdout.write(`${block}\n`);

  if (opts.write && !opts.only) {
    const doc = join(ROOT, 'docs/perf.md');
    writeFileSync(doc, replaceBlock(existsSync(doc) ? readFileSync(doc, 'utf8') : '# Performance\n', block));
    log(`updated ${doc}`);
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  deleteAll();
  log(err.stack ?? err.message);
  process.exit(1);
});
