import { CniError } from '@cni-ts/cni';
import type { CniRequest } from '@cni-ts/cni/skel';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { lazyPlugin } from './lazy-plugin';

const fail = (err: Error) => async () => ({
  cmdAdd: () => {
    throw err;
  },
  cmdDel: () => undefined,
  cmdCheck: () => undefined,
  cmdStatus: () => undefined,
});

describe('lazyPlugin', () => {
  const req = {} as CniRequest;
  it('turns a ConfigError into a CNI error 999 naming the field', async () => {
    const load = fail(new ConfigError('failed to load netconf: bad', 'mtu'));
    const p = lazyPlugin('x', { config: async () => ({ netConfSchema: undefined as never }), add: load, del: load, check: load, status: load });
    const err = await Promise.resolve(p.add(req)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).code).toBe(999);
    expect((err as CniError).toJSON()).toEqual({ code: 999, msg: 'failed to load netconf: bad', details: 'mtu' });
  });
  it('passes other errors through', async () => {
    const boom = new Error('boom');
    const load = fail(boom);
    const p = lazyPlugin('x', { config: async () => ({ netConfSchema: undefined as never }), add: load, del: load, check: load, status: load });
    await expect(Promise.resolve(p.add(req))).rejects.toBe(boom);
    expect(p.type).toBe('x');
  });
});
