// RawExec: running a plugin binary with a given stdin and environment, the one way every
// package runs one (libcni's lists in @cni-ts/chain, a plugin's IPAM delegation here).
// Asynchronous (proc.ts's spawnAsync, Go's texts): a long-lived caller (the Multus daemon) keeps
// serving while a plugin runs, and a deadline or an abort kills it with every process it
// started. Callers never hold a thread switched into a network namespace across it (netlink's
// withNetns forbids async work inside).
import { setTimeout as sleep } from 'node:timers/promises';
import { exitText, spawnAsync, spawnFailure, type ProcEnv, type SpawnResult } from '../proc';
import { pluginError } from './errors';

export type ExecEnv = ProcEnv;

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

/** Everything that finds and runs plugins; tests may inject a fake (Go's invoke.Exec). */
export interface PluginExec {
  findInPath(plugin: string, paths: readonly string[]): string;
  /** Runs the plugin; returns stdout on success, throws the plugin's CniError on failure. */
  execPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void, opts?: ExecOptions): Uint8Array | Promise<Uint8Array>;
}

const TEXT_FILE_BUSY_RETRIES = 6;

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
function chrootFailure(r: SpawnResult): { errno: string; error: string } | undefined {
  if (r.status === null || r.status < 125 || r.status > 127 || r.stdout.length > 0) return undefined;
  const text = r.stderr.toString().trim();
  if (!text.startsWith('chroot: ')) return undefined;
  const code = /Text file busy/.test(text) ? 'ETXTBSY' : /No such file or directory/.test(text) ? 'ENOENT' : /Permission denied/.test(text) ? 'EACCES' : /Exec format error/.test(text) ? 'ENOEXEC' : undefined;
  // An errno code unknown to the texts table: spawnFailure then reports `error` as it is.
  return { errno: code && r.status !== 125 ? code : 'ECHROOT', error: text };
}

/**
 * Runs a plugin binary. A plugin being written ("text file busy") is retried every second,
 * six attempts in all (within the deadline). Its stderr is handed to onStderr on success (Go
 * copies it to the caller's stderr) and used in the error text on failure when stdout is empty.
 * With a deadline or an abort signal, a plugin still running is killed with SIGKILL and fails as
 * a cancelled Go exec does (`signal: killed`, with why).
 */
export async function rawExecPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void, opts: ExecOptions = {}): Promise<Uint8Array> {
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : undefined;
  const cancelled = (stdout: Uint8Array = new Uint8Array(), stderr: Uint8Array = new Uint8Array()) =>
    pluginError(`signal: killed (cancelled: ${String(opts.signal?.reason ?? 'aborted')})`, stdout, stderr);
  const [file, args] = opts.chroot ? [chrootBinary(), [opts.chroot, pluginPath]] : [pluginPath, []];
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw cancelled();
    const r = await spawnAsync(file, args, {
      input: stdin,
      env,
      group: true,
      ...(deadline !== undefined && { timeoutMs: Math.max(1, deadline - Date.now()) }),
      ...(opts.signal && { signal: opts.signal }),
    });
    if (r.killed === 'deadline') throw pluginError(`signal: killed (timed out after ${opts.timeoutMs! / 1000}s)`, r.stdout, r.stderr);
    if (r.killed === 'aborted') throw cancelled(r.stdout, r.stderr);
    if (opts.chroot && r.errno === undefined) Object.assign(r, chrootFailure(r));
    const failure = spawnFailure(opts.chroot ? `${pluginPath} (in ${opts.chroot})` : pluginPath, r);
    if (failure) {
      if (r.errno === 'ETXTBSY' && attempt < TEXT_FILE_BUSY_RETRIES && (deadline === undefined || Date.now() + 1000 < deadline)) {
        await sleep(1000);
        continue;
      }
      throw pluginError(failure, new Uint8Array(), new Uint8Array());
    }
    if (r.status === 0) {
      if (r.stderr.length && onStderr) onStderr(r.stderr.toString());
      return r.stdout;
    }
    throw pluginError(exitText(r), r.stdout, r.stderr);
  }
}
