import { describe, expect, it } from 'vitest';
import type { Result } from '@cni-ts/cni';
import { buildOneConfig, injectConf } from './inject';
import { pluginConfFromBytes } from './plugin';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const conf = (s: string) => pluginConfFromBytes(enc(s));

describe('injectConf (libcni conf_test InjectConf)', () => {
  const base = conf('{ "name": "some-plugin", "type": "foobar" }');

  it('adds and replaces keys, output compact and sorted', () => {
    const once = injectConf(base, { test: 'test' });
    expect(dec(once.bytes)).toBe('{"name":"some-plugin","test":"test","type":"foobar"}');
    expect(dec(injectConf(once, { test: 'changedValue' }).bytes)).toBe('{"name":"some-plugin","test":"changedValue","type":"foobar"}');
    const dns = injectConf(injectConf(base, { dns: { nameservers: ['server1', 'server2'], domain: 'local' } }), { type: 'bridge' });
    expect(dec(dns.bytes)).toBe('{"dns":{"domain":"local","nameservers":["server1","server2"]},"name":"some-plugin","type":"bridge"}');
    expect(dns.network.type).toBe('bridge');
  });

  it('fails as Go does', () => {
    expect(() => injectConf({ ...base, bytes: enc('{ cc cc cc}') }, { x: 1 })).toThrow(/^unmarshal existing network bytes/);
    expect(() => injectConf(base, { '': 'x' })).toThrow('keys cannot be empty');
    expect(() => injectConf(base, { test: null })).toThrow("key 'test' value must not be nil");
  });

  it('escapes HTML characters as encoding/json does', () => {
    expect(dec(injectConf(conf('{"type":"x","note":"a<b>&c"}'), {}).bytes)).toBe('{"note":"a\\u003cb\\u003e\\u0026c","type":"x"}');
  });
});

describe('buildOneConfig', () => {
  const prev: Result = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ version: '4', interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }], dns: {} };
  const net = conf('{"type":"tuning","name":"mine","cniVersion":"0.3.0","capabilities":{"mac":true,"ips":false},"runtimeConfig":{"old":1},"z":{"b":1,"a":2}}');

  it('sets name, cniVersion and prevResult (in Go struct order) without runtimeConfig', () => {
    expect(dec(buildOneConfig('dbnet', '0.4.0', net, prev, { containerId: 'c', netns: '/n', ifName: 'eth0' }).bytes)).toBe(
      '{"capabilities":{"ips":false,"mac":true},"cniVersion":"0.4.0","name":"dbnet","prevResult":{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"version":"4","interface":0,"address":"10.1.0.5/16","gateway":"10.1.0.1"}],"dns":{}},"runtimeConfig":{"old":1},"type":"tuning","z":{"a":2,"b":1}}',
    );
  });

  it('injects only declared capabilities, replacing runtimeConfig (then everything is re-sorted)', () => {
    const rt = { containerId: 'c', netns: '/n', ifName: 'eth0', capabilityArgs: { mac: '00:11:22:33:44:66', ips: ['10.0.0.1/24'], portMappings: [] } };
    expect(dec(buildOneConfig('dbnet', '0.4.0', net, prev, rt).bytes)).toBe(
      '{"capabilities":{"ips":false,"mac":true},"cniVersion":"0.4.0","name":"dbnet","prevResult":{"cniVersion":"0.4.0","dns":{},"interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.1.0.5/16","gateway":"10.1.0.1","interface":0,"version":"4"}]},"runtimeConfig":{"mac":"00:11:22:33:44:66"},"type":"tuning","z":{"a":2,"b":1}}',
    );
  });

  it('omits prevResult for the first plugin and leaves runtimeConfig alone when no capability matches', () => {
    const out = dec(buildOneConfig('n', '1.0.0', net, undefined, { containerId: 'c', netns: '', ifName: 'eth0', capabilityArgs: { ips: ['x'] } }).bytes);
    expect(out).toBe('{"capabilities":{"ips":false,"mac":true},"cniVersion":"1.0.0","name":"n","runtimeConfig":{"old":1},"type":"tuning","z":{"a":2,"b":1}}');
  });
});
