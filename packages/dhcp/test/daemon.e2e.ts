// The daemon process: pidfile, socket removal on SIGTERM, a stale socket left by a killed
// daemon, systemd socket activation (LISTEN_FDS) through systemd-socket-activate.

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRoot } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonLeases, makeBinDir, Proc, socketAnswers, startDaemon, until } from './harness';

requireRoot('dhcp daemon e2e');

let bin: string;
let state: string;
beforeAll(async () => {
  bin = await makeBinDir();
  state = mkdtempSync(join(tmpdir(), 'cnits-dhcp-state-'));
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

describe('dhcp daemon process', () => {
  it('writes the pidfile, removes socket and pidfile on SIGTERM; a killed one leaves a socket the next one replaces', async () => {
    const sock = join(bin, 'run/dhcp.sock');
    const pidfile = join(bin, 'dhcp.pid');
    const d = await startDaemon('ts', bin, sock, ['-pidfile', pidfile, '-statedir', state]);
    expect(readFileSync(pidfile, 'utf8')).toBe(String(d.proc.child.pid));
    expect(statSync(join(bin, 'run')).mode & 0o777).toBe(0o700);
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(pidfile)).toBe(false);

    const killed = await startDaemon('ts', bin, sock, ['-statedir', state]);
    await killed.stop('SIGKILL');
    expect(existsSync(sock)).toBe(true);
    expect(await socketAnswers(sock)).toBe(false);
    const next = await startDaemon('ts', bin, sock, ['-statedir', state]);
    expect(await daemonLeases(bin, sock)).toEqual([]);
    expect(await next.stop()).toBe(0);
  }, 180_000);

  it('refuses a relative pidfile and a socket another daemon is serving', async () => {
    const sock = join(bin, 'busy.sock');
    const bad = new Proc(join(bin, 'dhcp'), ['daemon', '-socketpath', sock, '-pidfile', 'rel.pid', '-statedir', state]);
    await until('exit', () => bad.exited, 15_000, 100);
    expect(bad.child.exitCode).toBe(1);
    expect(bad.output).toContain('Error writing pidfile "rel.pid": path not absolute');
    const first = await startDaemon('ts', bin, sock, ['-statedir', state]);
    const second = new Proc(join(bin, 'dhcp'), ['daemon', '-socketpath', sock, '-statedir', state]);
    await until('exit', () => second.exited, 15_000, 100);
    expect(second.child.exitCode).toBe(1);
    expect(second.output).toContain(`Error getting listener: listen unix ${sock}: bind: address already in use`);
    await first.stop();
  }, 180_000);

  it('takes the socket systemd passes (LISTEN_FDS) and leaves it in place on SIGTERM', async () => {
    const sock = join(bin, 'activated.sock');
    const act = new Proc('systemd-socket-activate', ['-l', sock, '--', join(bin, 'dhcp'), 'daemon', '-statedir', state]);
    await until('the activation socket', () => existsSync(sock), 10_000, 100);
    // The first connection starts the daemon on the passed socket.
    expect(await daemonLeases(bin, sock)).toEqual([]);
    expect(act.output).toContain('listening on the socket systemd passed');
    expect(await act.stop('SIGTERM')).toBe(0);
    expect(existsSync(sock)).toBe(true);
    rmSync(sock);
  }, 180_000);
});
