// `whereabouts-reconciler`: the reconciler as a command (whereabouts' /ip-reconciler).
//
//   whereabouts-reconciler [--once] [--kubeconfig PATH] [--namespace NS] [--schedule CRON]
//                          [--schedule-file PATH] [--log-level debug|verbose|error]
//
// --once runs one pass and exits (non-zero when something could not be released): a CronJob's
// command. Without it the command stays up (a Deployment, as whereabouts v0.9.4 ships it) and
// runs a pass on a cron schedule (UTC): --schedule, else the file the whereabouts-config
// ConfigMap is mounted at (/cron-schedule/config; re-read when the ConfigMap changes), else
// `reconciler_cron_expression` of the flat file, else "30 4 * * *". Without --kubeconfig it uses
// the pod's service account; the namespace is --namespace, $WHEREABOUTS_NAMESPACE, the
// kubeconfig context's (or the service account's), or kube-system.
import { existsSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Cron } from 'croner';
import { loadKubeClient } from '@cni-ts/kube';
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

export async function main(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean' },
      kubeconfig: { type: 'string', default: '' },
      namespace: { type: 'string' },
      schedule: { type: 'string' },
      'schedule-file': { type: 'string', default: SCHEDULE_FILE },
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
  const run = async () => {
    if (running) return;
    running = true;
    await pass(store, log).finally(() => (running = false));
  };
  let job = new Cron(expr, { timezone: 'UTC' }, run);
  log.verbose(`reconciler scheduled: "${expr}" (next run ${job.nextRun()?.toISOString() ?? 'never'})`);
  if (!values.schedule) {
    // A ConfigMap update swaps the ..data symlink in the mounted directory.
    const dir = path.dirname(file);
    if (existsSync(dir)) {
      watch(dir, () => {
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
      log.verbose('shutting down reconciler');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
