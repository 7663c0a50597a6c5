// The Go oracle (Debian's containernetworking-plugins in /usr/lib/cni) must work inside the
// user-mode-linux guest too, since ipvlan can only be compared there: run its ipvlan plugin
// with host-local IPAM through ADD and DEL in throwaway namespaces.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addrs, checkLeaks, link, must, testEnv, type TestNetns } from '@cni-ts/testkit';

const ORACLE = '/usr/lib/cni';

/** Runs an oracle plugin from inside `ns` (where its master lives) like a runtime would. */
function cni(ns: TestNetns, command: 'ADD' | 'DEL', target: TestNetns, config: object) {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, join(ORACLE, 'ipvlan')], {
    input: JSON.stringify(config),
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: 'oracle-ipvlan-ctr',
      CNI_NETNS: target.path,
      CNI_IFNAME: 'eth0',
      CNI_PATH: ORACLE,
    },
  });
  if (r.status !== 0) throw new Error(`ipvlan ${command} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as { ips: { address: string }[] });
}

describe('Go oracle in the kernel suite: ipvlan + host-local', () => {
  checkLeaks(['/var/lib/cni']);
  let dataDir = '';
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('adds an ipvlan with an address from host-local and deletes it again', () => {
    expect(existsSync(join(ORACLE, 'ipvlan')), `${ORACLE}/ipvlan (apt-get install containernetworking-plugins)`).toBe(true);
    const { host, container } = testEnv();
    must('ip', ['-n', host.name, 'link', 'add', 'orcdummy0', 'type', 'dummy']);
    must('ip', ['-n', host.name, 'link', 'set', 'orcdummy0', 'up']);
    dataDir = mkdtempSync(join(tmpdir(), 'cnits-oracle-'));
    const config = {
      cniVersion: '1.0.0',
      name: 'oracle-ipvlan',
      type: 'ipvlan',
      master: 'orcdummy0',
      mode: 'l2',
      ipam: { type: 'host-local', subnet: '10.197.0.0/24', dataDir },
    };

    const result = cni(host, 'ADD', container, config);
    expect(result?.ips[0]?.address).toMatch(/^10\.197\.0\.\d+\/24$/);
    const eth0 = link(container.name, 'eth0');
    expect(eth0?.linkinfo?.info_kind).toBe('ipvlan');
    expect(eth0?.linkinfo?.info_data?.mode).toBe('l2');
    const address = result!.ips[0]!.address.split('/')[0];
    expect(addrs(container.name, 'eth0').map((a) => a.local)).toContain(address);
    expect(readdirSync(join(dataDir, 'oracle-ipvlan'))).toContain(address);

    cni(host, 'DEL', container, config);
    expect(link(container.name, 'eth0')).toBeUndefined();
    expect(readdirSync(join(dataDir, 'oracle-ipvlan'))).not.toContain(address);
    // DEL is idempotent: a second one succeeds with the interface already gone.
    cni(host, 'DEL', container, config);
  });
});
