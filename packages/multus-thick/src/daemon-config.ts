// daemon-config.json (upstream ControllerNetConf + MultusConf): zod-validated, upstream's
// defaults. Keys that only steer the daemon are kept apart from the ones overlaid onto every
// request's Multus config.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_SOCKET_DIR } from './api';

const logLevel = z.enum(['debug', 'verbose', 'error', 'panic', '']);

export const daemonConfigSchema = z.looseObject({
  socketDir: z.string().default(DEFAULT_SOCKET_DIR),
  chrootDir: z.string().default(''),
  logFile: z.string().optional(),
  logLevel: logLevel.optional(),
  logToStderr: z.boolean().optional(),
  logOptions: z.looseObject({ maxAge: z.number().int().optional(), maxSize: z.number().int().optional(), maxBackups: z.number().int().optional(), compress: z.boolean().optional() }).optional(),
  metricsPort: z.number().int().min(1).max(65535).optional(),
  enablePprof: z.boolean().optional(),
  /** Go's netutil.LimitListener: connections past this wait; must be > 0 (checked at start, upstream's error). */
  connectionLimit: z.number().int().optional(),
  perNodeCertificate: z
    .looseObject({ enabled: z.boolean().optional(), bootstrapKubeconfig: z.string().optional(), certDir: z.string().optional(), certDuration: z.string().optional() })
    .optional(),
  cniVersion: z.string().optional(),
  multusConfigFile: z.string().default('auto'),
  cniConfigDir: z.string().default('/etc/cni/net.d'),
  multusAutoconfigDir: z.string().optional(),
  multusMasterCNI: z.string().optional(),
  forceCNIVersion: z.boolean().optional(),
  overrideNetworkName: z.boolean().optional(),
  binDir: z.string().optional(),
  capabilities: z.record(z.string(), z.boolean()).optional(),
  namespaceIsolation: z.boolean().optional(),
  globalNamespaces: z.string().optional(),
  readinessindicatorfile: z.string().optional(),
  cniDir: z.string().optional(),
  auxiliaryCNIChainName: z.string().optional(),
  daemonSocketDir: z.string().optional(),
  type: z.string().optional(),
  /** The daemon's own client (ours; upstream's daemon uses the in-cluster service account or perNodeCertificate). */
  kubeconfig: z.string().optional(),
  /** Ours: one AddedInterface event per interface, as upstream (default: one per ADD naming every interface). */
  eventPerInterface: z.boolean().default(false),
  /** Ours: how long SIGTERM waits for in-flight requests before exiting anyway (ms). */
  shutdownTimeoutMs: z.number().int().nonnegative().default(25_000),
  /** Ours: page out the read-only file pages start-up left mapped, and again when idle (src/trim.ts). */
  trimFilePages: z.boolean().default(true),
  /**
   * Ours: an ADD or CHECK still running after this (an exec'd delegate or IPAM plugin that hangs)
   * is cancelled, its processes killed and what it attached rolled back. The default is the
   * kubelet's runtime request timeout (2 min): past it no runtime waits for the answer.
   */
  delegateTimeoutMs: z.number().int().positive().default(120_000),
  /** Ours: the largest request body (the shim's environment and config) accepted; larger ones get a 400. */
  maxRequestBytes: z.number().int().positive().default(1 << 20),
  /** Ours: bytes of annotations and NAD bodies one request may hold (a 400 beyond). */
  maxConfigBytes: z.number().int().positive().default(2 << 20),
  /** Ours: bytes of annotations and NAD bodies all requests in flight may hold together (a 400, code 11, beyond). */
  maxConfigBytesInFlight: z.number().int().positive().default(4 << 20),
});

export type DaemonConfig = z.output<typeof daemonConfigSchema>;

/** Keys that steer the daemon only (never overlaid onto a request's Multus config). */
export const DAEMON_ONLY_KEYS = new Set([
  'socketDir', 'chrootDir', 'metricsPort', 'enablePprof', 'connectionLimit', 'perNodeCertificate', 'multusConfigFile',
  'cniConfigDir', 'multusAutoconfigDir', 'multusMasterCNI', 'forceCNIVersion', 'overrideNetworkName', 'daemonSocketDir',
  'type', 'name', 'eventPerInterface', 'shutdownTimeoutMs', 'trimFilePages', 'delegateTimeoutMs', 'maxRequestBytes', 'maxConfigBytes', 'maxConfigBytesInFlight',
]);

export function parseDaemonConfig(raw: unknown): { config: DaemonConfig; raw: Record<string, unknown> } {
  const r = daemonConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`failed to load the daemon configuration: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { config: r.data, raw: raw as Record<string, unknown> };
}

/**
 * Keys upstream acts on that this daemon does not implement: refused at start-up (exit 1) rather
 * than accepted and ignored, so an operator is never left believing they took effect.
 * `enablePprof` serves Go's pprof, which has no meaning for a Node process (its metrics are on
 * metricsPort and the socket's /metrics).
 */
export function unsupportedKeys(config: DaemonConfig): string | undefined {
  if (config.enablePprof === true) return "enablePprof is not supported: it serves Go's pprof profiles, which a Node daemon does not have (use metricsPort)";
  return undefined;
}

export function loadDaemonConfig(file: string): { config: DaemonConfig; raw: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`failed to read the daemon configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`failed to parse the daemon configuration ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseDaemonConfig(raw);
}

/** The overlay: every key of daemon-config.json (less daemon-only ones) overwrites the request's. */
export function overlayConfig(request: Record<string, unknown>, daemonRaw: Record<string, unknown>): Record<string, unknown> {
  const out = { ...request };
  for (const [k, v] of Object.entries(daemonRaw)) if (!DAEMON_ONLY_KEYS.has(k)) out[k] = v;
  return out;
}
