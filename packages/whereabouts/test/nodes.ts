// Simulated nodes as separate processes (node-worker.ts, bundled once as a plugin is, so a node
// starts as fast as the shipped code would), started together.
import { spawn } from 'node:child_process';
import { bundlePlugin, NODE } from '@cni-ts/testkit';

export interface CallResult {
  id: string;
  ok: boolean;
  ms: number;
  ips?: string[];
  error?: string;
}

export interface NodeJob {
  command: 'ADD' | 'DEL';
  config: unknown;
  node: string;
  count: number;
  podNamespace: string;
  flatFiles: string[];
  storeOptions?: Record<string, unknown>;
}

export async function runNode(job: NodeJob, onResult?: (r: CallResult) => void): Promise<CallResult[]> {
  const worker = await bundlePlugin('whereabouts', 'test/node-worker.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [worker, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const results: CallResult[] = [];
    let buf = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const r = JSON.parse(line) as CallResult;
        results.push(r);
        onResult?.(r);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`node ${job.node} exited with ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      // A worker that ran no call (say, a bundle that dropped the worker's body) is a failure, not an empty result.
      if (results.length !== job.count) return reject(new Error(`node ${job.node} reported ${results.length} of ${job.count} calls: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      resolve(results);
    });
  });
}

/** `nodes` processes of `perNode` calls each, all started at once. */
export async function runNodes(nodes: number, perNode: number, job: Omit<NodeJob, 'node' | 'count'>, onResult?: (r: CallResult) => void): Promise<CallResult[]> {
  const all = await Promise.all(Array.from({ length: nodes }, (_, n) => runNode({ ...job, node: `node-${n}`, count: perNode }, onResult)));
  return all.flat();
}
