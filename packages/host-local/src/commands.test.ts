import { cniRequest } from '@cni-ts/cni';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import hostLocal, { collectGarbage, type IpamResult } from './plugin';

const cmdAdd = async (r: ReturnType<typeof req>) => (await hostLocal.add(r)) as unknown as IpamResult;
const cmdDel = (r: ReturnType<typeof req>) => hostLocal.del(r);
const cmdCheck = (r: ReturnType<typeof req>) => hostLocal.check!(r);
const cmdGc = (r: { config: Record<string, unknown> }) => collectGarbage(r);
const cmdStatus = async (r: { config: Record<string, unknown> }) => hostLocal.status!(cniRequest({ command: 'STATUS', config: r.config }));

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'hl-cmd-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const netDir = () => join(dataDir, 'net1');
const files = () => readdirSync(netDir()).sort();
const config = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  cniVersion: '1.1.0',
  name: 'net1',
  ipam: { type: 'host-local', dataDir, ...ipam },
  ...extra,
});
const req = (containerId: string, conf: Record<string, unknown>, ifname = 'eth0', args = '') => cniRequest({ containerId, ifname, args, config: conf });

describe('ADD', () => {
  it('allocates dual stack, returns routes and dns', async () => {
    const resolv = join(dataDir, 'resolv.conf');
    writeFileSync(resolv, 'nameserver 10.0.0.53\nsearch a.example\n');
    const conf = config({
      ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1', mtu: 1400 }],
      resolvConf: resolv,
    });
    expect(await cmdAdd(req('c1', conf))).toEqual({
      cniVersion: '1.1.0',
      ips: [
        { address: '10.1.0.2/24', gateway: '10.1.0.1' },
        { address: 'fd00::2/64', gateway: 'fd00::1' },
      ],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0', gw: 'fd00::1', mtu: 1400 }],
      dns: { nameservers: ['10.0.0.53'], search: ['a.example'] },
    });
    expect(files()).toEqual(['10.1.0.2', 'fd00::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });

  it('honours requested addresses from CNI_ARGS, args and runtimeConfig', async () => {
    const conf = config(
      { ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/24' }], [{ subnet: 'fd00::/64' }]] },
      { args: { cni: { ips: ['10.2.0.9/24'] } }, runtimeConfig: { ips: ['fd00::9'] } },
    );
    const r = await cmdAdd(req('c1', conf, 'eth0', 'IP=10.1.0.9'));
    expect(r.ips?.map((i) => i.address)).toEqual(['10.1.0.9/24', '10.2.0.9/24', 'fd00::9/64']);
  });

  it('rolls back when a requested address fits no range set', async () => {
    const conf = config({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: ['10.1.0.5', '10.1.0.6'] } });
    await expect(cmdAdd(req('c1', conf))).rejects.toThrow('failed to allocate all requested IPs: 10.1.0.6');
    expect(files()).toEqual(['last_reserved_ip.0', 'lock']);
  });

  it('rolls back earlier sets when a later one fails', async () => {
    const conf = config({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/30' }]] });
    await cmdAdd(req('c1', conf));
    await expect(cmdAdd(req('c2', conf))).rejects.toThrow(
      'failed to allocate for range 1: no IP addresses available in range set: 10.2.0.1-10.2.0.2',
    );
    expect(files()).toEqual(['10.1.0.2', '10.2.0.2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });

  it('uses ipRanges from runtimeConfig before the configured ranges', async () => {
    const conf = config({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.9.0.0/24', rangeStart: '10.9.0.100' }]] } });
    expect((await cmdAdd(req('c1', conf))).ips?.map((i) => i.address)).toEqual(['10.9.0.100/24', '10.1.0.2/24']);
  });

  it('fails on a missing resolvConf like Go', async () => {
    await expect(cmdAdd(req('c1', config({ subnet: '10.1.0.0/24', resolvConf: '/nonexistent/r.conf' })))).rejects.toThrow(
      'open /nonexistent/r.conf: no such file or directory',
    );
  });
});

describe('DEL and CHECK', () => {
  it('DEL removes the attachment across the directory, CHECK finds it until then', async () => {
    const conf = config({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: 'fd00::/64' }]] });
    await cmdAdd(req('c1', conf));
    await cmdAdd(req('c1', conf, 'eth1'));
    await expect(cmdCheck(req('c1', conf))).resolves.toBeUndefined();
    // a v4-only config still removes the v6 address
    await cmdDel(req('c1', config({ subnet: '10.1.0.0/24' })));
    expect(files()).toEqual(['10.1.0.3', 'fd00::3', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    await expect(cmdCheck(req('c1', conf))).rejects.toThrow('host-local: Failed to find address added by container c1');
    await cmdDel(req('c1', conf));
    await cmdDel(req('c1', conf, 'eth1'));
    expect(files()).toEqual(['last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
  });

  it('DEL fails on an invalid config', async () => {
    await expect(cmdDel(req('c1', config({ subnet: '10.1.0.0/32' })))).rejects.toThrow('too small');
  });

  it('with several range sets, DEL also removes legacy bare-id files', async () => {
    const one = config({ subnet: '10.1.0.0/24' });
    await cmdAdd(req('c1', one));
    writeFileSync(join(netDir(), '10.1.0.7'), 'c1');
    await cmdDel(req('c1', one));
    expect(files()).toEqual(['10.1.0.7', 'last_reserved_ip.0', 'lock']);
    rmSync(join(netDir(), '10.1.0.7'));
    await cmdAdd(req('c1', one));
    writeFileSync(join(netDir(), '10.1.0.7'), 'c1');
    await cmdDel(req('c1', config({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/24' }]] })));
    expect(files()).toEqual(['last_reserved_ip.0', 'lock']);
  });
});

describe('GC', () => {
  it('releases what is not valid, keeps lock, last_reserved_ip and legacy files of live containers', async () => {
    const conf = config({ subnet: '10.1.0.0/24' });
    for (const id of ['c1', 'c2', 'c3']) await cmdAdd(req(id, conf));
    writeFileSync(join(netDir(), '10.1.0.50'), 'c1');
    writeFileSync(join(netDir(), '10.1.0.51'), 'old');
    writeFileSync(join(netDir(), '10.1.0.52'), '');
    const released = await cmdGc({
      config: { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }, { containerID: 'c3', ifname: 'eth0' }] },
    });
    expect(released.sort()).toEqual(['10.1.0.3', '10.1.0.51', '10.1.0.52']);
    expect(files()).toEqual(['10.1.0.2', '10.1.0.4', '10.1.0.50', 'last_reserved_ip.0', 'lock']);
    expect(readFileSync(join(netDir(), 'last_reserved_ip.0'), 'utf8')).toBe('10.1.0.4');
  });

  it('an empty list releases everything; no list releases nothing', async () => {
    const conf = config({ subnet: '10.1.0.0/24' });
    await cmdAdd(req('c1', conf));
    expect(await cmdGc({ config: conf })).toEqual([]);
    expect(await cmdGc({ config: { ...conf, 'cni.dev/valid-attachments': null } })).toEqual(['10.1.0.2']);
  });

  it('works for a config whose ranges come only from runtimeConfig', async () => {
    expect(await cmdGc({ config: { ...config({}), 'cni.dev/valid-attachments': [] } })).toEqual([]);
  });
});

describe('STATUS', () => {
  it('succeeds with a usable directory, fails otherwise', async () => {
    await expect(cmdStatus({ config: config({ subnet: '10.1.0.0/24' }) })).resolves.toBeUndefined();
    writeFileSync(join(dataDir, 'file'), '');
    await expect(cmdStatus({ config: config({ dataDir: join(dataDir, 'file') }) })).rejects.toThrow('data directory not usable');
  });
});
