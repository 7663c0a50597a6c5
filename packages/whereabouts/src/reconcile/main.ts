// `whereabouts-reconciler`: the reconciler as a command (whereabouts' /ip-reconciler).
//
//   whereabouts-reconciler [--once] [--kubeconfig PATH] [--namespace NS] [--schedule CRON]
//                          [--schedule-file PATH] [--no-pod-watch] [--log-level debug|verbose|error]
//
// --once runs one pass and exits (non-zero when something could not be released): a CronJob's
// command. Without it the command stays up (a Deployment, as whereabouts v0.9.4 ships it) and
// runs a pass on a cron schedule (UTC): --schedule, else the file the whereabouts-config
// ConfigMap is mounted at (/cron-schedule/config; re-read when the ConfigMap changes), else
// `reconciler_cron_expression` of the flat file, else "30 4 * * *". It also watches pod
// deletions cluster-wide and runs a pass a second after one (what whereabouts' per-node
// ip-control-loop does), so a deleted pod's address does not wait for the schedule; a watch that
// expires (410) re-lists and runs a pass for what it may have missed. Without --kubeconfig it uses
// the pod's service account; the namespace is --namespace, $WHEREABOUTS_NAMESPACE, the
// kubeconfig context's (or the service account's), or kube-system.
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cron } from 'croner';
import { loadKubeClient, type KubeClient } from '@cni-ts/kube';
import { FLAT_FILES } from '../config';
import { KubernetesStore } from '../k8s/store';
import { createLogger, type Logger } from '../log';
import { reconcile } from './reconcile';

export const DEFAULT_SCHEDULE = '30 4 * * *';
export const SCHEDULE_FILE = '/cron-schedule/config';

/** The schedule: the ConfigMap's file, else the flat file's reconciler_cron_expression, else the default. */
export function scheduleFrom(file: string, flatFiles: string[] = FLAT_FILES): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text) return text;
  } catch {
    // no ConfigMap mounted
  }
  for (const f of flatFiles) {
    if (!existsSync(f)) continue;
    try {
      const expr = (JSON.parse(readFileSync(f, 'utf8')) as { reconciler_cron_expression?: unknown }).reconciler_cron_expression;
      if (typeof expr === 'string' && expr.trim()) return expr.trim();
    } catch {
      // unreadable: the default
    }
    break;
  }
  return DEFAULT_SCHEDULE;
}

async function pass(store: KubernetesStore, log: Logger): Promise<boolean> {
  log.verbose('starting reconciler run');
  try {
    const s = await reconcile(store, { log });
    log.verbose(`reconciler run: released ${s.released.length} allocation(s) [${s.released.join(' ')}], deleted ${s.reservationsDeleted.length} reservation(s) [${s.reservationsDeleted.join(' ')}]`);
    for (const k of s.kept) log.debug(`kept ${k}`);
    for (const e of s.errors) log.error(e);
    return s.errors.length === 0;
  } catch (err) {
    log.error(`reconciler run failed: ${(err as Error).message}`);
    return false;
  }
}

/**
 * Watches pod deletions cluster-wide from now on, calling `deleted` for each; after a 410 (the
 * watch fell too far behind) it starts again from a fresh list and calls `deleted` once for what
 * it may have missed. Runs until `signal` aborts.
 */
export async function watchPodDeletions(client: KubeClient, log: Logger, deleted: () => void, signal: AbortSignal): Promise<void> {
  let rv = '';
  while (!signal.aborted) {
    let expired = false;
    try {
      if (!rv) rv = String((await client.request('GET', '/api/v1/pods?limit=1')).metadata?.resourceVersion ?? '');
      const w = await client.watch(`/api/v1/pods?watch=true&timeoutSeconds=600&resourceVersion=${encodeURIComponent(rv)}`, (e) => {
        if (e.type === 'ERROR') {
          expired = (e.object as { code?: number }).code === 410;
          return;
        }
        if (e.object.metadata?.resourceVersion) rv = e.object.metadata.resourceVersion;
        if (e.type === 'DELETED') deleted();
      });
      const stop = () => w.stop();
      signal.addEventListener('abort', stop, { once: true });
      await w.done;
      signal.removeEventListener('abort', stop);
    } catch (err) {
      if (signal.aborted) break;
      log.error(`pod watch: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    if (expired) {
      log.verbose('pod watch expired (410): starting again from a fresh list');
      rv = '';
      deleted();
    }
  }
}

export async function main(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean' },
      kubeconfig: { type: 'string', default: '' },
      namespace: { type: 'string' },
      schedule: { type: 'string' },
      'schedule-file': { type: 'string', default: SCHEDULE_FILE },
      'no-pod-watch': { type: 'boolean' },
      'log-level': { type: 'string', default: 'verbose' },
    },
  });
  const log = createLogger({ level: values['log-level'] });
  const client = await loadKubeClient({ kubeconfig: values.kubeconfig, env, userAgent: 'whereabouts-reconciler-cni-ts', keepAlive: true });
  if (!client) {
    log.error('no kubeconfig and not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)');
    return 2;
  }
  const namespace = values.namespace || env.WHEREABOUTS_NAMESPACE || client.namespace || 'kube-system';
  const store = new KubernetesStore(client, { namespace, networkName: '', overlappingRanges: true, log });
  if (values.once) return (await pass(store, log)) ? 0 : 1;

  const file = values['schedule-file'];
  let expr = values.schedule ?? scheduleFrom(file);
  let running = false;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    await pass(store, log).finally(() => (running = false));
    if (again) {
      again = false;
      await run();
    }
  };
  // Deletions come in bursts: one pass a second after the first of them.
  let soon: NodeJS.Timeout | undefined;
  const runSoon = () => {
    soon ??= setTimeout(() => {
      soon = undefined;
      void run();
    }, 1_000);
  };
  const stopping = new AbortController();
  opts.signal?.addEventListener('abort', () => stopping.abort(), { once: true });
  const watching = values['no-pod-watch'] ? Promise.resolve() : watchPodDeletions(client, log, runSoon, stopping.signal);
  let job = new Cron(expr, { timezone: 'UTC' }, run);
  log.verbose(`reconciler scheduled: "${expr}" (next run ${job.nextRun()?.toISOString() ?? 'never'})`);
  let watcher: FSWatcher | undefined;
  if (!values.schedule) {
    // A ConfigMap update swaps the ..data symlink in the mounted directory.
    const dir = path.dirname(file);
    if (existsSync(dir)) {
      watcher = watch(dir, () => {
        const next = scheduleFrom(file);
        if (next === expr) return;
        try {
          const replacement = new Cron(next, { timezone: 'UTC' }, run);
          job.stop();
          job = replacement;
          expr = next;
          log.verbose(`reconciler rescheduled: "${expr}" (next run ${job.nextRun()?.toISOString() ?? 'never'})`);
        } catch (err) {
          log.error(`ignoring the new schedule "${next}": ${(err as Error).message}`);
        }
      });
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      job.stop();
      watcher?.close();
      stopping.abort();
      clearTimeout(soon);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      log.verbose('shutting down reconciler');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    stopping.signal.addEventListener('abort', stop, { once: true });
  });
  await watching;
  return 0;
}
