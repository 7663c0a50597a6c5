// `whereabouts-node`: the DaemonSet's container (install.ts), then it keeps the kubeconfig's
// token fresh until SIGTERM.
//   whereabouts-node [--binary PATH] [--cni-bin-dir DIR] [--cni-conf-dir DIR] [--host-cni-conf-dir DIR]
//                    [--reconciler-cron EXPR] [--skip-tls-verify] [--once]
import { parseArgs } from 'node:util';
import { install } from './install';

export async function main(argv: string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      binary: { type: 'string', default: '/usr/src/whereabouts/bin/whereabouts' },
      'cni-bin-dir': { type: 'string', default: '/host/opt/cni/bin' },
      'cni-conf-dir': { type: 'string', default: '/host/etc/cni/net.d' },
      'host-cni-conf-dir': { type: 'string', default: '/etc/cni/net.d' },
      'reconciler-cron': { type: 'string', default: env.WHEREABOUTS_RECONCILER_CRON ?? '30 4 * * *' },
      'skip-tls-verify': { type: 'boolean', default: env.SKIP_TLS_VERIFY === 'true' },
      once: { type: 'boolean' },
    },
  });
  const done = install({
    binary: values.binary,
    cniBinDir: values['cni-bin-dir'],
    cniConfDir: values['cni-conf-dir'],
    hostCniConfDir: values['host-cni-conf-dir'],
    namespace: env.WHEREABOUTS_NAMESPACE ?? 'kube-system',
    nodeName: env.NODENAME ?? '',
    cronExpression: values['reconciler-cron'],
    env,
    skipTlsVerify: values['skip-tls-verify'],
  });
  process.stderr.write(`whereabouts: installed the plugin and ${done.kubeconfig}\n`);
  if (values.once) return 0;
  const timer = setInterval(() => {
    try {
      done.refresh();
    } catch (err) {
      process.stderr.write(`whereabouts: kubeconfig refresh failed: ${(err as Error).message}\n`);
    }
  }, 5_000);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  return 0;
}
