import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { goBool, goDecode, GoDecodeError, goInt, goStr, goUint32, netConfFields } from './gojson';

const schema = z.object({
  ...netConfFields(),
  master: goStr('NetConf').optional(),
  mtu: goInt('NetConf').optional(),
  bcqueuelen: goUint32('NetConf').optional(),
  linkInContainer: goBool('NetConf').optional(),
  runtimeConfig: z.object({ mac: goStr('').optional() }).optional(),
});

function err(input: unknown): GoDecodeError {
  try {
    goDecode(schema, input);
  } catch (e) {
    return e as GoDecodeError;
  }
  throw new Error('decoded');
}

describe('goDecode', () => {
  it('matches keys case-insensitively, exact first, last duplicate wins, null is a no-op', () => {
    expect(goDecode(schema, { MASTER: 'a', Mtu: 1400, mtu: null, IPAM: { Type: 'x', other: 1 }, junk: 1 })).toEqual({
      master: 'a',
      mtu: 1400,
      ipam: { type: 'x', other: 1 },
    });
  });

  it("words type errors as Go's encoding/json", () => {
    expect(err({ mtu: '1500' }).message).toBe('json: cannot unmarshal string into Go struct field NetConf.mtu of type int');
    expect(err({ mtu: 1.5 }).message).toBe('json: cannot unmarshal number 1.5 into Go struct field NetConf.mtu of type int');
    expect(err({ bcqueuelen: -1 }).message).toBe('json: cannot unmarshal number -1 into Go struct field NetConf.bcqueuelen of type uint32');
    expect(err({ linkInContainer: 'true' }).message).toBe('json: cannot unmarshal string into Go struct field NetConf.linkInContainer of type bool');
    expect(err({ ipam: { type: 5 } }).message).toBe('json: cannot unmarshal number 5 into Go struct field IPAM.ipam.type of type string');
    expect(err({ prevResult: [] }).message).toBe('json: cannot unmarshal array into Go struct field NetConf.prevResult of type map[string]interface {}');
    expect(err({ dns: { nameservers: 'x' } }).field).toBe('dns.nameservers');
  });
});
