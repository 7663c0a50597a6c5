// Running the firewall tools (iptables, nft) the way upstream's libraries do: found in PATH
// (exec.LookPath), run synchronously with the plugin's environment, stdout and stderr kept.
// Synchronous on purpose: a plugin must not start async work that could outlive a namespace switch.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

export type ToolEnv = Readonly<Record<string, string | undefined>>;

export interface ToolResult {
  /** exit status; -1 when killed by a signal. */
  status: number;
  stdout: string;
  stderr: string;
  /** Go's exec error text: `exit status 1`, `signal: killed`. */
  reason: string;
}

/** exec.LookPath: the first executable regular file named `file` in env.PATH. */
export function lookPath(file: string, env: ToolEnv = process.env): string {
  if (file.includes('/')) return file;
  for (const dir of (env.PATH ?? '').split(':')) {
    const p = join(dir === '' ? '.' : dir, file);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(`exec: ${JSON.stringify(file)}: executable file not found in $PATH`);
}

/** Runs `path args...` with `input` on stdin; never throws for a non-zero exit. */
export function runTool(path: string, args: readonly string[], opts: { env?: ToolEnv; input?: string; timeoutMs?: number } = {}): ToolResult {
  const r = spawnSync(path, args, {
    env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 55_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error && !r.signal) throw new Error(`fork/exec ${path}: ${(r.error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : r.error.message}`, { cause: r.error });
  const status = r.status ?? -1;
  const reason = r.signal ? `signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal}` : `exit status ${status}`;
  return { status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', reason };
}
