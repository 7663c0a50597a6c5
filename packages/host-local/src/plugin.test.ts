import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cniEnv, dispatch } from '@cni-ts/cni/skel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import hostLocal from './plugin';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'hl-plugin-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const env = (command: string, extra: Record<string, string> = {}) => ({
  ...cniEnv({ command, containerId: 'c1', netns: '/nonexistent/netns', ifname: 'eth0', path: '/opt/cni/bin' }),
  ...extra,
});
const conf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.1.0', name: 'n1', ipam: { type: 'host-local', dataDir, ...ipam }, ...extra });

describe('hostLocal through the skeleton', () => {
  it('prints the result in the config version', async () => {
    const out = await dispatch(hostLocal, { env: env('ADD'), stdin: conf({ subnet: '10.1.0.0/24' }).replace('1.1.0', '0.3.1') });
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: '0.3.1',
      ips: [{ version: '4', address: '10.1.0.2/24', gateway: '10.1.0.1' }],
      dns: {},
    });
  });

  it('config errors keep upstream code and text and name the field in details (compat.md)', async () => {
    const out = await dispatch(hostLocal, {
      env: env('ADD'),
      stdin: conf({ ranges: [[{ subnet: '10.1.0.0/24' }, { subnet: '10.2.0.0/24', rangeStart: '10.3.0.1' }]] }),
    });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      code: 999,
      msg: 'invalid range set 0: RangeStart 10.3.0.1 not in network 10.2.0.0/24',
      details: 'ipam.ranges[0][1].rangeStart',
    });
    const args = await dispatch(hostLocal, { env: env('ADD', { CNI_ARGS: 'FOO=bar' }), stdin: conf({ subnet: '10.1.0.0/24' }) });
    expect(JSON.parse(args.stdout)).toEqual({ code: 999, msg: 'ARGS: unknown args ["FOO=bar"]', details: 'CNI_ARGS' });
  });

  it('a null entry in ips is an error, not a crash (compat.md; Go panics)', async () => {
    const out = await dispatch(hostLocal, { env: env('ADD'), stdin: conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: [null] } }) });
    expect(JSON.parse(out.stdout)).toMatchObject({ code: 999, msg: 'cannot understand ip: IP <nil> not v4 nor v6' });
  });

  it('several requested addresses in one range set: the first one is used, the others fail (compat.md)', async () => {
    const out = await dispatch(hostLocal, {
      env: env('ADD', { CNI_ARGS: 'IP=10.1.0.7' }),
      stdin: conf({ subnet: '10.1.0.0/24' }, { runtimeConfig: { ips: ['10.1.0.9'] } }),
    });
    expect(JSON.parse(out.stdout)).toEqual({ code: 999, msg: 'failed to allocate all requested IPs: 10.1.0.9' });
  });

  it('GC and STATUS are implemented (compat.md; upstream: no-ops)', async () => {
    await dispatch(hostLocal, { env: env('ADD'), stdin: conf({ subnet: '10.1.0.0/24' }) });
    const gc = await dispatch(hostLocal, {
      env: { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' },
      stdin: conf({ subnet: '10.1.0.0/24' }, { 'cni.dev/valid-attachments': [] }),
    });
    expect(gc).toMatchObject({ exitCode: 0, stdout: '' });
    const check = await dispatch(hostLocal, { env: env('CHECK'), stdin: conf({ subnet: '10.1.0.0/24' }) });
    expect(JSON.parse(check.stdout)).toMatchObject({ msg: 'host-local: Failed to find address added by container c1' });
    const status = await dispatch(hostLocal, {
      env: { CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' },
      stdin: conf({ dataDir: '/proc/version' }),
    });
    expect(JSON.parse(status.stdout)).toMatchObject({ code: 50 });
  });
});
