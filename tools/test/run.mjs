#!/usr/bin/env node
// `pnpm test`: runs the unit, e2e and kernel suites one after the other, each with vitest's JSON
// reporter, then prints one count per suite and the plain closing line `N passed, N failed`.
// A root suite that cannot run is counted as failed, never skipped.
import { spawnSync } from 'node:child_process';
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

function runSuite(name) {
  if (name !== 'unit' && !isRoot) {
    console.error(`\n${name}: skipped as a failure: this suite needs root (network namespaces). Run as root, or \`pnpm test unit\`.`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const report = join(work, `${name}.json`);
  const vitestArgs = [vitest, 'run', '--project', name, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  console.log(`\n=== ${name} ===`);
  const cmd =
    name === 'kernel'
      ? [process.execPath, [join(root, 'tools/kernel/run.mjs'), '--out', work, '--', process.execPath, ...vitestArgs]]
      : [process.execPath, vitestArgs];
  const res = spawnSync(cmd[0], cmd[1], { cwd: root, stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
  if (!existsSync(report)) {
    console.error(`${name}: the suite produced no report (exit ${res.status ?? res.signal}); counted as one failure`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
  const c = count(report);
  if (res.status !== 0 && c.failed === 0) c.failed = 1; // crashed after writing a report
  return c;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const s of suites) {
  const c = runSuite(s);
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
