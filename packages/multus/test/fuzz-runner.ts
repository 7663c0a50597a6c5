// The fuzz test's worker (fuzz.e2e.ts starts it inside the test's host netns): one process
// runs every case in-process, as a thick daemon would, so a case costs milliseconds. For each
// case it writes the pod's annotations through the API server, runs Multus ADD then DEL, and
// records both answers, the links left in the pod and the files left in cniDir.
//
//   fuzz-runner.ts <input.json> <output.jsonl>
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dispatch } from '@cni-ts/cni';
import { loadKubeClient } from '@cni-ts/kube';
import { createMultus } from '../src/plugin';

export interface FuzzInput {
  kubeconfig: string;
  podPath: string;
  containerNs: string;
  cniDir: string;
  /** Kept inside the test's directories (the defaults are the node's). */
  devInfoDir: string;
  checkpointFile: string;
  conf: Record<string, unknown>;
  env: Record<string, string>;
  cases: { annotations: Record<string, string | null> }[];
}

export interface FuzzOutcome {
  i: number;
  /** The API server refused the annotations (nothing for Multus to see). */
  refused?: string;
  add?: { exit: number; code?: number; msg?: string };
  del?: { exit: number; code?: number; msg?: string };
  links?: string[];
  leftovers?: string[];
  ms?: number;
}

const [inputFile, outputFile] = process.argv.slice(2) as [string, string];
const input = JSON.parse(readFileSync(inputFile, 'utf8')) as FuzzInput;
const client = (await loadKubeClient({ kubeconfig: input.kubeconfig, env: {} }))!;
const multus = createMultus({ readinessTimeoutMs: 100, readinessIntervalMs: 20, devInfoDir: input.devInfoDir, checkpointFile: input.checkpointFile });
const stdin = JSON.stringify(input.conf);

const answer = (out: Awaited<ReturnType<typeof dispatch>>) => {
  let err: { code?: number; msg?: string } = {};
  try {
    err = out.exitCode ? (JSON.parse(out.stdout) as typeof err) : {};
  } catch {
    err = { msg: `unparsable output: ${out.stdout.slice(0, 200)}` };
  }
  return { exit: out.exitCode, code: err.code, msg: err.msg?.slice(0, 2000) };
};

const linksIn = (ns: string) =>
  spawnSync('ip', ['-n', ns, '-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map((l) => l.split(': ')[1]!.split('@')[0]!);

const files = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f !== 'results') : []);

for (const [i, c] of input.cases.entries()) {
  const started = performance.now();
  const out: FuzzOutcome = { i };
  try {
    await client.request('PATCH', input.podPath, { metadata: { annotations: c.annotations } }, { contentType: 'application/merge-patch+json' });
  } catch (err) {
    out.refused = (err as Error).message.slice(0, 300);
    appendFileSync(outputFile, `${JSON.stringify(out)}\n`);
    continue;
  }
  out.add = answer(await dispatch(multus, { env: { ...input.env, CNI_COMMAND: 'ADD' }, stdin }));
  out.del = answer(await dispatch(multus, { env: { ...input.env, CNI_COMMAND: 'DEL' }, stdin }));
  out.links = linksIn(input.containerNs);
  out.leftovers = files(input.cniDir);
  out.ms = Math.round(performance.now() - started);
  appendFileSync(outputFile, `${JSON.stringify(out)}\n`);
}
