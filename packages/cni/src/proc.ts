// Processes, once for the workspace: running a program with Go's texts for what went wrong,
// synchronously (spawnSync) or not (spawnAsync), and the one blocking sleep. A plugin runs its
// tools synchronously: it may exec while its thread is switched into a namespace, and nothing
// async may run then; spawnSync also starts faster than any process library. Long-lived callers
// (a plugin's exec of another plugin, the Multus daemon, multus-service) use spawnAsync, which a
// deadline or an abort kills with everything it started. node:child_process is taken at the
// first spawn, not imported: loading it costs 2–8 ms, and most commands never exec.

/** Blocks the calling thread for `ms` milliseconds (polling kernel state, retry pauses). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export type ProcEnv = Readonly<Record<string, string | undefined>>;

export interface SpawnOptions {
  /** stdin (nothing by default). */
  input?: Uint8Array | string;
  /** The whole environment (undefined values dropped); default: this process's. */
  env?: ProcEnv;
  /** Kill with SIGKILL after this many milliseconds (`errno` is then ETIMEDOUT). */
  timeoutMs?: number;
}

export interface SpawnAsyncOptions extends SpawnOptions {
  /** Kill it (SIGKILL) when this aborts (`killed` is then 'aborted'). */
  signal?: AbortSignal;
  /**
   * Start it in its own process group, so that a kill reaches every process it started (a
   * plugin's delegates, a tool's children).
   */
  group?: boolean;
}

export interface SpawnResult {
  /** exit status; null when killed by a signal or not started. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** The spawn error's code (ENOENT, EACCES, ETIMEDOUT, EPIPE, ...), when there was one. */
  errno?: string;
  /** The spawn error's message. */
  error?: string;
  /** spawnAsync killed it: its deadline passed (`errno` is ETIMEDOUT too), or its signal aborted. */
  killed?: 'deadline' | 'aborted';
}

function cleanEnv(env: ProcEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Runs `path args...` to completion; never throws (see `errno`). */
export function spawnSync(path: string, args: readonly string[] = [], opts: SpawnOptions = {}): SpawnResult {
  const cp = process.getBuiltinModule('node:child_process');
  const r = cp.spawnSync(path, args, {
    input: opts.input ?? '',
    env: cleanEnv(opts.env ?? process.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    ...(opts.timeoutMs && { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const }),
  });
  const out: SpawnResult = { status: r.status, signal: r.signal, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr ?? Buffer.alloc(0) };
  if (r.error) {
    out.errno = (r.error as NodeJS.ErrnoException).code;
    out.error = r.error.message;
  }
  return out;
}

/**
 * spawnSync without blocking: runs `path args...` to completion, never rejects (see `errno`).
 * With a deadline or an abort signal, a program still running is killed with SIGKILL (its whole
 * process group with `group`).
 */
export function spawnAsync(path: string, args: readonly string[] = [], opts: SpawnAsyncOptions = {}): Promise<SpawnResult> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const { signal, timeoutMs, group = false } = opts;
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed: SpawnResult['killed'];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const child = spawn(path, args, { env: cleanEnv(opts.env ?? process.env), stdio: ['pipe', 'pipe', 'pipe'], detached: group });
    const kill = (why: NonNullable<SpawnResult['killed']>) => {
      if (killed || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      killed = why;
      try {
        if (!group) throw new Error('no group');
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = () => kill('aborted');
    const finish = (r: SpawnResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      // exec failed (ENOENT, EACCES, ETXTBSY, ...): the child never ran.
      if (child.pid === undefined) finish({ status: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), errno: e.code ?? 'EIO', error: e.message });
    });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A program that exits without reading all of stdin is not a failure (os/exec ignores EPIPE).
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('close', (status, sig) => {
      const r: SpawnResult = { status, signal: sig, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
      if (killed) r.killed = killed;
      if (killed === 'deadline') r.errno = 'ETIMEDOUT';
      finish(r);
    });
    if (timeoutMs) timer = setTimeout(() => kill('deadline'), Math.max(0, timeoutMs));
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/**
 * The spawn failed (the program did not run to an exit): Go's `fork/exec <path>: <errno text>`.
 * A program that exits without reading all of stdin is not a failure (os/exec ignores EPIPE).
 */
export function spawnFailure(path: string, r: SpawnResult): string | undefined {
  if (r.errno === undefined || r.errno === 'ETIMEDOUT' || (r.errno === 'EPIPE' && (r.status !== null || r.signal))) return undefined;
  return `fork/exec ${path}: ${ERRNO_TEXT[r.errno] ?? r.error}`;
}

/** Go's *exec.ExitError text: `exit status 1`, `signal: killed`. */
export function exitText(r: Pick<SpawnResult, 'status' | 'signal'>): string {
  return r.signal ? `signal: ${SIGNAL_TEXT[r.signal] ?? r.signal.toLowerCase()}` : `exit status ${r.status}`;
}

// Go's texts for the errors a failed exec reports.
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text file busy',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENOMEM: 'cannot allocate memory',
  E2BIG: 'argument list too long',
};

// Go's syscall.Signal strings.
const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGQUIT: 'quit',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
  SIGALRM: 'alarm clock',
};
