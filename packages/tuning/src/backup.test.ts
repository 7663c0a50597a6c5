import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupFile, encodeBackup, readBackup, writeBackup } from './backup';

const dir = mkdtempSync(join(tmpdir(), 'cnits-tuning-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backup files', () => {
  it("encode as upstream's json.MarshalIndent(configToRestore, \"\", \" \")", () => {
    expect(encodeBackup({ mac: 'aa:bb:cc:dd:ee:ff', promisc: false, mtu: 1500, allmulti: true, txQLen: 1000 })).toBe(
      '{\n "mac": "aa:bb:cc:dd:ee:ff",\n "promisc": false,\n "mtu": 1500,\n "allmulti": true,\n "txQLen": 1000\n}',
    );
    expect(encodeBackup({ mtu: 9000 })).toBe('{\n "mtu": 9000\n}');
    expect(encodeBackup({ mac: '', mtu: 0 })).toBe('{}');
  });

  it('are named <containerID>_<ifname>.json, written 0600 in a 0700 directory, and read back', () => {
    const f = backupFile(join(dir, 'sub'), 'c1', 'net1');
    expect(f).toBe(join(dir, 'sub', 'c1_net1.json'));
    writeBackup(f, { mtu: 1500, promisc: false });
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(readBackup(f)).toEqual({ mtu: 1500, promisc: false });
    expect(readFileSync(f, 'utf8')).toBe('{\n "promisc": false,\n "mtu": 1500\n}');
  });

  it('keep the first originals when ADD runs again for the same attachment', () => {
    const f = backupFile(dir, 'c2', 'eth0');
    writeBackup(f, { mtu: 1500 });
    writeBackup(f, { mtu: 9000, allmulti: false });
    expect(readBackup(f)).toEqual({ mtu: 1500, allmulti: false });
  });

  it('carry the sysctl originals last (upstream ignores the key), merged with old values winning', () => {
    expect(encodeBackup({ mtu: 1500, sysctl: { '/proc/sys/net/core/somaxconn': '4096' } })).toBe(
      '{\n "mtu": 1500,\n "sysctl": {\n  "/proc/sys/net/core/somaxconn": "4096"\n }\n}',
    );
    const f = backupFile(dir, 'c3', 'eth0');
    writeBackup(f, { sysctl: { a: '1', b: '2' } });
    writeBackup(f, { sysctl: { a: '9', c: '3' }, mtu: 1500 });
    expect(readBackup(f)).toEqual({ mtu: 1500, sysctl: { a: '1', b: '2', c: '3' } });
  });

  it('read as nothing when absent', () => {
    expect(readBackup(join(dir, 'none.json'))).toBeUndefined();
  });
});
