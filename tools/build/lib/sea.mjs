// Turns a CommonJS bundle into a Node single-executable application: the SEA blob (with V8 code
// cache and assets) from `node --experimental-sea-config`, injected by postject into a copy of
// the same Node binary that made the blob (the code cache only loads on that exact build).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The SEA configuration we ship with, and why each field is set. */
export function seaConfig(main, blob, assets) {
  return {
    main,
    output: blob,
    // A plugin's stderr is read by runtimes and humans; the warning is noise there.
    disableExperimentalSEAWarning: true,
    // Compiled bytecode for the bundle's top level: the main start-up win (see docs/perf.md).
    useCodeCache: true,
    useSnapshot: false,
    // NODE_OPTIONS set for kubelet or containerd must not change (or break) how a plugin runs.
    execArgvExtension: 'none',
    assets,
  };
}

/**
 * @param {object} o
 * @param {string} o.node the Node binary to embed (also runs the blob step)
 * @param {string} o.main the CommonJS script
 * @param {Record<string, string>} o.assets asset name -> file
 * @param {string} o.workDir scratch directory
 * @param {string} o.output executable to (atomically) write
 */
export async function makeSea({ node, main, assets, workDir, output }) {
  const cfgFile = join(workDir, 'sea.json');
  const blob = join(workDir, 'sea.blob');
  writeFileSync(cfgFile, `${JSON.stringify(seaConfig(main, blob, assets), null, 2)}\n`);
  const r = spawnSync(node, ['--experimental-sea-config', cfgFile], { cwd: workDir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node --experimental-sea-config failed (exit ${r.status}): ${r.stderr}${r.stdout}`);
  const tmp = `${output}.${process.pid}.tmp`;
  copyFileSync(node, tmp);
  try {
    const { inject } = createRequire(import.meta.url)('postject');
    // postject logs its progress with console.log/warn; keep the build output quiet.
    const { log, warn } = console;
    console.log = console.warn = () => {};
    try {
      await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL });
    } finally {
      console.log = log;
      console.warn = warn;
    }
    chmodSync(tmp, 0o755);
    renameSync(tmp, output);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
