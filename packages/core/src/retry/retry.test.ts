import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  RateLimitedError,
  TimeoutError,
} from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { retryBudget } from '../retry-budget/retry-budget.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import type { CallContext } from '../types.js';
import { attemptsOf } from './attempts.js';
import { RETRY_DEFAULTS, type RetryOptions } from './options.js';
import { defaultRetryOn, retry } from './retry.js';

/** A pipeline with one retry policy (no jitter unless asked) on a TestClock, and its events. */
function setup(
  options: Partial<RetryOptions> | ((clock: TestClock) => Partial<RetryOptions>) = {},
  start = 0,
) {
  const clock = new TestClock(start);
  const registry = new Registry();
  const extra = typeof options === 'function' ? options(clock) : options;
  const policy = retry({ backoff: backoff.exponential({ initial: 100, jitter: 'none' }), clock, ...extra });
  const p = registry.pipeline('r', [policy], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { clock, p, policy, events, of };
}

/**
 * Lets every pending promise settle and fires every timer, until nothing is left: the call
 * under test schedules its next timer only after a few microtask turns.
 */
async function drain(clock: TestClock): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    await clock.advance(0);
    if (clock.pendingTimers === 0) return;
    await clock.runAll();
  }
  throw new Error('drain: timers keep coming');
}

/** A function that fails `failures` times (with distinct errors), then returns 'ok'; it records when it ran. */
function flaky(clock: TestClock, failures: number) {
  const calls: { attempt: number; at: number }[] = [];
  const errors: Error[] = [];
  const fn = (ctx: CallContext) => {
    calls.push({ attempt: ctx.attempt, at: clock.now() });
    if (calls.length <= failures) {
      const error = new Error(`failure ${calls.length}`);
      errors.push(error);
      return Promise.reject(error);
    }
    return Promise.resolve('ok');
  };
  return { fn, calls, errors };
}

describe('retry', () => {
  it('never retries a call marked idempotent: false, and waits no backoff for it', async () => {
    const { p, clock, of } = setup({ maxAttempts: 5 });
    let calls = 0;
    const failure = new Error('POST failed');
    const call = p.execute(
      () => {
        calls++;
        return Promise.reject(failure);
      },
      { idempotent: false },
    );
    await expect(call).rejects.toBe(failure);
    expect(calls).toBe(1);
    expect(of('retry')).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('pins its defaults', () => {
    expect(RETRY_DEFAULTS).toEqual({ maxAttempts: 3, maxDelay: 60_000 });
    expect(retry().snapshot()).toEqual({
      maxAttempts: 3,
      backoff: { kind: 'exponential', initial: 200, factor: 2, max: 30_000, jitter: 'full' },
      maxDelay: 60_000,
      waiting: 0,
      budget: undefined,
    });
  });

  it('retries after the backoff delays and passes the attempt number inwards', async () => {
    const { clock, p } = setup({ maxAttempts: 4 });
    const { fn, calls } = flaky(clock, 3);
    const call = p.execute(fn);
    await clock.advance(100 + 200 + 400);
    await expect(call).resolves.toBe('ok');
    expect(calls).toEqual([
      { attempt: 1, at: 0 },
      { attempt: 2, at: 100 },
      { attempt: 3, at: 300 },
      { attempt: 4, at: 700 },
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not start a retry before its delay is over', async () => {
    const { clock, p } = setup({ backoff: backoff.constant(1_000, { jitter: 'none' }) });
    const { fn, calls } = flaky(clock, 1);
    const call = p.execute(fn);
    await clock.advance(999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    await expect(call).resolves.toBe('ok');
  });

  it('keeps the signal, key and call state on the new context', async () => {
    const { clock, p } = setup();
    const controller = new AbortController();
    const seen: CallContext[] = [];
    const call = p.execute(
      (ctx) => {
        seen.push(ctx);
        return seen.length === 1 ? Promise.reject(new Error('once')) : 'ok';
      },
      { key: 'op', signal: controller.signal },
    );
    await clock.advance(100);
    await expect(call).resolves.toBe('ok');
    expect(seen.map((c) => [c.attempt, c.key])).toEqual([
      [1, 'op'],
      [2, 'op'],
    ]);
    expect(seen[0]).not.toBe(seen[1]);
    // The caller's own signal reaches the function unchanged (retry adds no controller).
    expect(seen[1]?.signal).toBe(controller.signal);
  });

  it('lets the last attempt error escape unwrapped, with the attempt count attached', async () => {
    const { clock, p } = setup({ maxAttempts: 3 });
    const { fn, errors } = flaky(clock, 10);
    const call = p.execute(fn).catch((e: unknown) => e);
    await drain(clock);
    const error = await call;
    expect(error).toBe(errors[2]);
    expect(attemptsOf(error)).toBe(3);
    expect(attemptsOf(errors[0])).toBeUndefined();
    expect(Object.keys(error as object)).toEqual([]); // the user's error is left as it was
    expect(attemptsOf('text')).toBeUndefined();
    expect(attemptsOf(undefined)).toBeUndefined();
  });

  it('sets `attempts` on our own errors, e.g. a TimeoutError of an inner timeout', async () => {
    const clock = new TestClock();
    const p = new Registry().pipeline(
      'r',
      [
        retry({ maxAttempts: 2, backoff: backoff.constant(10, { jitter: 'none' }), clock }),
        timeout({ after: 50, clock }),
      ],
      { clock },
    );
    const call = p.execute(() => new Promise(() => {})).catch((e: unknown) => e);
    await drain(clock);
    const error = await call;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).attempts).toBe(2);
    expect(attemptsOf(error)).toBe(2);
    expect(clock.now()).toBe(50 + 10 + 50);
  });

  it('a non-object error escapes as it is', async () => {
    const { clock, p } = setup({ maxAttempts: 2 });
    const call = p.execute(() => Promise.reject('plain text')).catch((e: unknown) => e);
    await drain(clock);
    expect(await call).toBe('plain text');
  });

  it('maxAttempts: 1 never retries', async () => {
    const { clock, p, of } = setup({ maxAttempts: 1 });
    const { fn, calls } = flaky(clock, 1);
    await expect(p.execute(fn)).rejects.toThrow('failure 1');
    expect(calls).toHaveLength(1);
    expect(of('retry')).toHaveLength(0);
  });

  describe('what is retried', () => {
    it('by default: every error but rejections by other policies and aborts', () => {
      expect(defaultRetryOn(new Error('x'))).toBe(true);
      expect(defaultRetryOn('text')).toBe(true);
      expect(defaultRetryOn(new TimeoutError(10))).toBe(true);
      expect(defaultRetryOn(new BrokenCircuitError(1_000))).toBe(false);
      expect(defaultRetryOn(new IsolatedCircuitError())).toBe(false);
      expect(defaultRetryOn(new BulkheadRejectedError('queue_full', 'full'))).toBe(false);
      expect(defaultRetryOn(new RateLimitedError(100))).toBe(false);
      expect(defaultRetryOn(new DOMException('gone', 'AbortError'))).toBe(false);
    });

    it('does not retry an open circuit by default', async () => {
      const { clock, p } = setup();
      let calls = 0;
      const broken = new BrokenCircuitError(5_000);
      const call = p.execute(() => {
        calls++;
        return Promise.reject(broken);
      });
      await expect(call).rejects.toBe(broken);
      expect(calls).toBe(1);
      expect(clock.pendingTimers).toBe(0);
      expect(broken.attempts).toBe(1);
    });

    it('a custom retryOn decides, and may retry a rejection honouring its retryAfter', async () => {
      const retryOn = vi.fn((e: unknown) => e instanceof RateLimitedError);
      const { clock, p } = setup({ retryOn, maxAttempts: 5 });
      const calls: number[] = [];
      const call = p.execute(() => {
        calls.push(clock.now());
        if (calls.length === 1) return Promise.reject(new RateLimitedError(750));
        return Promise.reject(new Error('fatal'));
      });
      await drain(clock);
      await expect(call).rejects.toThrow('fatal');
      expect(calls).toEqual([0, 750]); // waited the 750 ms asked for, not the 100 ms backoff
      expect(retryOn).toHaveBeenCalledTimes(2);
    });

    it('never retries once the caller aborted, and never asks retryOn about it', async () => {
      const retryOn = vi.fn(() => true);
      const { clock, p } = setup({ retryOn, maxAttempts: 5 });
      const controller = new AbortController();
      const call = p.execute(
        (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
          }),
        { signal: controller.signal },
      );
      const reason = new Error('caller left');
      controller.abort(reason);
      await expect(call).rejects.toBe(reason);
      expect(retryOn).not.toHaveBeenCalled();
      expect(clock.pendingTimers).toBe(0);
    });

    it('retryOnResult retries results, and the last result is returned when attempts run out', async () => {
      const { clock, p, of } = setup({
        maxAttempts: 3,
        retryOnResult: (r) => (r as { status: number }).status === 503,
      });
      let n = 0;
      const results = [{ status: 503 }, { status: 200 }];
      const call = p.execute(() => results[Math.min(n++, 1)]);
      await drain(clock);
      await expect(call).resolves.toEqual({ status: 200 });
      expect(n).toBe(2);
      expect(of('retry')[0]).toMatchObject({ attempt: 1, delay: 100, error: undefined });

      let m = 0;
      const always = p.execute(() => ({ status: 503, n: ++m }));
      await drain(clock);
      await expect(always).resolves.toEqual({ status: 503, n: 3 });
      expect(of('retry.done').at(-1)).toMatchObject({ attempts: 3, succeeded: true });
    });

    it('a predicate that throws ends the call with what it threw', async () => {
      const bug = new Error('predicate bug');
      const { clock, p } = setup({
        retryOn: () => {
          throw bug;
        },
      });
      const call = p.execute(() => Promise.reject(new Error('dependency')));
      await expect(call).rejects.toBe(bug);
      expect(clock.pendingTimers).toBe(0);
      const r = setup({
        retryOnResult: () => {
          throw bug;
        },
      });
      await expect(r.p.execute(() => 'value')).rejects.toBe(bug);
    });
  });

  describe('abort', () => {
    it('an abort during the backoff sleep ends it at once and leaves no timer or listener', async () => {
      const { clock, p, of } = setup({
        backoff: backoff.constant(10_000, { jitter: 'none' }),
        maxAttempts: 5,
      });
      const controller = new AbortController();
      let calls = 0;
      const call = p
        .execute(
          () => {
            calls++;
            return Promise.reject(new Error('down'));
          },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e);
      await clock.advance(3_000);
      expect(clock.pendingTimers).toBe(1);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      expect(p.policies[0]?.snapshot()).toMatchObject({ waiting: 1 });
      const reason = new Error('caller left');
      controller.abort(reason);
      const error = await call;
      expect(error).toBe(reason);
      expect(clock.now()).toBe(3_000);
      expect(calls).toBe(1);
      expect(clock.pendingTimers).toBe(0);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(p.policies[0]?.snapshot()).toMatchObject({ waiting: 0 });
      expect(attemptsOf(error)).toBe(1);
      expect(of('retry.done')).toEqual([
        expect.objectContaining({ attempts: 1, succeeded: false, error: reason }),
      ]);
    });

    it('an abort without reason ends with an AbortError', async () => {
      const { clock, p } = setup({ backoff: backoff.constant(1_000, { jitter: 'none' }) });
      const controller = new AbortController();
      const call = p
        .execute(() => Promise.reject(new Error('down')), { signal: controller.signal })
        .catch((e: unknown) => e);
      await clock.advance(10);
      controller.abort();
      expect(await call).toMatchObject({ name: 'AbortError' });
    });

    it('removes its abort listener after every sleep that completes', async () => {
      const { clock, p } = setup({ maxAttempts: 4 });
      const controller = new AbortController();
      const { fn } = flaky(clock, 3);
      const call = p.execute(fn, { signal: controller.signal });
      await drain(clock);
      await expect(call).resolves.toBe('ok');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });

    it('retries forever with maxAttempts: Infinity until the caller aborts', async () => {
      const { clock, p } = setup({ maxAttempts: Number.POSITIVE_INFINITY, backoff: backoff.constant(10) });
      const controller = new AbortController();
      let calls = 0;
      const call = p
        .execute(
          () => {
            calls++;
            return Promise.reject(new Error('down'));
          },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e);
      await clock.advance(10_000);
      expect(calls).toBeGreaterThan(900);
      controller.abort();
      await call;
      expect(clock.pendingTimers).toBe(0);
    });
  });

  describe('Retry-After', () => {
    const failWith = (carrier: unknown) => {
      const times: number[] = [];
      const fn = (clock: TestClock) => () => {
        times.push(clock.now());
        return times.length === 1 ? Promise.reject(carrier) : Promise.resolve('ok');
      };
      return { times, fn };
    };

    it('a numeric retryAfter (ms) longer than the backoff wins', async () => {
      const { clock, p, of } = setup();
      const { times, fn } = failWith(Object.assign(new Error('busy'), { retryAfter: 2_500 }));
      const call = p.execute(fn(clock));
      await drain(clock);
      await expect(call).resolves.toBe('ok');
      expect(times).toEqual([0, 2_500]);
      expect(of('retry')[0]).toMatchObject({ delay: 2_500 });
    });

    it('a retryAfter shorter than the backoff does not shorten it', async () => {
      const { clock, p } = setup();
      const { times, fn } = failWith(Object.assign(new Error('busy'), { retryAfter: 5 }));
      const call = p.execute(fn(clock));
      await drain(clock);
      await call;
      expect(times).toEqual([0, 100]);
    });

    it('a retry-after header in seconds, on Headers or on a plain object', async () => {
      for (const headers of [
        new Headers({ 'Retry-After': '3' }),
        { 'retry-after': '3' },
        { 'RETRY-AFTER': 3 },
      ]) {
        const { clock, p } = setup();
        const { times, fn } = failWith(Object.assign(new Error('503'), { headers }));
        const call = p.execute(fn(clock));
        await drain(clock);
        await call;
        expect(times).toEqual([0, 3_000]);
      }
    });

    it('a retry-after header on response.headers, as HTTP client errors carry it', async () => {
      const { clock, p } = setup();
      const { times, fn } = failWith(
        Object.assign(new Error('503'), { response: { status: 503, headers: { 'retry-after': '2' } } }),
      );
      const call = p.execute(fn(clock));
      await drain(clock);
      await call;
      expect(times).toEqual([0, 2_000]);
    });

    it('an HTTP date, measured against the injected clock', async () => {
      const start = Date.parse('2025-03-01T12:00:00Z');
      const { clock, p } = setup({}, start);
      const { times, fn } = failWith(
        Object.assign(new Error('503'), { headers: { 'retry-after': 'Sat, 01 Mar 2025 12:00:07 GMT' } }),
      );
      const call = p.execute(fn(clock));
      await drain(clock);
      await call;
      expect(times.map((t) => t - start)).toEqual([0, 7_000]);
    });

    it('a date in the past or a malformed header falls back to the backoff', async () => {
      for (const value of ['Sat, 01 Mar 2025 11:00:00 GMT', 'soon', '-5', '']) {
        const start = Date.parse('2025-03-01T12:00:00Z');
        const { clock, p } = setup({}, start);
        const { times, fn } = failWith(
          Object.assign(new Error('503'), { headers: { 'retry-after': value } }),
        );
        const call = p.execute(fn(clock));
        await drain(clock);
        await call;
        expect(times.map((t) => t - start)).toEqual([0, 100]);
      }
    });

    it('a result carrying the header (a Response) is honoured too', async () => {
      const { clock, p } = setup({ retryOnResult: (r) => (r as Response).status === 429 });
      const times: number[] = [];
      const call = p.execute(() => {
        times.push(clock.now());
        return times.length === 1
          ? new Response(null, { status: 429, headers: { 'retry-after': '4' } })
          : new Response('fine', { status: 200 });
      });
      await drain(clock);
      expect((await call).status).toBe(200);
      expect(times).toEqual([0, 4_000]);
    });

    it('is capped by maxDelay', async () => {
      const { clock, p, of } = setup({ maxDelay: 5_000 });
      const { times, fn } = failWith(Object.assign(new Error('503'), { headers: { 'retry-after': '3600' } }));
      const call = p.execute(fn(clock));
      await drain(clock);
      await call;
      expect(times).toEqual([0, 5_000]);
      expect(of('retry')[0]).toMatchObject({ delay: 5_000 });
      // An isolated circuit's retryAfter is Infinity: capped too, never a runaway timer.
      const r = setup({ maxDelay: 1_000, retryOn: () => true });
      const isolated = failWith(new IsolatedCircuitError());
      const again = r.p.execute(isolated.fn(r.clock));
      await drain(r.clock);
      await again;
      expect(isolated.times).toEqual([0, 1_000]);
    });

    it('maxDelay caps the backoff delay as well', async () => {
      const { clock, p } = setup({
        maxAttempts: 4,
        maxDelay: 250,
        backoff: backoff.exponential({ initial: 100, jitter: 'none' }),
      });
      const { fn, calls } = flaky(clock, 3);
      const call = p.execute(fn);
      await drain(clock);
      await call;
      expect(calls.map((c) => c.at)).toEqual([0, 100, 300, 550]);
    });
  });

  describe('events', () => {
    it('emits retry per scheduled retry and retry.done at the end', async () => {
      const { clock, p, of } = setup({ maxAttempts: 3 });
      const { fn, errors } = flaky(clock, 2);
      const call = p.execute(fn, { key: 'op' });
      await drain(clock);
      await call;
      expect(of('retry')).toEqual([
        {
          type: 'retry',
          pipeline: 'r',
          policy: 'retry',
          policyName: 'retry',
          key: 'op',
          time: 0,
          attempt: 1,
          delay: 100,
          error: errors[0],
        },
        expect.objectContaining({ time: 100, attempt: 2, delay: 200, error: errors[1] }),
      ]);
      expect(of('retry.done')).toEqual([
        {
          type: 'retry.done',
          pipeline: 'r',
          policy: 'retry',
          policyName: 'retry',
          key: 'op',
          time: 300,
          attempts: 3,
          succeeded: true,
          error: undefined,
        },
      ]);
    });

    it('reports a first-attempt success and a final failure', async () => {
      const { clock, p, of } = setup({ maxAttempts: 2 });
      await p.execute(() => 'fast');
      const { fn, errors } = flaky(clock, 5);
      const call = p.execute(fn).catch(() => {});
      await drain(clock);
      await call;
      expect(of('retry.done').map((e) => [e.attempts, e.succeeded, e.error])).toEqual([
        [1, true, undefined],
        [2, false, errors[1]],
      ]);
    });

    it('threads the previous delay into decorrelated jitter', async () => {
      const { clock, p, of } = setup({
        maxAttempts: 4,
        backoff: backoff.exponential({ initial: 100, max: 10_000, jitter: 'decorrelated' }),
        random: () => 0.5,
      });
      const call = p.execute(() => Promise.reject(new Error('x'))).catch(() => {});
      await drain(clock);
      await call;
      // uniform(100, 300) = 200, uniform(100, 600) = 350, uniform(100, 1050) = 575
      expect(of('retry').map((e) => e.delay)).toEqual([200, 350, 575]);
    });

    it('on success at the first attempt reads no clock and builds no event when nobody listens', async () => {
      let reads = 0;
      const clock = new TestClock();
      const counting = Object.assign(Object.create(clock) as TestClock, {
        now: () => {
          reads++;
          return clock.now();
        },
      });
      const p = new Registry().pipeline('quiet', [retry({ clock: counting })], { clock: counting });
      for (let i = 0; i < 100; i++) await p.execute(() => i);
      expect(reads).toBe(0);
    });
  });

  describe('budget', () => {
    it('records first attempts, asks before each retry, and lets the error escape when refused', async () => {
      const { clock, p, of, policy } = setup((clock) => ({
        maxAttempts: 5,
        // No first-attempt share, a floor of 0.1/s over 10 s: exactly 1 retry per window.
        budget: retryBudget({ ratio: 0, minPerSecond: 0.1, window: 10_000, clock }),
        backoff: backoff.constant(10, { jitter: 'none' }),
      }));
      const errors: Error[] = [];
      const fail = () => {
        const e = new Error(`f${errors.length}`);
        errors.push(e);
        return Promise.reject(e);
      };
      const first = p.execute(fail).catch((e: unknown) => e);
      await drain(clock);
      const error = await first;
      expect(errors).toHaveLength(2); // first attempt + the one retry the budget allowed
      expect(error).toBe(errors[1]);
      expect(attemptsOf(error)).toBe(2);
      expect(of('budget.exhausted')).toEqual([expect.objectContaining({ policy: 'retry', attempt: 3 })]);
      expect(policy.snapshot().budget).toEqual({ attempts: 1, retries: 1, available: 0, exhausted: 1 });
    });
  });

  describe('configure()', () => {
    it('changes maxAttempts, backoff, maxDelay, retryOn and retryOnResult live', async () => {
      const { clock, p, policy } = setup({ maxAttempts: 2 });
      policy.configure({ maxAttempts: 4, backoff: backoff.constant(50, { jitter: 'none' }), maxDelay: 40 });
      expect(policy.snapshot()).toMatchObject({
        maxAttempts: 4,
        maxDelay: 40,
        backoff: { kind: 'constant' },
      });
      const { fn, calls } = flaky(clock, 3);
      const call = p.execute(fn);
      await drain(clock);
      await call;
      expect(calls.map((c) => c.at)).toEqual([0, 40, 80, 120]);

      policy.configure({ retryOn: () => false });
      await expect(p.execute(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
      policy.configure({ retryOn: undefined }); // back to the default
      policy.configure({ retryOnResult: (r) => r === 'again' });
      let n = 0;
      const results = p.execute(() => (++n < 3 ? 'again' : 'done'));
      await drain(clock);
      await expect(results).resolves.toBe('done');
    });

    it('takes effect for a call already waiting, at its next retry', async () => {
      const { clock, p, policy } = setup({
        maxAttempts: 2,
        backoff: backoff.constant(100, { jitter: 'none' }),
      });
      const { fn, calls } = flaky(clock, 5);
      const call = p.execute(fn).catch(() => {});
      await clock.advance(50);
      policy.configure({ maxAttempts: 3 });
      await drain(clock);
      await call;
      expect(calls).toHaveLength(3);
    });

    it('validates everything before changing anything', () => {
      const policy = retry({ maxAttempts: 3 });
      expect(() => policy.configure({ maxAttempts: 5, maxDelay: -1 })).toThrow(/maxDelay/);
      expect(() => policy.configure({ maxAttempts: 5, backoff: { kind: 'nope' } as never })).toThrow(
        /backoff\.kind/,
      );
      expect(() => policy.configure({ budget: retryBudget() } as never)).toThrow(/unknown option "budget"/);
      expect(policy.snapshot().maxAttempts).toBe(3);
    });
  });

  describe('option validation', () => {
    it('names the option, the value and what is allowed', () => {
      expect(() => retry({ maxAttempts: 0 })).toThrow(RangeError);
      expect(() => retry({ maxAttempts: 0 })).toThrow(
        'retry: maxAttempts must be an integer >= 1 (or Infinity), got 0',
      );
      expect(() => retry({ maxAttempts: 2.5 })).toThrow(/maxAttempts must be an integer >= 1 .*got 2\.5/);
      expect(() => retry({ maxAttempts: Number.NaN })).toThrow(TypeError);
      expect(() => retry({ maxAttempts: '3' as never })).toThrow(
        'retry: maxAttempts must be a number, got "3"',
      );
      expect(() => retry({ maxDelay: -1 })).toThrow(
        'retry: maxDelay (ms) must be a number from 0 to 2147483647, got -1',
      );
      expect(() => retry({ backoff: backoff.constant(-10) })).toThrow(/delay \(ms\) .* got -10/);
      expect(() => retry({ backoff: { kind: 'constant', initial: -10 } as never })).toThrow(
        'retry: backoff.initial (ms) must be a number from 0 to 2147483647, got -10',
      );
      expect(() => retry({ backoff: { jitter: 'wild' } as never })).toThrow(
        'retry: backoff.jitter must be one of "none", "full", "equal", "decorrelated", got "wild"',
      );
      expect(() => retry({ retryOn: true as never })).toThrow('retry: retryOn must be a function, got true');
      expect(() => retry({ retryOnResult: 1 as never })).toThrow(/retryOnResult must be a function, got 1/);
      expect(() => retry({ budget: {} as never })).toThrow(/budget must be a retry budget .*retryBudget\(\)/);
      expect(() => retry({ random: 0.5 as never })).toThrow(/random must be a function/);
      expect(() => retry({ name: 'bad name' })).toThrow(/name must be/);
      expect(() => retry({ maxAttempt: 3 } as never)).toThrow(/unknown option "maxAttempt"/);
    });

    it('accepts a plain backoff object, as @rampart/config produces', () => {
      const policy = retry({
        backoff: { kind: 'linear', initial: 100, factor: 50, max: 1_000, jitter: 'equal' },
      });
      expect(policy.snapshot().backoff).toEqual({
        kind: 'linear',
        initial: 100,
        factor: 50,
        max: 1_000,
        jitter: 'equal',
      });
    });
  });
});
