// The node entrypoint's command line: upstream thin_entrypoint's flags (spf13/pflag syntax),
// all implemented, plus ours (--mode, --install, --daemon-conf-dir, --daemon-socket-dir,
// --skip-config, --skip-kubeconfig, --once). An unknown flag, a stray argument or a bad value is
// an error at start-up, never ignored.
import { existsSync } from 'node:fs';
import type { EntrypointOptions } from './entrypoint';
import { FlagError, flagValues, parseFlags, type FlagSpecs } from '../flags';

const s = (help: string, d?: string) => ({ type: 'string' as const, help, ...(d !== undefined ? { default: d } : {}) });
const b = (help: string) => ({ type: 'bool' as const, help });

export const ENTRYPOINT_FLAGS: FlagSpecs = {
  // upstream thin_entrypoint
  'cni-bin-dir': s('CNI binary directory', '/host/opt/cni/bin'),
  'cni-conf-dir': s('CNI config directory', '/host/etc/cni/net.d'),
  'cni-version': s("CNI version for multus CNI config (e.g. '0.3.1')"),
  'multus-conf-file': s('multus CNI config file', 'auto'),
  'multus-bin-file': s('multus binary file path (copied into --cni-bin-dir in thin mode)', '/usr/src/multus-cni/bin/multus'),
  'multus-cni-conf-dir': s("multus specific CNI config directory (thin: the config's confDir when given)"),
  'skip-multus-binary-copy': b('skip multus binary file copy'),
  'multus-kubeconfig-file-host': s('kubeconfig for multus (used only with --multus-conf-file=auto)', '/etc/cni/net.d/multus.d/multus.kubeconfig'),
  'multus-master-cni-file-name': s('master CNI file in multus-autoconfig-dir'),
  'namespace-isolation': b('namespace isolation'),
  'global-namespaces': s('global namespaces, comma separated (used only with --namespace-isolation=true)'),
  'multus-autoconfig-dir': s('multus autoconfig dir (used only with --multus-conf-file=auto; default --cni-conf-dir)'),
  'multus-log-to-stderr': { type: 'bool', help: 'log to stderr', default: 'true' },
  'multus-log-level': s('multus log level (debug, verbose, error, panic)'),
  'multus-log-file': s('multus log file'),
  'override-network-name': b('override network name from master cni file (used only with --multus-conf-file=auto)'),
  'cleanup-config-on-exit': b('cleanup config file on exit'),
  'skip-config-watch': b('dont watch for config (master cni and kubeconfig) changes (used only with --multus-conf-file=auto)'),
  'rename-conf-file': b('rename master config file to invalidate (used only with --multus-conf-file=auto)'),
  'readiness-indicator-file': s('readiness indicator file (used only with --multus-conf-file=auto)'),
  'additional-bin-dir': s('adds binDir option to configuration (used only with --multus-conf-file=auto)'),
  'skip-tls-verify': b('skip TLS verify'),
  'force-cni-version': b("force cni version to '--cni-version' (only for e2e-kind testing)"),
  // ours
  mode: s('ours: thin (00-multus.conf for the multus binary) or thick (for multus-shim)', 'thin'),
  install: { type: 'string', repeat: true, help: 'ours: a binary to install into --cni-bin-dir (temp file and rename), repeatable' },
  'daemon-conf-dir': s("ours, thick: clusterNetwork's directory as the daemon sees it (default --multus-autoconfig-dir)"),
  'daemon-socket-dir': s("ours, thick: the shim's daemonSocketDir"),
  'skip-config': b('ours: write no 00-multus.conf (thick: the daemon writes it)'),
  'skip-kubeconfig': b('ours: write no kubeconfig'),
  once: b('ours: do the work once and exit'),
};

const LOG_LEVELS = ['debug', 'verbose', 'error', 'panic'];

/** The entrypoint's options from its command line (throws FlagError or Error on a bad one). */
export function entrypointOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): EntrypointOptions & { once: boolean } {
  const parsed = parseFlags(argv, ENTRYPOINT_FLAGS, 'posix');
  if (parsed.rest.length) throw new FlagError(`unexpected argument ${JSON.stringify(parsed.rest[0])} (flags take their value as --flag=value; bool flags only that way)`);
  const f = flagValues(parsed, ENTRYPOINT_FLAGS);
  const mode = f.one('mode');
  if (mode !== 'thin' && mode !== 'thick') throw new FlagError(`--mode must be thin or thick, not ${mode}`);
  const level = f.one('multus-log-level').toLowerCase();
  if (level && !LOG_LEVELS.includes(level)) throw new FlagError(`Log levels should be one of: debug/verbose/error/panic, did not understand: ${JSON.stringify(f.one('multus-log-level'))}`);
  const confDir = f.one('cni-conf-dir');
  const binDir = f.one('cni-bin-dir');
  const confFile = f.one('multus-conf-file');
  // upstream's verifyFileExists (which then exits 0; we fail the container, so it is seen)
  if (!existsSync(confDir)) throw new Error(`cni-conf-dir is not found: ${confDir}`);
  if (!existsSync(binDir)) throw new Error(`cni-bin-dir is not found: ${binDir}`);
  const copyMultus = mode === 'thin' && !f.bool('skip-multus-binary-copy');
  if (copyMultus && !existsSync(f.one('multus-bin-file'))) throw new Error(`multus-bin-file is not found: ${f.one('multus-bin-file')}`);
  if (confFile !== 'auto' && !existsSync(confFile)) throw new Error(`multus-conf-file is not found: ${confFile}`);
  const extra: Record<string, unknown> = {};
  if (f.bool('namespace-isolation')) extra.namespaceIsolation = true;
  if (f.one('global-namespaces')) extra.globalNamespaces = f.one('global-namespaces');
  if (!f.bool('multus-log-to-stderr')) extra.logToStderr = false;
  if (level) extra.logLevel = level;
  if (f.one('multus-log-file')) extra.logFile = f.one('multus-log-file');
  if (f.one('additional-bin-dir')) extra.binDir = f.one('additional-bin-dir');
  if (f.one('multus-cni-conf-dir') && mode === 'thin') extra.confDir = f.one('multus-cni-conf-dir');
  if (f.one('readiness-indicator-file')) extra.readinessindicatorfile = f.one('readiness-indicator-file');
  if (f.one('daemon-socket-dir')) extra.daemonSocketDir = f.one('daemon-socket-dir');
  return {
    mode,
    cniBinDir: binDir,
    cniConfDir: confDir,
    autoconfigDir: f.one('multus-autoconfig-dir') || confDir,
    binaries: [...(copyMultus ? [f.one('multus-bin-file')] : []), ...f.all('install')],
    kubeconfigHostPath: f.one('multus-kubeconfig-file-host'),
    kubeconfigWritePath: `${confDir}/multus.d/multus.kubeconfig`,
    env,
    cniVersion: f.one('cni-version') || undefined,
    masterFile: f.one('multus-master-cni-file-name') || undefined,
    overrideNetworkName: f.bool('override-network-name'),
    daemonConfDir: f.one('daemon-conf-dir') || undefined,
    cleanupOnExit: f.bool('cleanup-config-on-exit'),
    skipTlsVerify: f.bool('skip-tls-verify'),
    skipConfig: f.bool('skip-config'),
    skipKubeconfig: f.bool('skip-kubeconfig'),
    skipConfigWatch: f.bool('skip-config-watch'),
    renameConfFile: f.bool('rename-conf-file'),
    forceCniVersion: f.bool('force-cni-version'),
    ...(confFile !== 'auto' ? { confFile } : {}),
    extra,
    once: f.bool('once'),
  };
}

