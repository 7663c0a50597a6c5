import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { backendOfConditions, jsonSchema, loadConf } from './config';
import { dnatChain, dnatChainName, trimComment } from './iptables';
import { hostIPApplies } from './mapper';
import { conditionsScript, forwardTransaction } from './nftables';

const prevResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox: '/run/netns/x' }, { name: 'eth1', sandbox: '/run/netns/x' }],
  ips: [
    { address: '10.1.0.9/24', interface: 2 },
    { address: '172.16.30.2/24', interface: 1 },
    { address: '172.16.30.3/24', interface: 1 },
    { address: 'fd00::2/64', interface: 1 },
  ],
};
const req = (config: Record<string, unknown>) =>
  cniRequest({ containerId: 'abc123', ifname: 'eth0', config: { cniVersion: '1.0.0', name: 'mynet', type: 'portmap', backend: 'iptables', prevResult, ...config } });
const maps = (...m: object[]) => ({ runtimeConfig: { portMappings: m } });

function msg(config: Record<string, unknown>, outer = 'failed to parse config'): string {
  try {
    loadConf(req(config), outer);
    return '';
  } catch (err) {
    return (err as { msg?: string }).msg ?? (err as Error).message;
  }
}

describe('portmap config', () => {
  it('defaults, and the addresses of this attachment (first of each family)', () => {
    const c = loadConf(req({}));
    expect(c).toMatchObject({ snat: true, masqAll: false, markMasqBit: 13, backend: 'iptables', contIPv4: '172.16.30.2/24', contIPv6: 'fd00::2/64', portMappings: [] });
  });

  it('refuses what upstream refuses, with its texts', () => {
    expect(msg(maps({ hostPort: 8080, containerPort: 0, protocol: 'tcp' }))).toBe('failed to parse config: Invalid container port number: 0');
    expect(msg(maps({ hostPort: 0, containerPort: 80, protocol: 'tcp' }), '')).toBe('Invalid host port number: 0');
    expect(msg({ markMasqBit: 32 })).toBe('failed to parse config: MasqMarkBit must be between 0 and 31');
    expect(msg({ markMasqBit: 1, externalSetMarkChain: 'K' })).toBe('failed to parse config: Cannot specify externalSetMarkChain and markMasqBit');
    expect(msg({ backend: 'x' })).toBe('failed to parse config: unrecognized backend "x"');
    expect(msg({ backend: 'nftables', conditionsV4: ['-s', '1.2.3.4'] })).toBe(
      'failed to parse config: nftables backend was requested but configuration contains iptables-specific options [conditionsV4]',
    );
    expect(msg({ backend: 'iptables', conditionsV6: ['ip6', 'saddr', 'fd00::1'] })).toBe(
      'failed to parse config: iptables backend was requested but configuration contains nftables-specific options [conditionsV6]',
    );
    expect(msg(maps({ hostPort: '80' }))).toBe(
      'failed to parse config: failed to parse network configuration: json: cannot unmarshal string into Go struct field PortMapEntry.runtimeConfig.portMappings.hostPort of type int',
    );
  });

  it('tells the conditions syntax apart', () => {
    expect(backendOfConditions(['-s', '1.2.3.4'])).toBe('iptables');
    expect(backendOfConditions(['!', '-s', '1.2.3.4'])).toBe('iptables');
    expect(backendOfConditions(['ip saddr 1.2.3.4'])).toBe('nftables');
    expect(backendOfConditions([''])).toBeUndefined();
    expect(backendOfConditions(undefined)).toBeUndefined();
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['snat', 'markMasqBit', 'runtimeConfig', 'backend']));
  });
});

describe('portmap iptables rules', () => {
  it('builds the container chain as upstream (hairpin, localhost, DNAT; multiport entries by protocol)', () => {
    const c = loadConf(
      req({
        ...maps(
          { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
          { hostPort: 8081, containerPort: 81, protocol: 'udp', hostIP: '192.168.1.1' },
          { hostPort: 8082, containerPort: 82, protocol: 'tcp', hostIP: 'fd00::1' },
        ),
        conditionsV4: ['-s', '1.2.3.4'],
      }),
    );
    const v4 = dnatChain(c, c.contIPv4!);
    expect(v4.name).toBe(dnatChainName('mynet', 'abc123'));
    expect(v4.name).toMatch(/^CNI-DN-[0-9a-f]{21}$/);
    expect(v4.entryRules).toEqual([
      ['-m', 'comment', '--comment', 'dnat name: "mynet" id: "abc123"', '-m', 'multiport', '-p', 'tcp', '--destination-ports', '8080,8082', '-s', '1.2.3.4'],
      ['-m', 'comment', '--comment', 'dnat name: "mynet" id: "abc123"', '-m', 'multiport', '-p', 'udp', '--destination-ports', '8081', '-s', '1.2.3.4'],
    ]);
    expect(v4.rules).toEqual([
      ['-p', 'tcp', '--dport', '8080', '-s', '172.16.30.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8080', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '172.16.30.2:80'],
      ['-p', 'udp', '--dport', '8081', '-d', '192.168.1.1', '-s', '172.16.30.2/24', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8081', '-d', '192.168.1.1', '-s', '127.0.0.1', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'udp', '--dport', '8081', '-d', '192.168.1.1', '-j', 'DNAT', '--to-destination', '172.16.30.2:81'],
    ]);
    const v6 = dnatChain({ ...c, masqAll: true }, c.contIPv6!);
    expect(v6.rules).toEqual([
      ['-p', 'tcp', '--dport', '8080', '-s', '::/0', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8080', '-j', 'DNAT', '--to-destination', '[fd00::2]:80'],
      ['-p', 'tcp', '--dport', '8082', '-d', 'fd00::1', '-s', '::/0', '-j', 'CNI-HOSTPORT-SETMARK'],
      ['-p', 'tcp', '--dport', '8082', '-d', 'fd00::1', '-j', 'DNAT', '--to-destination', '[fd00::2]:82'],
    ]);
  });

  it('splits multiport lists at 15 ports and trims long comments', () => {
    const pms = Array.from({ length: 16 }, (_, i) => ({ hostPort: 9000 + i, containerPort: 80, protocol: 'tcp' }));
    const c = loadConf(req({ ...maps(...pms), snat: false }));
    expect(dnatChain(c, c.contIPv4!).entryRules.map((r) => r[9])).toEqual([pms.slice(0, 15).map((p) => p.hostPort).join(','), '9015']);
    expect(trimComment('x'.repeat(300))).toBe(`${'x'.repeat(253)}...`);
  });

  it('host IPs: other family skipped, unspecified means any', () => {
    expect(hostIPApplies('', 4)).toBe('');
    expect(hostIPApplies('0.0.0.0', 4)).toBe('');
    expect(hostIPApplies('::', 6)).toBe('');
    expect(hostIPApplies('fd00::1', 4)).toBe(false);
    expect(hostIPApplies('10.0.0.1', 4)).toBe('10.0.0.1');
  });
});

describe('portmap nftables', () => {
  it('builds the transaction of both families, masqAll included (encoded as nft would)', () => {
    const c = loadConf(req({ backend: 'nftables', ...maps({ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '192.168.1.1' }, { hostPort: 53, containerPort: 53, protocol: 'udp' }) }));
    for (const masqAll of [false, true]) {
      expect(() => forwardTransaction({ ...c, masqAll }, c.contIPv4!)).not.toThrow();
      expect(() => forwardTransaction({ ...c, masqAll }, c.contIPv6!)).not.toThrow();
    }
    expect(() => forwardTransaction({ ...c, portMappings: [{ hostPort: 1, containerPort: 1, protocol: 'icmp', hostIP: '' }] }, c.contIPv4!)).toThrow('unsupported protocol "icmp"');
  });

  it('writes nft-syntax conditions as knftables does', () => {
    expect(conditionsScript('ip', ['ip', 'saddr', '!=', '10.0.0.0/8'])).toBe(
      'flush chain ip cni_hostport prerouting\nadd rule ip cni_hostport prerouting ip saddr != 10.0.0.0/8 fib daddr type local jump hostports_all\n' +
        'flush chain ip cni_hostport output\nadd rule ip cni_hostport output ip saddr != 10.0.0.0/8 fib daddr type local jump hostports_all\n',
    );
  });
});
