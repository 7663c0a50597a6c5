// Running a plugin (or any CNI program) as a runtime does: the CNI_* environment built from a
// call, the config on stdin, stdout, stderr and exit status back with stdout parsed when it is
// JSON. Synchronous (runProc) or not (spawnProc, for tests whose own process must keep serving,
// an in-process API server say). Node builtins only (benches load this file with plain Node).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface ProcOut {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed (undefined when empty or not JSON). */
  json: Record<string, unknown> | undefined;
  ms: number;
}

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  /** stdin: text, or a value sent as JSON. */
  input?: unknown;
  timeoutMs?: number;
  /** spawnProc: gets the process as it starts (to kill it as a runtime's timeout would). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface CniCall {
  command: string;
  containerId?: string;
  /** CNI_NETNS (default: none) */
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  /** more variables */
  env?: Record<string, string>;
}

const text = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function parse(stdout: string): Record<string, unknown> | undefined {
  try {
    return stdout.trim() === '' ? undefined : (JSON.parse(stdout) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** The environment a runtime gives a plugin for `call` (CNI_PATH defaults to `path`). */
export function callEnv(call: CniCall, path = ''): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId ?? 'ctr1',
    CNI_NETNS: call.netns ?? '',
    CNI_IFNAME: call.ifname ?? 'eth0',
    CNI_ARGS: call.args ?? '',
    CNI_PATH: call.path ?? path,
    ...call.env,
  };
}

/** Runs `argv` to completion. */
export function runProc(argv: readonly string[], opts: ProcOptions = {}): ProcOut {
  const started = performance.now();
  const [file, ...args] = argv as [string, ...string[]];
  const r = spawnSync(file, args, { env: opts.env ?? process.env, input: text(opts.input), encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  if (r.error && !r.signal) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json: parse(r.stdout), ms: Math.round(performance.now() - started) };
}

/** Runs `argv` as a child process; resolves when it exits (killed after the timeout). */
export function spawnProc(argv: readonly string[], opts: ProcOptions = {}): Promise<ProcOut> {
  const started = performance.now();
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  opts.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(text(opts.input));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, json: parse(stdout), ms: Math.round(performance.now() - started) });
    });
  });
}
