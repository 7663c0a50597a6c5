import { describe, expect, it } from 'vitest';
import { containerIdFor, parseCapArgs, parseCniArgs, readCliEnv } from './env';

describe('cnitool environment', () => {
  it('derives the container id from the absolute netns path', () => {
    // python3: 'cnitool-' + hashlib.sha512(b'/var/run/netns/blue').hexdigest()[:20]
    expect(containerIdFor('/var/run/netns/blue')).toBe('cnitool-296747069b8a02dc4e2a');
    expect(containerIdFor('/var/run/netns/../netns/blue')).toBe('cnitool-296747069b8a02dc4e2a');
  });

  it('parses CNI_ARGS strictly, as cnitool', () => {
    expect(parseCniArgs('')).toBeUndefined();
    expect(parseCniArgs('IgnoreUnknown=1;IP=10.0.0.5')).toEqual([['IgnoreUnknown', '1'], ['IP', '10.0.0.5']]);
    expect(() => parseCniArgs('A=1;')).toThrow('invalid CNI_ARGS pair ""');
    expect(() => parseCniArgs('A=1=2')).toThrow('invalid CNI_ARGS pair "A=1=2"');
    expect(() => parseCniArgs('A=')).toThrow('invalid CNI_ARGS pair "A="');
  });

  it('parses CAP_ARGS as a JSON object', () => {
    expect(parseCapArgs('{"portMappings":[{"hostPort":8080}]}')).toEqual({ portMappings: [{ hostPort: 8080 }] });
    expect(parseCapArgs('null')).toBeUndefined();
    expect(() => parseCapArgs('[1]')).toThrow('json: cannot unmarshal array into Go value of type map[string]interface {}');
    expect(() => parseCapArgs('{')).toThrow('unexpected end of JSON input');
  });

  it('defaults NETCONFPATH and the interface; -i wins over CNI_IFNAME', () => {
    expect(readCliEnv({})).toEqual({ netDir: '/etc/cni/net.d', cniPath: [], args: undefined, capabilityArgs: undefined, ifName: 'eth0' });
    expect(readCliEnv({ CNI_IFNAME: 'net1', CNI_PATH: '/a:/b' })).toMatchObject({ ifName: 'net1', cniPath: ['/a', '/b'] });
    expect(readCliEnv({ CNI_IFNAME: 'net1' }, 'net2').ifName).toBe('net2');
  });
});
