// The node entrypoint binary:
//   multus-entrypoint --mode thin|thick [--cni-bin-dir /host/opt/cni/bin] [--cni-conf-dir /host/etc/cni/net.d]
//     [--multus-autoconfig-dir <dir>] [--install <binary>]... [--multus-kubeconfig-file-host <path>]
//     [--cni-version v] [--multus-master-cni-file-name f] [--multus-log-level l] [--multus-log-file f]
//     [--multus-log-to-stderr true|false] [--namespace-isolation true|false] [--global-namespaces a,b]
//     [--daemon-conf-dir <dir>] [--daemon-socket-dir <dir>] [--override-network-name] [--cleanup-config-on-exit]
//     [--skip-tls-verify] [--skip-config] [--skip-kubeconfig] [--once]
import { startEntrypoint, type EntrypointOptions } from './entrypoint/entrypoint';

function parse(argv: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const [k, v] = eq > 0 ? [a.slice(2, eq), a.slice(eq + 1)] : [a.slice(2), argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'true'];
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return m;
}

const log = (l: string) => process.stderr.write(`${new Date().toISOString()} multus-entrypoint: ${l}\n`);

try {
  const f = parse(process.argv.slice(2));
  const one = (k: string, d = '') => f.get(k)?.at(-1) ?? d;
  const bool = (k: string) => one(k) === 'true';
  const mode = one('mode', 'thin');
  if (mode !== 'thin' && mode !== 'thick') throw new Error(`--mode must be thin or thick, not ${mode}`);
  const level = one('multus-log-level');
  if (level && !['debug', 'verbose', 'error', 'panic'].includes(level)) throw new Error(`--multus-log-level must be one of debug, verbose, error, panic`);
  const confDir = one('cni-conf-dir', '/host/etc/cni/net.d');
  const hostKube = one('multus-kubeconfig-file-host', '/etc/cni/net.d/multus.d/multus.kubeconfig');
  const extra: Record<string, unknown> = {};
  if (level) extra.logLevel = level;
  if (one('multus-log-file')) extra.logFile = one('multus-log-file');
  if (one('multus-log-to-stderr', 'true') === 'false') extra.logToStderr = false;
  if (bool('namespace-isolation')) extra.namespaceIsolation = true;
  if (one('global-namespaces')) extra.globalNamespaces = one('global-namespaces');
  if (one('daemon-socket-dir')) extra.daemonSocketDir = one('daemon-socket-dir');
  if (one('multus-cni-conf-dir') && mode === 'thin') extra.confDir = one('multus-cni-conf-dir');
  const o: EntrypointOptions = {
    mode,
    cniBinDir: one('cni-bin-dir', '/host/opt/cni/bin'),
    cniConfDir: confDir,
    autoconfigDir: one('multus-autoconfig-dir', confDir),
    binaries: f.get('install') ?? [],
    kubeconfigHostPath: hostKube,
    kubeconfigWritePath: `${confDir}/multus.d/multus.kubeconfig`,
    env: process.env,
    cniVersion: one('cni-version') || undefined,
    masterFile: one('multus-master-cni-file-name') || undefined,
    overrideNetworkName: bool('override-network-name'),
    daemonConfDir: one('daemon-conf-dir') || undefined,
    cleanupOnExit: bool('cleanup-config-on-exit'),
    skipTlsVerify: bool('skip-tls-verify'),
    skipConfig: bool('skip-config'),
    skipKubeconfig: bool('skip-kubeconfig'),
    extra,
    log,
  };
  const running = startEntrypoint(o);
  if (bool('once')) running.stop();
  process.on('SIGTERM', () => running.stop());
  process.on('SIGINT', () => running.stop());
  await running.done;
  process.exit(0);
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}
