// The node entrypoint (thin_entrypoint + install_multus in one): install the binaries, write
// the kubeconfig and 00-multus.conf, then keep both fresh every second until SIGTERM (token
// rotation and primary-config changes are always followed, not only behind flags).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '@cni-ts/cni';
import { findPrimary, shimConfig, thinConfig } from './generate';
import { installBinaries } from './install';
import { syncKubeconfig } from './kubeconfig';

export interface EntrypointOptions {
  mode: 'thin' | 'thick';
  cniBinDir: string;
  cniConfDir: string;
  autoconfigDir: string;
  /** Binaries to install into cniBinDir ([] = skip). */
  binaries: string[];
  /** Kubeconfig path on the host as Multus sees it, and where the entrypoint writes it. */
  kubeconfigHostPath: string;
  kubeconfigWritePath: string;
  saDir?: string;
  env: Readonly<Record<string, string | undefined>>;
  cniVersion?: string;
  masterFile?: string;
  overrideNetworkName?: boolean;
  /** Copied into the generated config (logLevel, logToStderr, binDir, namespaceIsolation, daemonSocketDir, ...). */
  extra?: Record<string, unknown>;
  /** Thick: clusterNetwork's directory as the daemon sees it (default autoconfigDir). */
  daemonConfDir?: string;
  intervalMs?: number;
  cleanupOnExit?: boolean;
  skipTlsVerify?: boolean;
  /** Do not write 00-multus.conf (thick: the daemon writes it). */
  skipConfig?: boolean;
  /** Do not write the kubeconfig. */
  skipKubeconfig?: boolean;
  /** --multus-conf-file other than auto: this file is copied into cniConfDir instead of generating one. */
  confFile?: string;
  /** --rename-conf-file: the primary config is renamed to <file>.old once 00-multus.conf is written from it. */
  renameConfFile?: boolean;
  /** --skip-config-watch: write once; neither the primary config nor the token are followed afterwards. */
  skipConfigWatch?: boolean;
  /** --force-cni-version: the primary's cniVersion is replaced by cniVersion in the generated config. */
  forceCniVersion?: boolean;
  log?: (line: string) => void;
}

export interface Generated {
  file: string;
  text: string;
  /** The primary config it was made from (auto mode). */
  primary?: string;
}

/** One generation of 00-multus.conf(list); undefined while no primary config exists. */
export function generateOnce(o: EntrypointOptions): Generated | undefined {
  if (o.confFile) return { file: path.join(o.cniConfDir, path.basename(o.confFile)), text: readFileSync(o.confFile, 'utf8') };
  const found = findPrimary(o.autoconfigDir, o.masterFile);
  if (!found) return undefined;
  const primary = o.forceCniVersion && o.cniVersion ? { ...found, conf: { ...found.conf, cniVersion: o.cniVersion } } : found;
  const base = { cniVersion: o.cniVersion, overrideNetworkName: o.overrideNetworkName };
  if (o.mode === 'thick') {
    const inDaemon = o.daemonConfDir ? { ...primary, file: path.join(o.daemonConfDir, path.basename(primary.file)) } : primary;
    return { file: path.join(o.cniConfDir, '00-multus.conf'), text: JSON.stringify(shimConfig(inDaemon, { ...base, extra: o.extra })), primary: found.file };
  }
  const { fileName, conf } = thinConfig(primary, { ...base, extra: { kubeconfig: o.kubeconfigHostPath, ...o.extra } });
  return { file: path.join(o.cniConfDir, fileName), text: `${JSON.stringify(conf, null, 2)}\n`, primary: found.file };
}

export interface Running {
  /** Resolves when stopped. */
  done: Promise<void>;
  stop(): void;
}

export function startEntrypoint(o: EntrypointOptions): Running {
  const log = o.log ?? (() => {});
  if (o.binaries.length) for (const b of installBinaries(o.binaries, o.cniBinDir)) log(`installed ${b}`);
  let kubeHash: string | undefined;
  if (!o.skipKubeconfig) {
    mkdirSync(path.dirname(o.kubeconfigWritePath), { recursive: true, mode: 0o700 });
    kubeHash = syncKubeconfig(o.kubeconfigWritePath, { saDir: o.saDir, env: o.env, skipTlsVerify: o.skipTlsVerify });
    log(`wrote ${o.kubeconfigWritePath}`);
  }
  let written: Generated | undefined;
  const tick = () => {
    if (!o.skipKubeconfig) try {
      kubeHash = syncKubeconfig(o.kubeconfigWritePath, { saDir: o.saDir, env: o.env, skipTlsVerify: o.skipTlsVerify }, kubeHash);
    } catch (err) {
      log(`kubeconfig: ${(err as Error).message}`);
    }
    if (!o.skipConfig) try {
      const g = generateOnce(o);
      if (!g) return; // no primary yet (or it was removed): keep the last good config, never an empty one
      const current = existsSync(g.file) ? readFileSync(g.file, 'utf8') : undefined;
      if (current !== g.text) {
        writeFileAtomic(g.file, g.text, { mode: 0o600 });
        log(`wrote ${g.file}`);
        if (o.renameConfFile && g.primary) renamePrimary(g.primary, log);
      }
      if (written && written.file !== g.file) rmSync(written.file, { force: true });
      written = g;
    } catch (err) {
      log(`config: ${(err as Error).message}`);
    }
  };
  tick();
  const timer = o.skipConfigWatch ? undefined : setInterval(tick, o.intervalMs ?? 1000);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    done,
    stop() {
      clearInterval(timer);
      if (o.cleanupOnExit && written) rmSync(written.file, { force: true });
      resolveDone();
    },
  };
}

/** --rename-conf-file: the primary config no longer competes with 00-multus.conf for the runtime. */
function renamePrimary(file: string, log: (l: string) => void): void {
  try {
    // A move, not a write: rename(2) is already atomic; the directory's fsync makes it durable.
    renameSync(file, `${file}.old`);
    fsyncDir(path.dirname(file));
    log(`Original master file moved to ${JSON.stringify(`${file}.old`)}`);
  } catch (err) {
    log(`cannot move original master file to ${JSON.stringify(`${file}.old`)}: ${(err as Error).message}`);
  }
}
