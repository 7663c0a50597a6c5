// Attack 4 of issue 18: one pod's networks must not stall or crash the thick daemon that serves
// every pod of the node. The NADs and annotations are the attacker's, served by the stand-in API
// server; the daemon runs as a process in the test host's netns (bundled and with the image's V8
// flags where memory is the point).
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { checkLeaks, link } from '@cni-ts/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bundleDaemon } from '../bench/bundle';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../bench/memory';
import { encodeRequest } from '../src/api';
import { callDaemon } from '../src/client';
import { cluster, expectAttached, expectDetached, ok, oursDir, ROOT, setup, tmp, useCluster, type Setup } from '@cni-ts/testkit/multus';
import { shim, shimConf, startDaemonProc, stopDaemonProc, type DaemonProc, type DaemonRun } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
const bundles: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
});
afterAll(() => {
  for (const b of bundles) rmSync(path.dirname(b), { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function daemonIn(s: Setup, extra: Record<string, unknown> = {}, run: DaemonRun = {}): Promise<{ d: DaemonProc; dir: string }> {
  const dir = path.join(tmp('sock'), 'multus');
  const d = await startDaemonProc(s.env.host.name, dir, extra, run);
  daemons.push(d);
  return { d, dir };
}

/**
 * An exec'd delegate that takes its time: ADD records its pid, sleeps `seconds` (in a child, as
 * real plugins wait on a helper), then answers; DEL is instant.
 */
function slowPlugin(binDir: string, seconds: number): { pidFile: string } {
  const pidFile = path.join(tmp('slow'), 'pid');
  writeFileSync(
    path.join(binDir, 'slow'),
    `#!/bin/sh\ncat >/dev/null\n[ "$CNI_COMMAND" = ADD ] || exit 0\necho $$ > '${pidFile}'\nsleep ${seconds}\necho '{"cniVersion":"1.0.0"}'\n`,
  );
  chmodSync(path.join(binDir, 'slow'), 0o755);
  return { pidFile };
}

async function slowNad(): Promise<string> {
  const name = `slow-${Math.random().toString(36).slice(2, 7)}`;
  await cluster.createNad({ name, config: { cniVersion: '1.0.0', name: 'slow', type: 'slow' } });
  return name;
}

async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The shim's request for pod `s`, sent straight to the socket (no process to start). */
function request(s: Setup, command: string, conf: Record<string, unknown>, containerId = 'ctr1'): string {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: s.env.container.path, CNI_IFNAME: 'eth0', CNI_ARGS: s.args, CNI_PATH: oursDir() };
  return encodeRequest(env, Buffer.from(JSON.stringify(conf)));
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

describe('a slow delegate', () => {
  it('while an exec\'d delegate sleeps 3 s, /healthz answers within 1 s and another pod\'s ADD completes', async () => {
    const nad = await slowNad();
    const a = await setup({ annotation: () => nad });
    const { pidFile } = slowPlugin(a.conf.binDir as string, 3);
    const b = await setup();
    const { dir } = await daemonIn(a);
    const confA = shimConf(a, dir);
    // b's pod is served by the same daemon (same node): its config reaches the API server through a's relay.
    const confB = { ...shimConf(b, dir), kubeconfig: a.conf.kubeconfig };
    const pendingA = shim(a.env.host.name, 'ADD', a, confA);
    let aDone = 0;
    void pendingA.then(() => (aDone = Date.now()));
    await waitFor('the slow delegate to start', () => existsSync(pidFile));
    const slowStarted = Date.now();

    const t0 = performance.now();
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'GET', '/healthz', undefined, 5000)).status).toBe(200);
    const healthMs = performance.now() - t0;
    expect(healthMs).toBeLessThan(1000);
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'GET', '/readyz', undefined, 5000)).status).toBe(200);

    const rb = await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(b, 'ADD', confB, 'ctr2'), 60_000);
    expect(rb.status, rb.body).toBe(200);
    const bDone = Date.now();
    expectAttached(b);
    // b did not wait for a's delegate: it finished while a was still in its sleep.
    expect(aDone === 0 || bDone < aDone).toBe(true);
    expect(bDone - slowStarted).toBeLessThan(3000);

    ok(await pendingA);
    expect(link(a.env.container.name, 'eth0')).toBeDefined();
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(b, 'DEL', confB, 'ctr2'), 60_000)).status).toBe(200);
    expectDetached(b);
    ok(await shim(a.env.host.name, 'DEL', a, confA));
    expectDetached(a);
  });

  it('killing the shim mid-ADD cancels it; the runtime\'s DEL then leaves nothing (not even the delegate\'s processes)', async () => {
    const nad = await slowNad();
    const a = await setup({ annotation: () => nad });
    const { pidFile } = slowPlugin(a.conf.binDir as string, 30);
    const { d, dir } = await daemonIn(a);
    const conf = shimConf(a, dir);
    let child: ChildProcess | undefined;
    const pending = shim(a.env.host.name, 'ADD', a, conf, (c) => (child = c));
    await waitFor('the slow delegate to start', () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // By now the cluster network is plumbed; the runtime gives up and kills the shim.
    expect(link(a.env.container.name, 'eth0')).toBeDefined();
    child!.kill('SIGKILL');
    expect((await pending).code).not.toBe(0);
    // ... and sends the DEL at once: it runs after the cancelled ADD has rolled back.
    ok(await shim(a.env.host.name, 'DEL', a, conf));
    expectDetached(a);
    expect(alive(pid)).toBe(false);
    expect(d.log()).toMatch(/cancelled: the client went away/);
    expect(d.child.exitCode).toBe(null);
  });
});

describe('configs too large for the daemon', () => {
  it('10 x 1.2 MB NAD configs in one annotation: a 400 with a log line, and the daemon (bundled, the image\'s V8 flags) stays up', { timeout: 180_000 }, async () => {
    const pad = 'x'.repeat(1_200_000);
    const names: string[] = [];
    for (let i = 0; i < 10; i++) {
      const name = `big-${i}-${Math.random().toString(36).slice(2, 7)}`;
      await cluster.createNad({ name, config: { cniVersion: '1.0.0', name, type: 'macvlan', master: 'master0', pad } });
      names.push(name);
    }
    const a = await setup({ annotation: () => names.join(',') });
    const entry = await bundleDaemon();
    bundles.push(entry);
    // The bundle loads koffi (our in-process plugins' syscalls) by require, as the image's node_modules provide it.
    const koffi = createRequire(path.join(ROOT, 'packages/netlink/package.json')).resolve('koffi');
    const nodePath = koffi.slice(0, koffi.lastIndexOf('/node_modules/') + '/node_modules'.length);
    const { d, dir } = await daemonIn(a, {}, { entry, nodeFlags: DAEMON_NODE_FLAGS, env: { ...DAEMON_ENV, NODE_PATH: nodePath } });
    const conf = shimConf(a, dir);
    const r = await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(a, 'ADD', conf), 120_000);
    expect(r.status).toBe(400);
    const e = JSON.parse(r.body) as { code: number; msg: string; details?: string };
    expect(e.code, r.body).toBe(7);
    expect(e.msg).toMatch(/the pod's network configurations are larger than 2097152 bytes \(reading network-attachment-definition .*\/big-\d-/);
    expect(d.log()).toMatch(/\/cni ADD -> 400: .*larger than 2097152 bytes/);
    // Nothing attached, and the daemon is still there for everyone.
    expect(d.child.exitCode).toBe(null);
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'GET', '/healthz', undefined, 5000)).status).toBe(200);
    const del = await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(a, 'DEL', conf), 60_000);
    expect(del.status, del.body).toBe(200);
    expectDetached(a);
    const b = await setup();
    const confB = { ...shimConf(b, dir), kubeconfig: a.conf.kubeconfig };
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(b, 'ADD', confB, 'ctr2'), 60_000)).status).toBe(200);
    expectAttached(b);
    expect((await callDaemon(path.join(dir, 'multus.sock'), 'POST', '/cni', request(b, 'DEL', confB, 'ctr2'), 60_000)).status).toBe(200);
    expectDetached(b);
    expect(d.child.exitCode).toBe(null);
  });
});
