// Thick mode runs delegates against the host's filesystem, as upstream (chrootDir): the daemon
// here lives in a mount namespace of its own, as in its pod: the host's root is bind-mounted at
// <tmp>/hostroot (its chrootDir), a host-only directory is hidden from it, and host-local's data
// directory is a tmpfs of its own (a container's filesystem, gone when it restarts). A delegate
// that reads the host-only file works only chrooted; host-local's reservation lands in the
// host's directory and survives a daemon restart (the DEL through the new daemon releases it);
// a pod netns the daemon cannot see (Talos's /var/run/netns) is found under chrootDir. Real
// kernel, stand-in API server, daemon and shim processes.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkLeaks, link } from '@cni-ts/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { cluster, ok, reserved, setup, tmp, useCluster } from '@cni-ts/testkit/multus';
import { shim, shimConf, startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
const mounts: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
  for (const m of mounts.splice(0)) execFileSync('umount', [m]);
});

const SECRET = `host-only-${Math.random().toString(36).slice(2, 9)}`;

/** A delegate that answers only when it can read the host-only file: its content goes into the result's dns.domain. */
function hostcat(binDir: string, file: string): void {
  writeFileSync(
    path.join(binDir, 'hostcat'),
    `#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = ADD ] || exit 0\nif ! secret=$(cat '${file}' 2>/dev/null); then echo '{"code":999,"msg":"hostcat: cannot read ${file}"}'; exit 1; fi\n` +
      `printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}],"dns":{"domain":"%s"}}' "$CNI_IFNAME" "$CNI_NETNS" "$secret"\n`,
  );
  chmodSync(path.join(binDir, 'hostcat'), 0o755);
}

describe('chrootDir: delegates against the host\'s filesystem', () => {
  it('a delegate reads a host-only file; host-local\'s reservation survives a daemon restart; a netns the daemon cannot see is found under chrootDir', async () => {
    const nad = `hostcat-${Math.random().toString(36).slice(2, 7)}`;
    const s = await setup({ annotation: () => nad });
    const hostOnly = tmp('hostonly');
    writeFileSync(path.join(hostOnly, 'secret'), SECRET);
    hostcat(s.conf.binDir as string, path.join(hostOnly, 'secret'));
    await cluster.createNad({ name: nad, config: { cniVersion: '1.0.0', type: 'hostcat' } });
    // The pod's netns at a path only the host root shows (as Talos's /var/run/netns).
    const nsDir = tmp('talos-netns');
    const netns = path.join(nsDir, 'cni-pod');
    writeFileSync(netns, '');
    execFileSync('mount', ['--bind', s.env.container.path, netns]);
    mounts.push(netns);

    const root = tmp('root');
    const hostRoot = path.join(root, 'hostroot');
    mkdirSync(hostRoot);
    const pod = (extra: string) => [
      `mount --rbind / '${hostRoot}'`,
      `mount -t tmpfs hidden '${hostOnly}'`,
      `mount -t tmpfs hidden '${nsDir}'`,
      // host-local's directory in the daemon's own filesystem: a container's, emptied on restart.
      `mount -t tmpfs container '${s.ipamDirs.cluster}'`,
      extra,
    ].join('\n');
    const dir = path.join(tmp('sock'), 'multus');
    const start = async () => {
      const d = await startDaemonProc(s.env.host.name, dir, { kubeconfig: s.conf.kubeconfig, chrootDir: hostRoot }, { mountSetup: pod('') });
      daemons.push(d);
      return d;
    };
    const env = { CNI_NETNS: netns };
    const d1 = await start();
    const added = ok(await shim(s.env.host.name, 'ADD', s, shimConf(s, dir), undefined, env))!;
    expect(added.interfaces).toContainEqual(expect.objectContaining({ name: 'eth0' }));
    // hostcat ran chrooted: it read the host-only file the daemon cannot see.
    const cached = JSON.parse(readFileSync(path.join(s.cniDir, 'results', `${nad}-ctr1-net1`), 'utf8'));
    expect(cached.result.dns).toEqual({ domain: SECRET });
    expect(link(s.env.container.name, 'eth0')?.linkinfo?.info_kind).toBe('veth');
    // host-local (exec'd chrooted, in its host-side directory): the reservation is on the host.
    expect(reserved(s.ipamDirs.cluster)).toHaveLength(1);
    expect(await stopDaemonProc(d1)).toBe(0);

    const d2 = await start();
    expect(reserved(s.ipamDirs.cluster)).toHaveLength(1);
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir), undefined, env));
    expect(reserved(s.ipamDirs.cluster)).toEqual([]);
    expect(link(s.env.container.name, 'eth0')).toBeUndefined();
    expect(readdirSync(path.join(s.cniDir, 'results'))).toEqual([]);

    // Without chrootDir the same delegate runs in the daemon's filesystem, where the file is not.
    await stopDaemonProc(d2);
    const plain = await startDaemonProc(s.env.host.name, dir, { kubeconfig: s.conf.kubeconfig }, { mountSetup: pod('') });
    daemons.push(plain);
    const r = await shim(s.env.host.name, 'ADD', s, shimConf(s, dir));
    expect(r.code).toBe(1);
    expect((r.json as { msg: string }).msg).toContain(`hostcat: cannot read ${path.join(hostOnly, 'secret')}`);
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    rmSync(path.join(hostOnly, 'secret'));
    // Three daemon starts (each up to 30 s on a loaded machine) and four shim calls.
  }, 180_000);
});
