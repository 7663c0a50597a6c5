// `cni-ts-plugins serve [--socket PATH]`: the resident server as a program. Inside the binary the
// preamble (tools/build/lib/preamble.mjs) has put the build id and the plugin list on globalThis;
// under plain node (development) they come from the build output given with --build-dir.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from './pool';
import { DEFAULT_SOCKET, startServer } from './server';

const BUILD = Symbol.for('cni-ts.build');
// Set by the preamble (tools/build/lib/preamble.mjs NAMES); 'cni-ts.plugins' is the catalog.
const PLUGINS = Symbol.for('cni-ts.plugin-names');

const USAGE = `usage: cni-ts-plugins serve [--socket PATH] [--max-workers N] [--deadline SECONDS] [--idle SECONDS]
  --socket PATH       where to listen (default ${DEFAULT_SOCKET}); with systemd socket activation
                      (LISTEN_FDS) the socket handed over is used instead
  --max-workers N     requests served at once (default: 2 x CPUs, at least 4); more wait, then fall back
  --deadline SECONDS  a request still running after this is answered with an error (default 120)
  --idle SECONDS      idle workers beyond the first are retired after this (default 60)
`;

function num(v: string | undefined, d: number, what: string): number {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what}: not a positive number: ${v}`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const args = argv[0] === 'serve' ? argv.slice(1) : argv;
  const { values } = parseArgs({
    args,
    options: {
      socket: { type: 'string' },
      'max-workers': { type: 'string' },
      deadline: { type: 'string' },
      idle: { type: 'string' },
      'build-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const g = globalThis as Record<symbol, unknown>;
  let buildId = g[BUILD] as string | undefined;
  let plugins = g[PLUGINS] as string[] | undefined;
  let bundleDir: string | undefined;
  if (values['build-dir']) {
    bundleDir = join(values['build-dir'], 'build');
    const manifest = JSON.parse(readFileSync(join(values['build-dir'], 'bin/manifest.json'), 'utf8')) as { buildId: string; plugins: { name: string }[] };
    buildId = manifest.buildId;
    plugins = manifest.plugins.map((p) => p.name);
  }
  if (!buildId || !plugins) throw new Error('not inside the cni-ts-plugins binary: give --build-dir OUT (the build output)');
  const pool = new Pool({
    max: Math.floor(num(values['max-workers'], Math.max(4, 2 * availableParallelism()), 'max-workers')),
    min: 1,
    deadlineMs: num(values.deadline, 120, 'deadline') * 1000,
    idleMs: num(values.idle, 60, 'idle') * 1000,
    bundleDir,
  });
  // systemd socket activation: fd 3 is the listening socket when LISTEN_PID is us.
  const activated = process.env.LISTEN_PID === String(process.pid) && Number(process.env.LISTEN_FDS) >= 1;
  const server = await startServer({ socket: values.socket ?? DEFAULT_SOCKET, fd: activated ? 3 : undefined, buildId, plugins, pool });
  process.stderr.write(`cni-ts serve: ${plugins.length} plugins, build ${buildId}, on ${server.address ?? 'the socket systemd passed'}\n`);
  pool.warm();
  // One JSON line of counters on stderr: on SIGUSR1, and once more when stopped.
  const report = () => process.stderr.write(`cni-ts serve: ${JSON.stringify({ ...server.stats, workers: pool.size, busy: pool.busy })}\n`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`cni-ts serve: ${sig}: finishing ${server.stats.inFlight} request(s) in flight\n`);
    void server.close().then(() => {
      report();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGUSR1', report);
}

// Under the binary: argv is [binary, binary, 'serve', ...]; under node: [node, serve.ts, ...].
const argv = process.argv.slice(2);
main(argv).catch((err: Error) => {
  process.stderr.write(`cni-ts serve: ${err.message}\n`);
  process.exit(1);
});
