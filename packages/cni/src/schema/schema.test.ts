import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { CniError } from '../errors';
import { netConfSchema, pluginConfSchema } from '../config/schema';
import { parseWithSchema, formatZodError } from './errors';
import { goNormalize } from './normalize';
import { goCIDR, goIP } from './net';
import { toJsonSchema } from './json-schema';

describe('goNormalize', () => {
  const schema = z.object({
    mtu: z.number().optional(),
    ipam: z.looseObject({ type: z.string().optional(), ranges: z.array(z.array(z.object({ subnet: z.string() }))).optional() }).optional(),
    list: z.array(z.object({ hostPort: z.number() })).optional(),
    map: z.record(z.string(), z.object({ Deep: z.string().optional() })).optional(),
  });

  it('matches keys case-insensitively at every level', () => {
    expect(
      goNormalize(schema, {
        MTU: 1500,
        IPAM: { TYPE: 'host-local', Ranges: [[{ SUBNET: '10.0.0.0/8' }]], dataDir: '/x' },
        List: [{ HostPort: 80 }],
        map: { KeepMe: { deep: 'v' } },
      }),
    ).toEqual({
      mtu: 1500,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.0.0.0/8' }]], dataDir: '/x' },
      list: [{ hostPort: 80 }],
      map: { KeepMe: { Deep: 'v' } },
    });
  });

  it('lets the last of several matching keys win, exact or not', () => {
    expect(goNormalize(schema, { mtu: 1, MTU: 2 })).toEqual({ mtu: 2 });
    expect(goNormalize(schema, { MTU: 2, mtu: 1 })).toEqual({ mtu: 1 });
  });

  it('drops null for known fields only', () => {
    expect(goNormalize(schema, { mtu: null, other: null })).toEqual({ other: null });
    expect(goNormalize(schema, { mtu: 5, Mtu: null })).toEqual({ mtu: 5 });
  });

  it('replaces, not merges, duplicate objects (documented difference from Go)', () => {
    expect(goNormalize(schema, { ipam: { type: 'a' }, IPAM: { dataDir: 'x' } })).toEqual({ ipam: { dataDir: 'x' } });
  });
});

describe('parseWithSchema', () => {
  it('throws code 7 with the field path', () => {
    const schema = z.object({ ipam: z.object({ ranges: z.array(z.object({ subnet: goCIDR() })) }) });
    let err: unknown;
    try {
      parseWithSchema(schema, { ipam: { ranges: [{ subnet: '10.0.0.0/33' }] } }, { prefix: 'failed to load netconf' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).toJSON()).toEqual({ code: 7, msg: 'failed to load netconf: ipam.ranges[0].subnet: invalid CIDR address: 10.0.0.0/33' });
  });

  it('says what type was expected and what came', () => {
    const r = z.object({ mtu: z.number() }).safeParse({ mtu: '1500' });
    expect(formatZodError(r.error!, { mtu: '1500' })).toBe('mtu: expected number, got string');
    const m = z.object({ master: z.string() }).safeParse({});
    expect(formatZodError(m.error!, {})).toBe('master: missing required field');
  });

  it('honours a custom code', () => {
    expect(() => parseWithSchema(z.object({ a: z.string() }), {}, { code: 999 })).toThrow(expect.objectContaining({ code: 999 }));
  });

  it('parses the common plugin fields', () => {
    const conf = parseWithSchema(pluginConfSchema, {
      CNIVERSION: '1.0.0',
      name: 'n',
      Type: 'bridge',
      runtimeConfig: { PortMappings: [{ HostPort: 8080, ContainerPort: 80, Protocol: 'tcp' }], IPs: ['10.0.0.1/24'] },
      capabilities: { portMappings: true },
      custom: { kept: 1 },
    });
    expect(conf).toMatchObject({
      cniVersion: '1.0.0',
      type: 'bridge',
      runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], ips: ['10.0.0.1/24'] },
      custom: { kept: 1 },
    });
  });
});

describe('go net types', () => {
  it('canonicalise and reject like Go', () => {
    expect(goIP().parse('2001:DB8::1')).toBe('2001:db8::1');
    expect(goIP().parse('')).toBeUndefined();
    expect(goIP().safeParse('zz').error?.issues[0]?.message).toBe('invalid IP address: zz');
    expect(goCIDR().safeParse('').error?.issues[0]?.message).toBe('invalid CIDR address: ');
  });
});

describe('toJsonSchema', () => {
  it('describes the input side of a config', () => {
    const js = toJsonSchema(pluginConfSchema.extend({ subnet: goCIDR() }));
    expect(js).toMatchObject({ type: 'object', properties: { subnet: { type: 'string' }, cniVersion: { type: 'string' } }, required: ['subnet'] });
  });
});

function goText(v: unknown) {
  try {
    parseWithSchema(netConfSchema, v, { code: 999, prefix: 'failed to parse network config', detailsPath: true });
  } catch (e) {
    return (e as CniError).toJSON();
  }
  return undefined;
}

describe('Go type error texts', () => {
  it.each([
    [{ type: 5 }, 'json: cannot unmarshal number into Go struct field PluginConf.type of type string', 'type'],
    [{ capabilities: [] }, 'json: cannot unmarshal array into Go struct field PluginConf.capabilities of type map[string]bool', 'capabilities'],
    [{ capabilities: { portMappings: 'yes' } }, 'json: cannot unmarshal string into Go struct field PluginConf.capabilities of type bool', 'capabilities.portMappings'],
    [{ IPAM: { Type: 1 } }, 'json: cannot unmarshal number into Go struct field IPAM.ipam.type of type string', 'ipam.type'],
    [{ dns: { nameservers: 'x' } }, 'json: cannot unmarshal string into Go struct field DNS.dns.nameservers of type []string', 'dns.nameservers'],
    [{ dns: { search: [1] } }, 'json: cannot unmarshal number into Go struct field DNS.dns.search of type string', 'dns.search[0]'],
    [{ prevResult: 'x' }, 'json: cannot unmarshal string into Go struct field PluginConf.prevResult of type map[string]interface {}', 'prevResult'],
    [{ 'cni.dev/valid-attachments': [{ containerID: 1, ifname: 'a' }] }, 'json: cannot unmarshal number into Go struct field GCAttachment.cni.dev/valid-attachments.containerID of type string', 'cni.dev/valid-attachments[0].containerID'],
  ])('%j', (v, msg, details) => {
    expect(goText(v)).toEqual({ code: 999, msg: `failed to parse network config: ${msg}`, details });
  });
});
