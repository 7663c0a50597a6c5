// The resident server end to end: the built binary's `serve`, launchers installed with its socket,
// plugins run the way a runtime runs them (exec of /opt/cni/bin/<plugin>-like files, CNI_* env,
// config on stdin), compared with the exec path byte for byte.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, startResidentServer, testEnv, type ResidentServerProcess } from '@cni-ts/testkit';
// @ts-expect-error -- plain .mjs without types
import { build } from '../../../tools/build/build.mjs';
// @ts-expect-error -- plain .mjs without types
import { install } from '../../../tools/install/install.mjs';
// @ts-expect-error -- plain .mjs without types
import { nativeLauncher } from '../../../tools/install/native-launcher.mjs';

const ROOT = resolve(import.meta.dirname, '../../..');
let work: string;
let bin: string;
let socket: string;
let server: ResidentServerProcess | undefined;

interface Out {
  status: number | null;
  stdout: string;
  stderr: string;
}

const startServer = () => startResidentServer(join(bin, 'cni-ts-plugins'), socket, join(work, 'serve.log'));
const stats = () => server!.stats();

/** A call as a runtime makes it, optionally inside a network namespace (`ip netns exec`). */
function call(file: string, env: Record<string, string>, stdin: string, netns?: string): Promise<Out> {
  const argv = netns ? ['ip', ['netns', 'exec', netns, file]] : [file, []];
  return new Promise((done, fail) => {
    const child = spawn(argv[0] as string, argv[1] as string[], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const cniEnv = (command: string, containerId: string, netns: string, ifname = 'eth0') => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: containerId,
  CNI_NETNS: netns,
  CNI_IFNAME: ifname,
  CNI_PATH: bin,
});

beforeAll(async () => {
  // In /tmp itself: the non-root caller's test needs every directory above the socket searchable.
  work = mkdtempSync('/tmp/cnits-serve-');
  await build({ ifNeeded: true, log: () => {} });
  bin = join(work, 'bin');
  socket = join(work, 'run/plugins.sock');
  install({ binDir: join(ROOT, 'out/bin'), dest: bin, socket });
  const t0 = performance.now();
  server = await startServer();
  console.log(`server.e2e: the resident server listened ${Math.round(performance.now() - t0)} ms after its start`);
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('cni-ts-plugins serve', () => {
  it('serves a call byte for byte as the exec path answers it, errors included', async () => {
    const { container } = testEnv();
    const before = (await stats()).served!;
    const good = JSON.stringify({ cniVersion: '1.0.0', name: 'serve-e2e', type: 'loopback' });
    for (const [command, stdin] of [
      ['ADD', good],
      ['CHECK', good],
      ['ADD', '{"cniVersion": "1.0.0", "name": '],
      ['ADD', JSON.stringify({ cniVersion: '9.9.9', name: 'x', type: 'loopback' })],
      ['DEL', good],
    ] as const) {
      const env = cniEnv(command, 'serve-e2e', container.path, 'lo');
      const served = await call(join(bin, 'loopback'), env, stdin);
      const execd = await call(join(ROOT, 'out/bin/loopback'), env, stdin);
      expect(served, `${command} ${stdin}`).toEqual(execd);
    }
    expect((await stats()).served! - before).toBe(5);
  });

  it("runs a plugin in the caller's network namespace: macvlan + host-local from a test host namespace", async () => {
    const env = testEnv();
    const { host, container } = env;
    env.hostLink('up0');
    const dataDir = join(work, 'ipam-macvlan');
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'serve-macvlan',
      type: 'macvlan',
      master: 'up0',
      ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir },
    });
    const add = await call(join(bin, 'macvlan'), cniEnv('ADD', 'mv1', container.path), conf, host.name);
    expect(add.status, add.stdout + add.stderr).toBe(0);
    expect(JSON.parse(add.stdout).ips[0].address).toBe('10.77.0.2/24');
    expect(link(container.name, 'eth0')).toBeDefined();
    const check = await call(join(bin, 'macvlan'), cniEnv('CHECK', 'mv1', container.path), JSON.stringify({ ...JSON.parse(conf), prevResult: JSON.parse(add.stdout) }), host.name);
    expect(check.status, check.stdout).toBe(0);
    const del = await call(join(bin, 'macvlan'), cniEnv('DEL', 'mv1', container.path), conf, host.name);
    expect(del.status, del.stdout).toBe(0);
    expect(link(container.name, 'eth0')).toBeUndefined();
  });

  it('serves a caller in a mount namespace of its own (its /run/netns and /var/lib): the plugin works with its paths', async () => {
    const env = testEnv();
    const { host, container } = env;
    env.hostLink('up1');
    // CNI_NETNS and host-local's default dataDir exist only in the caller's mount namespace, as
    // for a runtime in a private one (the runtimes suite's worlds).
    const priv = join(work, 'private');
    mkdirSync(priv, { recursive: true });
    const conf = join(work, 'private.json');
    writeFileSync(conf, JSON.stringify({ cniVersion: '1.0.0', name: 'serve-private', type: 'macvlan', master: 'up1', ipam: { type: 'host-local', subnet: '10.79.0.0/24' } }));
    const script = [
      'set -e',
      'mount -t tmpfs cnits-serve-priv "$PRIV"',
      'touch "$PRIV/c"',
      'mount --bind "$NS" "$PRIV/c"',
      'mount -t tmpfs cnits-serve-varlib /var/lib',
      'CNI_COMMAND=ADD "$L" < "$CONF" > "$PRIV/add" || { cat "$PRIV/add"; exit 3; }',
      'ls /var/lib/cni/networks/serve-private > "$PRIV/leases"',
      'CNI_COMMAND=DEL "$L" < "$CONF" || exit 4',
      'cat "$PRIV/add"; echo; echo ---; cat "$PRIV/leases"; echo ---; ls /var/lib/cni/networks/serve-private',
    ].join('\n');
    const before = await stats();
    const r = spawnSync('ip', ['netns', 'exec', host.name, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PRIV: priv, NS: container.path, CONF: conf, L: join(bin, 'macvlan'), CNI_NETNS: join(priv, 'c'), CNI_CONTAINERID: 'priv1', CNI_IFNAME: 'eth0', CNI_PATH: bin },
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const [add, leases, after] = r.stdout.split('\n---\n');
    expect(JSON.parse(add!).ips[0].address).toBe('10.79.0.2/24');
    expect(JSON.parse(add!).interfaces[0].sandbox).toBe(join(priv, 'c'));
    expect(leases).toContain('10.79.0.2');
    expect(after).not.toContain('10.79.0.2');
    // Not in the server's own /var/lib, and nothing left where the server sees it.
    expect(existsSync('/var/lib/cni/networks/serve-private')).toBe(false);
    expect(readdirSync(priv)).toEqual([]);
    const now = await stats();
    expect(now.served! - before.served!).toBe(2);
    expect(now.otherMounts! - before.otherMounts!).toBe(2);
    expect(now.fallbacks).toBe(before.fallbacks);
  });

  it('turns away a launcher of another build and a caller that is not root; both still get an answer', async () => {
    const { container } = testEnv();
    const other = join(work, 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'loopback'), nativeLauncher({ name: 'loopback', binary: join(bin, 'cni-ts-plugins'), socket, buildId: 'another-build' }), { mode: 0o755 });
    const before = await stats();
    const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'serve-e2e', type: 'loopback' });
    const r = await call(join(other, 'loopback'), { ...cniEnv('ADD', 'other', container.path, 'lo'), CNI_PATH: other }, conf);
    expect(r.status, r.stdout).toBe(0);
    // A non-root caller that could reach the socket (its modes loosened on purpose) is refused
    // by its peer credentials; its launcher then execs the binary, which fails as that user would.
    chmodSync(join(work, 'run'), 0o755);
    chmodSync(socket, 0o666);
    chmodSync(work, 0o755);
    try {
      const nobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', join(bin, 'loopback')], {
        env: cniEnv('DEL', 'nobody', container.path, 'lo'),
        input: conf,
        encoding: 'utf8',
      });
      expect(nobody.status).not.toBeNull();
    } finally {
      chmodSync(socket, 0o600);
      chmodSync(join(work, 'run'), 0o700);
      chmodSync(work, 0o700);
    }
    const after = await stats();
    expect(after.refused! - before.refused!).toBe(2);
    expect(after.served).toBe(before.served);
  });

  it('loses no call when killed in the middle of a burst, and leaves nothing behind', async () => {
    const ns = testEnv().container.path;
    const dataDir = join(work, 'ipam-burst');
    const ipamConf = JSON.stringify({ cniVersion: '1.0.0', name: 'burst', ipam: { type: 'host-local', subnet: '10.78.0.0/24', dataDir } });
    const ids = Array.from({ length: 24 }, (_, i) => `burst${i}`);
    const calls = ids.map((id) => call(join(bin, 'host-local'), cniEnv('ADD', id, ns), ipamConf));
    const killed = server!.child;
    setTimeout(() => killed.kill('SIGKILL'), 150);
    const outs = await Promise.all(calls);
    await new Promise((r) => (killed.exitCode !== null || killed.signalCode !== null ? r(undefined) : killed.once('exit', r)));
    // Each either got its result (served or by the exec fallback) or a clean CNI error, which
    // the runtime answers with a DEL and a retry.
    for (const [i, out] of outs.entries()) {
      if (out.status !== 0) {
        expect(JSON.parse(out.stdout).code, out.stdout).toBeTypeOf('number');
        await call(join(bin, 'host-local'), cniEnv('DEL', ids[i]!, ns), ipamConf);
        outs[i] = await call(join(bin, 'host-local'), cniEnv('ADD', ids[i]!, ns), ipamConf);
      }
      expect(outs[i]!.status, outs[i]!.stdout).toBe(0);
    }
    const addresses = outs.map((o) => JSON.parse(o.stdout).ips[0].address);
    expect(new Set(addresses).size).toBe(ids.length);
    // In parallel, as a runtime's DELs come: one at a time, 24 exec'd DELs took a minute on a loaded machine.
    for (const out of await Promise.all(ids.map((id) => call(join(bin, 'host-local'), cniEnv('DEL', id, ns), ipamConf)))) expect(out.status, out.stdout).toBe(0);
    expect(readdirSync(join(dataDir, 'burst')).filter((f) => /^\d/.test(f))).toEqual([]);

    // A new server takes over the socket the killed one left behind; SIGTERM then lets a burst
    // in flight finish.
    server = await startServer();
    const more = ids.map((id) => call(join(bin, 'host-local'), cniEnv('ADD', id, ns), ipamConf));
    const stopped = server.child;
    setTimeout(() => stopped.kill('SIGTERM'), 100);
    for (const out of await Promise.all(more)) expect(out.status, out.stdout).toBe(0);
    for (const out of await Promise.all(ids.map((id) => call(join(bin, 'host-local'), cniEnv('DEL', id, ns), ipamConf)))) expect(out.status, out.stdout).toBe(0);
    expect(readdirSync(join(dataDir, 'burst')).filter((f) => /^\d/.test(f))).toEqual([]);
    expect(await server.stop()).toBe(0);
  }, 120_000);
});
