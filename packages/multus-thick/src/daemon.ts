// The daemon's life: load daemon-config.json, serve, (auto mode) write 00-multus.conf and keep
// it current, and on SIGTERM/SIGINT drain and remove it. Exit codes as upstream: 1 bad config
// or readiness file, 2 config generation, 3 listen, 4 after -version; ours: 5 after an uncaught failure.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type Plugin } from '@cni-ts/cni';
import { Logger, type KubeSource } from '@cni-ts/multus';
import { startDaemonKube, type DaemonKube } from './kube';
import { NodeCertificate, nodeCertOptions } from './node-cert';
import { loadDaemonConfig, unsupportedKeys, type DaemonConfig } from './daemon-config';
import { findPrimary, shimConfig } from './entrypoint/generate';
import { startDaemon, type Daemon } from './server';
import { startTrimming, type Trimmer } from './trim';
import { setTimeout as sleep } from 'node:timers/promises';

/** Exit code after an uncaught exception or unhandled rejection (ours; 1–4 are upstream's). */
export const EXIT_INTERNAL = 5;

export class ExitError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const SHIM_KEYS = ['logLevel', 'logToStderr', 'logFile', 'binDir', 'namespaceIsolation', 'globalNamespaces', 'readinessindicatorfile', 'cniDir', 'auxiliaryCNIChainName', 'daemonSocketDir'] as const;

/** The shim config the daemon writes in auto mode (undefined while there is no primary config). */
export function autoShimConfig(config: DaemonConfig): Record<string, unknown> | undefined {
  if (!config.multusAutoconfigDir) return undefined;
  const primary = findPrimary(config.multusAutoconfigDir, config.multusMasterCNI ? path.join(config.multusAutoconfigDir, config.multusMasterCNI) : undefined);
  if (!primary) return undefined;
  const extra: Record<string, unknown> = {};
  for (const k of SHIM_KEYS) if (config[k] !== undefined) extra[k] = config[k];
  const out = shimConfig(primary, { cniVersion: config.cniVersion, overrideNetworkName: config.overrideNetworkName, extra });
  if (config.type) out.type = config.type;
  return out;
}

export interface RunningDaemon {
  daemon: Daemon;
  stop(): Promise<void>;
}


/** What the daemon hands the plugin it serves: its Kubernetes access (shared client, watch caches). */
export interface DaemonServices {
  kube: KubeSource;
}

/** The plugin the daemon serves, or how to make it from the loaded configuration (limits, deadline, Kubernetes access). */
export type PluginSource = Plugin | ((config: DaemonConfig, services: DaemonServices) => Plugin);

/** forceCNIVersion (upstream, for e2e): the primary config's cniVersion rewritten on disk, every other key kept. */
export function forceCniVersion(file: string, cniVersion: string): void {
  const conf = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  conf.cniVersion = cniVersion;
  writeFileAtomic(file, JSON.stringify(conf), { mode: statSync(file).mode & 0o777 });
}

/**
 * The daemon's own lines (start-up, watches, config generation, refused requests), as upstream's
 * daemon logs them after SetLogFile/SetLogLevel/SetLogStderr: on stderr unless logToStderr is
 * false, and with logFile appended to it (rotated by logOptions) when logLevel is verbose or
 * debug. What requests log reaches the file through their own Multus logger; exec'd delegates'
 * stderr stays on `stderr` (the request's logger already wrote it to the file at debug).
 */
export function daemonLogger(config: DaemonConfig, stderr: (line: string) => void): (line: string) => void {
  const toStderr = config.logToStderr !== false;
  if (!config.logFile) return toStderr ? stderr : () => {};
  const file = new Logger({ stderr: (l) => stderr(l.trimEnd()) });
  file.configure({ logLevel: config.logLevel ?? '', logToStderr: false, logFile: config.logFile, logOptions: config.logOptions });
  return (line) => {
    if (toStderr) stderr(line);
    file.verbose(line);
  };
}

export async function runDaemon(configFile: string, source: PluginSource, stderrLog: (l: string) => void): Promise<RunningDaemon> {
  let loaded;
  try {
    loaded = loadDaemonConfig(configFile);
  } catch (err) {
    throw new ExitError(1, (err as Error).message);
  }
  const { config, raw } = loaded;
  const log = daemonLogger(config, stderrLog);
  const unsupported = unsupportedKeys(config);
  if (unsupported) throw new ExitError(1, `failed to load the daemon configuration: ${unsupported}`);
  if (config.readinessindicatorfile) {
    const deadline = Date.now() + 45_000;
    while (!existsSync(config.readinessindicatorfile)) {
      if (Date.now() > deadline) throw new ExitError(1, `timed out waiting for the readiness indicator file ${config.readinessindicatorfile}`);
      await sleep(1000);
    }
  }
  const confFile = path.join(config.cniConfigDir, '00-multus.conf');
  const auto = config.multusConfigFile === 'auto';
  if (auto) {
    if (!config.cniVersion && config.multusAutoconfigDir) log("the CNI version is a mandatory parameter when the '-multus-config-file=auto' option is used");
    // Upstream exits 2 here (it cannot list ""); without a directory to watch we write no config.
    if (!config.multusAutoconfigDir) log('no multusAutoconfigDir: no 00-multus.conf is generated');
    else if (config.forceCNIVersion) {
      const primary = findPrimary(config.multusAutoconfigDir, config.multusMasterCNI ? path.join(config.multusAutoconfigDir, config.multusMasterCNI) : undefined);
      try {
        if (!primary || !config.cniVersion) throw new Error(!primary ? `no primary CNI config in ${config.multusAutoconfigDir}` : 'forceCNIVersion needs cniVersion');
        forceCniVersion(primary.file, config.cniVersion);
      } catch (err) {
        throw new ExitError(2, `failed to create the configuration manager for the primary CNI plugin: ${(err as Error).message}`);
      }
    }
  } else {
    // A user-provided config, copied into cniConfigDir (upstream logs a failure and carries on).
    try {
      const dest = path.join(config.cniConfigDir, path.basename(config.multusConfigFile));
      writeFileAtomic(dest, readFileSync(path.resolve(config.multusConfigFile)), { mode: 0o600 });
      log(`copied ${config.multusConfigFile} to ${dest}`);
    } catch (err) {
      log(`failed to copy the user provided configuration ${config.multusConfigFile}: ${(err as Error).message}`);
    }
  }
  if (process.getuid && process.getuid() !== 0) throw new ExitError(3, 'the multus daemon must run as root');
  let nodeCert: NodeCertificate | undefined;
  let kube: DaemonKube;
  try {
    const certOpts = nodeCertOptions(config.perNodeCertificate, process.env, log);
    if (certOpts) nodeCert = await NodeCertificate.start(certOpts);
  } catch (err) {
    throw new ExitError(3, `failed to start the multus daemon: ${(err as Error).message}`);
  }
  try {
    kube = await startDaemonKube({ config, raw, env: process.env, log, ...(nodeCert ? { client: nodeCert.client } : {}) });
  } catch (err) {
    nodeCert?.stop();
    throw new ExitError(3, `failed to start the multus daemon: error getting k8s client: ${(err as Error).message}`);
  }
  let daemon: Daemon;
  try {
    const plugin = typeof source === 'function' ? source(config, { kube: kube.source }) : source;
    daemon = await startDaemon({ plugin, config, raw, log, onStderr: (t) => stderrLog(t.trimEnd()) });
  } catch (err) {
    await kube.stop();
    nodeCert?.stop();
    throw new ExitError(3, `failed to start the multus daemon: ${(err as Error).message}`);
  }
  log(`listening on ${daemon.socket}`);
  let trimmer: Trimmer | undefined;
  if (config.trimFilePages !== false) trimmer = await startTrimming(daemon.metrics, { log });
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined;
  if (auto && config.multusAutoconfigDir) {
    const tick = () => {
      try {
        const conf = autoShimConfig(config);
        if (!conf) return;
        const text = JSON.stringify(conf);
        if (text !== lastText) {
          writeFileAtomic(confFile, text, { mode: 0o600 });
          lastText = text;
          log(`wrote ${confFile}`);
        }
      } catch (err) {
        log(`generating ${confFile}: ${(err as Error).message}`);
      }
    };
    tick();
    timer = setInterval(tick, 1000);
  }
  return {
    daemon,
    async stop() {
      clearInterval(timer);
      trimmer?.stop();
      await daemon.shutdown();
      await kube.stop();
      nodeCert?.stop();
      if (lastText !== undefined) rmSync(confFile, { force: true });
    },
  };
}
