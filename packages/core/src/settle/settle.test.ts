import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { TimeoutError } from '../errors.js';
import { TestClock } from '../testing/index.js';
import { type SettleContext, settle } from './settle.js';

/** A call that answers `value` (or fails with it) after `ms`, honouring its signal. */
const after =
  <T>(clock: TestClock, ms: number, value: T, ok = true) =>
  ({ signal }: SettleContext): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        if (ok) resolve(value);
        else reject(value);
      }, ms);
      const onAbort = () => {
        clock.clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

describe('settle', () => {
  it('answers with the values that succeeded and the names of those that failed', async () => {
    const clock = new TestClock();
    const down = new Error('entra is down');
    const run = settle(
      {
        workday: after(clock, 30, { employees: 3 }),
        ad: after(clock, 10, ['alice', 'bob']),
        entra: after(clock, 20, down, false),
      },
      { clock },
    );
    await clock.advance(30);
    const result = await run;
    expect(result).toEqual({
      values: { workday: { employees: 3 }, ad: ['alice', 'bob'] },
      available: ['workday', 'ad'],
      failed: ['entra'],
      errors: { entra: down },
    });
    expectTypeOf(result.values.workday).toEqualTypeOf<{ employees: number } | undefined>();
    expectTypeOf(result.values.ad).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(result.available).toEqualTypeOf<('workday' | 'ad' | 'entra')[]>();
  });

  it('runs the calls side by side, not one after another', async () => {
    const clock = new TestClock();
    const run = settle(
      { a: after(clock, 100, 1), b: after(clock, 100, 2), c: after(clock, 100, 3) },
      { clock },
    );
    await clock.advance(100);
    expect((await run).available).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(100);
  });

  it('counts synchronous throws and plain values', async () => {
    const boom = new Error('sync');
    const result = await settle({
      plain: () => 42,
      thrower: () => {
        throw boom;
      },
      rejected: () => Promise.reject('text'),
    });
    expect(result).toEqual({
      values: { plain: 42 },
      available: ['plain'],
      failed: ['thrower', 'rejected'],
      errors: { thrower: boom, rejected: 'text' },
    });
  });

  it('with a timeout, aborts the calls still running and counts them failed; no timer left', async () => {
    const clock = new TestClock();
    const signals: AbortSignal[] = [];
    const slow = (ctx: SettleContext) => {
      signals.push(ctx.signal);
      return after(clock, 5_000, 'late')(ctx);
    };
    const run = settle({ fast: after(clock, 50, 'early'), slow }, { timeout: 1_000, clock });
    await clock.advance(999);
    let done = false;
    void run.then(() => {
      done = true;
    });
    await clock.advance(0);
    expect(done).toBe(false);
    await clock.advance(1);
    const result = await run;
    expect(result.available).toEqual(['fast']);
    expect(result.failed).toEqual(['slow']);
    expect(result.errors.slow).toBeInstanceOf(TimeoutError);
    expect((result.errors.slow as TimeoutError).timeout).toBe(1_000);
    expect(signals[0]!.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a call that ignores its signal still counts failed at the timeout', async () => {
    const clock = new TestClock();
    const run = settle({ stuck: () => new Promise(() => {}) }, { timeout: 10, clock });
    await clock.advance(10);
    expect((await run).failed).toEqual(['stuck']);
  });

  it('clears its timer as soon as every call answered', async () => {
    const clock = new TestClock();
    const run = settle({ a: after(clock, 5, 1) }, { timeout: 1_000, clock });
    await clock.advance(5);
    await run;
    expect(clock.pendingTimers).toBe(0);
  });

  it("the caller's abort answers at once with what is there and stops listening", async () => {
    const clock = new TestClock();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const run = settle(
      { quick: after(clock, 5, 'q'), slow: after(clock, 500, 's') },
      { signal: controller.signal, clock },
    );
    await clock.advance(5);
    const reason = new Error('request ended');
    controller.abort(reason);
    const result = await run;
    expect(result.available).toEqual(['quick']);
    expect(result.errors).toEqual({ slow: reason });
    expect(remove).toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  it('an already aborted signal runs nothing', async () => {
    const fn = vi.fn(() => 1);
    const reason = new Error('gone');
    const result = await settle({ a: fn }, { signal: AbortSignal.abort(reason) });
    expect(fn).not.toHaveBeenCalled();
    expect(result).toEqual({ values: {}, available: [], failed: ['a'], errors: { a: reason } });
  });

  it('no calls: answers at once', async () => {
    const clock = new TestClock();
    await expect(settle({}, { timeout: 100, clock })).resolves.toEqual({
      values: {},
      available: [],
      failed: [],
      errors: {},
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps names that look like Object.prototype members as plain entries', async () => {
    const result = await settle({ toString: () => 'a', ['__proto__']: () => 'b' } as Record<
      string,
      () => string
    >);
    expect(result.available).toEqual(['toString', '__proto__']);
    expect(Object.hasOwn(result.values, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
  });

  it('validates its input with messages that name the option', () => {
    expect(() => settle(null as never)).toThrow(/settle: calls must be an object of functions by name/);
    expect(() => settle({ a: 1 } as never)).toThrow(/settle: calls.a must be a function .*got number/);
    expect(() => settle({}, { timeout: -1 })).toThrow(/settle: timeout \(ms\) must be a number >= 0, got -1/);
    expect(() => settle({}, { signal: {} as never })).toThrow(/settle: signal must be an AbortSignal/);
    expect(() => settle({}, { timout: 1 } as never)).toThrow(/unknown option "timout"/);
  });
});
