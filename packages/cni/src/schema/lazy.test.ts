import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { decode } from './decode';
import { go } from './go';
import { lazySchema } from './lazy';

describe('lazySchema', () => {
  it('builds on first use, once', () => {
    let built = 0;
    const s = lazySchema(() => (built++, z.object({ a: z.string() })));
    expect(built).toBe(0);
    expect(s.parse({ a: 'x' })).toEqual({ a: 'x' });
    expect(s.extend({ b: z.number() }).parse({ a: 'x', b: 1 })).toEqual({ a: 'x', b: 1 });
    expect(s instanceof z.ZodObject).toBe(true);
    expect(built).toBe(1);
  });

  it('gives the same Go type errors as the eager schema, also inside other schemas', () => {
    const build = () => go(z.object({ name: z.string() }), 'main.Inner', { struct: 'Inner' });
    const errorOf = (inner: z.ZodType, value: unknown) => {
      const outer = go(z.object({ inner: inner.optional(), list: z.array(inner).optional() }), 'main.Outer', { struct: 'Outer' });
      try {
        decode(outer, value);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    for (const value of [{ inner: { name: 1 } }, { list: [{ name: 1 }] }, { inner: 'x' }]) {
      const eager = errorOf(build(), value);
      expect(eager).toMatch(/^json: cannot unmarshal/);
      expect(errorOf(lazySchema(build), value)).toBe(eager);
    }
  });
});
