import { cniEnv, dispatch } from '@cni-ts/cni/skel';
import { describe, expect, it } from 'vitest';
import staticIpam from './plugin';

const env = (command: string, extra: Record<string, string> = {}) => ({
  ...cniEnv({ command, containerId: 'c1', netns: '/nonexistent/netns', ifname: 'eth0', path: '/opt/cni/bin' }),
  ...extra,
});
const conf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniVersion = '1.1.0') =>
  JSON.stringify({ cniVersion, name: 's', ipam: { type: 'static', ...ipam }, ...extra });

describe('staticIpam through the skeleton', () => {
  it('ADD prints addresses in the config version', async () => {
    const out = await dispatch(staticIpam, {
      env: env('ADD', { CNI_ARGS: 'IgnoreUnknown=1;IP=10.2.0.5/24;GATEWAY=10.2.0.1' }),
      stdin: conf({ addresses: [{ address: '10.10.0.1/24' }] }, {}, '0.2.0'),
    });
    expect(JSON.parse(out.stdout)).toEqual({ code: 999, msg: 'CNI version 0.2.0 does not support more than 1 address per family', details: 'cniVersion' });
    const ok = await dispatch(staticIpam, {
      env: env('ADD', { CNI_ARGS: 'IgnoreUnknown=1;IP=10.2.0.5/24;GATEWAY=10.2.0.1' }),
      stdin: conf({ addresses: [{ address: 'fd00::1/64' }] }, {}, '0.2.0'),
    });
    expect(JSON.parse(ok.stdout)).toEqual({
      cniVersion: '0.2.0',
      ip4: { ip: '10.2.0.5/24', gateway: '10.2.0.1' },
      ip6: { ip: 'fd00::1/64' },
      dns: {},
    });
  });

  it('errors name the field in details (compat.md)', async () => {
    const out = await dispatch(staticIpam, { env: env('ADD'), stdin: conf({ addresses: [{ address: '10.1.0.1/24' }, { address: '10.1.0.2' }] }) });
    expect(JSON.parse(out.stdout)).toEqual({
      code: 999,
      msg: "the 'address' field is expected to be in CIDR notation, got: '10.1.0.2'",
      details: 'ipam.addresses[1].address',
    });
  });

  it('DEL, GC and STATUS succeed without output', async () => {
    for (const command of ['DEL', 'GC', 'STATUS']) {
      const out = await dispatch(staticIpam, { env: env(command), stdin: conf({ addresses: 'x' }) });
      expect(out, command).toMatchObject({ exitCode: 0, stdout: '' });
    }
  });

  it('CHECK compares gateways with prevResult', async () => {
    const prevResult = { cniVersion: '1.1.0', ips: [{ address: '10.1.0.1/24', gateway: '10.1.0.9' }] };
    const out = await dispatch(staticIpam, {
      env: env('CHECK'),
      stdin: conf({ addresses: [{ address: '10.1.0.1/24', gateway: '10.1.0.254' }] }, { prevResult }),
    });
    expect(JSON.parse(out.stdout)).toEqual({ code: 999, msg: 'static: Failed to match addr 10.1.0.1 on interface eth0' });
    const missing = await dispatch(staticIpam, { env: env('CHECK'), stdin: conf({}) });
    expect(JSON.parse(missing.stdout)).toEqual({ code: 999, msg: 'Required prevResult missing' });
  });
});
