// Running the firewall tools (iptables, nft) the way upstream's libraries do: found in PATH
// (exec.LookPath), run with the plugin's environment (@cni-ts/cni's spawnSync, or spawnAsync
// for daemons), stdout and stderr kept. A plugin runs them synchronously: it must not start
// async work that could outlive a namespace switch.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { exitText, spawnAsync, spawnFailure, spawnSync, type SpawnResult } from '@cni-ts/cni';

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
  return toolResult(path, spawnSync(path, args, { env: opts.env ?? process.env, input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 55_000 }));
}

/**
 * runTool for daemons: the same result without blocking the event loop. (A plugin keeps to
 * runTool: nothing async may run while its thread is switched into a namespace; a daemon puts
 * the tool into the namespace itself, e.g. with `nsenter --net=<path>`.)
 */
export async function runToolAsync(path: string, args: readonly string[], opts: { env?: ToolEnv; input?: string; timeoutMs?: number } = {}): Promise<ToolResult> {
  return toolResult(path, await spawnAsync(path, args, { env: opts.env ?? process.env, input: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 55_000 }));
}

function toolResult(path: string, r: SpawnResult): ToolResult {
  const failure = spawnFailure(path, r);
  if (failure) throw new Error(failure);
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString(), reason: exitText(r) };
}
