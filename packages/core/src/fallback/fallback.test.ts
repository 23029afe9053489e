import { describe, expect, it, vi } from 'vitest';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { context, deferred, fakeRuntime } from '../bulkhead/testing-fixtures/calls.js';
import { BulkheadRejectedError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import type { AnyPolicy, CallContext } from '../types.js';
import { failClosed, failOpen, fallback } from './fallback.js';
import { FALLBACK_DEFAULTS } from './options.js';

/** A pipeline of `policies` (or of what `policies(clock)` builds, for policies that need the clock). */
const setup = (policies: AnyPolicy[] | ((clock: TestClock) => AnyPolicy[])) => {
  const clock = new TestClock(1_000);
  const registry = new Registry();
  const p = registry.pipeline('f', typeof policies === 'function' ? policies(clock) : policies, { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { clock, p, of };
};

const fail = (error: unknown) => () => Promise.reject(error);

describe('fallback', () => {
  it('pins its defaults', () => {
    expect(FALLBACK_DEFAULTS).toEqual({ lastGoodTtl: 300_000 });
    expect(fallback({ lastGood: {} }).snapshot().ttl).toBe(300_000);
  });

  describe('{ value }', () => {
    it('answers a failure with the value, counts the call as fallback and says why', async () => {
      const policy = fallback({ value: 'default' });
      const { p, of } = setup([policy]);
      const boom = new Error('down');
      await expect(p.execute(fail(boom), { key: 'op' })).resolves.toBe('default');
      expect(of('fallback')).toMatchObject([
        { source: 'value', error: boom, key: 'op', policyName: 'fallback' },
      ]);
      expect(of('call').map((e) => [e.outcome, e.error])).toEqual([['fallback', undefined]]);
      expect(policy.snapshot()).toEqual({
        source: 'value',
        served: 1,
        stale: false,
        ttl: undefined,
        lastGoodAt: undefined,
        lastGoodAge: undefined,
      });
    });

    it('passes successes through untouched', async () => {
      const { p, of } = setup([fallback({ value: 0 })]);
      await expect(p.execute(() => 42)).resolves.toBe(42);
      expect(of('fallback')).toEqual([]);
      expect(of('call').map((e) => e.outcome)).toEqual(['success']);
    });

    it('serves null and undefined values too', async () => {
      const { p } = setup([fallback({ value: null }), fallback({ value: undefined, name: 'inner' })]);
      await expect(p.execute(fail(new Error('x')))).resolves.toBeUndefined();
    });

    it('answers rejections of inner policies (a full bulkhead) as well', async () => {
      const { p, of } = setup([fallback({ value: 'busy' }), bulkhead({ limit: 1 })]);
      const gate = deferred<string>();
      const first = p.execute(() => gate.promise);
      await expect(p.execute(() => 'never')).resolves.toBe('busy');
      expect(of('fallback')[0]?.error).toBeInstanceOf(BulkheadRejectedError);
      gate.resolve('first');
      await expect(first).resolves.toBe('first');
      expect(of('call').map((e) => e.outcome)).toEqual(['fallback', 'success']);
    });
  });

  describe('{ fn }', () => {
    it('calls fn with the error and the call context, sync or async', async () => {
      const fn = vi.fn(async (error: unknown, ctx: CallContext) => `${(error as Error).message}@${ctx.key}`);
      const { p, of } = setup([fallback({ fn })]);
      await expect(p.execute(fail(new Error('down')), { key: 'k' })).resolves.toBe('down@k');
      expect(fn).toHaveBeenCalledTimes(1);
      const ctx = fn.mock.calls[0]![1];
      expect(ctx.attempt).toBe(1);
      expect(ctx.signal).toBeInstanceOf(AbortSignal);
      expect(of('fallback')).toMatchObject([{ source: 'fn' }]);
      const sync = setup([fallback({ fn: () => 7 })]);
      await expect(sync.p.execute(fail(new Error('x')))).resolves.toBe(7);
    });

    it('a fn that throws or rejects fails the call with its error; it never throws from execute', async () => {
      const own = new Error('fallback broke');
      for (const fn of [
        () => {
          throw own;
        },
        () => Promise.reject(own),
      ]) {
        const { p, of } = setup([fallback({ fn })]);
        await expect(p.execute(fail(new Error('down')))).rejects.toBe(own);
        expect(of('fallback')).toEqual([]);
        expect(of('call').map((e) => e.outcome)).toEqual(['failure']);
      }
      const clock = new TestClock();
      const direct = fallback({ fn: () => Promise.reject(own) });
      await expect(
        direct.execute(async () => ({ ok: false, error: new Error('x') }), context(fakeRuntime(clock))),
      ).resolves.toEqual({ ok: false, error: own });
    });
  });

  describe('handles', () => {
    it('falls back only for the errors it accepts', async () => {
      class NotFound extends Error {}
      const { p } = setup([fallback({ value: 'cached', handles: (e) => !(e instanceof NotFound) })]);
      await expect(p.execute(fail(new Error('down')))).resolves.toBe('cached');
      const notFound = new NotFound('no');
      await expect(p.execute(fail(notFound))).rejects.toBe(notFound);
    });

    it('by default lets an AbortError through', async () => {
      const { p } = setup([fallback({ value: 'x' })]);
      const abort = new DOMException('aborted', 'AbortError');
      await expect(p.execute(fail(abort))).rejects.toBe(abort);
    });

    it("never serves a fallback for the caller's own abort, whatever handles says", async () => {
      const { p, of } = setup([fallback({ value: 'x', handles: () => true })]);
      const controller = new AbortController();
      const call = p.execute(
        ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))),
        { signal: controller.signal },
      );
      controller.abort(new Error('caller left'));
      await expect(call).rejects.toThrow('cancelled');
      expect(of('fallback')).toEqual([]);
    });

    it('a handles that throws fails the call with its error', async () => {
      const own = new Error('handles broke');
      const { p } = setup([
        fallback({
          value: 'x',
          handles: () => {
            throw own;
          },
        }),
      ]);
      await expect(p.execute(fail(new Error('down')))).rejects.toBe(own);
    });
  });

  describe('{ lastGood }', () => {
    it('without a stored result, the original error escapes', async () => {
      const { p, of } = setup((clock) => [fallback({ lastGood: { ttl: 1_000 }, clock })]);
      const boom = new Error('down');
      await expect(p.execute(fail(boom))).rejects.toBe(boom);
      expect(of('fallback')).toEqual([]);
    });

    it('serves the last success while within ttl, marked stale, then the original error', async () => {
      let policy = fallback({ lastGood: { ttl: 1_000 } });
      const { clock, p, of } = setup((c) => {
        policy = fallback({ lastGood: { ttl: 1_000 }, clock: c });
        return [policy];
      });
      const rates = { eur: 1.1 };
      await p.execute(() => rates);
      expect(policy.snapshot()).toMatchObject({
        stale: false,
        lastGoodAt: 1_000,
        lastGoodAge: 0,
        ttl: 1_000,
      });
      await clock.advance(1_000);
      const boom = new Error('down');
      await expect(p.execute(fail(boom))).resolves.toBe(rates); // age == ttl: still served
      expect(policy.isStale).toBe(true);
      expect(policy.snapshot()).toMatchObject({
        source: 'last_good',
        stale: true,
        served: 1,
        lastGoodAge: 1_000,
      });
      expect(of('fallback')).toMatchObject([{ source: 'last_good', error: boom }]);
      expect(of('call').map((e) => e.outcome)).toEqual(['success', 'fallback']);
      await clock.advance(1);
      await expect(p.execute(fail(boom))).rejects.toBe(boom);
      await p.execute(() => ({ eur: 1.2 }));
      expect(policy.isStale).toBe(false);
      expect(clock.pendingTimers).toBe(0);
    });

    it('keeps one result per operation key', async () => {
      const { p } = setup((clock) => [fallback({ lastGood: { ttl: 1_000 }, clock })]);
      await p.execute(() => 'user list', { key: 'users' });
      await p.execute(() => 'price list', { key: 'prices' });
      await expect(p.execute(fail(new Error('x')), { key: 'users' })).resolves.toBe('user list');
      await expect(p.execute(fail(new Error('x')), { key: 'prices' })).resolves.toBe('price list');
      await expect(p.execute(fail(new Error('x')))).rejects.toThrow('x');
    });

    it('mark() turns the served value into a visibly stale one', async () => {
      const mark = vi.fn((value: { n: number }, info: { storedAt: number; age: number }) => ({
        ...value,
        stale: true,
        age: info.age,
      }));
      const { clock, p } = setup((clock) => [fallback({ lastGood: { ttl: 10_000, mark }, clock })]);
      await p.execute(() => ({ n: 1 }));
      await clock.advance(250);
      await expect(p.execute(fail(new Error('x')))).resolves.toEqual({ n: 1, stale: true, age: 250 });
      expect(mark).toHaveBeenCalledWith({ n: 1 }, { storedAt: 1_000, age: 250 });
      await expect(p.execute(() => ({ n: 2 }))).resolves.toEqual({ n: 2 }); // successes are not marked
    });

    it('a mark that throws fails the call with its error', async () => {
      const own = new Error('mark broke');
      const { p } = setup([
        fallback({
          lastGood: {
            mark: () => {
              throw own;
            },
          },
        }),
      ]);
      await p.execute(() => 1);
      await expect(p.execute(fail(new Error('x')))).rejects.toBe(own);
    });

    it('ttl = Infinity serves the last result forever', async () => {
      const { clock, p } = setup((clock) => [
        fallback({ lastGood: { ttl: Number.POSITIVE_INFINITY }, clock }),
      ]);
      await p.execute(() => 'old');
      await clock.advance(1e9);
      await expect(p.execute(fail(new Error('x')))).resolves.toBe('old');
    });
  });

  it('failOpen() and failClosed() answer boolean checks', async () => {
    const open = setup([failOpen()]);
    await expect(open.p.execute(fail(new Error('auth down')))).resolves.toBe(true);
    await expect(open.p.execute(() => false)).resolves.toBe(false);
    const closed = setup([failClosed({ name: 'deny' })]);
    await expect(closed.p.execute(fail(new Error('auth down')))).resolves.toBe(false);
    expect(closed.of('fallback')).toMatchObject([{ policyName: 'deny', source: 'value' }]);
    expect(() => failOpen({ value: 1 } as never)).toThrow(/failOpen: unknown option "value"/);
  });

  it('an inner layer that breaks the contract and throws still falls back', async () => {
    const clock = new TestClock();
    const outcome = await fallback({ value: 'safe' }).execute(
      () => {
        throw new Error('layer threw');
      },
      context(fakeRuntime(clock)),
    );
    expect(outcome).toEqual({ ok: true, value: 'safe' });
  });

  it('builds no event when nobody listens, but still marks the call as a fallback', async () => {
    const clock = new TestClock();
    const ctx = context(fakeRuntime(clock, false)); // throws if emit is called
    const outcome = await fallback({ value: 1 }).execute(
      async () => ({ ok: false, error: new Error('x') }),
      ctx,
    );
    expect(outcome).toEqual({ ok: true, value: 1 });
    expect(ctx.call.fallback).toBe(true);
  });

  describe('configure()', () => {
    it('keeps a mark set in code when only the ttl is re-tuned (as an env reload does)', async () => {
      const { p, clock } = setup((c) => [
        fallback<{ v: string; stale?: boolean }>({
          lastGood: { ttl: 100, mark: (value) => ({ ...value, stale: true }) },
          clock: c,
        }),
      ]);
      const policy = p.policies[0] as ReturnType<typeof fallback<{ v: string; stale?: boolean }>>;
      await p.execute(() => ({ v: 'fresh' }));
      policy.configure({ lastGood: { ttl: 1_000 } });
      await clock.advance(10);
      await expect(p.execute(fail(new Error('down')))).resolves.toEqual({ v: 'fresh', stale: true });
    });

    it('changes the value, the fn, the ttl and handles at run time, keeping stored results', async () => {
      const value = fallback<string>({ value: 'a' });
      const { p } = setup([value]);
      value.configure({ value: 'b' });
      await expect(p.execute(fail(new Error('x')))).resolves.toBe('b');
      value.configure({ handles: () => false });
      await expect(p.execute(fail(new Error('x')))).rejects.toThrow('x');

      let last = fallback({ lastGood: { ttl: 100 } });
      const l = setup((clock) => {
        last = fallback({ lastGood: { ttl: 100 }, clock });
        return [last];
      });
      await l.p.execute(() => 'kept');
      await l.clock.advance(500);
      last.configure({ lastGood: { ttl: 1_000 } });
      await expect(l.p.execute(fail(new Error('x')))).resolves.toBe('kept');
      expect(last.snapshot().ttl).toBe(1_000);

      const fn = fallback({ fn: () => 1 });
      fn.configure({ fn: () => 2 });
      const f = setup([fn]);
      await expect(f.p.execute(fail(new Error('x')))).resolves.toBe(2);
      await flushMicrotasks();
    });

    it('refuses another form and validates everything before changing anything', () => {
      const value = fallback<string>({ value: 'a' });
      expect(() => value.configure({ lastGood: { ttl: 5 } })).toThrow(
        /cannot configure lastGood on a fallback built with value/,
      );
      const last = fallback({ lastGood: { ttl: 100 } });
      expect(() => last.configure({ lastGood: { ttl: -1 }, handles: () => true })).toThrow(/lastGood.ttl/);
      expect(() => last.configure({ handles: 'no' as never, lastGood: { ttl: 5 } })).toThrow(
        /handles must be a function/,
      );
      expect(last.snapshot().ttl).toBe(100);
      expect(() => last.configure({ name: 'x' } as never)).toThrow(/unknown option "name"/);
    });
  });

  it('validates options with messages that name the option, the value and the range', () => {
    expect(() => fallback({} as never)).toThrow(/fallback: give exactly one of value, fn or lastGood/);
    expect(() => fallback({ value: 1, fn: () => 2 } as never)).toThrow(
      /exclude each other; got value and fn/,
    );
    expect(() => fallback({ fn: 'nope' } as never)).toThrow(/fallback: fn must be a function, got "nope"/);
    expect(() => fallback({ lastGood: 5 } as never)).toThrow(
      /fallback: lastGood: options must be an object, got 5/,
    );
    expect(() => fallback({ lastGood: { ttl: -1 } })).toThrow(
      /lastGood.ttl \(ms\) must be a number >= 0 \(or Infinity\), got -1/,
    );
    expect(() => fallback({ lastGood: { ttl: Number.NaN } })).toThrow(
      /lastGood.ttl \(ms\) must be a number, got NaN/,
    );
    expect(() => fallback({ lastGood: { ttl: '5s' as never } })).toThrow(/must be a number, got "5s"/);
    expect(() => fallback({ lastGood: { tll: 5 } as never })).toThrow(/unknown option "tll"/);
    expect(() => fallback({ lastGood: { mark: 1 } as never })).toThrow(/lastGood.mark must be a function/);
    expect(() => fallback({ value: 1, handles: true } as never)).toThrow(
      /handles must be a function, got true/,
    );
    expect(() => fallback({ value: 1, vaule: 2 } as never)).toThrow(/unknown option "vaule"/);
    expect(() => fallback(null as never)).toThrow(/options must be an object/);
  });
});
