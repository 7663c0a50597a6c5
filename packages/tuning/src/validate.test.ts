import { cniArgs, type CniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { noDuplicates, prepareAdd, validIfname } from './validate';

const req = (config: Record<string, unknown>, ifname = 'eth0'): CniRequest => {
  const text = JSON.stringify(config);
  return {
    command: 'ADD',
    containerId: 'c1',
    netns: '/x',
    ifname,
    args: cniArgs(''),
    path: [],
    pathEnv: '',
    netnsOverride: '',
    stdin: new TextEncoder().encode(text),
    config,
    cniVersion: '1.0.0',
    env: {},
    log: () => {},
  };
};

const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }] };

describe('ADD validation (upstream tuning_test.go: duplicated keys, invalid interface name, allow-list)', () => {
  it('refuses an interface name with a slash', () => {
    expect(() => validIfname('eth/0')).toThrow('Interface name (eth/0) contains an invalid character /');
    expect(() => validIfname('eth0.100')).not.toThrow();
  });

  it('refuses duplicated sysctl keys (in the raw stdin)', () => {
    const r = req({});
    r.stdin = new TextEncoder().encode('{"sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}}');
    expect(() => noDuplicates(r)).toThrow('duplicated sysctl keys are not allowed');
  });

  it('checks in upstream order: config, allow-list, interface name, prevResult, then names and MAC', () => {
    const opts = { allowlistFile: '/nonexistent' };
    expect(() => prepareAdd(req({ mtu: 'x' }, 'eth/0'), opts)).toThrow(/failed to load netconf/);
    expect(() => prepareAdd(req({ mtu: 1400 }, 'eth/0'), opts)).toThrow(/invalid character/);
    expect(() => prepareAdd(req({ mtu: 1400 }), opts)).toThrow('Required prevResult missing');
    expect(() => prepareAdd(req({ sysctl: { 'kernel.x': '1' }, prevResult }), opts)).toThrow('invalid net sysctl key: "kernel.x"');
    expect(() => prepareAdd(req({ mac: 'nope', prevResult }), opts)).toThrow('invalid args nope for MAC addr: address nope: invalid MAC address');
    const p = prepareAdd(req({ sysctl: { 'net.ipv4.conf.IFNAME.forwarding': '1' }, prevResult }, 'eth0.100'), opts);
    expect(p.sysctls).toEqual([['net.ipv4.conf.IFNAME.forwarding', '/proc/sys/net/ipv4/conf/eth0.100/forwarding', '1']]);
  });
});
