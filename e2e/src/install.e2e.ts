// `pnpm cni install --dest <tmp> loopback`, then the installed loopback must work on a machine
// where node_modules and every Node but the one inside the binary are gone. Each plugin run
// happens in a fresh mount namespace (unshare -m) with tmpfs over the workspace's node_modules,
// an empty file over every other `node`, an empty PATH and an empty environment, and a fresh
// tmpfs over the native-module cache (/run/cni-ts) so the embedded koffi is extracted anew.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addrs, link, must, testEnv } from '@cni-ts/testkit';

const ROOT = resolve(import.meta.dirname, '../..');
const hasLoopback = existsSync(join(ROOT, 'packages/loopback/src/main.ts'));

/** Every `node` a plugin could otherwise reach: on PATH and the usual places. */
function otherNodes(): string[] {
  const found = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin', '/bin'])) {
    const p = join(dir, 'node');
    if (dir && existsSync(p)) found.add(realpathSync(p));
  }
  // The workspace's own Node lives under node_modules, which is hidden as a whole.
  return [...found].filter((p) => !p.startsWith(join(ROOT, 'node_modules')));
}

const HIDE = `
set -e
mount -t tmpfs -o size=1m,mode=0755 cnits-hidden "$ROOT/node_modules"
for n in $NODES; do mount --bind "$EMPTY" "$n"; done
mkdir -p /run/cni-ts && mount -t tmpfs -o size=16m,mode=0700 cnits-cache /run/cni-ts
if env -i PATH="$PATH_INSIDE" sh -c 'command -v node' >/dev/null 2>&1; then echo "a node is still reachable" >&2; exit 90; fi
for n in $NODES; do if [ -s "$n" ]; then echo "$n still visible" >&2; exit 91; fi; done
if [ -e "$ROOT/node_modules/.bin" ]; then echo "node_modules still visible" >&2; exit 92; fi
set +e
env -i PATH="$PATH_INSIDE" CNI_COMMAND="$C_COMMAND" CNI_CONTAINERID=install-e2e CNI_NETNS="$C_NETNS" \\
  CNI_IFNAME=lo CNI_PATH="$C_PATH" "$PLUGIN" < "$CONFIG"
rc=$?
ls /run/cni-ts >&2
exit $rc
`;

let dest: string;
let work: string;

function hiddenRun(command: string, netns = '', config = '{}') {
  const configFile = join(work, 'config.json');
  writeFileSync(configFile, config);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', HIDE], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ROOT,
      NODES: otherNodes().join(' '),
      EMPTY: join(work, 'empty'),
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      PATH_INSIDE: '/nonexistent',
      PLUGIN: join(dest, 'loopback'),
      CONFIG: configFile,
      C_COMMAND: command,
      C_NETNS: netns,
      C_PATH: dest,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasLoopback)('installed loopback without node_modules or any other Node', () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cnits-install-e2e-'));
    writeFileSync(join(work, 'empty'), '');
    dest = join(work, 'bin');
    mkdirSync(dest);
    // Exactly what an operator runs (`pnpm cni install ...` is `node tools/cni.mjs install ...`).
    const r = spawnSync(process.execPath, [join(ROOT, 'tools/cni.mjs'), 'install', '--dest', dest, 'loopback'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
    });
    if (r.status !== 0) throw new Error(`pnpm cni install failed (${r.status}): ${r.stdout}${r.stderr}`);
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installed the binary and a native loopback launcher beside it', () => {
    expect(readFileSync(join(dest, 'loopback')).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(statSync(join(dest, 'loopback')).size).toBeLessThan(4096);
    expect(statSync(join(dest, 'loopback')).mode & 0o111).not.toBe(0);
    expect(statSync(join(dest, 'cni-ts-plugins')).mode & 0o111).not.toBe(0);
  });

  it('answers VERSION exactly as built', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'out/bin/manifest.json'), 'utf8'));
    const r = hiddenRun('VERSION');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(manifest.versions.loopback);
    expect(JSON.parse(r.stdout).supportedVersions).toContain('1.0.0');
  });

  it('gives the same VERSION bytes from the launcher, the early answer and the skeleton', () => {
    const env = (extra: Record<string, string>) => ({ PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION', ...extra });
    const launcher = spawnSync(join(dest, 'loopback'), [], { env: env({}), encoding: 'utf8' });
    const binary = join(dest, 'cni-ts-plugins');
    const early = spawnSync(binary, ['loopback'], { env: env({}), encoding: 'utf8' });
    const skeleton = spawnSync(binary, ['loopback'], { env: env({ CNI_TS_NO_EARLY_VERSION: '1' }), encoding: 'utf8' });
    expect(launcher.status).toBe(0);
    expect(launcher.stdout).toBe(early.stdout);
    expect(skeleton.status).toBe(0);
    expect(early.status).toBe(0);
    expect(early.stdout).toBe(skeleton.stdout);
    expect(early.stderr).toBe(skeleton.stderr);
  });

  it('brings lo up on ADD and down on DEL in a throwaway namespace', () => {
    const { container } = testEnv();
    must('ip', ['-n', container.name, 'link', 'set', 'lo', 'down']);
    const config = JSON.stringify({ cniVersion: '1.0.0', name: 'install-e2e', type: 'loopback' });

    const add = hiddenRun('ADD', container.path, config);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    // The native module was extracted into the fresh cache inside the hidden environment.
    expect(add.stderr).toMatch(/koffi-[\d.]+-[0-9a-f]{16}\.node/);
    const result = JSON.parse(add.stdout);
    expect(result.cniVersion).toBe('1.0.0');
    expect(result.interfaces?.[0]?.name).toBe('lo');
    expect(link(container.name, 'lo')?.flags).toContain('UP');
    expect(addrs(container.name, 'lo').map((a) => a.local)).toContain('127.0.0.1');

    const del = hiddenRun('DEL', container.path, config);
    expect(del.status, del.stdout + del.stderr).toBe(0);
    expect(del.stdout).toBe('');
    expect(link(container.name, 'lo')?.flags).not.toContain('UP');
  });
});
