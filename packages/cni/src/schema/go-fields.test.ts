// goField's nullAs, bare texts (pathInMessage), the Addr field types and goRoute.
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { formatAddr, formatAddrNet } from '../ip';
import { decodeWithSchema, formatZodError } from './errors';
import { goField } from './go-types';
import { goCIDRAddr, goIPAddr } from './net';
import { goNormalize } from './normalize';
import { goRoute } from './route';

describe('nullAs', () => {
  const schema = z.object({
    subnet: goField(z.string(), 'Range', 'string', { nullAs: '' }).optional(),
    gw: goField(z.string(), 'Range', 'net.IP').optional(),
    sets: z.array(goField(z.array(goField(z.object({ a: z.string().optional() }), 'Range', 'R', { nullAs: {} })), 'C', '[]R', { nullAs: [] })).optional(),
    plain: z.array(z.string().nullable()).optional(),
  });

  it('decodes null fields and elements to the annotated value', () => {
    expect(goNormalize(schema, { subnet: null, gw: null, sets: [null, [null, { a: 'x' }]], plain: [null] })).toEqual({
      subnet: '',
      sets: [[], [{}, { a: 'x' }]],
      plain: [null],
    });
  });

  it('lets a later null override an earlier key only when annotated', () => {
    expect(goNormalize(schema, { subnet: '10.0.0.0/8', SUBNET: null, gw: '1.2.3.4', GW: null })).toEqual({ subnet: '', gw: '1.2.3.4' });
  });

  it('gives fresh values each time', () => {
    const a = goNormalize(schema, { sets: [[null]] }) as { sets: object[][] };
    const b = goNormalize(schema, { sets: [[null]] }) as { sets: object[][] };
    expect(a.sets[0]![0]).not.toBe(b.sets[0]![0]);
  });
});

describe('pathInMessage', () => {
  const schema = z.object({ ipam: z.object({ subnet: goCIDRAddr().optional(), n: z.number().optional() }).optional() });

  it('keeps custom texts bare, the path in field', () => {
    expect(() => decodeWithSchema(schema, { ipam: { subnet: 'x' } }, { pathInMessage: false })).toThrow(
      expect.objectContaining({ message: 'invalid CIDR address: x', field: 'ipam.subnet' }),
    );
    expect(() => decodeWithSchema(schema, { ipam: { subnet: 'x' } })).toThrow(
      expect.objectContaining({ message: 'ipam.subnet: invalid CIDR address: x', field: 'ipam.subnet' }),
    );
    const r = schema.safeParse({ ipam: { n: 'x' } });
    expect(formatZodError(r.error!, { ipam: { n: 'x' } }, schema, { pathInMessage: false })).toBe('expected number, got string');
  });
});

describe('goIPAddr / goCIDRAddr', () => {
  it('parse as Go and keep host bits and the written mask', () => {
    const s = z.object({ ip: goIPAddr().optional(), net: goCIDRAddr().optional() });
    const out = s.parse({ ip: '::ffff:10.0.0.1', net: '::ffff:10.1.2.3/120' });
    expect(formatAddr(out.ip!)).toBe('10.0.0.1');
    expect(out.net?.maskBits).toBe(128);
    expect(formatAddrNet(out.net!)).toBe('10.1.2.3/24');
    expect(s.parse({ ip: '' }).ip).toBeUndefined();
    expect(s.safeParse({ ip: '01.2.3.4' }).error?.issues[0]?.message).toBe('invalid IP address: 01.2.3.4');
    expect(s.safeParse({ net: '' }).error?.issues[0]?.message).toBe('invalid CIDR address: ');
  });
});

describe('goRoute', () => {
  const schema = z.object({
    routes: goField(z.array(goField(goRoute(), 'IPAMConfig', 'types.route', { nullAs: {} })), 'IPAMConfig', '[]*types.Route').optional(),
  });
  const decode = (v: unknown) => decodeWithSchema(schema, v, { pathInMessage: false });

  it('outputs result routes the way Go prints them', () => {
    expect(
      decode({
        routes: [{ DST: '::ffff:10.0.0.5/104', gw: '::ffff:1.2.3.4', mtu: 0, advmss: 1400, table: 0, gw2: 1 }, null, { dst: 'FD00::1/64', gw: '' }],
      }).routes,
    ).toEqual([{ dst: '10.0.0.5/8', gw: '1.2.3.4', advmss: 1400, table: 0 }, { dst: '<nil>' }, { dst: 'fd00::1/64' }]);
  });

  it('fails with Go texts', () => {
    expect(() => decode({ routes: [{ dst: null }] })).toThrow(expect.objectContaining({ message: 'invalid CIDR address: ', field: 'routes[0].dst' }));
    expect(() => decode({ routes: [5] })).toThrow('json: cannot unmarshal number into Go struct field IPAMConfig.routes of type types.route');
    expect(() => decode({ routes: [{ gw: 7 }] })).toThrow('json: cannot unmarshal number into Go struct field route.routes.gw of type net.IP');
    expect(() => decode({ routes: [{ mtu: 'x' }] })).toThrow('json: cannot unmarshal string into Go struct field route.routes.mtu of type int');
  });
});
