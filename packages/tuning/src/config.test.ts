import { cniArgs } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, jsonSchema as tuningJsonSchema, loadConf, requirePrevResult } from './config';

const req = (config: Record<string, unknown>, args = '', env: Record<string, string> = {}) => ({
  config: { cniVersion: '1.0.0', name: 'n', type: 'tuning', ...config },
  args: cniArgs(args),
  env,
  cniVersion: (config.cniVersion as string | undefined) ?? '1.0.0',
});

const m = (config: Record<string, unknown>, args = '') => loadConf(req(config, args)).mac;

const e = (config: Record<string, unknown>) => {
  try {
    loadConf(req(config));
  } catch (err) {
    return [(err as { code: number }).code, (err as { msg: string }).msg, (err as { details: string }).details];
  }
  return undefined;
};

describe('loadConf', () => {
  it('defaults', () => {
    const c = loadConf(req({}));
    expect(c).toEqual({ cniVersion: '1.0.0', dataDir: DEFAULT_DATA_DIR, sysctl: [], promisc: false, mtu: 0 });
  });

  it('MAC precedence: mac < CNI_ARGS MAC < runtimeConfig.mac < args.cni.mac', () => {
    expect(m({ mac: '02:00:00:00:00:01' })).toBe('02:00:00:00:00:01');
    expect(m({ mac: '02:00:00:00:00:01' }, 'IgnoreUnknown=1;MAC=02:00:00:00:00:02')).toBe('02:00:00:00:00:02');
    expect(m({ mac: '02:00:00:00:00:01', runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=02:00:00:00:00:02')).toBe('02:00:00:00:00:03');
    expect(m({ runtimeConfig: { mac: '02:00:00:00:00:03' }, args: { cni: { mac: '02:00:00:00:00:04' } } }, 'MAC=02:00:00:00:00:02')).toBe(
      '02:00:00:00:00:04',
    );
  });

  it('args.cni overrides every attribute and extends sysctl (also without a top-level sysctl)', () => {
    const c = loadConf(
      req({
        sysctl: { 'net.core.somaxconn': '512', 'net.ipv4.ip_forward': '1' },
        mtu: 1400,
        promisc: true,
        args: { cni: { sysctl: { 'net.core.somaxconn': '1024', 'net.ipv4.conf.all.log_martians': '1' }, mtu: 9000, promisc: false, allmulti: true, txQLen: 7 } },
      }),
    );
    expect(c.sysctl).toEqual([
      ['net.core.somaxconn', '1024'],
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv4.conf.all.log_martians', '1'],
    ]);
    expect(c).toMatchObject({ mtu: 9000, promisc: false, allmulti: true, txQLen: 7 });
    expect(loadConf(req({ args: { cni: { sysctl: { 'net.core.somaxconn': '9' } } } })).sysctl).toEqual([['net.core.somaxconn', '9']]);
  });

  it('decodes keys as Go does: case-insensitive, null leaves the default', () => {
    const c = loadConf(req({ MTU: 1300, Promisc: true, dataDir: null, SYSCTL: { a: null } }));
    expect(c).toMatchObject({ mtu: 1300, promisc: true, dataDir: DEFAULT_DATA_DIR, sysctl: [['a', '']] });
  });

  it('dataDir: config, else the CNI_TS_TUNING_DATA_DIR environment variable, else /run/cni/tuning', () => {
    expect(loadConf(req({ dataDir: '/a' }, '', { CNI_TS_TUNING_DATA_DIR: '/b' })).dataDir).toBe('/a');
    expect(loadConf(req({}, '', { CNI_TS_TUNING_DATA_DIR: '/b' })).dataDir).toBe('/b');
  });

  it("reports type errors with Go's text and the field path", () => {
    expect(e({ mtu: '1500' })).toEqual([999, 'failed to load netconf: json: cannot unmarshal string into Go struct field TuningConf.mtu of type int', 'mtu']);
    expect(e({ mtu: 1.5 })).toEqual([999, 'failed to load netconf: json: cannot unmarshal number 1.5 into Go struct field TuningConf.mtu of type int', 'mtu']);
    expect(e({ args: { cni: { promisc: 'yes' } } })).toEqual([
      999,
      'failed to load netconf: json: cannot unmarshal string into Go struct field IPAMArgs.args.cni.promisc of type bool',
      'args.cni.promisc',
    ]);
    expect(e({ sysctl: { a: 1 } })).toEqual([999, 'failed to load netconf: json: cannot unmarshal number into Go struct field TuningConf.sysctl of type string', 'sysctl.a']);
  });

  it('CNI_ARGS errors are the reference texts', () => {
    expect(() => loadConf(req({}, 'FOO=bar'))).toThrow('ARGS: unknown args ["FOO=bar"]');
  });

  it('prevResult is parsed on demand, in the config version', () => {
    expect(() => requirePrevResult(loadConf(req({})))).toThrow('Required prevResult missing');
    const r = requirePrevResult(loadConf(req({ cniVersion: '0.3.1', prevResult: { ips: [{ version: '4', address: '10.0.0.2/24' }] } })));
    expect(r).toMatchObject({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.0.0.2/24' }] });
  });

  it('has a JSON Schema', () => {
    const s = tuningJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['sysctl', 'mac', 'mtu', 'promisc', 'allmulti', 'txQLen', 'dataDir', 'args', 'runtimeConfig']));
  });
});
