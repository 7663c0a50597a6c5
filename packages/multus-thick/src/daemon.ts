// The daemon's life: load daemon-config.json, serve, (auto mode) write 00-multus.conf and keep
// it current, and on SIGTERM/SIGINT drain and remove it. Exit codes as upstream: 1 bad config
// or readiness file, 2 config generation, 3 listen, 4 after -version; ours: 5 after an uncaught failure.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, type Plugin } from '@cni-ts/cni';
import { loadDaemonConfig, type DaemonConfig } from './daemon-config';
import { findPrimary, shimConfig } from './entrypoint/generate';
import { startDaemon, type Daemon } from './server';
import { startTrimming, type Trimmer } from './trim';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The plugin the daemon serves, or how to make it from the loaded configuration (limits, deadline). */
export type PluginSource = Plugin | ((config: DaemonConfig) => Plugin);

export async function runDaemon(configFile: string, source: PluginSource, log: (l: string) => void): Promise<RunningDaemon> {
  let loaded;
  try {
    loaded = loadDaemonConfig(configFile);
  } catch (err) {
    throw new ExitError(1, (err as Error).message);
  }
  const { config, raw } = loaded;
  if (config.readinessindicatorfile) {
    const deadline = Date.now() + 45_000;
    while (!existsSync(config.readinessindicatorfile)) {
      if (Date.now() > deadline) throw new ExitError(1, `timed out waiting for the readiness indicator file ${config.readinessindicatorfile}`);
      await sleep(1000);
    }
  }
  if (process.getuid && process.getuid() !== 0) throw new ExitError(3, 'the multus daemon must run as root');
  let daemon: Daemon;
  try {
    const plugin = typeof source === 'function' ? source(config) : source;
    daemon = await startDaemon({ plugin, config, raw, log });
  } catch (err) {
    throw new ExitError(3, `failed to start the multus daemon: ${(err as Error).message}`);
  }
  log(`listening on ${daemon.socket}`);
  let trimmer: Trimmer | undefined;
  if (config.trimFilePages !== false) trimmer = await startTrimming(daemon.metrics, { log });
  const confFile = path.join(config.cniConfigDir, '00-multus.conf');
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined;
  if (config.multusConfigFile === 'auto' && config.multusAutoconfigDir) {
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
      if (lastText !== undefined) rmSync(confFile, { force: true });
    },
  };
}
