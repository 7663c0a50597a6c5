// One simulated node: a process that runs `count` whereabouts ADDs (or DELs) at once through the
// library, as that many plugin execs on one node would, and prints one JSON line per call as it ends.
//   node --conditions=source --import packages/testkit/src/ts-hooks.mjs node-worker.ts <json>
// <json>: {command, config, node, count, podNamespace, flatFiles, storeOptions?}
import { cmdAdd, cmdDel } from '../src/ipam';
import type { NodeJob } from './nodes';


const job = JSON.parse(process.argv[2]!) as NodeJob;
// Each result as soon as it is known (a test may act after the first ones).
const out = (r: unknown) => process.stdout.write(`${JSON.stringify(r)}\n`);
const runs = Array.from({ length: job.count }, async (_, i) => {
  const id = `${job.node}-${i}`;
  const req = {
    containerId: `ctr-${id}`,
    ifname: 'net1',
    config: job.config,
    args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${job.podNamespace};K8S_POD_NAME=pod-${id};K8S_POD_INFRA_CONTAINER_ID=ctr-${id}`,
    env: { NODENAME: job.node },
  };
  const started = performance.now();
  try {
    const deps = { loadOptions: { flatFiles: job.flatFiles }, storeOptions: job.storeOptions };
    const result = job.command === 'ADD' ? await cmdAdd(req, deps) : (await cmdDel(req, deps), undefined);
    out({ id, ok: true, ms: performance.now() - started, ips: result?.ips.map((x) => x.address) ?? [] });
  } catch (err) {
    out({ id, ok: false, ms: performance.now() - started, error: (err as Error).message });
  }
});
await Promise.all(runs);
