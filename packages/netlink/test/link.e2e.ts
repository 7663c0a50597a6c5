import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkLeaks, ipJson, link, links, must, testEnv, type IpLink } from '@cni-ts/testkit';
import {
  LinkNotFoundError,
  NetlinkError,
  isNotFound,
  linkAdd,
  linkByName,
  linkList,
  openHandle,
  openNetns,
  sameNetns,
  withNetns,
  type NetlinkHandle,
} from '../src/index';

function envWithHandle() {
  const env = testEnv();
  const h = openHandle(env.host.path);
  const ctr = openNetns(env.container.path);
  // closed by onTestFinished in testEnv's order: register ours after it so they run first
  return { env, h, ctr, done: () => (h.close(), ctr.close()) };
}

function withHandle(fn: (x: ReturnType<typeof envWithHandle>) => void) {
  return () => {
    const x = envWithHandle();
    try {
      fn(x);
    } finally {
      x.done();
    }
  };
}

const must1 = (l: IpLink | undefined): IpLink => {
  expect(l).toBeDefined();
  return l!;
};

function sameNetnsOfPid(pid: number, path: string): boolean {
  try {
    return sameNetns(`/proc/${pid}/ns/net`, path);
  } catch {
    return false;
  }
}

const err = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return e as NetlinkError;
  }
  throw new Error('expected an error');
};

describe('links', () => {
  checkLeaks();

  it(
    'creates a veth pair with the peer directly inside another namespace',
    withHandle(({ env, h, ctr }) => {
      h.linkAdd({ kind: 'veth', name: 've0', mtu: 1400, mac: '02:00:00:00:01:00', peer: { name: 've1', netns: ctr, mac: '02:00:00:00:01:01' } });
      const host = must1(link(env.host.name, 've0'));
      expect(host.linkinfo?.info_kind).toBe('veth');
      expect(host.mtu).toBe(1400);
      expect(host.address).toBe('02:00:00:00:01:00');
      const peer = must1(link(env.container.name, 've1'));
      expect(peer.mtu).toBe(1400); // inherited, like vishvananda/netlink
      expect(peer.address).toBe('02:00:00:00:01:01');
      expect(link(env.host.name, 've1')).toBeUndefined();
      const ours = h.linkByName('ve0');
      expect(ours).toMatchObject({ name: 've0', kind: 'veth', mtu: 1400, index: host.ifindex, mac: '02:00:00:00:01:00' });
      expect(ours.linkNetnsId).toBeDefined();
      expect(ours.parentIndex).toBe(peer.ifindex);
    }),
  );

  it(
    'lists links like ip link',
    withHandle(({ env, h }) => {
      env.hostLink('lst0');
      const ours = h.linkList().map((l) => [l.index, l.name, l.mtu, l.mac, l.kind ?? null]);
      const theirs = links(env.host.name).map((l) => [l.ifindex, l.ifname, l.mtu, l.address, l.linkinfo?.info_kind ?? null]);
      expect(ours).toEqual(theirs);
      const byIndex = h.linkByIndex(theirs[1]![0] as number);
      expect(byIndex.name).toBe(theirs[1]![1]);
      expect(h.linkByName('lo')).toMatchObject({ index: 1, type: 772 });
    }),
  );

  it(
    'sets up/down, mtu, mac, name, alias, promisc, allmulti, txqlen',
    withHandle(({ env, h }) => {
      env.hostLink('set0', 'set1');
      const name = env.host.name;
      h.linkSetDown('set0');
      expect(must1(link(name, 'set0')).flags).not.toContain('UP');
      h.linkSetUp('set0');
      expect(must1(link(name, 'set0')).flags).toContain('UP');
      h.linkSetMtu('set0', 1280);
      h.linkSetHardwareAddr('set0', '02:00:00:00:02:00');
      h.linkSetAlias('set0', 'an alias');
      h.linkSetPromisc('set0', true);
      h.linkSetAllmulti('set0', true);
      h.linkSetTxQLen('set0', 123);
      let l = must1(link(name, 'set0'));
      expect(l).toMatchObject({ mtu: 1280, address: '02:00:00:00:02:00', ifalias: 'an alias', promiscuity: 1, txqlen: 123 });
      expect(l.flags).toEqual(expect.arrayContaining(['PROMISC', 'ALLMULTI']));
      const ours = h.linkByName('set0');
      expect(ours).toMatchObject({ mtu: 1280, alias: 'an alias', promisc: true, allmulti: true, txqlen: 123, up: true });
      h.linkSetPromisc('set0', false);
      h.linkSetAllmulti('set0', false);
      h.linkSetAlias('set0', '');
      h.linkSetName(ours, 'renamed0');
      l = must1(link(name, 'renamed0'));
      expect(l.flags).not.toContain('PROMISC');
      expect(l.flags).not.toContain('ALLMULTI');
      expect(l.ifalias).toBeUndefined();
      expect(l.ifindex).toBe(ours.index);
      // setting several things in one request
      h.linkSetDown('renamed0');
      h.linkSet('renamed0', { name: 'set0', mtu: 1300, up: true });
      expect(must1(link(name, 'set0'))).toMatchObject({ mtu: 1300, ifindex: ours.index });
    }),
  );

  it(
    'creates a bridge, enslaves and releases a port, sets port options',
    withHandle(({ env, h }) => {
      env.hostLink('port0', 'port1');
      h.linkAdd({ kind: 'bridge', name: 'br0', mtu: 1450 });
      const br = ipJson<IpLink>(env.host.name, 'link', 'show', 'br0')[0]!;
      expect(br.linkinfo?.info_kind).toBe('bridge');
      h.linkSetMaster('port0', 'br0');
      expect(must1(link(env.host.name, 'port0')).master).toBe('br0');
      h.linkSetHairpin('port0', true);
      h.linkSetIsolated('port0', true);
      h.linkSetLearning('port0', false);
      h.linkSetFlood('port0', false);
      const slave = must1(link(env.host.name, 'port0')).linkinfo?.info_slave_data as Record<string, unknown>;
      expect(slave).toMatchObject({ hairpin: true, isolated: true, learning: false, flood: false });
      expect(h.linkByName('port0').port).toMatchObject({ hairpin: true, isolated: true, learning: false, flood: false });
      expect(h.linkByName('port0')).toMatchObject({ master: br.ifindex, slaveKind: 'bridge' });
      h.linkSetNoMaster('port0');
      expect(must1(link(env.host.name, 'port0')).master).toBeUndefined();
      expect(h.linkByName('br0').data).toMatchObject({ kind: 'bridge', vlanFiltering: false });
      // a port can also be enslaved at creation
      h.linkAdd({ kind: 'veth', name: 'port2', master: 'br0', up: true, peer: { name: 'port3' } });
      expect(must1(link(env.host.name, 'port2'))).toMatchObject({ master: 'br0' });
      expect(must1(link(env.host.name, 'port2')).flags).toContain('UP');
    }),
  );

  it(
    'creates macvlans in every mode, created directly in another namespace',
    withHandle(({ env, h, ctr }) => {
      env.hostLink('uplink0');
      const modes = ['private', 'vepa', 'bridge', 'passthru', 'source'] as const;
      modes.forEach((mode, i) => {
        const name = `mv${i}`;
        // passthru takes the whole parent: give it its own
        const parent = mode === 'passthru' ? 'uplink0p' : 'uplink0';
        h.linkAdd({
          kind: 'macvlan',
          name,
          parent,
          mode,
          netns: ctr,
          ...(mode === 'source' && { macs: ['02:00:00:00:00:aa'] }),
          ...(mode === 'bridge' && { bcQueueLen: 100 }),
        });
        const l = must1(link(env.container.name, name));
        expect(l.linkinfo?.info_kind).toBe('macvlan');
        expect(l.linkinfo?.info_data?.mode).toBe(mode);
        if (mode === 'bridge') expect(l.linkinfo?.info_data?.bcqueuelen).toBe(100);
        if (mode === 'source') expect(l.linkinfo?.info_data?.macaddr_data).toEqual(['02:00:00:00:00:aa']);
      });
      const inCtr = openHandle(env.container.path);
      try {
        expect(inCtr.linkByName('mv2').data).toMatchObject({ kind: 'macvlan', mode: 'bridge', bcQueueLen: 100 });
      } finally {
        inCtr.close();
      }
    }),
  );

  it(
    'moves a link to another namespace and deletes links',
    withHandle(({ env, h, ctr }) => {
      env.hostLink('mvv0', 'mvv1');
      h.linkSetNsFd('mvv1', ctr);
      expect(link(env.container.name, 'mvv1')).toBeDefined();
      expect(link(env.host.name, 'mvv1')).toBeUndefined();
      // by pid: the namespace of a process living in the container
      env.hostLink('pid0', 'pid1');
      const sleeper = spawn('ip', ['netns', 'exec', env.container.name, 'sleep', '30'], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && !sameNetnsOfPid(sleeper.pid!, env.container.path); i++) execFileSync('sleep', ['0.02']);
        h.linkSetNsPid('pid1', sleeper.pid!);
      } finally {
        sleeper.kill('SIGKILL');
      }
      expect(link(env.container.name, 'pid1')).toBeDefined();
      h.linkDel('mvv0');
      expect(link(env.host.name, 'mvv0')).toBeUndefined();
      expect(link(env.container.name, 'mvv1')).toBeUndefined(); // a veth dies with its peer
      expect(h.findLink('mvv0')).toBeUndefined();
    }),
  );

  it(
    'reports missing devices, duplicate names and bad MTUs with errno and object',
    withHandle(({ env, h }) => {
      env.hostLink('dup0');
      const missing = err(() => h.linkByName('nope0'));
      expect(missing).toBeInstanceOf(LinkNotFoundError);
      expect(missing).toMatchObject({ message: 'Link not found', code: 'ENODEV', errno: 19, object: '"nope0"' });
      expect(isNotFound(missing)).toBe(true);
      expect(err(() => h.linkByIndex(9999))).toBeInstanceOf(LinkNotFoundError);

      const setMissing = err(() => h.linkSetUp('nope0'));
      expect(setMissing).toBeInstanceOf(NetlinkError);
      expect(setMissing).toMatchObject({ code: 'ENODEV', errno: 19, op: 'setting up link', object: '"nope0"' });
      expect(setMissing.message).toBe('ENODEV setting up link "nope0": no such device');
      expect(isNotFound(err(() => h.linkDel('nope0')))).toBe(true);

      const dup = err(() => h.linkAdd({ kind: 'veth', name: 'dup0', peer: { name: 'dupx' } }));
      expect(dup).toMatchObject({ code: 'EEXIST', errno: 17, op: 'creating link', object: '"dup0"' });
      expect(dup.message).toBe('EEXIST creating link "dup0": file exists');
      expect(link(env.host.name, 'dupx')).toBeUndefined();

      const mtu = err(() => h.linkSetMtu('dup0', 70000));
      expect(mtu).toMatchObject({ code: 'EINVAL', errno: 22, object: '"dup0"', extack: 'mtu greater than device maximum' });
      expect(mtu.message).toBe('EINVAL setting mtu of link "dup0": invalid argument: mtu greater than device maximum');

      const parent = err(() => h.linkAdd({ kind: 'macvlan', name: 'mvx', parent: 'nope0' }));
      expect(parent).toBeInstanceOf(LinkNotFoundError);
    }),
  );

  it('module-level functions work on the namespace withNetns switched to', () => {
    const env = testEnv();
    const inside = withNetns(env.host.path, () => {
      linkAdd({ kind: 'veth', name: 'mod0', peer: { name: 'mod1' } });
      return { names: linkList().map((l) => l.name), mod0: linkByName('mod0').kind };
    });
    expect(inside).toEqual({ names: ['lo', 'mod1', 'mod0'], mod0: 'veth' });
    expect(link(env.host.name, 'mod0')).toBeDefined();
    expect(links(null).some((l) => l.ifname === 'mod0')).toBe(false);
    must('ip', ['-n', env.host.name, 'link', 'del', 'mod0']);
  });
});

export type { NetlinkHandle };
