// What the two daemons share at start-up: the API client (a kubeconfig, or the in-cluster
// service account), a logger, and a clean stop on SIGTERM/SIGINT.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { loadKubeClient, type KubeClient } from '@cni-ts/kube';

export function logger(name: string, verbose: boolean): { log: (msg: string) => void; debug: (msg: string) => void } {
  const line = (msg: string) => process.stderr.write(`${new Date().toISOString()} ${name}: ${msg}\n`);
  return { log: line, debug: verbose ? line : () => {} };
}

export async function kubeClient(kubeconfig: string | undefined): Promise<KubeClient> {
  const client = await loadKubeClient({ kubeconfig: kubeconfig ?? '', env: process.env });
  if (!client) throw new Error('no API server: pass --kubeconfig, or run in a pod (KUBERNETES_SERVICE_HOST/PORT)');
  return client;
}

/** Runs `stop` on the first SIGTERM or SIGINT, then exits (0 when it succeeded). */
export function stopOnSignals(stop: () => Promise<void>, log: (msg: string) => void): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping`);
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        log(`stopping: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

export function usageError(usage: string, msg: string): never {
  process.stderr.write(`${msg}\n${usage}`);
  process.exit(2);
}

/** A duration flag: `500ms`, `30s`, `10m`, or plain seconds. */
export function parseDuration(flag: string, v: string | undefined, usage: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v);
  if (!m) usageError(usage, `--${flag}: ${JSON.stringify(v)} is not a duration (500ms, 30s, 10m)`);
  const n = Number(m[1]);
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

/** The command line by `options` (a `help` flag prints `usage` and exits 0); a bad one exits 2 with the usage. */
export function parseFlags<O extends ParseArgsOptionsConfig>(usage: string, options: O) {
  try {
    const { values } = parseArgs({ options });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(usage);
      process.exit(0);
    }
    return values;
  } catch (err) {
    return usageError(usage, (err as Error).message);
  }
}
