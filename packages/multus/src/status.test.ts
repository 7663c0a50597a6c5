import { describe, expect, it } from 'vitest';
import { createNetworkStatuses, formatNetworkStatus, normalizeDeviceInfo } from './status';

describe('network-status', () => {
  it('writes upstream\'s bytes (the flannel + macvlan example of the reference)', () => {
    const master = createNetworkStatuses(
      {
        cniVersion: '0.3.1',
        interfaces: [{ name: 'eth0', mac: 'ae:1f:21:4b:0c:55', sandbox: '/var/run/netns/x' }],
        ips: [{ version: '4', address: '10.244.1.7/24', gateway: '10.244.1.1', interface: 0 }],
        routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.1' }],
        dns: {},
      },
      'cbr0',
      true,
    );
    const second = createNetworkStatuses(
      { cniVersion: '1.0.0', interfaces: [{ name: 'net1', mac: '86:1d:96:ff:55:0d', sandbox: '/var/run/netns/x' }], ips: [{ address: '192.168.1.205/24', interface: 0 }] },
      'default/macvlan-conf',
      false,
    );
    expect(formatNetworkStatus([...master, ...second])).toBe(`[{
    "name": "cbr0",
    "interface": "eth0",
    "ips": [
        "10.244.1.7"
    ],
    "mac": "ae:1f:21:4b:0c:55",
    "default": true,
    "dns": {},
    "gateway": [
        "10.244.1.1"
    ]
},{
    "name": "default/macvlan-conf",
    "interface": "net1",
    "ips": [
        "192.168.1.205"
    ],
    "mac": "86:1d:96:ff:55:0d",
    "dns": {}
}]`);
  });

  it('several interfaces: one entry per sandbox interface, IPs by index, index-less IPs on the last', () => {
    const s = createNetworkStatuses(
      {
        cniVersion: '1.1.0',
        interfaces: [
          { name: 'br0', mac: '00:00:00:00:00:01' },
          { name: 'eth0', mac: '00:00:00:00:00:02', sandbox: '/ns', mtu: 1400 },
          { name: 'eth1', mac: '00:00:00:00:00:03', sandbox: '/ns' },
        ],
        ips: [
          { address: '10.0.0.2/24', interface: 2, gateway: '10.0.0.1' },
          { address: '10.0.1.2/24', interface: 1 },
          { address: 'fd00::2/64' },
        ],
        dns: { nameservers: ['10.0.0.53'] },
      },
      'ns/net',
      true,
    );
    expect(s).toEqual([
      { name: 'ns/net', interface: 'eth0', ips: ['10.0.1.2'], mac: '00:00:00:00:00:02', mtu: 1400, dns: { nameservers: ['10.0.0.53'] } },
      { name: 'ns/net', interface: 'eth1', ips: ['10.0.0.2', 'fd00::2'], mac: '00:00:00:00:00:03', default: true, dns: { nameservers: ['10.0.0.53'] } },
    ]);
  });

  it('a default route without a gateway is left out of `gateway` (upstream writes "<nil>")', () => {
    const s = createNetworkStatuses({ cniVersion: '1.0.0', interfaces: [{ name: 'net1', sandbox: '/ns' }], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1' }] }, 'n', false);
    expect(s[0]!.gateway).toEqual(['fd00::1']);
  });

  it('no sandbox interface at all gives no entry (an old 0.2.0 result)', () => {
    expect(createNetworkStatuses({ cniVersion: '0.2.0', ip4: { ip: '10.0.0.2/24' } }, 'x', false)).toEqual([]);
  });

  it('keeps device-info as Go re-encodes it', () => {
    const dev = normalizeDeviceInfo({ version: '1.1.0', type: 'pci', pci: { 'pf-pci-address': '0000:18:00.0', 'pci-address': '0000:18:02.5', extra: 'x' } });
    const s = createNetworkStatuses({ cniVersion: '1.0.0', interfaces: [{ name: 'net1', sandbox: '/ns' }] }, 'n', false, dev);
    expect(formatNetworkStatus(s)).toContain('"device-info": {\n        "type": "pci",\n        "version": "1.1.0",\n        "pci": {\n            "pci-address": "0000:18:02.5",\n            "pf-pci-address": "0000:18:00.0"\n        }\n    }');
  });
});
