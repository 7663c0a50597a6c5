// logFile as upstream's lumberjack keeps it (issue 23), through a real pod ADD/DEL in thin and in
// thick mode: a log already at logOptions.maxSize is moved aside (gzipped) by the call's first
// line, and the new log holds the call's lines, among them what an exec'd delegate wrote on
// stderr (thick mode keeps a request's stderr in the log, as the thin plugin does), and in thick
// mode the daemon's own lines.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkLeaks } from '@cni-ts/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { add, cluster, del, ok, setup, tmp, useCluster } from '@cni-ts/testkit/multus';
import { shim, startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();
useCluster();

const daemons: DaemonProc[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await stopDaemonProc(d, 'SIGKILL');
});

const MiB = 1024 * 1024;

/** A delegate that says on stderr what it was asked to do. */
function noisy(binDir: string): void {
  writeFileSync(
    path.join(binDir, 'noisy'),
    `#!/bin/sh\ncat >/dev/null\necho "noisy: $CNI_COMMAND $CNI_IFNAME" >&2\n[ "$CNI_COMMAND" = ADD ] || exit 0\n` +
      `printf '{"cniVersion":"1.0.0","interfaces":[{"name":"%s","sandbox":"%s"}]}' "$CNI_IFNAME" "$CNI_NETNS"\n`,
  );
  chmodSync(path.join(binDir, 'noisy'), 0o755);
}

describe('logFile rotation', () => {
  it.each(['thin', 'thick'] as const)('%s: a log at maxSize is rotated by the next call; the delegate\'s stderr is in the new log', async (mode) => {
    const nad = `noisy-${Math.random().toString(36).slice(2, 7)}`;
    const s = await setup({ annotation: () => nad });
    noisy(s.conf.binDir as string);
    await cluster.createNad({ name: nad, config: { cniVersion: '1.0.0', type: 'noisy' } });
    const logDir = tmp('log');
    const logFile = path.join(logDir, 'multus.log');
    writeFileSync(logFile, 'x'.repeat(MiB));
    const conf = { ...s.conf, logFile, logLevel: 'debug', logToStderr: false, logOptions: { maxSize: 1 } };
    if (mode === 'thin') {
      ok(await add(s, {}, conf));
      ok(await del(s, {}, conf));
    } else {
      const dir = path.join(tmp('sock'), 'multus');
      // The daemon's own lines go to the same file (its daemon-config names it, as upstream's does).
      daemons.push(await startDaemonProc(s.env.host.name, dir, { logFile, logLevel: 'debug', logOptions: { maxSize: 1 } }));
      const shimConf = { ...conf, type: 'multus-shim', daemonSocketDir: dir };
      ok(await shim(s.env.host.name, 'ADD', s, shimConf));
      ok(await shim(s.env.host.name, 'DEL', s, shimConf));
    }
    const backups = readdirSync(logDir).filter((n) => n !== 'multus.log');
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^multus-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log\.gz$/);
    expect(gunzipSync(readFileSync(path.join(logDir, backups[0]!))).toString()).toBe('x'.repeat(MiB));
    const text = readFileSync(logFile, 'utf8');
    expect(text).toMatch(/\[debug\] .*noisy: ADD net1/);
    expect(text).toMatch(/\[debug\] .*noisy: DEL net1/);
    if (mode === 'thick') expect(text).toMatch(/\[verbose\] listening on \S+multus\.sock\n/);
  }, 180_000);
});
