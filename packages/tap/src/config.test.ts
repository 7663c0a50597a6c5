import { cniRequest } from '@cni-ts/cni';
import { describe, expect, it } from 'vitest';
import { jsonSchema, loadConf } from './config';
import { tapSpec } from './create';
import plugin from './plugin';

const base = { cniVersion: '1.0.0', name: 'n', type: 'tap' };
const spec = (c: Record<string, unknown>) => tapSpec('t', load(c));
const load = (config: Record<string, unknown>, args?: string) => loadConf(cniRequest({ config: { ...base, ...config }, ...(args !== undefined && { args }) }));

describe('tap config', () => {
  it('decodes with Go rules: keys in any case (selinuxcontext as the docs spell it), unknown keys ignored', () => {
    expect(load({ MTU: 1400, selinuxcontext: 'x', MultiQueue: true, junk: 1 })).toMatchObject({ mtu: 1400, selinuxContext: 'x', multiQueue: true });
  });

  it("refuses wrong types with Go's text, naming the field", () => {
    expect(() => load({ owner: -1 })).toThrow(
      expect.objectContaining({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal number -1 into Go struct field NetConf.owner of type uint32', details: 'owner' }),
    );
  });

  it('MAC: config < CNI_ARGS MAC < runtimeConfig.mac; unknown CNI_ARGS refused', () => {
    expect(load({ mac: '02:00:00:00:00:01' }).mac).toBe('02:00:00:00:00:01');
    expect(load({ mac: '02:00:00:00:00:01' }, 'MAC=02:00:00:00:00:02').mac).toBe('02:00:00:00:00:02');
    expect(load({ runtimeConfig: { mac: '02:00:00:00:00:03' } }, 'MAC=02:00:00:00:00:02').mac).toBe('02:00:00:00:00:03');
    expect(() => load({}, 'FOO=1')).toThrow('ARGS: unknown args ["FOO=1"]');
  });

  it("the device's flags follow the path upstream takes", () => {
    expect(spec({})).toMatchObject({ pi: false, vnetHdr: false, multiQueue: false });
    expect(spec({ owner: 0 })).toMatchObject({ pi: false, vnetHdr: false, owner: 0 });
    expect(spec({ owner: 1, group: 2 })).toMatchObject({ pi: true, vnetHdr: true, owner: 1, group: 2 });
    expect(spec({ owner: 1, group: 2, multiQueue: true })).toMatchObject({ pi: false, vnetHdr: true, multiQueue: true });
  });

  it('exports a JSON Schema and the plugin object', () => {
    expect(Object.keys((jsonSchema() as { properties: object }).properties)).toEqual(expect.arrayContaining(['mtu', 'mac', 'owner', 'group', 'bridge', 'selinuxContext', 'ipam']));
    expect(plugin.type).toBe('tap');
  });
});
