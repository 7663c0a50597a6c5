/**
 * Our IPAM plugins, which the other plugins' bundles register with @cni-ts/cni for in-process
 * delegation (issue 4; the exact rule is in packages/cni/README.md, "In-process delegation").
 */
export const IN_PROCESS_IPAM = ['host-local', 'static'];

/**
 * Modules kept out of a plugin's bundle, per plugin: part name -> the specifier its code
 * `import()`s. Each becomes an asset of its own (`bundle/<plugin>.<part>.js`, with a code cache),
 * compiled and evaluated only when that `import()` first runs (runtime/on-demand.ts). For code a
 * command rarely needs and whose mere presence in the bundle costs every exec: V8 holds and
 * pre-parses all of a bundle's source, so Multus's 17 MB Kubernetes client doubled the RSS of an
 * ADD that never talks to an API server.
 * @type {Record<string, Record<string, string>>}
 */
export const ON_DEMAND = {
  multus: { k8s: '@kubernetes/client-node' },
  // @cni-ts/kube falls back to it for kubeconfigs our reader leaves alone (exec plugins, proxies).
  whereabouts: { k8s: '@kubernetes/client-node' },
};

/**
 * Programs the binary runs as `cni-ts-plugins <name> [args]` besides its plugins: bundled like a
 * plugin (koffi, lazy built-ins, code cache), with no VERSION answer, and their argv is their own
 * (the preamble drops the name). `install`: a command for people and scripts, installed beside
 * the plugins as a launcher named after it (pnpm cni install, release tarballs): the `cni-ts` CLI.
 */
export function programs(root) {
  const all = [
    { name: 'serve', package: '@cni-ts/server', main: join(root, 'packages/server/src/serve.ts') },
    { name: 'cni-ts', package: '@cni-ts/chain', main: join(root, 'packages/chain/src/cli.ts'), install: true },
  ];
  return all.filter((p) => existsSync(p.main)).map((p) => ({ ...p, onDemand: {} }));
}

// Which plugins go into the binary: every workspace package with a `src/main.ts` (the whole
// binary entry of one plugin, see shared DESIGN.md). The binary name is the package's `bin` key
// when it declares one, else its directory name (host-local, static, loopback, ...).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function discoverPlugins(root) {
  const dir = join(root, 'packages');
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const main = join(dir, entry.name, 'src/main.ts');
    if (!existsSync(main)) continue;
    const pkg = JSON.parse(readFileSync(join(dir, entry.name, 'package.json'), 'utf8'));
    const bins = typeof pkg.bin === 'object' && pkg.bin ? Object.keys(pkg.bin) : [];
    const index = join(dir, entry.name, 'src/index.ts');
    const name = bins[0] ?? entry.name;
    found.push({ name, package: pkg.name, main, index: existsSync(index) ? index : undefined, onDemand: ON_DEMAND[name] ?? {} });
  }
  return found.toSorted((a, b) => a.name.localeCompare(b.name));
}

/** The on-demand parts of the builder's test plugins (see ON_DEMAND). */
const FIXTURE_ON_DEMAND = { 'stand-in': { extra: './part' } };

/** The builder's own test plugins (tools/build/test/fixtures/<name>/main.ts). */
export function fixturePlugins(root) {
  const dir = join(root, 'tools/build/test/fixtures');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'main.ts')))
    .map((e) => ({ name: e.name, package: `fixture:${e.name}`, main: join(dir, e.name, 'main.ts'), onDemand: FIXTURE_ON_DEMAND[e.name] ?? {} }));
}

