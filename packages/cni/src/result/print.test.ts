import { describe, expect, it } from 'vitest';
import { formatResult, formatResultAs, marshalResult } from './print';
import { R020, R110 } from './fixtures.test-helper';

describe('formatResult', () => {
  it('prints 1.x with sorted keys and no empty dns', () => {
    expect(formatResult({ cniVersion: '1.1.0', ips: [{ interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }], routes: [{ dst: '0.0.0.0/0', table: 0, scope: 253, mtu: 0 }] }))
      .toBe(`{
    "cniVersion": "1.1.0",
    "ips": [
        {
            "address": "10.1.0.5/16",
            "gateway": "10.1.0.1",
            "interface": 0
        }
    ],
    "routes": [
        {
            "dst": "0.0.0.0/0",
            "scope": 253,
            "table": 0
        }
    ]
}`);
  });

  it('prints the whole 1.1.0 fixture with every key sorted', () => {
    const text = formatResult(R110);
    expect(text).toContain('"dns": {\n        "domain": "example.com",\n        "nameservers": [');
    expect(text).toContain('{\n            "advmss": 1400,\n            "dst": "0.0.0.0/0",\n            "gw": "10.1.0.1",\n            "mtu": 1450,\n            "priority": 100,\n            "scope": 0,\n            "table": 50\n        }');
    expect(text).toContain('"mac": "aa:bb:cc:dd:ee:ff",\n            "mtu": 1500,\n            "name": "eth0",\n            "pciID": "0000:04:00.5",\n            "sandbox": "/var/run/netns/blue",\n            "socketPath": "/s.sock"');
    expect(text.endsWith('}')).toBe(true);
  });

  // Exact stdout of the oracle's static plugin for the same addresses, routes and dns at 0.4.0
  // (its routes lack the 1.1 fields since the oracle's library predates them).
  it('prints 0.4.0 byte for byte like the Go oracle', () => {
    const r = {
      cniVersion: '1.1.0',
      ips: [
        { address: '10.1.2.3/24', gateway: '10.1.2.1' },
        { address: '2001:db8::5/64', gateway: '2001:db8::1' },
        { address: '10.9.9.9/16' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: '2001:db8::1' }, { dst: '192.168.0.0/16', gw: '10.1.2.1' }],
      dns: { nameservers: ['8.8.8.8'], domain: 'ex<&>.com', search: ['a'], options: ['ndots:5'] },
    };
    expect(formatResultAs(r, '0.4.0')).toBe(`{
    "cniVersion": "0.4.0",
    "ips": [
        {
            "version": "4",
            "address": "10.1.2.3/24",
            "gateway": "10.1.2.1"
        },
        {
            "version": "6",
            "address": "2001:db8::5/64",
            "gateway": "2001:db8::1"
        },
        {
            "version": "4",
            "address": "10.9.9.9/16"
        }
    ],
    "routes": [
        {
            "dst": "0.0.0.0/0"
        },
        {
            "dst": "::/0",
            "gw": "2001:db8::1"
        },
        {
            "dst": "192.168.0.0/16",
            "gw": "10.1.2.1"
        }
    ],
    "dns": {
        "nameservers": [
            "8.8.8.8"
        ],
        "domain": "ex\\u003c\\u0026\\u003e.com",
        "search": [
            "a"
        ],
        "options": [
            "ndots:5"
        ]
    }
}`);
  });

  it('prints 0.x dns even when empty, in struct order', () => {
    expect(formatResultAs({ cniVersion: '1.1.0', interfaces: [{ name: 'lo', sandbox: '/n' }], ips: [{ interface: 0, address: '127.0.0.1/8' }] }, '0.3.1')).toBe(`{
    "cniVersion": "0.3.1",
    "interfaces": [
        {
            "name": "lo",
            "sandbox": "/n"
        }
    ],
    "ips": [
        {
            "version": "4",
            "interface": 0,
            "address": "127.0.0.1/8"
        }
    ],
    "dns": {}
}`);
    expect(marshalResult(R020)).toBe(
      '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1"}]},"ip6":{"ip":"2001:db8::5/64","routes":[{"dst":"::/0"}]},"dns":{"domain":"example.com"}}',
    );
  });

  it('routes keep struct order in 0.x', () => {
    expect(marshalResult({ cniVersion: '0.4.0', ips: [], routes: [{ dst: '10.0.0.0/8', scope: 253, table: 5, priority: 3, advmss: 2, mtu: 1, gw: '10.0.0.1' }] })).toBe(
      '{"cniVersion":"0.4.0","routes":[{"dst":"10.0.0.0/8","gw":"10.0.0.1","mtu":1,"advmss":2,"priority":3,"table":5,"scope":253}],"dns":{}}',
    );
  });
});
