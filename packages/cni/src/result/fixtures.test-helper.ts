import type { Result020, Result040, Result100 } from './types';

export const R110: Result100 = {
  cniVersion: '1.1.0',
  interfaces: [
    { name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', mtu: 1500, sandbox: '/var/run/netns/blue', socketPath: '/s.sock', pciID: '0000:04:00.5' },
    { name: 'veth1', mac: '11:22:33:44:55:66' },
  ],
  ips: [
    { interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' },
    { interface: 0, address: '2001:db8::5/64', gateway: '2001:db8::1' },
    { address: '10.2.0.5/16' },
    { interface: 1, address: '2001:db8:1::5/64' },
  ],
  routes: [
    { dst: '0.0.0.0/0', gw: '10.1.0.1', mtu: 1450, advmss: 1400, priority: 100, table: 50, scope: 0 },
    { dst: '::/0' },
    { dst: '192.168.0.0/16' },
  ],
  dns: { nameservers: ['10.1.0.1'], domain: 'example.com', search: ['a.example'], options: ['ndots:5'] },
};

export const R040: Result040 = {
  cniVersion: '0.4.0',
  interfaces: [{ name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/var/run/netns/blue' }],
  ips: [
    { version: '', address: '10.9.9.9/8' },
    { version: '6', interface: 0, address: '10.8.0.5/16' },
    { version: '4', interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' },
    { version: '4', interface: 0, address: '10.7.0.5/16' },
  ],
  routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', mtu: 9000 }, { dst: '::/0', gw: '2001:db8::1' }],
  dns: { nameservers: ['8.8.8.8'] },
};

export const R020: Result020 = {
  cniVersion: '0.2.0',
  ip4: { ip: '10.1.0.5/16', gateway: '10.1.0.1', routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }] },
  ip6: { ip: '2001:db8::5/64', routes: [{ dst: '::/0' }] },
  dns: { domain: 'example.com' },
};
