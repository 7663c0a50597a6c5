// Running a plugin binary with a deadline. libcni has no timeout of its own (runtimes cancel
// the context, which kills the plugin with SIGKILL); here the caller gives one in milliseconds.
import { spawnSync } from 'node:child_process';
import { pluginError, rawExecPlugin, type ExecEnv } from '@cni-ts/cni';

function cleanEnv(env: ExecEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

// Go's texts for the cases a deadline-bound exec reports itself (the rest match cni's exec).
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text file busy',
};
const SIGNAL_TEXT: Record<string, string> = { SIGKILL: 'killed', SIGTERM: 'terminated', SIGSEGV: 'segmentation fault', SIGABRT: 'aborted', SIGINT: 'interrupt' };

function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `pluginPath` as cni's rawExecPlugin does (same error texts, ETXTBSY retried every
 * second); with `timeoutMs`, a plugin still running at the deadline is killed with SIGKILL and
 * fails as a cancelled Go exec does (`signal: killed`, the deadline added to the text).
 */
export function execPlugin(pluginPath: string, stdin: Uint8Array, env: ExecEnv, onStderr?: (text: string) => void, timeoutMs?: number): Uint8Array {
  if (!timeoutMs) return rawExecPlugin(pluginPath, stdin, env, onStderr);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const r = spawnSync(pluginPath, [], {
      input: stdin,
      env: cleanEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
      timeout: Math.max(1, deadline - Date.now()),
      killSignal: 'SIGKILL',
    });
    const stdout = r.stdout ?? new Uint8Array();
    const stderr = r.stderr ?? new Uint8Array();
    const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ETIMEDOUT') throw pluginError(`signal: killed (timed out after ${timeoutMs / 1000}s)`, stdout, stderr);
    // A plugin that exits without reading all of stdin is not a failure (os/exec ignores EPIPE).
    if (r.error && !(code === 'EPIPE' && (r.status !== null || r.signal))) {
      if (code === 'ETXTBSY' && attempt < 6 && Date.now() + 1000 < deadline) {
        pause(1000);
        continue;
      }
      throw pluginError(`fork/exec ${pluginPath}: ${ERRNO_TEXT[code ?? ''] ?? r.error.message}`, new Uint8Array(), new Uint8Array());
    }
    if (r.status === 0) {
      if (stderr.length && onStderr) onStderr(Buffer.from(stderr).toString());
      return stdout;
    }
    const signal = r.signal ? `signal: ${SIGNAL_TEXT[r.signal] ?? r.signal.toLowerCase()}` : undefined;
    throw pluginError(signal ?? `exit status ${r.status}`, stdout, stderr);
  }
}
