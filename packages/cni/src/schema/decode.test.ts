import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors';
import { formatAddr, formatAddrNet } from '../ip';
import { netConf, netConfSchema, pluginConfSchema } from '../config/schema';
import { decode, DecodeError, schemaIssues } from './decode';
import { go, goStruct, goUint32 } from './go';
import { toJsonSchema } from './json-schema';
import { goCIDR, goCIDRAddr, goIP, goIPAddr } from './net';
import { goRoute } from './route';

function failure(schema: z.ZodType, value: unknown, opts = {}): DecodeError {
  try {
    decode(schema, value, opts);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('decoded');
}

describe('key matching (Go encoding/json)', () => {
  const schema = z.object({
    mtu: z.number().optional(),
    ipam: z.looseObject({ type: z.string().optional(), ranges: z.array(z.array(z.object({ subnet: z.string() }))).optional() }).optional(),
    list: z.array(z.object({ hostPort: z.number() })).optional(),
    map: z.record(z.string(), z.object({ Deep: z.string().optional() })).optional(),
  });

  it('matches keys case-insensitively at every level, exact first, unknown keys dropped unless loose', () => {
    expect(
      decode(schema, {
        MTU: 1500,
        IPAM: { TYPE: 'host-local', Ranges: [[{ SUBNET: '10.0.0.0/8' }]], dataDir: '/x' },
        List: [{ HostPort: 80 }],
        map: { KeepMe: { deep: 'v' } },
        junk: 1,
      }),
    ).toEqual({
      mtu: 1500,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.0.0.0/8' }]], dataDir: '/x' },
      list: [{ hostPort: 80 }],
      map: { KeepMe: { Deep: 'v' } },
    });
  });

  it('lets the last of several matching keys win, exact or not', () => {
    expect(decode(schema, { mtu: 1, MTU: 2 })).toEqual({ mtu: 2 });
    expect(decode(schema, { MTU: 2, mtu: 1 })).toEqual({ mtu: 1 });
  });

  it('leaves a field alone on null', () => {
    expect(decode(schema, { mtu: null })).toEqual({});
    expect(decode(schema, { mtu: 5, Mtu: null })).toEqual({ mtu: 5 });
    expect(decode(schema, null)).toEqual({});
  });

  it('replaces, not merges, duplicate objects (documented difference from Go)', () => {
    expect(decode(schema, { ipam: { type: 'a' }, IPAM: { dataDir: 'x' } })).toEqual({ ipam: { dataDir: 'x' } });
  });

  it("gives null elements Go's zero value, or what the schema says", () => {
    const s = z.object({
      strs: z.array(z.string()).optional(),
      nums: z.record(z.string(), z.number()).optional(),
      maps: z.array(z.record(z.string(), z.unknown()).nullable()).optional(),
      sets: z.array(go(z.array(go(z.object({ a: z.string().optional() }), 'R', { nullAs: {} })), '[]R', { nullAs: [] })).optional(),
      cidr: go(z.string(), 'string', { nullAs: '' }).optional(),
    });
    expect(decode(s, { strs: ['a', null], nums: { x: null }, maps: [null], sets: [null, [null]], cidr: null })).toEqual({
      strs: ['a', ''],
      nums: { x: 0 },
      maps: [null],
      sets: [[], [{}]],
      cidr: '',
    });
    const a = decode(s, { sets: [[null]] });
    const b = decode(s, { sets: [[null]] });
    expect(a.sets![0]![0]).not.toBe(b.sets![0]![0]);
    expect(decode(s, { cidr: 'x', CIDR: null })).toEqual({ cidr: '' });
  });
});

describe("Go's texts", () => {
  const schema = netConf('NetConf', {
    master: z.string().optional(),
    mtu: z.number().int().optional(),
    bcqueuelen: goUint32().optional(),
    linkInContainer: z.boolean().optional(),
    ratio: z.number().optional(),
    vlanTrunk: z.array(goStruct('*main.VlanTrunk', 'VlanTrunk', { id: z.number().int().optional() })).optional(),
    runtimeConfig: goStruct('struct { Mac string "json:\\"mac,omitempty\\"" }', '', { mac: z.string().optional() }).optional(),
    sysctl: z.record(z.string(), z.string()).optional(),
  });
  const text = (v: unknown) => failure(schema, v).msg;

  it.each([
    [{ mtu: '1500' }, 'json: cannot unmarshal string into Go struct field NetConf.mtu of type int'],
    [{ mtu: 1.5 }, 'json: cannot unmarshal number 1.5 into Go struct field NetConf.mtu of type int'],
    [{ bcqueuelen: -1 }, 'json: cannot unmarshal number -1 into Go struct field NetConf.bcqueuelen of type uint32'],
    [{ bcqueuelen: 2 ** 32 }, 'json: cannot unmarshal number 4294967296 into Go struct field NetConf.bcqueuelen of type uint32'],
    [{ linkInContainer: 'true' }, 'json: cannot unmarshal string into Go struct field NetConf.linkInContainer of type bool'],
    [{ master: 5 }, 'json: cannot unmarshal number into Go struct field NetConf.master of type string'],
    [{ ratio: 'x' }, 'json: cannot unmarshal string into Go struct field NetConf.ratio of type float64'],
    [{ ipam: { type: 5 } }, 'json: cannot unmarshal number into Go struct field IPAM.ipam.type of type string'],
    [{ ipam: [] }, 'json: cannot unmarshal array into Go struct field NetConf.ipam of type types.IPAM'],
    [{ prevResult: [] }, 'json: cannot unmarshal array into Go struct field NetConf.prevResult of type map[string]interface {}'],
    [{ capabilities: [] }, 'json: cannot unmarshal array into Go struct field NetConf.capabilities of type map[string]bool'],
    [{ capabilities: { mac: 'yes' } }, 'json: cannot unmarshal string into Go struct field NetConf.capabilities of type bool'],
    [{ dns: { nameservers: 'x' } }, 'json: cannot unmarshal string into Go struct field DNS.dns.nameservers of type []string'],
    [{ dns: { search: [1] } }, 'json: cannot unmarshal number into Go struct field DNS.dns.search of type string'],
    [{ vlanTrunk: {} }, 'json: cannot unmarshal object into Go struct field NetConf.vlanTrunk of type []*main.VlanTrunk'],
    [{ vlanTrunk: [{ id: 'x' }] }, 'json: cannot unmarshal string into Go struct field VlanTrunk.vlanTrunk.id of type int'],
    [{ runtimeConfig: { mac: 5 } }, 'json: cannot unmarshal number into Go struct field .runtimeConfig.mac of type string'],
    [{ sysctl: { a: 1 } }, 'json: cannot unmarshal number into Go struct field NetConf.sysctl of type string'],
    [
      { 'cni.dev/valid-attachments': [{ containerID: 1, ifname: 'a' }] },
      'json: cannot unmarshal number into Go struct field GCAttachment.cni.dev/valid-attachments.containerID of type string',
    ],
    [[1], 'json: cannot unmarshal array into Go value of type main.NetConf'],
  ])('%j', (v, msg) => {
    expect(text(v)).toBe(msg);
  });

  it('reports the first type error in document order, and names the field', () => {
    expect(failure(schema, { mtu: 'x', master: 5 }).field).toBe('mtu');
    expect(failure(schema, { master: 5, mtu: 'x' }).field).toBe('master');
    expect(failure(schema, { sysctl: { a: 1 } }).field).toBe('sysctl.a');
    expect(failure(schema, { vlanTrunk: [{}, { id: 'x' }] }).field).toBe('vlanTrunk[1].id');
  });

  it('stops at a failed custom decoding (UnmarshalJSON), even after a type error', () => {
    const s = z.object({ mtu: z.number().int().optional(), gw: goIP().optional(), dst: goCIDR().optional() });
    expect(failure(s, { mtu: 'x', gw: 'zz', dst: 'yy' })).toMatchObject({ msg: 'invalid IP address: zz', field: 'gw' });
    expect(failure(s, { dst: 'yy', gw: 'zz' })).toMatchObject({ msg: 'invalid CIDR address: yy', field: 'dst' });
  });

  it('wraps as told: prefix, code, details, path in the message', () => {
    const e = failure(schema, { mtu: 'x' }, { prefix: 'failed to load netconf' });
    expect(e).toBeInstanceOf(CniError);
    expect(e.toJSON()).toEqual({ code: 999, msg: 'failed to load netconf: json: cannot unmarshal string into Go struct field NetConf.mtu of type int', details: 'mtu' });
    const s = z.object({ ipam: z.object({ ranges: z.array(z.object({ subnet: goCIDR() })) }) });
    expect(failure(s, { ipam: { ranges: [{ subnet: '10.0.0.0/33' }] } }, { code: 7, pathInMessage: true, details: false }).toJSON()).toEqual({
      code: 7,
      msg: 'ipam.ranges[0].subnet: invalid CIDR address: 10.0.0.0/33',
    });
    expect(failure(s, { ipam: { ranges: [{ subnet: 'x' }] } })).toMatchObject({ msg: 'invalid CIDR address: x', field: 'ipam.ranges[0].subnet' });
  });

  it('generic texts where no Go type is known', () => {
    expect(failure(z.object({ mtu: z.number() }), { mtu: '1500' }, { pathInMessage: true }).msg).toBe('mtu: expected number, got string');
    expect(failure(z.object({ master: z.string() }), {}, { pathInMessage: true }).msg).toBe('master: missing required field');
    expect(failure(z.object({ t: z.string().min(1, "missing 'type'") }), { t: '' }).msg).toBe("missing 'type'");
  });
});

describe('schemaIssues', () => {
  it('lists every problem with generic texts', () => {
    const s = z.object({ a: z.number().optional(), b: z.object({ c: z.string() }).optional(), d: z.string() });
    expect(schemaIssues(s, { a: 'x', b: { c: 1 } })).toEqual([
      { path: 'a', text: 'expected number, got string' },
      { path: 'b.c', text: 'expected string, got number' },
    ]);
    expect(schemaIssues(s, {})).toEqual([{ path: 'd', text: 'missing required field' }]);
  });
});

describe('field types', () => {
  it('goIP, goCIDR: canonical, Go texts', () => {
    const s = z.object({ ip: goIP().optional(), net: goCIDR().optional() });
    expect(decode(s, { ip: '2001:DB8::1', net: '10.1.2.3/24' })).toEqual({ ip: '2001:db8::1', net: '10.1.2.3/24' });
    expect(decode(s, { ip: '' })).toEqual({ ip: undefined });
    expect(failure(s, { ip: 'zz' }).msg).toBe('invalid IP address: zz');
    expect(failure(s, { net: '' }).msg).toBe('invalid CIDR address: ');
  });

  it('goIPAddr / goCIDRAddr parse as Go and keep host bits and the written mask', () => {
    const s = z.object({ ip: goIPAddr().optional(), net: goCIDRAddr().optional() });
    const out = decode(s, { ip: '::ffff:10.0.0.1', net: '::ffff:10.1.2.3/120' });
    expect(formatAddr(out.ip!)).toBe('10.0.0.1');
    expect(out.net?.maskBits).toBe(128);
    expect(formatAddrNet(out.net!)).toBe('10.1.2.3/24');
    expect(failure(s, { ip: '01.2.3.4' }).msg).toBe('invalid IP address: 01.2.3.4');
  });

  describe('goRoute', () => {
    const schema = z.object({ routes: z.array(go(goRoute(), 'types.route', { nullAs: {} })).optional() });
    it('outputs result routes the way Go prints them', () => {
      expect(
        decode(schema, {
          routes: [{ DST: '::ffff:10.0.0.5/104', gw: '::ffff:1.2.3.4', mtu: 0, advmss: 1400, table: 0, gw2: 1 }, null, { dst: 'FD00::1/64', gw: '' }],
        }).routes,
      ).toEqual([{ dst: '10.0.0.5/8', gw: '1.2.3.4', advmss: 1400, table: 0 }, { dst: '<nil>' }, { dst: 'fd00::1/64' }]);
    });

    it('fails with Go texts', () => {
      const s = go(z.object({ routes: z.array(go(goRoute(), 'types.route', { nullAs: {} })).optional() }), 'IPAMConfig', { struct: 'IPAMConfig' });
      expect(failure(s, { routes: [{ dst: null }] })).toMatchObject({ msg: 'invalid CIDR address: ', field: 'routes[0].dst' });
      expect(failure(s, { routes: [5] }).msg).toBe('json: cannot unmarshal number into Go struct field IPAMConfig.routes of type types.route');
      expect(failure(s, { routes: [{ gw: 7 }] }).msg).toBe('json: cannot unmarshal number into Go struct field route.routes.gw of type net.IP');
      expect(failure(s, { routes: [{ mtu: 'x' }] }).msg).toBe('json: cannot unmarshal string into Go struct field route.routes.mtu of type int');
    });
  });
});

describe('NetConf', () => {
  it('types.NetConf as PluginConf, unknown keys kept', () => {
    expect(failure(netConfSchema, { type: 5 }, { prefix: 'failed to parse network config' }).toJSON()).toEqual({
      code: 999,
      msg: 'failed to parse network config: json: cannot unmarshal number into Go struct field PluginConf.type of type string',
      details: 'type',
    });
    expect(decode(netConfSchema, { CNIVERSION: '1.0.0', Type: 'x', custom: { kept: 1 } })).toEqual({ cniVersion: '1.0.0', type: 'x', custom: { kept: 1 } });
  });

  it('pluginConfSchema: the protocol keys, capability arguments typed', () => {
    const conf = decode(pluginConfSchema, {
      name: 'n',
      runtimeConfig: { PortMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp' }], IPs: ['10.0.0.1/24'] },
    });
    expect(conf).toMatchObject({ runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ips: ['10.0.0.1/24'] } });
  });

  it('JSON Schema of the input side', () => {
    const js = toJsonSchema(netConf('NetConf', { subnet: goCIDR() }));
    expect(js).toMatchObject({ type: 'object', properties: { subnet: { type: 'string' }, cniVersion: { type: 'string' } }, required: ['subnet'] });
  });
});
