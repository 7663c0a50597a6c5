import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeConf as decodeNetConf, jsonSchema, loadConf } from './config';
import { netdevFromDir } from './sysfs';
import hostDevice from './plugin';

const tmp = mkdtempSync(join(tmpdir(), 'cnits-hd-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('host-device config', () => {
  it('decodes Go-style, including the untagged DPDKMode field in any case', () => {
    expect(decodeNetConf({ Device: 'eth1', dpdkmode: true, runtimeConfig: { deviceid: 'x' }, HWADDR: 'a' })).toEqual({
      device: 'eth1',
      DPDKMode: true,
      hwaddr: 'a',
      runtimeConfig: { deviceID: 'x' },
    });
  });

  it('needs a selector', () => {
    expect(() => loadConf({ name: 'n' })).toThrow('specify either "device", "hwaddr", "kernelpath" or "pciBusID"');
    expect(loadConf({ device: 'eth1' })).toMatchObject({ device: 'eth1', dpdk: false });
    expect(() => loadConf({ runtimeConfig: { deviceID: 'nope:00' } })).toThrow('runtime config DeviceID nope:00 not found or unsupported');
    expect(() => loadConf({ pciBusID: '0000:ff:ff.7' })).toThrow('error with host device: lstat /sys/bus/pci/devices/0000:ff:ff.7: no such file or directory');
  });

  it('reads the first net/ entry by name, with Go texts on failure', () => {
    const dir = join(tmp, 'net');
    mkdirSync(join(dir, 'b0'), { recursive: true });
    mkdirSync(join(dir, 'a0'));
    expect(netdevFromDir(dir)).toBe('a0');
    mkdirSync(join(tmp, 'empty'));
    expect(() => netdevFromDir(join(tmp, 'empty'))).toThrow(`failed to find network device in path ${join(tmp, 'empty')}`);
    expect(() => netdevFromDir(join(tmp, 'nope'))).toThrow(`failed to read directory ${join(tmp, 'nope')}: "open ${join(tmp, 'nope')}: no such file or directory"`);
  });

  it('exports a JSON Schema and the plugin object', () => {
    const s = jsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['device', 'hwaddr', 'kernelpath', 'pciBusID', 'runtimeConfig', 'ipam', 'dns']));
    expect(hostDevice.type).toBe('host-device');
  });
});
