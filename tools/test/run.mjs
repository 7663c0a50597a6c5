#!/usr/bin/env node
// `pnpm test [suite...]`: runs the unit, e2e, kernel and runtimes suites one after the other, each
// with vitest's JSON reporter, then prints one count per suite and the plain closing line
// `N passed, N failed`. A root suite that cannot run is counted as failed, never skipped.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');
const all = ['unit', 'e2e', 'kernel', 'runtimes'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : all;
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'cnits-test-'));

function count(report) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // Files that failed to load have no tests but still count as a failure.
  const loadFailures = (r.testResults ?? []).filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  return {
    passed: r.numPassedTests ?? 0,
    failed: (r.numFailedTests ?? 0) + loadFailures,
    skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0),
  };
}

const KERNEL_SHARDS = Math.max(1, Number(process.env.CNI_TS_KERNEL_SHARDS ?? 2));

function vitestArgs(name, report, extra = []) {
  return [vitest, 'run', '--project', name, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra];
}

function summarize(name, reports, failedRun) {
  const c = { passed: 0, failed: 0, skipped: 0 };
  for (const report of reports) {
    if (!existsSync(report)) {
      console.error(`${name}: the suite produced no report (${report}); counted as one failure`);
      c.failed += 1;
      continue;
    }
    const r = count(report);
    for (const k of Object.keys(c)) c[k] += r[k];
  }
  if (failedRun && c.failed === 0) c.failed = 1; // crashed after writing a report
  return c;
}

/** Pipes a child's output to ours line by line, each line tagged, so parallel guests stay readable. */
function tagged(child, tag) {
  for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) out.write(`${tag} ${line}\n`);
    });
    stream.on('end', () => partial && out.write(`${tag} ${partial}\n`));
  }
}

/**
 * The kernel suite: user-mode-linux guests are single-CPU, so the files are split into
 * CNI_TS_KERNEL_SHARDS shards (default 2, one per core) and each shard boots its own guest.
 */
async function runKernel() {
  const shards = KERNEL_SHARDS;
  const runs = Array.from({ length: shards }, (_, i) => {
    const report = join(work, `kernel-${i + 1}.json`);
    const extra = shards > 1 ? [`--shard=${i + 1}/${shards}`] : [];
    const child = spawn(
      process.execPath,
      [join(root, 'tools/kernel/run.mjs'), '--out', work, '--', process.execPath, ...vitestArgs('kernel', report, extra)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv },
    );
    tagged(child, shards > 1 ? `[kernel ${i + 1}/${shards}]` : '[kernel]');
    return new Promise((resolve) => child.on('close', (code) => resolve({ report, ok: code === 0 })));
  });
  const done = await Promise.all(runs);
  return summarize('kernel', done.map((d) => d.report), done.some((d) => !d.ok));
}

const childEnv = { ...process.env, NO_COLOR: '1' };

async function runSuite(name) {
  if (name !== 'unit' && !isRoot) {
    console.error(`\n${name}: counted as a failure: this suite needs root (network namespaces). Run as root, or \`pnpm test unit\`.`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  console.log(`\n=== ${name} ===`);
  if (name === 'kernel') return runKernel();
  const report = join(work, `${name}.json`);
  const res = spawnSync(process.execPath, vitestArgs(name, report), { cwd: root, stdio: 'inherit', env: childEnv });
  return summarize(name, [report], res.status !== 0);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const s of suites) {
  const c = await runSuite(s);
  lines.push(`${s}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  for (const k of Object.keys(totals)) totals[k] += c[k];
}
rmSync(work, { recursive: true, force: true });
console.log('\n' + lines.join('\n'));
if (totals.passed + totals.failed === 0) {
  console.log('no test ran');
  totals.failed = 1;
}
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed ? 1 : 0);
