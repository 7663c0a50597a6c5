#!/usr/bin/env node
// `pnpm test [suite...]`: runs the unit, e2e, kernel and runtimes suites, each with vitest's JSON
// reporter, then prints one count per suite and the plain closing line `N passed, N failed`. A
// root suite that cannot run is counted as failed, never skipped.
//
// Wall time: the unit suite runs first (CPU-bound), while the plugin binary is built once for
// the run (the install e2e file and the runtimes suite use it). Then the root suites run side by
// side, each line of their output tagged with the suite: they do not share anything (e2e tests
// live in namespaces of their own, the kernel suite in user-mode-linux guests, the runtimes in
// worlds of their own), and most of their time is waiting, not CPU. CNI_TS_TEST_SERIAL=1 runs
// them one after the other (untagged), as before.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleAllPlugins, SHARED_BUNDLES_ENV } from '../build/lib/dev-bundle.mjs';
import { kernelFiles, shardFiles } from '../kernel/suite.mjs';

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
// Node's compile cache, which vitest.config.ts gives the unit, e2e and kernel test processes:
// mounted read-write into the kernel guests (where every Node start is slow) and given to the
// guests' vitest too, so they reuse what the host compiled and keep what they compile.
const COMPILE_CACHE = process.env.NODE_COMPILE_CACHE || join(root, 'node_modules/.cache/node-compile');

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
 * The guests' deadline (tools/kernel's --timeout, a guard against a hung guest): its own 1200 s
 * when the kernel suite runs alone, twice that beside the other root suites, which take their
 * share of the two cores. CNITS_KERNEL_TIMEOUT, when set, is used as is.
 */
function kernelTimeout() {
  if (process.env.CNITS_KERNEL_TIMEOUT || serial || suites.filter((s) => s !== 'unit').length < 2) return [];
  return ['--timeout', '2400'];
}

/**
 * The kernel suite: user-mode-linux guests are single-CPU, so the files are split into
 * CNI_TS_KERNEL_SHARDS shards (default 2, one per core) by their measured cost
 * (tools/kernel/suite.mjs) and each shard boots its own guest.
 */
async function runKernel() {
  const files = kernelFiles(root);
  // No files: one guest all the same, whose vitest fails the suite for it.
  const plan = files.length ? shardFiles(files, KERNEL_SHARDS) : [{ files: [], cost: 0 }];
  const shards = plan.length;
  const runs = plan.map((shard, i) => {
    const report = join(work, `kernel-${i + 1}.json`);
    const extra = shards > 1 ? shard.files : [];
    if (shards > 1) console.log(`[kernel ${i + 1}/${shards}] ${shard.files.join(' ')} (~${shard.cost} s measured)`);
    const child = spawn(
      process.execPath,
      [join(root, 'tools/kernel/run.mjs'), '--out', work, '--out', COMPILE_CACHE, '--env', `NODE_COMPILE_CACHE=${COMPILE_CACHE}`, '--env', SHARED_BUNDLES_ENV, ...kernelTimeout(), '--', process.execPath, ...vitestArgs('kernel', report, extra)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv },
    );
    tagged(child, shards > 1 ? `[kernel ${i + 1}/${shards}]` : '[kernel]');
    return new Promise((resolve) => child.on('close', (code) => resolve({ report, ok: code === 0 })));
  });
  const done = await Promise.all(runs);
  return summarize('kernel', done.map((d) => d.report), done.some((d) => !d.ok));
}

const childEnv = { ...process.env, NO_COLOR: '1' };
const serial = process.env.CNI_TS_TEST_SERIAL === '1';

/** A child whose output is ours as is (one suite at a time) or tagged (suites side by side). */
function start(argv, tag) {
  const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', tag ? 'pipe' : 'inherit', tag ? 'pipe' : 'inherit'], env: childEnv });
  if (tag) tagged(child, tag);
  return new Promise((done) => {
    child.on('error', (err) => {
      console.error(`${argv.join(' ')}: ${err.message}`);
      done(1);
    });
    child.on('close', (code, signal) => done(signal ? 1 : code));
  });
}

async function runSuite(name, tag) {
  if (name !== 'unit') await bundles;
  const t0 = performance.now();
  let c;
  if (name !== 'unit' && !isRoot) {
    console.error(`\n${name}: counted as a failure: this suite needs root (network namespaces). Run as root, or \`pnpm test unit\`.`);
    c = { passed: 0, failed: 1, skipped: 0 };
  } else if (name === 'kernel') {
    // Its guests' lines carry their own tags.
    if (!tag) console.log(`\n=== ${name} ===`);
    c = await runKernel();
  } else {
    if (!tag) console.log(`\n=== ${name} ===`);
    const report = join(work, `${name}.json`);
    const code = await start([process.execPath, ...vitestArgs(name, report)], tag && `[${name}]`);
    c = summarize(name, [report], code !== 0);
  }
  return { ...c, secs: (performance.now() - t0) / 1000 };
}

/** The plugin binary (`tools/build`, skipped when up to date), built once before the suites that install it. */
async function buildBinary() {
  const t0 = performance.now();
  const code = await start([process.execPath, join(root, 'tools/build/build.mjs'), '--if-needed'], '[build]');
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  // A failed build is not counted here: the tests that need the binary fail and say why.
  console.log(code === 0 ? `[build] plugin binary ready (${secs} s)` : `[build] the plugin binary build failed (exit ${code}, ${secs} s)`);
}

/**
 * Every plugin bundled once for the run (dev-bundle's bundleAllPlugins), into the run's work dir,
 * which the kernel guests mount: the root suites' harnesses take their plugins from there instead
 * of bundling in each test file (5 bundles a file: its plugin and the IPAM plugins; 20-30 s each
 * in a guest). Started at once, beside the unit suite; awaited before the first root suite.
 */
const bundles = isRoot && suites.some((s) => s !== 'unit') ? bundleShared() : undefined;

async function bundleShared() {
  const t0 = performance.now();
  const dir = join(work, 'bundles');
  try {
    const files = await bundleAllPlugins(root, dir);
    childEnv[SHARED_BUNDLES_ENV] = dir;
    console.log(`[bundles] ${files.length} plugin bundles for the run in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } catch (err) {
    // Not counted here: each harness then bundles for itself and fails with the reason.
    console.error(`[bundles] bundling the plugins failed (${err instanceof Error ? err.message : err}); each test file bundles its own`);
  }
}

const results = new Map();
const needsBinary = isRoot && suites.some((s) => s === 'e2e' || s === 'runtimes');
if (serial) {
  for (const s of suites) results.set(s, await runSuite(s));
} else {
  // Unit tests (and the binary build) first, then every root suite at once.
  const first = suites.includes('unit') ? runSuite('unit', suites.length > 1 ? '[unit]' : undefined) : undefined;
  await Promise.all([first?.then((c) => results.set('unit', c)), needsBinary ? buildBinary() : undefined]);
  const rest = suites.filter((s) => s !== 'unit');
  await Promise.all(rest.map((s) => runSuite(s, rest.length > 1 ? `[${s}]` : undefined).then((c) => results.set(s, c))));
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const s of suites) {
  const c = results.get(s);
  lines.push(`${s}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${c.secs.toFixed(0)} s)`);
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
