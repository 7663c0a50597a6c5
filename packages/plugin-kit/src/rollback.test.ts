import { describe, expect, it } from 'vitest';
import { ErrorCollector, Rollback, TeardownError, withRollback } from './rollback';

describe('Rollback', () => {
  it('runs steps in reverse and keeps every failure', async () => {
    const rb = new Rollback();
    const order: string[] = [];
    rb.add('a', () => order.push('a'));
    rb.add('b', () => {
      order.push('b');
      throw new Error('boom');
    });
    rb.add('c', async () => {
      order.push('c');
      throw new Error('bang');
    });
    const errors = await rb.run();
    expect(order).toEqual(['c', 'b', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['c: bang', 'b: boom']);
    expect(rb.size).toBe(0);
  });

  it('commit forgets the steps', async () => {
    const rb = new Rollback();
    let ran = false;
    rb.add('x', () => (ran = true));
    rb.commit();
    expect(await rb.run()).toEqual([]);
    expect(ran).toBe(false);
  });

  it('runSync refuses async steps but still runs the rest', () => {
    const rb = new Rollback();
    const order: string[] = [];
    rb.add('a', () => order.push('a'));
    rb.add('b', async () => undefined);
    const errors = rb.runSync();
    expect(order).toEqual(['a']);
    expect(errors[0]?.message).toMatch(/^b: asynchronous undo step/);
  });

  it('withRollback rethrows the original error and logs rollback failures', async () => {
    const logged: string[] = [];
    const cause = new Error('step 3 failed');
    await expect(
      withRollback(
        (rb) => {
          rb.add('undo 1', () => {
            throw new Error('cannot');
          });
          throw cause;
        },
        (m) => logged.push(m),
      ),
    ).rejects.toBe(cause);
    expect(logged).toEqual(['rollback: undo 1: cannot']);
  });

  it('withRollback commits on success', async () => {
    let undone = false;
    expect(await withRollback((rb) => (rb.add('x', () => (undone = true)), 42))).toBe(42);
    expect(undone).toBe(false);
  });
});

describe('ErrorCollector', () => {
  it('reports one error as is and several together', async () => {
    const one = new ErrorCollector();
    const e = new Error('only');
    one.try(() => {
      throw e;
    });
    expect(() => one.throwIfAny()).toThrow(e);

    const two = new ErrorCollector();
    two.try(() => {
      throw new Error('a');
    });
    await two.tryAsync(async () => {
      throw new Error('b');
    });
    expect(two.try(() => 5)).toBe(5);
    let thrown: unknown;
    try {
      two.throwIfAny();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TeardownError);
    expect((thrown as Error).message).toBe('a; b');
  });
});
