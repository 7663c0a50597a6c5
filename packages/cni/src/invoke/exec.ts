// RawExec: running a plugin binary with a given stdin and environment, the one way every
// package runs one (libcni's lists in @cni-ts/chain, a plugin's IPAM delegation here).
// Asynchronous: a long-lived caller (the Multus daemon) keeps serving while a plugin runs, and a
// deadline or an abort kills it. Callers never hold a thread switched into a network namespace
// across it (netlink's withNetns forbids async work inside). node:child_process is taken at the
// first exec, not imported: loading it costs 2–8 ms, and most commands never exec (VERSION,
// loopback, and IPAM delegated in-process).
import { pluginError } from './errors';

export type ExecEnv = Readonly<Record<string, string | undefined>>;

export interface ExecOptions {
  /** Kill the plugin (SIGKILL, with every process it started) after this many milliseconds. */
  timeoutMs?: number;
  /** Kill it when this aborts (e.g. the request's client went away). */
  signal?: AbortSignal;
  /**
   * Run the plugin with this directory as its root (the thick Multus daemon's `chrootDir`, the
   * host's root mounted in its pod: the plugin sees the host's files, state and tools). Node
   * cannot chroot a child itself, so the plugin is exec'd through chroot(8) (coreutils), which
   * chroots, changes to the new `/` and execs the plugin in place: same pid, stdin, stdout,
   * stderr, environment and exit status. `pluginPath` is the path inside the new root.
   */
  chroot?: string;
}

/** chroot(8): coreutils', where Debian installs it; else the first on PATH. */
function chrootBinary(): string {
  const { existsSync } = process.getBuiltinModule('node:fs');
  for (const p of ['/usr/sbin/chroot', '/usr/bin/chroot', '/sbin/chroot', '/bin/chroot']) if (existsSync(p)) return p;
  return 'chroot';
}

/**
 * chroot(8)'s own failures (exit 125: it could not chroot; 126: the command could not be
 * executed; 127: not found), told apart from a plugin's by its message on an empty stdout; as
 * the errno code an exec in the new root would have failed with.
 */
function chrootFailure(r: Run): NodeJS.ErrnoException | undefined {
  if (r.status === null || r.status < 125 || r.status > 127 || r.stdout.length > 0) return undefined;
  const text = Buffer.from(r.stderr).toString().trim();
  if (!text.startsWith('chroot: ')) return undefined;
  const code = /Text file busy/.test(text) ? 'ETXTBSY' : /No such file or directory/.test(text) ? 'ENOENT' : /Permission denied/.test(text) ? 'EACCES' : /Exec format error/.test(text) ? 'ENOEXEC' : undefined;
  const err: NodeJS.ErrnoException = new Error(r.status === 125 ? text.replace(/^chroot: /, 'chroot: ') : text);
  if (code && r.status !== 125) err.code = code;
  return err;
}

/** Everything that finds and runs plugins; tests may inject a fake (Go's invoke.Exec). */
export interface PluginExec {
  findInPath(plugin: string, paths: readonly string[]): string;
  /** Runs the plugin; returns stdout on success, throws the plugin's CniError on failure. */
  execPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void, opts?: ExecOptions): Uint8Array | Promise<Uint8Array>;
}

const TEXT_FILE_BUSY_RETRIES = 6;

function cleanEnv(env: ExecEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

interface Run {
  stdout: Uint8Array;
  stderr: Uint8Array;
  status: number | null;
  signal: NodeJS.Signals | null;
  /** The exec itself failed (errno code), nothing ran. */
  spawnError?: NodeJS.ErrnoException;
  /** Killed by us: the deadline passed, or the signal aborted. */
  killed?: 'deadline' | 'aborted';
}

/** One attempt: spawn in its own process group (so a kill reaches what the plugin started), feed stdin, collect. */
function runOnce(pluginPath: string, stdin: Uint8Array, env: ExecEnv, deadline: number | undefined, signal: AbortSignal | undefined, chroot?: string): Promise<Run> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed: Run['killed'];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const child = chroot
      ? spawn(chrootBinary(), [chroot, pluginPath], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'], detached: true })
      : spawn(pluginPath, [], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const kill = (why: NonNullable<Run['killed']>) => {
      if (killed || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      killed = why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = () => kill('aborted');
    const finish = (r: Run) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      // exec failed (ENOENT, EACCES, ETXTBSY, ...): the child never ran.
      if (child.pid === undefined) finish({ stdout: new Uint8Array(), stderr: new Uint8Array(), status: null, signal: null, spawnError: e });
    });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // A plugin that exits without reading all of stdin is not a failure (os/exec ignores EPIPE).
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('close', (status, sig) => finish({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status, signal: sig, killed }));
    if (deadline !== undefined) timer = setTimeout(() => kill('deadline'), Math.max(0, deadline - Date.now()));
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a plugin binary. A plugin being written ("text file busy") is retried every second,
 * six attempts in all. Its stderr is handed to onStderr on success (Go copies it to the
 * caller's stderr) and used in the error text on failure when stdout is empty. With a deadline
 * or an abort signal, a plugin still running is killed with SIGKILL and fails as a cancelled
 * Go exec does (`signal: killed`, with why).
 */
export async function rawExecPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void, opts: ExecOptions = {}): Promise<Uint8Array> {
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : undefined;
  const cancelled = () => pluginError(`signal: killed (cancelled: ${String(opts.signal?.reason ?? 'aborted')})`, new Uint8Array(), new Uint8Array());
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw cancelled();
    const r = await runOnce(pluginPath, stdin, env, deadline, opts.signal, opts.chroot);
    if (opts.chroot && !r.spawnError && !r.killed) {
      const failed = chrootFailure(r);
      if (failed) r.spawnError = failed;
    }
    if (r.spawnError) {
      const code = r.spawnError.code;
      if (code === 'ETXTBSY' && attempt < TEXT_FILE_BUSY_RETRIES && (deadline === undefined || Date.now() + 1000 < deadline)) {
        await sleep(1000);
        continue;
      }
      const text = ERRNO_TEXT[code ?? ''] ?? r.spawnError.message;
      const where = opts.chroot ? ` (in ${opts.chroot})` : '';
      throw pluginError(`fork/exec ${pluginPath}${where}: ${text}`, new Uint8Array(), new Uint8Array());
    }
    if (r.killed === 'deadline') throw pluginError(`signal: killed (timed out after ${opts.timeoutMs! / 1000}s)`, r.stdout, r.stderr);
    if (r.killed === 'aborted') throw pluginError(`signal: killed (cancelled: ${String(opts.signal?.reason ?? 'aborted')})`, r.stdout, r.stderr);
    if (r.status === 0) {
      if (r.stderr.length && onStderr) onStderr(Buffer.from(r.stderr).toString());
      return r.stdout;
    }
    const reason = r.signal ? `signal: ${SIGNAL_TEXT[r.signal] ?? r.signal}` : `exit status ${r.status}`;
    throw pluginError(reason, r.stdout, r.stderr);
  }
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
