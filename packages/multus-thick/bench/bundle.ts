// One ES module of the daemon (as the image runs it: bundled, no TypeScript loader), for the
// memory bench. Workspace packages are inlined from their sources; koffi (native) and
// client-node stay external, resolved from the packages that depend on them.
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export async function bundleDaemon(): Promise<string> {
  const fromTsdown = createRequire(createRequire(path.join(ROOT, 'package.json')).resolve('tsdown'));
  type Rolldown = (o: Record<string, unknown>) => Promise<{ write(o: Record<string, unknown>): Promise<{ output: { fileName: string }[] }>; close(): Promise<void> }>;
  const { rolldown } = (await import(pathToFileURL(fromTsdown.resolve('rolldown')).href)) as { rolldown: Rolldown };
  const external: Record<string, string> = {
    koffi: createRequire(path.join(ROOT, 'packages/netlink/package.json')).resolve('koffi'),
    '@kubernetes/client-node': pathToFileURL(createRequire(path.join(ROOT, 'packages/multus/package.json')).resolve('@kubernetes/client-node')).href,
  };
  const build = await rolldown({
    input: path.join(ROOT, 'packages/multus-thick/src/daemon-main.ts'),
    platform: 'node',
    resolve: { conditionNames: ['source', 'import', 'node', 'default'] },
    external: (id: string) => id in external || id.startsWith('node:'),
    logLevel: 'silent',
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-bundle-'));
  const { output } = await build.write({ dir, format: 'esm', entryFileNames: 'daemon.mjs', paths: (id: string) => external[id] ?? id });
  await build.close();
  return path.join(dir, output[0]!.fileName);
}
