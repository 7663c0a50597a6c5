// Starting the stand-in in a process of its own (serve.ts), for tests whose clients must not
// share the test's event loop, or that stop the API server as a whole.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface StubProcess {
  url: string;
  child: ChildProcess;
  /** Ends the process (closing its stdin) and waits for it. */
  close(): Promise<void>;
}

const here = import.meta.dirname;
const HOOKS = path.resolve(here, '../../../packages/testkit/src/ts-hooks.mjs');

export async function startStubProcess(args: string[] = []): Promise<StubProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--disable-warning=ExperimentalWarning', '--import', HOOKS, path.join(here, 'serve.ts'), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the stub process exited with ${code}`)));
  });
  return {
    url,
    child,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      await exited;
    },
  };
}
