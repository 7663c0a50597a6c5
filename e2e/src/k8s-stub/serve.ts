// The stand-in as a process of its own:
//   node --conditions=source --import packages/testkit/src/ts-hooks.mjs e2e/src/k8s-stub/serve.ts \
//     [--port N] [--token T] [--crd file.json ...]
// prints `{"url": "http://127.0.0.1:N"}` on one line once it listens, and serves until its
// stdin closes or it gets SIGTERM/SIGINT. --crd registers CustomResourceDefinitions (JSON
// objects, or a JSON array of them) before the first request.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { K8sStub } from './server';

const { values } = parseArgs({ options: { port: { type: 'string' }, token: { type: 'string' }, crd: { type: 'string', multiple: true } } });
const stub = new K8sStub({ token: values.token });
for (const file of values.crd ?? []) {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  for (const crd of Array.isArray(doc) ? doc : [doc]) stub.define(crd as Record<string, unknown>);
}
await stub.start(Number(values.port ?? 0));
process.stdout.write(`${JSON.stringify({ url: stub.url })}\n`);
const stop = () => void stub.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
