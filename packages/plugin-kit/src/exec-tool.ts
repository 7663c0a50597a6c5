// Running the firewall tools (iptables, nft) the way upstream's libraries do: found in PATH
// (exec.LookPath), run synchronously with the plugin's environment, stdout and stderr kept.
// Synchronous on purpose: a plugin must not start async work that could outlive a namespace switch.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type ToolEnv = Readonly<Record<string, string | undefined>>;

export interface ToolResult {
  /** exit status; -1 when killed by a signal. */
  status: number;
  stdout: string;
  stderr: string;
  /** Go's exec error text: `exit status 1`, `signal: killed`. */
  reason: string;
}

/**
 * exec.LookPath as Go >= 1.19 has it: the first executable regular file named `file` in
 * env.PATH. An empty element means the current directory, as in the shell, but a result
 * relative to the current directory (an empty or relative element) is an error (Go's ErrDot),
 * never run: a plugin's working directory is whatever the runtime's is.
 */
export function lookPath(file: string, env: ToolEnv = process.env): string {
  if (file.includes('/')) return file;
  // filepath.SplitList: an empty PATH has no elements at all.
  const dirs = env.PATH ? env.PATH.split(':') : [];
  for (const dir of dirs) {
    const p = join(dir === '' ? '.' : dir, file);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
    } catch {
      continue; // not here
    }
    if (!isAbsolute(p)) throw new Error(`exec: ${JSON.stringify(file)}: cannot run executable found relative to current directory`);
    return p;
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

/**
 * runTool for daemons: the same result without blocking the event loop. (A plugin keeps to
 * runTool: nothing async may run while its thread is switched into a namespace; a daemon puts
 * the tool into the namespace itself, e.g. with `nsenter --net=<path>`.)
 */
export function runToolAsync(path: string, args: readonly string[], opts: { env?: ToolEnv; input?: string; timeoutMs?: number } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { env: (opts.env ?? process.env) as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 55_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`fork/exec ${path}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : err.message}`, { cause: err })));
    child.on('close', (code, signal) => {
      const status = code ?? -1;
      const reason = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${status}`;
      resolve({ status, stdout, stderr, reason });
    });
    child.stdin.on('error', () => {}); // a tool that exits without reading its input
    child.stdin.end(opts.input ?? '');
  });
}
