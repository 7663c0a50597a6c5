import { cniRequest } from '@cni-ts/cni';
import { ruleKey } from '@cni-ts/plugin-kit';
import { describe, expect, it } from 'vitest';
import { hostPrefix, jsonSchema, loadConf } from './config';
import { decodeMessage, encodeCall, messageLength, socketPathOf, systemBusAddress } from './dbus';

const req = (config: Record<string, unknown>) => cniRequest({ config: { cniVersion: '1.0.0', name: 'n', type: 'firewall', ...config } });

describe('firewall config', () => {
  it('defaults as upstream', () => {
    expect(loadConf(req({}))).toMatchObject({ backend: '', adminChain: 'CNI-ADMIN', zone: 'trusted', ingressPolicy: '', hasPrevResult: false });
    expect(loadConf(req({ IPTABLESADMINCHAINNAME: 'X', firewalldZone: 'internal' }))).toMatchObject({ adminChain: 'X', zone: 'internal' });
  });

  it('refuses with upstream texts', () => {
    expect(() => loadConf(req({ ingressPolicy: 'bogus' }))).toThrow('unknown ingress policy: "bogus"');
    expect(() => loadConf(req({ firewalldZone: 1 }))).toThrow(
      expect.objectContaining({ msg: 'failed to load netconf: json: cannot unmarshal number into Go struct field FirewallNetConf.firewalldZone of type string' }),
    );
  });

  it('host prefixes', () => {
    expect(hostPrefix('10.1.0.5/24')).toBe('10.1.0.5/32');
    expect(hostPrefix('fd00::5/64')).toBe('fd00::5/128');
  });

  it('exports a JSON Schema', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['backend', 'ingressPolicy', 'firewalldZone']));
  });
});

describe('iptables rule keys', () => {
  it('match iptables-save output of the command-line rule', () => {
    expect(ruleKey(['-j', 'X', '-m', 'comment', '--comment', 'c d', '-i', 'br', '!', '-o', 'br'])).toBe(
      ruleKey(['-i', 'br', '!', '-o', 'br', '-m', 'comment', '--comment', 'c d', '-j', 'X']),
    );
    expect(ruleKey(['-s', '10.0.0.1', '-j', 'ACCEPT'])).toBe(ruleKey(['-s', '10.0.0.1/32', '-j', 'ACCEPT']));
    expect(ruleKey(['-i', 'br', '!', '-o', 'br', '-j', 'X'])).not.toBe(ruleKey(['!', '-i', 'br', '-o', 'br', '-j', 'X']));
  });
});

describe('D-Bus wire format', () => {
  it('encodes a method call that decodes back; lengths, addresses', () => {
    const b = encodeCall({ destination: 'org.fedoraproject.FirewallD1', path: '/org/fedoraproject/FirewallD1', iface: 'org.fedoraproject.FirewallD1.zone', member: 'addSource', args: ['trusted', '10.1.0.5/32'] }, 7);
    expect(messageLength(b)).toBe(b.length);
    expect(messageLength(b.subarray(0, b.length - 1))).toBe(0);
    const m = decodeMessage(b);
    expect(m).toMatchObject({ type: 1, serial: 7, signature: 'ss', values: ['trusted', '10.1.0.5/32'] });
    expect(socketPathOf('unix:path=/run/dbus/system_bus_socket')).toBe('/run/dbus/system_bus_socket');
    expect(socketPathOf('tcp:host=x;unix:abstract=foo')).toBe('\0foo');
    expect(systemBusAddress({})).toBe('unix:path=/run/dbus/system_bus_socket');
    expect(() => socketPathOf('tcp:host=x')).toThrow('unsupported address');
  });
});
