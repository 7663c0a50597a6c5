// Finding and running one plugin of a list: in-process when it is one of ours (see ours.ts and
// registry.ts), else by exec. Either way the caller gets the same stdout bytes or the same
// CniError, so everything after (result parsing, error wrapping, the cache) is shared.
import path from 'node:path';
import { dispatch, findInPath, inProcessPlugin, pluginError, rawExecPlugin, type ExecEnv, type PluginExec } from '@cni-ts/cni';
import { loadOurPlugin } from './registry';

export type RunMode = 'in-process' | 'exec';

/** Reported for every plugin run (the CLI prints these with CNI_TS_VERBOSE=1). */
export interface RunEvent {
  type: string;
  command: string;
  path: string;
  mode: RunMode;
  ms: number;
}

export interface RunnerOptions {
  /** Replaces finding and running binaries (libcni's injectable invoke.Exec); disables in-process runs. */
  exec?: PluginExec;
  /** Run our plugins in-process when their binary in CNI_PATH is ours (default true). */
  inProcess?: boolean;
  /** Deadline for each exec'd plugin, in milliseconds (default: none, as libcni): killed with SIGKILL after it. */
  timeoutMs?: number;
  /**
   * Aborted when the caller gives up (a daemon request whose client went away): an exec'd
   * plugin is killed, an in-process one hands it to the plugins it execs, and nothing new starts.
   */
  signal?: AbortSignal;
  /**
   * Exec every plugin chrooted into this directory (the thick Multus daemon's `chrootDir`: the
   * host's root), never in-process: plugins see the host's files, their state lands there, the
   * tools they run are the host's. A plugin is looked up in the caller's view of `path` first
   * (upstream's rule: the daemon mounts the bin dir at the same path), then in the new root's.
   */
  chroot?: string;
  /** A successful plugin's stderr (libcni copies it to its own stderr). */
  onStderr?: (text: string) => void;
  onRun?: (event: RunEvent) => void;
}

const utf8 = new TextEncoder();

export class PluginRunner {
  readonly #opts: RunnerOptions;

  constructor(opts: RunnerOptions = {}) {
    this.#opts = opts;
  }

  get inProcessEnabled(): boolean {
    return this.#opts.inProcess !== false && !this.#opts.exec && !this.#opts.chroot;
  }

  /** invoke.FindInPath (or the injected exec's); with `chroot`, then inside the new root. */
  find(type: string, paths: readonly string[]): string {
    const finder = this.#opts.exec ?? { findInPath };
    const root = this.#opts.chroot;
    try {
      return finder.findInPath(type, paths);
    } catch (err) {
      if (!root) throw err;
      try {
        return `/${path.relative(root, finder.findInPath(type, paths.map((p) => path.join(root, p))))}`;
      } catch {
        throw err;
      }
    }
  }

  /** Runs the plugin at `pluginPath`; returns its stdout, throws its CniError on failure. */
  async run(type: string, pluginPath: string, stdin: Uint8Array, env: ExecEnv): Promise<Uint8Array> {
    const started = performance.now();
    const { onStderr, signal } = this.#opts;
    if (signal?.aborted) throw pluginError(`signal: killed (cancelled: ${String(signal.reason ?? 'aborted')})`, new Uint8Array(), new Uint8Array());
    // Ours and loadable (a module that fails to load falls back to exec).
    const plugin = this.inProcessEnabled && inProcessPlugin(type, pluginPath) ? await loadOurPlugin(type) : undefined;
    const report = (mode: RunMode) =>
      this.#opts.onRun?.({ type, command: env.CNI_COMMAND ?? '', path: pluginPath, mode, ms: Math.round(performance.now() - started) });
    if (plugin) {
      const out = await dispatch(plugin, { env, stdin, ...(signal ? { signal } : {}) });
      report('in-process');
      const stdout = utf8.encode(out.stdout);
      if (out.exitCode !== 0) throw pluginError(`exit status ${out.exitCode}`, stdout, utf8.encode(out.stderr));
      if (out.stderr && onStderr) onStderr(out.stderr);
      return stdout;
    }
    const opts = { timeoutMs: this.#opts.timeoutMs, signal, ...(this.#opts.chroot ? { chroot: this.#opts.chroot } : {}) };
    try {
      if (this.#opts.exec) return await this.#opts.exec.execPlugin(pluginPath, stdin, env, onStderr, opts);
      return await rawExecPlugin(pluginPath, stdin, env, onStderr, opts);
    } finally {
      report('exec');
    }
  }
}
