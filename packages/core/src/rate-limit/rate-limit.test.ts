import { describe, expect, it } from 'vitest';
import { abortListeners, context, fakeRuntime } from '../bulkhead/testing-fixtures/calls.js';
import { RateLimitedError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import { RATE_LIMIT_DEFAULTS, type RateLimitOptions } from './options.js';
import { rateLimit } from './rate-limit.js';

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

const setup = (options: Partial<Omit<RateLimitOptions, 'clock'>>) => {
  const clock = new TestClock();
  const registry = new Registry();
  const policy = rateLimit({ ...options, clock });
  const p = registry.pipeline('r', [policy], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const ran: string[] = [];
  const settled = new Map<string, Settled>();
  const call = (id: string, signal?: AbortSignal) =>
    p
      .execute(
        () => {
          ran.push(id);
          return id;
        },
        signal === undefined ? { key: id } : { key: id, signal },
      )
      .then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, error }),
      )
      .then((outcome) => {
        settled.set(id, outcome);
        return outcome;
      });
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { clock, policy, p, events, of, ran, settled, call };
};

describe('rateLimit', () => {
  it('pins its defaults; burst defaults to the rate, rounded up', () => {
    expect(RATE_LIMIT_DEFAULTS).toEqual({ rate: 100, interval: 1_000, burst: 100, maxWait: 0 });
    const clock = new TestClock();
    expect(rateLimit({ clock }).snapshot()).toEqual({
      tokens: 100,
      burst: 100,
      rate: 100,
      interval: 1_000,
      waiting: 0,
    });
    expect(rateLimit({ rate: 7, clock }).snapshot().burst).toBe(7);
    expect(rateLimit({ rate: 2.5, clock }).snapshot().burst).toBe(3);
    expect(rateLimit({ rate: 0.1, clock }).snapshot().burst).toBe(1);
  });

  it('lets a full bucket through, then rejects at once with retryAfter, counted as rejected', async () => {
    const { clock, call, ran, of } = setup({ rate: 4, interval: 1_000, burst: 2 });
    expect((await call('a')).ok).toBe(true);
    expect((await call('b')).ok).toBe(true);
    const c = await call('c');
    expect(c.ok).toBe(false);
    const error = (c as { error: RateLimitedError }).error;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ retryAfter: 250, rejection: true, pipeline: 'r', policy: 'rate_limit' });
    expect(error.message).toMatch(/retry after 250 ms/);
    expect(ran).toEqual(['a', 'b']);
    expect(of('ratelimit.acquired').map((e) => e.waited)).toEqual([0, 0]);
    expect(of('ratelimit.rejected')).toMatchObject([{ key: 'c', retryAfter: 250 }]);
    expect(of('call').map((e) => e.outcome)).toEqual(['success', 'success', 'rejected']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refills from the clock, in fractions, capped at burst, with no timer', async () => {
    const { clock, policy, call } = setup({ rate: 4, interval: 1_000, burst: 2 });
    await call('a');
    await call('b');
    await clock.advance(100);
    expect(policy.snapshot().tokens).toBeCloseTo(0.4, 10);
    expect((await call('c')).ok).toBe(false);
    const rejected = (await call('d')) as { error: RateLimitedError };
    expect(rejected.error.retryAfter).toBeCloseTo(150, 6);
    await clock.advance(150);
    expect((await call('e')).ok).toBe(true);
    await clock.advance(60_000);
    expect(policy.snapshot().tokens).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('waits up to maxWait in arrival order, with one timer, and reports the wait', async () => {
    const { clock, policy, call, ran, of } = setup({ rate: 10, interval: 1_000, burst: 1, maxWait: 250 });
    void call('a'); // takes the only token
    const b = call('b'); // due at 100
    const c = call('c'); // due at 200
    const d = call('d'); // would be due at 300 > maxWait: rejected at once
    await flushMicrotasks();
    expect(await d).toMatchObject({ ok: false, error: { retryAfter: 300 } });
    expect(policy.snapshot().waiting).toBe(2);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(99);
    expect(ran).toEqual(['a']);
    await clock.advance(1);
    expect(ran).toEqual(['a', 'b']);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(await b).toEqual({ ok: true, value: 'b' });
    expect(await c).toEqual({ ok: true, value: 'c' });
    expect(clock.pendingTimers).toBe(0);
    expect(of('ratelimit.acquired').map((e) => [e.key, e.waited])).toEqual([
      ['a', 0],
      ['b', 100],
      ['c', 200],
    ]);
    expect(policy.snapshot()).toMatchObject({ tokens: 0, waiting: 0 });
  });

  it('a waiting call whose caller aborts leaves at once; the ones behind move up', async () => {
    const { clock, policy, call, ran, of } = setup({ rate: 10, interval: 1_000, burst: 1, maxWait: 1_000 });
    const controller = new AbortController();
    void call('a');
    const b = call('b', controller.signal);
    const c = call('c');
    await flushMicrotasks();
    expect(abortListeners(controller.signal)).toBe(1);
    const reason = new Error('caller left');
    controller.abort(reason);
    expect(policy.snapshot().waiting).toBe(1);
    expect(await b).toEqual({ ok: false, error: reason });
    expect(abortListeners(controller.signal)).toBe(0);
    await clock.advance(100); // c takes the token b would have had
    expect(ran).toEqual(['a', 'c']);
    expect(await c).toEqual({ ok: true, value: 'c' });
    expect(of('ratelimit.rejected')).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears its timer when the last waiter aborts', async () => {
    const { clock, call } = setup({ rate: 1, interval: 1_000, burst: 1, maxWait: 5_000 });
    const controller = new AbortController();
    await call('a');
    const b = call('b', controller.signal);
    await flushMicrotasks();
    expect(clock.pendingTimers).toBe(1);
    controller.abort();
    expect(clock.pendingTimers).toBe(0);
    expect(await b).toMatchObject({ ok: false, error: { name: 'AbortError' } });
  });

  it('an admitted waiter removes its abort listener', async () => {
    const { clock, call } = setup({ rate: 10, interval: 1_000, burst: 1, maxWait: 1_000 });
    const controller = new AbortController();
    void call('a');
    const b = call('b', controller.signal);
    await clock.advance(100);
    expect((await b).ok).toBe(true);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('a caller that already aborted spends no token', async () => {
    const { policy, call, ran } = setup({ rate: 1, interval: 1_000, burst: 1 });
    const reason = new Error('gone');
    expect(await call('a', AbortSignal.abort(reason))).toEqual({ ok: false, error: reason });
    expect(policy.snapshot().tokens).toBe(1);
    expect(ran).toEqual([]);
  });

  it('a newcomer never overtakes a waiter, even when the wake-up timer is late', async () => {
    const { clock, call, ran } = setup({ rate: 10, interval: 1_000, burst: 2, maxWait: 1_000 });
    void call('a');
    void call('b');
    const c = call('c'); // due at 100
    await flushMicrotasks();
    clock.set(250); // time passes without the timer firing: 2.5 tokens are due
    const d = call('d');
    await flushMicrotasks();
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect((await c).ok && (await d).ok).toBe(true);
    await clock.runAll();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a late wake-up lets in no more than burst at once; the calls behind wait their turn', async () => {
    const { clock, call, ran } = setup({ rate: 10, interval: 1_000, burst: 1, maxWait: 1_000 });
    const calls = ['a', 'b', 'c', 'd'].map((id) => call(id)); // b, c, d due at 100, 200, 300
    await flushMicrotasks();
    expect(ran).toEqual(['a']);
    // A busy event loop: the wake-up due at 100 fires at 250. The bucket holds one token at
    // most, so one call goes (the dependency never sees more than `burst` at once).
    clock.set(250);
    await clock.advance(0);
    expect(ran).toEqual(['a', 'b']);
    await clock.advance(100);
    expect(ran).toEqual(['a', 'b', 'c']);
    await clock.advance(100);
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect((await Promise.all(calls)).every((outcome) => outcome.ok)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('at a rate above burst a millisecond, promises waits at the rate it can let calls in', async () => {
    // 2 tokens a ms, a bucket of 1, wake-ups at most once a ms: waiting calls go in at one a
    // ms, so the waits promised (and the rejections' retryAfter) are counted at that rate.
    const { clock, call } = setup({ rate: 2, interval: 1, burst: 1, maxWait: 2 });
    const at = new Map<string, number>();
    const calls = ['a', 'b', 'c', 'd'].map((id) =>
      call(id).then((outcome) => {
        at.set(id, clock.now());
        return outcome;
      }),
    );
    await flushMicrotasks();
    // d would be let in at 3 ms, past maxWait: rejected at once, with the wait it would have had.
    expect(await calls[3]).toMatchObject({ ok: false, error: { retryAfter: 3 } });
    await clock.runAll();
    expect(Object.fromEntries(at)).toEqual({ a: 0, b: 1, c: 2, d: 0 });
    expect((await Promise.all(calls.slice(0, 3))).every((outcome) => outcome.ok)).toBe(true);
  });

  it('builds no event when nobody listens', async () => {
    const clock = new TestClock();
    const runtime = fakeRuntime(clock, false); // throws if emit is called
    const limiter = rateLimit({ rate: 1, interval: 100, burst: 1, maxWait: 100, clock });
    const ok = async () => ({ ok: true as const, value: 1 });
    expect(await limiter.execute(ok, context(runtime))).toEqual({ ok: true, value: 1 });
    const waiting = limiter.execute(ok, context(runtime));
    expect(await limiter.execute(ok, context(runtime))).toMatchObject({ ok: false });
    await clock.advance(100);
    expect(await waiting).toEqual({ ok: true, value: 1 });
  });

  it('an inner layer that throws while its waiter is admitted does not strand the others', async () => {
    const clock = new TestClock();
    const runtime = fakeRuntime(clock);
    const limiter = rateLimit({ rate: 10, interval: 1_000, burst: 1, maxWait: 1_000, clock });
    const boom = new Error('layer threw');
    await limiter.execute(async () => ({ ok: true as const, value: 0 }), context(runtime));
    const throwing = limiter.execute(() => {
      throw boom;
    }, context(runtime));
    const after = limiter.execute(async () => ({ ok: true as const, value: 2 }), context(runtime));
    await clock.advance(200);
    expect(await throwing).toEqual({ ok: false, error: boom });
    expect(await after).toEqual({ ok: true, value: 2 });
  });

  describe('configure()', () => {
    it('keeps the tokens earned so far and caps them at a smaller burst', async () => {
      const { clock, policy, call } = setup({ rate: 10, interval: 1_000, burst: 10 });
      for (let i = 0; i < 10; i++) await call(`c${i}`);
      await clock.advance(500); // 5 tokens earned at the old rate
      policy.configure({ rate: 1 });
      expect(policy.snapshot()).toMatchObject({ tokens: 5, rate: 1, burst: 10 });
      await clock.advance(1_000);
      expect(policy.snapshot().tokens).toBe(6);
      policy.configure({ burst: 3 });
      expect(policy.snapshot()).toMatchObject({ tokens: 3, burst: 3 });
    });

    it('a faster rate wakes waiters sooner', async () => {
      const { clock, policy, call, ran } = setup({ rate: 1, interval: 1_000, burst: 1, maxWait: 10_000 });
      void call('a');
      const b = call('b'); // due at 1000
      await clock.advance(100); // 0.1 token earned
      policy.configure({ rate: 10 }); // the missing 0.9 comes in 90 ms
      await clock.advance(89);
      expect(ran).toEqual(['a']);
      await clock.advance(1);
      expect(ran).toEqual(['a', 'b']);
      expect((await b).ok).toBe(true);
      expect(clock.pendingTimers).toBe(0);
    });

    it('rejects the waiters whose token now comes later than maxWait allows', async () => {
      const { clock, policy, call, of } = setup({ rate: 10, interval: 1_000, burst: 1, maxWait: 500 });
      void call('a');
      const b = call('b'); // due at 100
      const c = call('c'); // due at 200
      const d = call('d'); // due at 300
      await flushMicrotasks();
      policy.configure({ rate: 4 }); // 250 ms per token: b at 250, c at 500, d at 750 > 500
      expect(await d).toMatchObject({ ok: false, error: { retryAfter: 750 } });
      expect(of('ratelimit.rejected').map((e) => e.key)).toEqual(['d']);
      await clock.advance(500);
      expect((await b).ok && (await c).ok).toBe(true);
      policy.configure({ maxWait: 0 });
      expect(policy.snapshot().waiting).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    });

    it('validates everything before changing anything', () => {
      const limiter = rateLimit({ rate: 5, interval: 1_000, clock: new TestClock() });
      expect(() => limiter.configure({ rate: 10, burst: 0 })).toThrow(/burst must be an integer >= 1, got 0/);
      expect(limiter.snapshot()).toMatchObject({ rate: 5, burst: 5 });
      expect(() => limiter.configure({ clock: new TestClock() } as never)).toThrow(/unknown option "clock"/);
    });
  });

  it('validates options with messages that name the option, the value and the range', () => {
    expect(() => rateLimit({ rate: 0 })).toThrow(/rateLimit: rate must be a finite number > 0, got 0/);
    expect(() => rateLimit({ rate: -1 })).toThrow(/rate must be a finite number > 0, got -1/);
    expect(() => rateLimit({ rate: Number.NaN })).toThrow(/rate must be a number, got NaN/);
    expect(() => rateLimit({ rate: Number.POSITIVE_INFINITY })).toThrow(
      /rate must be a finite number > 0, got Infinity/,
    );
    expect(() => rateLimit({ rate: '5' as never })).toThrow(/rate must be a number, got "5"/);
    expect(() => rateLimit({ interval: 0 })).toThrow(/interval \(ms\) must be a finite number > 0, got 0/);
    expect(() => rateLimit({ burst: 0 })).toThrow(/burst must be an integer >= 1, got 0/);
    expect(() => rateLimit({ burst: 1.5 })).toThrow(/burst must be an integer >= 1, got 1.5/);
    expect(() => rateLimit({ maxWait: -1 })).toThrow(
      /maxWait \(ms\) must be a number >= 0 \(or Infinity\), got -1/,
    );
    expect(rateLimit({ maxWait: Number.POSITIVE_INFINITY }).snapshot().waiting).toBe(0);
    expect(() => rateLimit({ rte: 5 } as never)).toThrow(/unknown option "rte"/);
    expect(() => rateLimit(5 as never)).toThrow(/options must be an object/);
  });

  it('1,000 concurrent callers get burst + what maxWait allows, spaced by the rate', async () => {
    const { clock, policy, p } = setup({ rate: 10, interval: 1_000, burst: 50, maxWait: 10_000 });
    const startedAt: number[] = [];
    const results = Array.from({ length: 1_000 }, () =>
      p
        .execute(() => {
          startedAt.push(clock.now());
          return 'ok';
        })
        .catch((e: unknown) => (e instanceof RateLimitedError ? 'rejected' : 'other')),
    );
    await flushMicrotasks();
    expect(policy.snapshot()).toMatchObject({ tokens: 0, waiting: 100 });
    expect(clock.pendingTimers).toBe(1);
    await clock.runAll();
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((r) => r === 'ok')).toHaveLength(150);
    expect(outcomes.filter((r) => r === 'rejected')).toHaveLength(850);
    startedAt.forEach((t, i) => {
      // never more than burst + rate x elapsed / interval by any moment
      expect(i + 1).toBeLessThanOrEqual(50 + Math.floor((t * 10) / 1_000 + 1e-9));
    });
    expect(startedAt.at(-1)).toBe(10_000);
    expect(clock.pendingTimers).toBe(0);
  });
});
