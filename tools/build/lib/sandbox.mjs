// Trains the bundle's V8 code cache on real ADD/CHECK/DEL requests (training.mjs), so that the
// functions a command actually runs ship compiled (measured: ~8 ms less CPU for a loopback ADD
// than a cache of the compiled top level alone). The requests change the network and write state,
// so they run in a sandbox: new network and mount namespaces (unshare), tmpfs over /run and
// /var/lib, a throwaway container namespace, veths for uplinks, and a shell stub for IPAM.
// Nothing reaches the build host. Needs root and unshare(1); without them the build keeps the
// VERSION-trained cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulationEnv } from './target.mjs';
import { requestsFor, SANDBOX_LINKS, stubIpam } from './training.mjs';

const TRAIN = join(import.meta.dirname, 'train.cjs');
const CONTAINER = 'train';
const STUB_DIR = '/run/cni-ts-train/bin';

const sh = (cmd, ...args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Whether this build can train in a sandbox (root, unshare(1)). */
export const canSandbox = () => process.geteuid?.() === 0 && spawnSync('unshare', ['--version']).status === 0;

/**
 * Extends each plugin's cache (`cacheIn` -> `cacheOut`; plugins without requests are left alone).
 * @param {{node: string, workDir: string, plugins: {name: string, training?: object, bundleFile: string, cacheIn: string, cacheOut: string}[]}} o
 * @returns {{ok: boolean, why?: string, ran?: number, failed?: number}}
 */
export function trainInSandbox(o) {
  if (!canSandbox()) return { ok: false, why: 'needs root and unshare(1)' };
  if (!o.plugins.some((p) => requestsFor(p).length)) return { ok: false, why: 'no plugin has training requests' };
  const spec = join(o.workDir, 'train-spec.json');
  const report = join(o.workDir, 'train-report.json');
  writeFileSync(spec, JSON.stringify({ ...o, report }));
  const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', o.node, import.meta.filename, spec], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0 || !existsSync(report)) return { ok: false, why: `sandbox exited ${r.status ?? r.signal}: ${r.stderr.slice(0, 500)}` };
  return { ok: true, ...JSON.parse(readFileSync(report, 'utf8')) };
}

/** Inside the sandbox: prepare it, then run every request, each extending the cache. */
function inside(spec) {
  const o = JSON.parse(readFileSync(spec, 'utf8'));
  sh('mount', '-t', 'tmpfs', 'cni-ts-train', '/run');
  sh('mount', '-t', 'tmpfs', 'cni-ts-train', '/var/lib');
  sh('ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'netns', 'add', CONTAINER);
  sh('ip', '-n', CONTAINER, 'link', 'set', 'lo', 'up');
  const { uplink, device, containerIf } = SANDBOX_LINKS;
  sh('ip', 'link', 'add', uplink, 'type', 'veth', 'peer', 'name', `${uplink}p`);
  sh('ip', 'link', 'add', device, 'type', 'veth', 'peer', 'name', `${device}p`);
  sh('ip', 'link', 'add', containerIf, 'netns', CONTAINER, 'type', 'veth', 'peer', 'name', 'ctr0p');
  for (const l of [uplink, `${uplink}p`, device, `${device}p`, 'ctr0p']) sh('ip', 'link', 'set', l, 'up');
  mkdirSync(STUB_DIR, { recursive: true });
  writeFileSync(join(STUB_DIR, 'train-ipam'), stubIpam());
  chmodSync(join(STUB_DIR, 'train-ipam'), 0o755);

  let ran = 0;
  let failed = 0;
  for (const p of o.plugins) {
    const requests = requestsFor(p);
    if (!requests.length) continue;
    let cache = p.cacheIn;
    let prevResult;
    for (const req of requests) {
      const next = join(o.workDir, `train.${p.name}.${ran}`);
      const config = req.command === 'CHECK' && prevResult ? { ...req.config, prevResult } : req.config;
      const r = spawnSync(o.node, [TRAIN, p.bundleFile, cache, next, p.name], {
        input: JSON.stringify(config),
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          ...emulationEnv(),
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          CNI_COMMAND: req.command,
          CNI_CONTAINERID: 'cni-ts-train',
          CNI_NETNS: `/run/netns/${CONTAINER}`,
          CNI_IFNAME: req.ifname,
          CNI_PATH: STUB_DIR,
        },
      });
      ran += 1;
      if (r.status !== 0) failed += 1;
      if (req.command === 'ADD' && r.status === 0) {
        try {
          prevResult = JSON.parse(r.stdout);
        } catch {
          prevResult = undefined;
        }
      }
      if (existsSync(next)) cache = next;
    }
    copyFileSync(cache, p.cacheOut);
  }
  writeFileSync(o.report, JSON.stringify({ ran, failed }));
}

if (import.meta.main) inside(process.argv[2]);
