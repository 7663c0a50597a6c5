// RawExec: running a plugin binary with a given stdin and environment. Synchronous on purpose:
// a plugin may delegate while its thread is switched into a namespace, and nothing async may
// run then; spawnSync also starts faster than any process library. node:child_process is taken
// at the first exec, not imported: loading it costs 2–8 ms, and most commands never exec
// (VERSION, loopback, and IPAM delegated in-process).
import { pluginError } from './errors';

export type ExecEnv = Readonly<Record<string, string | undefined>>;

/** Everything that finds and runs plugins; tests may inject a fake (Go's invoke.Exec). */
export interface PluginExec {
  findInPath(plugin: string, paths: readonly string[]): string;
  /** Runs the plugin; returns stdout on success, throws the plugin's CniError on failure. */
  execPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void): Uint8Array;
}

const TEXT_FILE_BUSY_RETRIES = 6;

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function cleanEnv(env: ExecEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Runs a plugin binary. A plugin being written ("text file busy") is retried every second,
 * six attempts in all. Its stderr is handed to onStderr on success (Go copies it to the
 * caller's stderr) and used in the error text on failure when stdout is empty.
 */
export function rawExecPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void): Uint8Array {
  for (let attempt = 1; ; attempt++) {
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const r = spawnSync(pluginPath, [], {
      input: stdin,
      env: cleanEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
    });
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    // A plugin that exits without reading all of stdin is not a failure (os/exec ignores EPIPE).
    if (r.error && !(code === 'EPIPE' && (r.status !== null || r.signal))) {
      if (code === 'ETXTBSY' && attempt < TEXT_FILE_BUSY_RETRIES) {
        pause(1000);
        continue;
      }
      const text = ERRNO_TEXT[code ?? ''] ?? r.error.message;
      throw pluginError(`fork/exec ${pluginPath}: ${text}`, new Uint8Array(), new Uint8Array());
    }
    const stdout = r.stdout ?? new Uint8Array();
    const stderr = r.stderr ?? new Uint8Array();
    if (r.status === 0) {
      if (stderr.length && onStderr) onStderr(Buffer.from(stderr).toString());
      return stdout;
    }
    const reason = r.signal ? `signal: ${SIGNAL_TEXT[r.signal] ?? r.signal}` : `exit status ${r.status}`;
    throw pluginError(reason, stdout, stderr);
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
