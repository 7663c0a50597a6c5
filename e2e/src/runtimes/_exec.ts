// Small process helpers for the runtime suites. Self-contained (node: built-ins only, explicit
// `.ts` imports) so that plain Node 24 can import this folder, e.g. from tools/bench.
import { spawnSync } from 'node:child_process';

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Milliseconds before the child is killed (default 120 s). */
  timeout?: number;
  cwd?: string;
}

/** Runs a program to completion and reports what happened, whatever the exit status. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Ran {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    env: opts.env,
    cwd: opts.cwd,
    timeout: opts.timeout ?? 120_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ms = Math.round(performance.now() - t0);
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') {
    throw new Error(`failed to run ${cmd}: ${r.error.message}`);
  }
  const status = r.status ?? (r.signal ? 128 : 1);
  const stderr = r.signal ? `${r.stderr ?? ''}\n(killed by ${r.signal} after ${ms} ms)` : (r.stderr ?? '');
  return { status, stdout: r.stdout ?? '', stderr, ms };
}

/** Runs a program and throws, with its output, unless it exits 0. */
export function must(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Polls `probe` until it returns a truthy value or `ms` elapse. */
export async function until<T>(what: string, ms: number, probe: () => T | undefined | null | false): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
