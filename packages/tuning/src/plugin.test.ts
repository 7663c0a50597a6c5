import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { createTuning } from './plugin';

const tuning = createTuning({ allowlistFile: '/nonexistent' });
const add = (config: Record<string, unknown>, ifname = 'eth0', stdin?: string) =>
  tuning.add(cniRequest({ containerId: 'c1', netns: '/nonexistent/netns', ifname, config: { cniVersion: '1.0.0', ...config }, ...(stdin && { stdin: new TextEncoder().encode(stdin) }) }));

const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }] };

// Every check runs before ADD touches anything (the netns here does not even exist).
describe('ADD validation (upstream tuning_test.go: duplicated keys, invalid interface name, allow-list)', () => {
  it('refuses an interface name with a slash', () => {
    expect(() => add({ prevResult }, 'eth/0')).toThrow('Interface name (eth/0) contains an invalid character /');
  });

  it('refuses duplicated sysctl keys (in the raw stdin)', () => {
    expect(() => add({}, 'eth0', '{"sysctl":{"net.core.somaxconn":"1","net.core.somaxconn":"2"}}')).toThrow('duplicated sysctl keys are not allowed');
  });

  it('checks in upstream order: config, allow-list, interface name, prevResult, then names and MAC', () => {
    expect(() => add({ mtu: 'x' }, 'eth/0')).toThrow(/failed to load netconf/);
    expect(() => add({ mtu: 1400 }, 'eth/0')).toThrow(/invalid character/);
    expect(() => add({ mtu: 1400 })).toThrow('Required prevResult missing');
    expect(() => add({ sysctl: { 'kernel.x': '1' }, prevResult })).toThrow('invalid net sysctl key: "kernel.x"');
    expect(() => add({ mac: 'nope', prevResult })).toThrow('invalid args nope for MAC addr: address nope: invalid MAC address');
    expect(() => add({ sysctl: { 'net.ipv4.conf.IFNAME.forwarding': '1' }, prevResult }, 'eth0.100')).toThrow('failed to Statfs');
  });
});
