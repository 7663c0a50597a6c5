import { execFileSync } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Runs a program synchronously and returns its output whatever the exit status. */
export function run(cmd: string, args: readonly string[], input?: string): ExecResult {
  try {
    const stdout = execFileSync(cmd, args, {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr: '', status: 0 };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number | null; message: string };
    if (e.status === undefined || e.status === null) {
      // spawn failure (ENOENT...) or a signal: there is no exit status to report.
      throw new Error(`failed to run ${cmd}: ${e.message}`);
    }
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', status: e.status };
  }
}

/** Runs a program and throws with its stderr when it fails. */
export function must(cmd: string, args: readonly string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}
