// A real 3-member etcd cluster (Debian's etcd-server, tools/bootstrap.sh) on loopback ports,
// started by the test in a temporary directory and killed with it. Members can be killed one by
// one. Data directories live on the test's TMPDIR; short raft timers keep elections quick.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface EtcdCluster {
  /** `127.0.0.1:<port>` of each member's client port. */
  endpoints: string[];
  /** SIGKILLs member i. */
  kill(i: number): void;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string, deadline: number): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://${endpoint}/health`);
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd member ${endpoint} not healthy: ${last}`);
}

export async function startEtcdCluster(members = 3): Promise<EtcdCluster> {
  if (spawnSync('etcd', ['--version']).status !== 0) throw new Error('etcd is not installed (Debian etcd-server; tools/bootstrap.sh installs it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-etcd-'));
  const ports = await Promise.all(Array.from({ length: members * 2 }, freePort));
  const client = (i: number) => `127.0.0.1:${ports[2 * i]}`;
  const peer = (i: number) => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initial = Array.from({ length: members }, (_, i) => `m${i}=${peer(i)}`).join(',');
  const procs: ChildProcess[] = [];
  for (let i = 0; i < members; i++) {
    const child = spawn(
      'etcd',
      [
        `--name=m${i}`,
        `--data-dir=${path.join(dir, `m${i}`)}`,
        `--listen-client-urls=http://${client(i)}`,
        `--advertise-client-urls=http://${client(i)}`,
        `--listen-peer-urls=${peer(i)}`,
        `--initial-advertise-peer-urls=${peer(i)}`,
        `--initial-cluster=${initial}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=cnits-${process.pid}-${ports[0]}`,
        '--heartbeat-interval=50',
        '--election-timeout=500',
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.resume();
    procs.push(child);
  }
  const cluster: EtcdCluster = {
    endpoints: Array.from({ length: members }, (_, i) => client(i)),
    kill(i) {
      procs[i]!.kill('SIGKILL');
    },
    async close() {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve();
              p.once('exit', () => resolve());
              p.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const deadline = Date.now() + 20_000;
    await Promise.all(cluster.endpoints.map((e) => healthy(e, deadline)));
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
