// The multus-daemon binary: `multus-daemon [-config <file>]`, `multus-daemon -probe <socket> [path]`.
import { CNI_TS_COMMIT, CNI_TS_VERSION } from '@cni-ts/cni/skel';
import { createMultus } from '@cni-ts/multus';
import { EXIT_INTERNAL, ExitError, runDaemon } from './daemon';
import { FlagError, flagValues, parseFlags, usage, type FlagSpecs } from './flags';

// Go's flag package, as upstream: -config and -version; -probe is ours (the pod's readiness probe).
const SPECS: FlagSpecs = {
  config: { type: 'string', help: 'Specify the path to the multus-daemon configuration', default: '/etc/cni/net.d/multus.d/daemon-config.json' },
  version: { type: 'bool', help: 'Show version' },
  probe: { type: 'string', help: 'ours: ask the daemon listening on this socket for the path after the flags (default /readyz); exit 0 when it answers 200' },
};
let parsed;
try {
  parsed = parseFlags(process.argv.slice(2), SPECS, 'go');
} catch (err) {
  const help = err instanceof FlagError && err.help;
  process.stderr.write(`${help ? '' : `${(err as Error).message}\n`}${usage('multus-daemon', SPECS, 'go')}`);
  process.exit(help ? 0 : 2);
}
const flags = flagValues(parsed, SPECS);
if (flags.bool('version')) {
  process.stdout.write(`multus-daemon: version:${CNI_TS_VERSION}(cni-ts), commit:${CNI_TS_COMMIT}, date:unknown date\n`);
  process.exit(4);
}
// No top-level await here: the single-executable binary runs this file as a CommonJS bundle
// (`cni-ts-plugins multus-daemon`, tools/build/lib/plugins.mjs programs).
async function probe(socket: string, path: string): Promise<never> {
  const { callDaemon } = await import('./client');
  const r = await callDaemon(socket, 'GET', path, undefined, 5000).catch(() => undefined);
  process.exit(r?.status === 200 ? 0 : 1);
}
const configFile = flags.one('config');
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

async function main(): Promise<void> {
  try {
    const running = await runDaemon(
      configFile,
      (config, services) =>
        createMultus({
          execTimeoutMs: config.delegateTimeoutMs,
          limits: { perCallBytes: config.maxConfigBytes, inFlightBytes: config.maxConfigBytesInFlight },
          kube: services.kube,
          ...(config.chrootDir ? { hostRoot: config.chrootDir } : {}),
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
}

void (flags.has('probe') ? probe(flags.one('probe'), parsed.rest[0] ?? '/readyz') : main());
