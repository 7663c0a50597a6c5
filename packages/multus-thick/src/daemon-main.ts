// The multus-daemon binary: `multus-daemon [-config <file>]`, `multus-daemon -probe <socket> [path]`.
import { CNI_TS_VERSION } from '@cni-ts/cni/skel';
import { createMultus } from '@cni-ts/multus';
import { EXIT_INTERNAL, ExitError, runDaemon } from './daemon';

const argv = process.argv.slice(2);
if (argv.some((a) => a === '-v' || a === '-version' || a === '--version')) {
  process.stdout.write(`multus-daemon: version:${CNI_TS_VERSION}(cni-ts), commit:unknown commit, date:unknown date\n`);
  process.exit(4);
}
// `-probe <socket> <path>`: exit 0 when the daemon answers 200 (the pod's readiness probe).
if (argv[0] === '-probe') {
  const { callDaemon } = await import('./client');
  const r = await callDaemon(argv[1] ?? '/run/multus/multus.sock', 'GET', argv[2] ?? '/readyz', undefined, 5000).catch(() => undefined);
  process.exit(r?.status === 200 ? 0 : 1);
}
const i = argv.findIndex((a) => a === '-config' || a === '--config');
const configFile = i >= 0 ? argv[i + 1]! : '/etc/cni/net.d/multus.d/daemon-config.json';
const log = (l: string) => process.stderr.write(`${new Date().toISOString()} multus-daemon: ${l}\n`);

// A failure nothing caught leaves the daemon in a state nobody knows (a request half done, a
// queue never released): log it and exit, so the kubelet restarts a clean daemon; DELs retried
// against it find the delegate cache.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    log(`fatal: ${event}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(EXIT_INTERNAL);
  });
}

try {
  const running = await runDaemon(
    configFile,
    (config) =>
      createMultus({
        execTimeoutMs: config.delegateTimeoutMs,
        limits: { perCallBytes: config.maxConfigBytes, inFlightBytes: config.maxConfigBytesInFlight },
      }),
    log,
  );
  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) return;
    signalled = true;
    log(`${sig}: draining`);
    void running.stop().then(() => {
      log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
} catch (err) {
  log((err as Error).message);
  process.exit(err instanceof ExitError ? err.code : 1);
}
