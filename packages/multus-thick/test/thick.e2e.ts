// Thick mode against the real kernel and the stand-in API server: the shim + daemon give a pod
// exactly what thin mode gives it; a daemon killed mid-ADD leaves nothing behind once the
// runtime's DEL and retry went through; DEL with the daemon down fails loudly, then succeeds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkLeaks, link, links } from '@cni-ts/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { add, cluster, del, expectAttached, expectDetached, ok, reserved, setup, useCluster } from '@cni-ts/testkit/multus';
import { shim, shimConf, startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cnits-thick-sock-'));
  dirs.push(d);
  return path.join(d, 'multus');
}

async function daemonIn(hostNs: string, dir: string): Promise<DaemonProc> {
  const d = await startDaemonProc(hostNs, dir);
  daemons.push(d);
  return d;
}

const annotation = async (pod: string) => (await cluster.getPod(pod)).metadata!.annotations!['k8s.v1.cni.cncf.io/network-status']!;

/** A result or annotation with what differs between two pods (MACs, sandbox, NAD names) masked. */
function masked(text: string, s: Awaited<ReturnType<typeof setup>>): string {
  return text
    .replace(/[0-9a-f]{2}(:[0-9a-f]{2}){5}/gi, 'MAC')
    .replace(/veth[0-9a-f]{8}/g, 'VETH')
    .replaceAll(s.env.container.path, 'NETNS')
    .replaceAll(s.nad, 'NAD');
}

describe('thick mode', () => {
  it('gives the same interfaces, result and network-status annotation as thin mode', async () => {
    const thin = await setup();
    const thinOut = ok(await add(thin))!;
    const thick = await setup();
    const dir = socketDir();
    await daemonIn(thick.env.host.name, dir);
    const r = await shim(thick.env.host.name, 'ADD', thick, shimConf(thick, dir));
    const thickOut = ok(r)!;
    expectAttached(thick);
    const shape = (ns: string) => links(ns).map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? ''}:${l.mtu}`).sort();
    expect(shape(thick.env.container.name)).toEqual(shape(thin.env.container.name));
    expect(masked(JSON.stringify(thickOut), thick)).toBe(masked(JSON.stringify(thinOut), thin));
    expect(masked(await annotation(thick.podName), thick)).toBe(masked(await annotation(thin.podName), thin));

    ok(await shim(thick.env.host.name, 'DEL', thick, shimConf(thick, dir)));
    expectDetached(thick);
    ok(await del(thin));
    expectDetached(thin);
  });

  it('a daemon killed mid-ADD leaves nothing behind after the runtime DELs and retries', async () => {
    const s = await setup();
    const dir = socketDir();
    const d = await daemonIn(s.env.host.name, dir);
    // Hold the network-status PUT: by then the delegates have plumbed eth0 and net1.
    cluster.stub!.fault({ method: 'PUT', path: new RegExp(`/pods/${s.podName}/status$`), times: 1, delayMs: 4000 });
    const pending = shim(s.env.host.name, 'ADD', s, shimConf(s, dir));
    const deadline = Date.now() + 20_000;
    while (!link(s.env.container.name, 'net1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(link(s.env.container.name, 'net1')).toBeDefined();
    await stopDaemonProc(d, 'SIGKILL');
    const failed = await pending;
    expect(failed.code).toBe(1);
    expect((failed.json as { msg: string }).msg).toMatch(/CmdAdd \(shim\)/);

    // The runtime cleans up the failed sandbox with DEL (against a restarted daemon), then retries.
    await daemonIn(s.env.host.name, dir);
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    expectDetached(s);
    ok(await shim(s.env.host.name, 'ADD', s, shimConf(s, dir)));
    // host-local hands out the next address after a release, so only the shape is the same.
    expect(link(s.env.container.name, 'eth0')?.linkinfo?.info_kind).toBe('veth');
    expect(link(s.env.container.name, 'net1')?.linkinfo?.info_kind).toBe('macvlan');
    expect(reserved(s.ipamDirs.cluster)).toHaveLength(1);
    expect(reserved(s.ipamDirs.macvlan)).toHaveLength(1);
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    expectDetached(s);
  });

  it('DEL with the daemon down fails loudly, then succeeds once the daemon is back', async () => {
    const s = await setup();
    const dir = socketDir();
    const d = await daemonIn(s.env.host.name, dir);
    ok(await shim(s.env.host.name, 'ADD', s, shimConf(s, dir)));
    expectAttached(s);
    expect(await stopDaemonProc(d, 'SIGTERM')).toBe(0);
    const down = await shim(s.env.host.name, 'DEL', s, shimConf(s, dir));
    expect(down.code).toBe(1);
    expect(down.json).toMatchObject({ code: 11 });
    expect((down.json as { msg: string }).msg).toMatch(/^CmdDel \(shim\): /);
    expectAttached(s);
    await daemonIn(s.env.host.name, dir);
    ok(await shim(s.env.host.name, 'DEL', s, shimConf(s, dir)));
    expectDetached(s);
  });
});
