// macvlan against the real kernel: every option, in throwaway namespaces. The plugin runs as a
// process whose own netns is the test "host" (where the master lives); IPAM is our host-local
// and static through launchers in CNI_PATH.
import { addrs, checkLeaks, link, links, must, ping, routes, sysctl, testEnv, type TestEnv, underTest } from '@cni-ts/testkit';
import { describe, expect, it } from 'vitest';
import { cni, ipamFiles } from '@cni-ts/testkit';

checkLeaks();

const plugin = underTest('macvlan');

function hl(extra: Record<string, unknown> = {}) {
  const d = plugin.dir();
  return { type: 'host-local', dataDir: d, subnet: '10.77.0.0/24', ...extra };
}

const conf = (extra: Record<string, unknown> = {}, cniVersion = '1.0.0') => ({
  cniVersion,
  name: 'mvnet',
  type: 'macvlan',
  master: 'master0',
  ipam: hl(),
  ...extra,
});

/** A host with master0 (a veth whose peer sits in a "peer" namespace at 10.77.0.254). */
function setup(): TestEnv & { peer: string } {
  const env = testEnv();
  env.hostLink('master0');
  const peer = env.extra('peer');
  must('ip', ['-n', env.host.name, 'link', 'set', 'master0p', 'netns', peer.name]);
  must('ip', ['-n', peer.name, 'addr', 'add', '10.77.0.254/24', 'dev', 'master0p']);
  must('ip', ['-n', peer.name, 'link', 'set', 'master0p', 'up']);
  return { ...env, peer: peer.name };
}

const add = (env: TestEnv, c: unknown, more: Record<string, string> = {}) => cni(plugin.ours, env.host.name, { command: 'ADD', netns: env.container.path, ...more }, c);
const del = (env: TestEnv, c: unknown, more: Record<string, string> = {}) => cni(plugin.ours, env.host.name, { command: 'DEL', netns: env.container.path, ...more }, c);
const check = (env: TestEnv, c: unknown, more: Record<string, string> = {}) => cni(plugin.ours, env.host.name, { command: 'CHECK', netns: env.container.path, ...more }, c);

function ok(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json;
}

function errorOf(r: ReturnType<typeof cni>) {
  expect(r.code, r.stdout).toBe(1);
  return r.json as { code: number; msg: string; details?: string };
}

describe('ADD', () => {
  it('creates a bridge-mode macvlan on the master with IPAM addresses, routes and the notify sysctls', () => {
    const env = setup();
    const c = conf({ ipam: hl({ routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.77.0.254' }] }), dns: { nameservers: ['10.77.0.53'] } });
    const r = ok(add(env, c))!;
    const eth0 = link(env.container.name, 'eth0')!;
    expect(r).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: eth0.address, sandbox: env.container.path }],
      ips: [{ interface: 0, address: '10.77.0.2/24', gateway: '10.77.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '10.99.0.0/16', gw: '10.77.0.254' }],
      dns: { nameservers: ['10.77.0.53'] },
    });
    expect(eth0.linkinfo?.info_kind).toBe('macvlan');
    expect(eth0.linkinfo?.info_data?.mode).toBe('bridge');
    expect(eth0.link_netnsid).toBeDefined(); // parent in another namespace
    expect(eth0.flags).toContain('UP');
    expect(eth0.mtu).toBe(1500);
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toContain('10.77.0.2/24');
    const r4 = routes(env.container.name);
    expect(r4).toContainEqual(expect.objectContaining({ dst: 'default', gateway: '10.77.0.1', dev: 'eth0' }));
    expect(r4).toContainEqual(expect.objectContaining({ dst: '10.99.0.0/16', gateway: '10.77.0.254' }));
    expect(sysctl(env.container.name, 'net/ipv4/conf/eth0/arp_notify')).toBe('1');
    expect(sysctl(env.container.name, 'net/ipv6/conf/eth0/ndisc_notify')).toBe('1');
    // Nothing new in the host namespace: the link was created straight into the container.
    expect(links(env.host.name).map((l) => l.ifname).toSorted()).toEqual(['lo', 'master0']);
    ok(del(env, c));
  });

  it.each(['bridge', 'private', 'vepa', 'passthru'])('mode %s', (mode) => {
    const env = setup();
    const c = conf({ mode });
    const prevResult = ok(add(env, c));
    expect(link(env.container.name, 'eth0')?.linkinfo?.info_data?.mode).toBe(mode);
    ok(check(env, { ...c, prevResult }));
    ok(del(env, c));
    expect(link(env.container.name, 'eth0')).toBeUndefined();
  });

  it('mtu: set, inherited when 0, refused above the master or below 0', () => {
    const env = setup();
    must('ip', ['-n', env.host.name, 'link', 'set', 'master0', 'mtu', '1450']);
    ok(add(env, conf({ mtu: 1400 })));
    expect(link(env.container.name, 'eth0')?.mtu).toBe(1400);
    ok(del(env, conf({ mtu: 1400 })));
    ok(add(env, conf({ mtu: 0 })));
    expect(link(env.container.name, 'eth0')?.mtu).toBe(1450);
    ok(del(env, conf()));
    for (const mtu of [1451, -1]) {
      const c = conf({ mtu });
      expect(errorOf(add(env, c))).toEqual({ code: 999, msg: `invalid MTU ${mtu}, must be [0, master MTU(1450)]` });
      expect(link(env.container.name, 'eth0')).toBeUndefined();
      expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'mvnet')).toEqual([]);
    }
    expect(errorOf(add(env, conf({ mtu: '1500' })))).toEqual({
      code: 999,
      msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int',
      details: 'mtu',
    });
  });

  it('mac: config < CNI_ARGS MAC < runtimeConfig.mac; a bad one fails cleanly', () => {
    const env = setup();
    const base = conf({ mac: '02:00:00:00:00:01' });
    expect((ok(add(env, base))!.interfaces as { mac: string }[])[0]!.mac).toBe('02:00:00:00:00:01');
    ok(del(env, base));
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    const args = { args: 'IgnoreUnknown=1;K8S_POD_NAME=x;MAC=02:00:00:00:00:02' };
    ok(add(env, base, args));
    expect(link(env.container.name, 'eth0')?.address).toBe('02:00:00:00:00:02');
    ok(del(env, base, args));
    const rc = { ...base, runtimeConfig: { mac: '02-00-00-00-00-03' } };
    ok(add(env, rc, args));
    expect(link(env.container.name, 'eth0')?.address).toBe('02:00:00:00:00:03');
    ok(del(env, rc, args));
    const bad = conf({ mac: 'nope' });
    expect(errorOf(add(env, bad))).toEqual({ code: 999, msg: 'invalid args nope for MAC addr: address nope: invalid MAC address' });
    expect(errorOf(add(env, base, { args: 'FOO=bar' }))).toEqual({ code: 999, msg: 'ARGS: unknown args ["FOO=bar"]' });
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(ipamFiles((bad.ipam as { dataDir: string }).dataDir, 'mvnet')).toEqual([]);
  });

  it('master defaults to the interface of the default route', () => {
    const env = setup();
    const c = { ...conf(), master: undefined };
    expect(errorOf(add(env, c)).msg).toBe('no default route interface found');
    must('ip', ['-n', env.host.name, 'addr', 'add', '10.77.0.10/24', 'dev', 'master0']);
    must('ip', ['-n', env.host.name, 'route', 'add', 'default', 'via', '10.77.0.254']);
    ok(add(env, c));
    expect(link(env.container.name, 'eth0')?.linkinfo?.info_kind).toBe('macvlan');
    ok(del(env, c));
  });

  it('linkInContainer: the master is looked up and the macvlan created in the container', () => {
    const env = setup();
    must('ip', ['-n', env.container.name, 'link', 'add', 'cmaster', 'type', 'veth', 'peer', 'name', 'cpeer']);
    must('ip', ['-n', env.container.name, 'link', 'set', 'cmaster', 'up']);
    const c = conf({ master: 'cmaster', linkInContainer: true });
    ok(add(env, c));
    const eth0 = link(env.container.name, 'eth0')!;
    expect(eth0.link).toBe('cmaster');
    ok(check(env, { ...c, prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }], ips: [{ interface: 0, address: '10.77.0.2/24', gateway: '10.77.0.1' }] } }));
    ok(del(env, c));
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    // the master is in the container, not on the host
    expect(errorOf(add(env, conf({ master: 'cmaster' }))).msg).toBe('Link not found');
  });

  it('bcqueuelen sets the broadcast queue length', () => {
    const env = setup();
    ok(add(env, conf({ bcqueuelen: 123 })));
    expect(link(env.container.name, 'eth0')?.linkinfo?.info_data?.bcqueuelen).toBe(123);
  });

  it('L2 (no IPAM type): link up, no addresses; 0.2.0 cannot express that and fails after the fact, as upstream', () => {
    const env = setup();
    const c = conf({ ipam: {} });
    const r = ok(add(env, c))!;
    expect(r.ips).toBeUndefined();
    expect(link(env.container.name, 'eth0')?.flags).toContain('UP');
    expect(addrs(env.container.name, 'eth0').filter((a) => a.family === 'inet')).toEqual([]);
    ok(del(env, c));
    const old = { ...c, cniVersion: '0.2.0' };
    expect(errorOf(add(env, old))).toEqual({ code: 999, msg: 'cannot convert: no valid IP addresses' });
    expect(link(env.container.name, 'eth0')).toBeDefined();
    ok(del(env, old));
  });

  it('IPv6 from static IPAM, with the runtime choosing the address (ips capability)', () => {
    const env = setup();
    const c = {
      cniVersion: '1.0.0',
      name: 'mvnet',
      type: 'macvlan',
      master: 'master0',
      mode: 'bridge',
      capabilities: { ips: true },
      ipam: { type: 'static', routes: [{ dst: '::/0' }] },
      runtimeConfig: { ips: ['10.77.0.20/24', 'fd00:77::20/64'] },
    };
    const r = ok(add(env, c))!;
    expect(r.ips).toEqual([
      { interface: 0, address: '10.77.0.20/24' },
      { interface: 0, address: 'fd00:77::20/64' },
    ]);
    expect(addrs(env.container.name, 'eth0').map((a) => `${a.local}/${a.prefixlen}`)).toEqual(expect.arrayContaining(['10.77.0.20/24', 'fd00:77::20/64']));
    expect(sysctl(env.container.name, 'net/ipv6/conf/eth0/keep_addr_on_down')).toBe('1');
    expect(routes(env.container.name, 6)).toContainEqual(expect.objectContaining({ dst: 'default', dev: 'eth0' }));
    ok(del(env, c));
  });

  it('result shapes follow the config version', () => {
    const env = setup();
    for (const v of ['0.3.1', '0.4.0', '1.1.0']) {
      const c = conf({}, v);
      const r = ok(add(env, c))!;
      expect(r.cniVersion).toBe(v);
      expect((r.ips as Record<string, unknown>[])[0]).toMatchObject(v.startsWith('0.') ? { version: '4', address: '10.77.0.2/24' } : { address: '10.77.0.2/24' });
      ok(del(env, c));
    }
    const c = conf({}, '0.2.0');
    expect(ok(add(env, c))).toMatchObject({ cniVersion: '0.2.0', ip4: { ip: '10.77.0.2/24', gateway: '10.77.0.1' } });
    ok(del(env, c));
  });
});

describe('traffic', () => {
  it('two pods on one master reach each other (bridge mode) and the peer behind the master', () => {
    const env = setup();
    const pod2 = env.extra('pod2');
    const c = conf({ ipam: hl({ rangeStart: '10.77.0.10' }) });
    ok(add(env, c, { containerId: 'pod1' }));
    ok(cni(plugin.ours, env.host.name, { command: 'ADD', netns: pod2.path, containerId: 'pod2' }, c));
    expect(addrs(pod2.name, 'eth0').map((a) => a.local)).toContain('10.77.0.11');
    expect(ping(env.container.name, '10.77.0.11')).toBe(true);
    expect(ping(pod2.name, '10.77.0.10')).toBe(true);
    expect(ping(env.container.name, '10.77.0.254')).toBe(true);
    expect(ping(env.peer, '10.77.0.11')).toBe(true);
  });

  it('private mode isolates pods of the same master', () => {
    const env = setup();
    const pod2 = env.extra('pod2');
    const c = conf({ mode: 'private', ipam: hl({ rangeStart: '10.77.0.10' }) });
    ok(add(env, c, { containerId: 'pod1' }));
    ok(cni(plugin.ours, env.host.name, { command: 'ADD', netns: pod2.path, containerId: 'pod2' }, c));
    expect(ping(env.container.name, '10.77.0.11', 1, 1)).toBe(false);
    expect(ping(env.container.name, '10.77.0.254')).toBe(true);
  });
});

describe('DEL', () => {
  it('releases the address and deletes the link; again is fine, so is a missing netns, link or master', () => {
    const env = setup();
    const c = conf();
    ok(add(env, c));
    const dir = (c.ipam as { dataDir: string }).dataDir;
    expect(ipamFiles(dir, 'mvnet')).toContain('10.77.0.2');
    ok(del(env, c));
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    expect(ipamFiles(dir, 'mvnet')).not.toContain('10.77.0.2');
    ok(del(env, c));
    ok(del(env, c, { netns: '' }));
    ok(del(env, c, { netns: '/run/netns/cnits-does-not-exist' }));
    ok(add(env, c));
    must('ip', ['-n', env.host.name, 'link', 'del', 'master0']);
    // deleting the master takes the macvlan with it; DEL still succeeds and releases the IP
    ok(del(env, c));
    expect(ipamFiles(dir, 'mvnet')).not.toContain('10.77.0.2');
    ok(del(env, { ...c, master: undefined }));
  });
});

describe('fixes (docs/compat.md)', () => {
  it('a netns that cannot be opened is named in the error (upstream prints %!q(<nil>))', () => {
    const env = setup();
    expect(errorOf(add(env, conf(), { netns: '/run/netns/cnits-gone' })).msg).toBe(
      'failed to open netns "/run/netns/cnits-gone": failed to Statfs "/run/netns/cnits-gone": no such file or directory',
    );
  });

  it('DEL still deletes the link when IPAM DEL fails, and reports the IPAM error', () => {
    const env = setup();
    const c = conf();
    ok(add(env, c));
    const e = errorOf(del(env, c, { path: '/nonexistent' }));
    expect(e.msg).toBe('failed to find plugin "host-local" in path [/nonexistent]');
    expect(link(env.container.name, 'eth0')).toBeUndefined();
    ok(del(env, c));
  });

  it('config errors name the field in details', () => {
    const env = setup();
    expect(errorOf(add(env, conf({ linkInContainer: 'yes' })))).toEqual({
      code: 999,
      msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.linkInContainer of type bool',
      details: 'linkInContainer',
    });
  });
});

describe('rollback', () => {
  it('a failure after IPAM removes the link and releases the address (upstream leaks the link)', () => {
    const env = setup();
    // the same route twice: ConfigureIface fails on the second (file exists)
    const c = conf({ ipam: hl({ routes: [{ dst: '10.99.0.0/16', gw: '10.77.0.254' }, { dst: '10.99.0.0/16', gw: '10.77.0.254' }] }) });
    const e = errorOf(add(env, c));
    expect(e.msg).toBe("failed to add route '10.99.0.0/16 via 10.77.0.254 dev eth0 metric 0 (Scope: universe, Table: 0)': file exists");
    expect(links(env.container.name).map((l) => l.ifname)).toEqual(['lo']);
    expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'mvnet').filter((f) => f.startsWith('10.'))).toEqual([]);
  });

  it.each([
    ['unknown mode', { mode: 'nope' }, 'unknown macvlan mode: "nope"'],
    ['missing master', { master: 'nope0' }, 'Link not found'],
    ['an interface name taken in the container', {}, 'failed to rename macvlan to "eth0": file exists'],
  ])('%s leaves no link and no reservation', (name, extra, msg) => {
    const env = setup();
    if (name.startsWith('an interface')) must('ip', ['-n', env.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'x0']);
    const c = conf(extra);
    expect(errorOf(add(env, c))).toEqual({ code: 999, msg });
    expect(links(env.container.name).filter((l) => l.linkinfo?.info_kind === 'macvlan')).toEqual([]);
    expect(ipamFiles((c.ipam as { dataDir: string }).dataDir, 'mvnet')).toEqual([]);
  });
});

describe('CHECK', () => {
  it('passes on what ADD made and notices what changed', () => {
    const env = setup();
    const c = conf({ ipam: hl({ routes: [{ dst: '10.99.0.0/16', gw: '10.77.0.254' }] }) });
    const prevResult = ok(add(env, c));
    ok(check(env, { ...c, prevResult }));
    expect(errorOf(check(env, c)).msg).toBe('required prevResult missing');
    expect(errorOf(check(env, { ...c, mode: 'vepa', prevResult })).msg).toBe('container macvlan mode bridge does not match expected value: vepa');
    const wrongMac = { ...prevResult, interfaces: [{ ...(prevResult!.interfaces as object[])[0], mac: '02:00:00:00:00:99' }] };
    expect(errorOf(check(env, { ...c, prevResult: wrongMac })).msg).toMatch(/^interface eth0 Mac 02:00:00:00:00:99 doesn't match container Mac: /);
    expect(errorOf(check(env, { ...c, prevResult }, { netns: env.extra('other').path })).msg).toMatch(/^sandbox in prevResult  doesn't match configured netns/);
    must('ip', ['-n', env.container.name, 'route', 'del', '10.99.0.0/16']);
    expect(errorOf(check(env, { ...c, prevResult })).msg).toBe(
      'Expected Route {Dst:10.99.0.0/16 GW:10.77.0.254 MTU:0 AdvMSS:0 Priority:0 Table:<nil> Scope:<nil>} not found in routing table',
    );
    must('ip', ['-n', env.container.name, 'addr', 'flush', 'dev', 'eth0']);
    expect(errorOf(check(env, { ...c, prevResult })).msg).toBe('Failed to match addr 10.77.0.2/24 on interface eth0');
    ok(del(env, c));
    expect(errorOf(check(env, { ...c, prevResult })).msg).toMatch(/^failed to find plugin|^host-local|10\.77\.0\.2/);
    expect(errorOf(check(env, { ...c, cniVersion: '0.3.1', prevResult })).msg).toBe('config version does not allow CHECK');
  });
});

describe('STATUS', () => {
  it('asks IPAM (1.1.0 only) and does not need the master', () => {
    const env = setup();
    ok(cni(plugin.ours, env.host.name, { command: 'STATUS', containerId: '', ifname: '' }, conf({ master: 'gone0' }, '1.1.0')));
    expect(errorOf(cni(plugin.ours, env.host.name, { command: 'STATUS' }, conf({}, '1.0.0'))).msg).toBe('config version does not allow STATUS');
  });
});
