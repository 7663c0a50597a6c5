// Small synchronous process helpers for the demo.
import { spawnSync } from 'node:child_process';

/** Runs argv; returns {status, stdout, stderr}. Never throws for a non-zero exit. */
export function run(argv, { env, input, timeout = 60_000 } = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { env: env ?? process.env, input, encoding: 'utf8', timeout });
  if (r.error) return { status: -1, stdout: '', stderr: String(r.error.message) };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs argv and throws with its stderr when it fails. */
export function must(argv, opts) {
  const r = run(argv, opts);
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const yellow = paint('33');
export const red = paint('31');

export function indent(text, prefix = '    ') {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
