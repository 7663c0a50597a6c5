// tuning (ours) end to end: the scenarios of upstream's tuning_test.go (v1.9.1) plus the fixes
// listed in docs/compat.md. Plugins run from source inside a throwaway host netns against a
// veth pair in a throwaway container netns.
//
// Upstream scenarios ported (plugins/meta/tuning/tuning_test.go):
//   - passes prevResult through unchanged (sysctl only)
//   - configures and deconfigures promisc / mtu / txQLen / mac / allmulti from conf, and from args.cni
//   - mac from CNI_ARGS, from runtimeConfig
//   - DEL restores the original values and removes the backup file; custom dataDir
//   - allow-list rejecting / accepting net.ipv4.conf.all.log_martians
//   - duplicated sysctl keys are refused
//   - ADD/CHECK/DEL for every attribute
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaks, link, must, sysctl, testEnv, type TestEnv } from '@cni-ts/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { call, type Call, fallbackDataDir, ours } from './harness';

checkLeaks(['/run/cni/tuning']);

const dirs: string[] = [];
afterAll(() => {
  for (const d of [...dirs, fallbackDataDir()]) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'cnits-tuning-'));
  dirs.push(d);
  return d;
}

const ts = ours();
const MAC0 = '02:00:00:00:00:01';

/** A container with a veth pair `ifname` <-> `peer0`, both inside it, up, with a known MAC. */
function setup(ifname = 'eth0'): TestEnv {
  const env = testEnv();
  const ns = env.container.name;
  must('ip', ['-n', ns, 'link', 'add', ifname, 'address', MAC0, 'type', 'veth', 'peer', 'name', 'peer0']);
  must('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
  return env;
}

const prev = (ifname = 'eth0', netns = '/var/run/netns/x') => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: ifname, mac: MAC0, sandbox: netns }],
  ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 }],
});

const conf = (extra: Record<string, unknown>, dataDir?: string) => ({
  cniVersion: '1.0.0',
  name: 'tune',
  type: 'tuning',
  ...(dataDir && { dataDir }),
  ...extra,
  prevResult: prev(),
});

function run(env: TestEnv, command: string, stdin: unknown, more: Partial<Call> = {}) {
  return call(ts, env.host, { command, netns: env.container.path, ...more }, stdin);
}

function linkState(env: TestEnv, ifname = 'eth0') {
  const l = link(env.container.name, ifname)!;
  return { mtu: l.mtu, mac: l.address, promisc: (l.promiscuity ?? 0) > 0, allmulti: l.flags.includes('ALLMULTI'), txqlen: l.txqlen };
}

describe('tuning (ours)', () => {
  it('passes prevResult through and writes sysctls, IFNAME substituted', () => {
    const env = setup();
    const r = run(env, 'ADD', conf({ sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.forwarding': '1' } }));
    expect(r.code, r.stdout).toBe(0);
    expect(r.json).toEqual(prev());
    expect(sysctl(env.container.name, 'net/core/somaxconn')).toBe('512');
    expect(sysctl(env.container.name, 'net/ipv4/conf/eth0/forwarding')).toBe('1');
    expect(run(env, 'CHECK', conf({ sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.forwarding': '1' } })).code).toBe(0);
  });

  it('DEL puts back the sysctls ADD wrote, unless another writer changed them since (cni-ts)', () => {
    const env = setup();
    const dataDir = tmp();
    const ns = env.container.name;
    const before = [sysctl(ns, 'net/core/somaxconn'), sysctl(ns, 'net/ipv4/conf/eth0/forwarding'), sysctl(ns, 'net/ipv4/conf/all/log_martians')];
    const c = conf({ sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.conf.IFNAME.forwarding': '1', 'net.ipv4.conf.all.log_martians': '1' } }, dataDir);
    expect(run(env, 'ADD', c).code).toBe(0);
    must('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 1000 > /proc/sys/net/core/somaxconn']);
    expect(run(env, 'DEL', c).code).toBe(0);
    expect([sysctl(ns, 'net/core/somaxconn'), sysctl(ns, 'net/ipv4/conf/eth0/forwarding'), sysctl(ns, 'net/ipv4/conf/all/log_martians')]).toEqual([
      '1000',
      before[1],
      before[2],
    ]);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('interface-scoped sysctls on a dotted (VLAN-style) interface name', () => {
    const env = setup('eth0.100');
    const c = { ...conf({ sysctl: { 'net.ipv4.conf.IFNAME.forwarding': '1', 'net/ipv6/conf/eth0.100/accept_ra': '0', 'net.ipv4.conf.eth0/100.rp_filter': '2' } }), prevResult: prev('eth0.100') };
    const r = run(env, 'ADD', c, { ifname: 'eth0.100' });
    expect(r.code, r.stdout).toBe(0);
    const ns = env.container.name;
    expect(must('ip', ['netns', 'exec', ns, 'cat', '/proc/sys/net/ipv4/conf/eth0.100/forwarding']).trim()).toBe('1');
    expect(must('ip', ['netns', 'exec', ns, 'cat', '/proc/sys/net/ipv6/conf/eth0.100/accept_ra']).trim()).toBe('0');
    expect(must('ip', ['netns', 'exec', ns, 'cat', '/proc/sys/net/ipv4/conf/eth0.100/rp_filter']).trim()).toBe('2');
    expect(run(env, 'CHECK', c, { ifname: 'eth0.100' }).code).toBe(0);
  });

  it('sets every link attribute, backs the originals up, CHECKs, and DEL restores them', () => {
    const env = setup();
    const dataDir = tmp();
    const before = linkState(env);
    const c = conf({ mac: '02:aa:bb:cc:dd:ee', mtu: 1400, promisc: true, allmulti: true, txQLen: 77 }, dataDir);
    const r = run(env, 'ADD', c);
    expect(r.code, r.stdout).toBe(0);
    expect((r.json!.interfaces as { mac: string }[])[0]!.mac).toBe('02:aa:bb:cc:dd:ee');
    expect(linkState(env)).toEqual({ mtu: 1400, mac: '02:aa:bb:cc:dd:ee', promisc: true, allmulti: true, txqlen: 77 });
    expect(readFileSync(join(dataDir, 'ctr1_eth0.json'), 'utf8')).toBe(
      `{\n "mac": "${MAC0}",\n "promisc": false,\n "mtu": 1500,\n "allmulti": false,\n "txQLen": 1000\n}`,
    );
    expect(run(env, 'CHECK', c).code).toBe(0);
    const del = run(env, 'DEL', c);
    expect(del.code, del.stdout).toBe(0);
    expect(linkState(env)).toEqual(before);
    expect(readdirSync(dataDir)).toEqual([]);
    // DEL again: nothing to do
    expect(run(env, 'DEL', c).code).toBe(0);
  });

  it('args.cni overrides the config (also sysctl without a top-level sysctl: upstream panics)', () => {
    const env = setup();
    const dataDir = tmp();
    const c = conf(
      { mtu: 1400, args: { cni: { mtu: 1300, promisc: true, allmulti: true, txQLen: 5, mac: '02:00:00:00:00:aa', sysctl: { 'net.core.somaxconn': '600' } } } },
      dataDir,
    );
    const r = run(env, 'ADD', c);
    expect(r.code, r.stdout).toBe(0);
    expect(linkState(env)).toEqual({ mtu: 1300, mac: '02:00:00:00:00:aa', promisc: true, allmulti: true, txqlen: 5 });
    expect(sysctl(env.container.name, 'net/core/somaxconn')).toBe('600');
    expect(run(env, 'CHECK', c).code).toBe(0);
    expect(run(env, 'DEL', c).code).toBe(0);
    expect(linkState(env).mtu).toBe(1500);
  });

  it('MAC from CNI_ARGS and from runtimeConfig (precedence), reported as the kernel shows it', () => {
    const env = setup();
    const dataDir = tmp();
    let r = run(env, 'ADD', conf({ mac: '02:00:00:00:00:02' }, dataDir), { args: 'IgnoreUnknown=1;MAC=02:00:00:00:00:03' });
    expect(r.code, r.stdout).toBe(0);
    expect(linkState(env).mac).toBe('02:00:00:00:00:03');
    r = run(env, 'ADD', conf({ runtimeConfig: { mac: '02:00:00:00:00:0A' } }, dataDir), { args: 'MAC=02:00:00:00:00:03' });
    expect(r.code, r.stdout).toBe(0);
    expect((r.json!.interfaces as { mac: string }[])[0]!.mac).toBe('02:00:00:00:00:0a');
    expect(run(env, 'CHECK', conf({ runtimeConfig: { mac: '02:00:00:00:00:0A' } }, dataDir)).code).toBe(0);
    // the backup kept the MAC from before the first ADD
    expect(run(env, 'DEL', conf({}, dataDir)).code).toBe(0);
    expect(linkState(env).mac).toBe(MAC0);
  });

  it('CHECK reports each mismatch', () => {
    const env = setup();
    const dataDir = tmp();
    expect(run(env, 'ADD', conf({ mtu: 1400, sysctl: { 'net.core.somaxconn': '512' } }, dataDir)).code).toBe(0);
    const msg = (c: Record<string, unknown>) => run(env, 'CHECK', conf(c, dataDir)).json?.msg;
    expect(msg({ mtu: 1450 })).toBe('Error: Tuning configured MTU of eth0 is 1450, current value is 1400');
    expect(msg({ sysctl: { 'net.core.somaxconn': '513' } })).toBe('Error: Tuning configured value of /proc/sys/net/core/somaxconn is 513, current value is 512');
    expect(msg({ allmulti: true })).toBe('Error: Tuning configured all-multicast mode of eth0 is true, current value is false');
    expect(msg({ txQLen: 3 })).toBe('Error: Tuning configured Transmit Queue Length of eth0 is 3, current value is 1000');
    expect(msg({ promisc: true })).toBe('Error: Tuning link eth0 configured promisc is true, current value is 0');
    expect(msg({ mac: '02:00:00:00:00:99' })).toBe(`Error: Tuning configured Ethernet of eth0 is 02:00:00:00:00:99, current value is ${MAC0}`);
    expect(run(env, 'CHECK', conf({ mtu: 1400 }, dataDir), { ifname: 'nope0' }).json?.msg).toBe('Cannot find container link nope0');
    expect(run(env, 'CHECK', { ...conf({}), prevResult: undefined }).json?.msg).toBe('Required prevResult missing');
    // a promiscuous link no longer fails a config that does not ask for promisc (upstream does)
    must('ip', ['-n', env.container.name, 'link', 'set', 'eth0', 'promisc', 'on']);
    expect(run(env, 'CHECK', conf({ mtu: 1400 }, dataDir)).code).toBe(0);
    // sysctl values compare with blanks normalised: the kernel prints tcp_rmem with tabs
    expect(run(env, 'ADD', conf({ sysctl: { 'net.ipv4.tcp_rmem': '4096 87380 6291456' } }, dataDir)).code).toBe(0);
    expect(run(env, 'CHECK', conf({ sysctl: { 'net.ipv4.tcp_rmem': '4096 87380 6291456' } }, dataDir)).code).toBe(0);
  });

  it('refuses bad input without changing anything', () => {
    const env = setup();
    const dataDir = tmp();
    const before = linkState(env);
    const somax = sysctl(env.container.name, 'net/core/somaxconn');
    const err = (c: unknown, more: Partial<Call> = {}) => {
      const r = run(env, 'ADD', c, more);
      expect(r.code).toBe(1);
      return r.json;
    };
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999' }, mac: 'zz' }, dataDir))).toMatchObject({
      code: 999,
      msg: 'invalid args zz for MAC addr: address zz: invalid MAC address',
    });
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999', 'kernel.hostname': 'x' } }, dataDir))!.msg).toBe('invalid net sysctl key: "kernel.hostname"');
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999', 'net/ipv4/../../kernel/hostname': 'x' } }, dataDir))!.msg).toMatch(/^invalid net sysctl key/);
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999' }, mtu: 1400 }, dataDir), { ifname: 'nope0' })!.msg).toBe('failed to get "nope0": Link not found');
    // a kernel refusal part-way: the sysctl written before is put back, no backup is left
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999' }, mtu: 99999 }, dataDir))!.msg).toBe('failed to set MTU of "eth0" to 99999: invalid argument');
    expect(err(conf({ sysctl: { 'net.core.somaxconn': '999', 'net.core.nope': '1' } }, dataDir))!.msg).toBe(
      'open /proc/sys/net/core/nope: no such file or directory',
    );
    expect(err('{"cniVersion":"1.0.0","name":"n","type":"tuning","sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}}')!.msg).toBe(
      'duplicated sysctl keys are not allowed',
    );
    expect(err({ ...conf({}), prevResult: undefined })!.msg).toBe('Required prevResult missing');
    expect(err(conf({ mtu: '1400' }))).toMatchObject({
      msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field TuningConf.mtu of type int',
      details: 'mtu',
    });
    expect(linkState(env)).toEqual(before);
    expect(sysctl(env.container.name, 'net/core/somaxconn')).toBe(somax);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('a repeated ADD keeps the first originals for DEL', () => {
    const env = setup();
    const dataDir = tmp();
    expect(run(env, 'ADD', conf({ mtu: 1400 }, dataDir)).code).toBe(0);
    expect(run(env, 'ADD', conf({ mtu: 1300 }, dataDir)).code).toBe(0);
    expect(run(env, 'DEL', conf({ mtu: 1300 }, dataDir)).code).toBe(0);
    expect(linkState(env).mtu).toBe(1500);
  });

  it('DEL removes the backup also when the link or the netns is gone (upstream leaks it)', () => {
    const env = setup();
    const dataDir = tmp();
    expect(run(env, 'ADD', conf({ mtu: 1400 }, dataDir)).code).toBe(0);
    must('ip', ['-n', env.container.name, 'link', 'del', 'eth0']);
    expect(run(env, 'DEL', conf({}, dataDir)).code).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);

    must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
    expect(run(env, 'ADD', conf({ mtu: 1400 }, dataDir)).code).toBe(0);
    const gone = call(ts, env.host, { command: 'DEL', netns: '/run/netns/cnits-does-not-exist' }, conf({}, dataDir));
    expect(gone.code, gone.stdout).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
    expect(run(env, 'ADD', conf({ mtu: 1400 }, dataDir)).code).toBe(0);
    expect(call(ts, env.host, { command: 'DEL', netns: '' }, conf({}, dataDir)).code).toBe(0);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('the backup directory defaults to CNI_TS_TUNING_DATA_DIR when the config has none', () => {
    const env = setup();
    const dataDir = tmp();
    const e = { env: { CNI_TS_TUNING_DATA_DIR: join(dataDir, 'sub') } };
    expect(run(env, 'ADD', conf({ mtu: 1400 }), e).code).toBe(0);
    expect(existsSync(join(dataDir, 'sub', 'ctr1_eth0.json'))).toBe(true);
    expect(run(env, 'DEL', conf({}), e).code).toBe(0);
    expect(readdirSync(join(dataDir, 'sub'))).toEqual([]);
  });

  it('allow-list: refuses a sysctl it does not list, accepts one it does', () => {
    const env = setup();
    const dir = tmp();
    const list = join(dir, 'allowlist.conf');
    const allow = ours(join(import.meta.dirname, 'fixtures/allowlist-main.ts'));
    const c = conf({ sysctl: { 'net.ipv4.conf.all.log_martians': '1' } });
    const e = { env: { TUNING_TEST_ALLOWLIST: list } };
    writeFileSync(list, '^net\\.core\\.somaxconn$\n');
    let r = call(allow, env.host, { command: 'ADD', netns: env.container.path, ...e }, c);
    expect(r.json?.msg).toBe('Sysctl net.ipv4.conf.all.log_martians is not allowed. Only the following sysctls are allowed: [^net\\.core\\.somaxconn$]');
    writeFileSync(list, '^net\\.core\\.somaxconn$\n^net\\.ipv4\\.conf\\.[a-z0-9]*\\.log_martians$\n');
    r = call(allow, env.host, { command: 'ADD', netns: env.container.path, ...e }, c);
    expect(r.code, r.stdout).toBe(0);
    expect(sysctl(env.container.name, 'net/ipv4/conf/all/log_martians')).toBe('1');
  });

  it('results at older spec versions: converted back to the config version', () => {
    const env = setup();
    const dataDir = tmp();
    const c = {
      cniVersion: '0.3.1',
      name: 'tune',
      type: 'tuning',
      dataDir,
      mac: '02:00:00:00:00:0b',
      prevResult: { cniVersion: '0.3.1', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ version: '4', address: '10.1.0.2/24', interface: 0 }] },
    };
    const r = run(env, 'ADD', c);
    expect(r.json).toEqual({
      cniVersion: '0.3.1',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:0b', sandbox: '/x' }],
      ips: [{ version: '4', address: '10.1.0.2/24', interface: 0 }],
      dns: {},
    });
    expect(run(env, 'DEL', c).code).toBe(0);
  });
});
