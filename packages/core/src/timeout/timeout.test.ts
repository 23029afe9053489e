import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { abortListeners } from '../bulkhead/testing-fixtures/calls.js';
import { TimeoutError } from '../errors.js';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import type { CallContext } from '../types.js';
import { TIMEOUT_DEFAULTS } from './options.js';
import { timeout } from './timeout.js';

const setup = (options: Parameters<typeof timeout>[0] extends infer O ? O : never) => {
  const clock = new TestClock();
  const registry = new Registry();
  const opts = typeof options === 'number' ? { after: options, clock } : { ...options, clock };
  const p = registry.pipeline('t', [timeout(opts)], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  return { clock, p, events };
};

/** Runs `body` while every AbortController made is counted (`made()`); restores the real one after. */
async function countingControllers(body: (made: () => number) => Promise<void>): Promise<void> {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    await body(() => made);
  } finally {
    globalThis.AbortController = Original;
  }
}

describe('timeout', () => {
  it('pins its defaults', () => {
    expect(TIMEOUT_DEFAULTS).toEqual({ after: 10_000, strategy: 'aggressive' });
  });

  it('aggressive: rejects at once with TimeoutError and aborts the inner signal', async () => {
    const { clock, p, events } = setup({ after: 100 });
    let signal: AbortSignal | undefined;
    const call = p.execute((ctx) => {
      signal = ctx.signal;
      return new Promise(() => {}); // ignores its signal
    });
    await clock.advance(99);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    await expect(call).rejects.toBeInstanceOf(TimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(events.filter((e) => e.type === 'timeout')).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cooperative: aborts the signal and waits for the call to settle', async () => {
    const { clock, p } = setup({ after: 100, strategy: 'cooperative' });
    let settledAt = -1;
    const call = p
      .execute(
        (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => {
              clock.setTimeout(() => reject(ctx.signal.reason), 50); // cleans up for 50 ms
            });
          }),
      )
      .catch((e: unknown) => {
        settledAt = clock.now();
        return e;
      });
    await clock.advance(100);
    expect(settledAt).toBe(-1);
    await clock.advance(50);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(settledAt).toBe(150);
  });

  it('clears its timer when the call settles first', async () => {
    const { clock, p } = setup(1_000);
    await expect(p.execute(async () => 'fast')).resolves.toBe('fast');
    await expect(p.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(clock.pendingTimers).toBe(0);
  });

  it('the caller aborting ends an aggressive timeout at once with the caller reason', async () => {
    const { clock, p } = setup({ after: 1_000 });
    const controller = new AbortController();
    const call = p.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort(new Error('caller left'));
    await expect(call).rejects.toThrow('caller left');
    expect(clock.pendingTimers).toBe(0);
  });

  it('validates options with messages that name them', () => {
    expect(() => timeout(-5)).toThrow(RangeError);
    expect(() => timeout(-5)).toThrow(/timeout: after \(ms\) must be a number >= 0, got -5/);
    expect(() => timeout(Number.NaN)).toThrow(/after \(ms\) must be a number, got NaN/);
    expect(() => timeout({ after: 10, strategy: 'eager' as never })).toThrow(
      /strategy must be one of "cooperative", "aggressive"/,
    );
    expect(() => timeout({ afer: 10 } as never)).toThrow(/unknown option "afer"/);
  });

  it('calls in flight share one timer, and each times out at its own deadline', async () => {
    const { clock, p, events } = setup({ after: 100 });
    const settled: Promise<number>[] = [];
    for (let i = 0; i < 1_000; i++) {
      settled.push(p.execute(() => new Promise<number>(() => {})).catch(() => clock.now()));
      await clock.advance(1);
    }
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(200);
    const times = await Promise.all(settled);
    expect(times).toEqual(Array.from({ length: 1_000 }, (_, i) => 100 + i));
    expect(events.filter((e) => e.type === 'timeout')).toHaveLength(1_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a call that settles first leaves the shared timer to the calls still running', async () => {
    const { clock, p } = setup({ after: 100 });
    const slow = p.execute(() => new Promise(() => {}));
    await clock.advance(50);
    await expect(p.execute(async () => 'fast')).resolves.toBe('fast');
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(49);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1);
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a lowered limit applies to the next call even while longer ones are in flight', async () => {
    const { clock, p } = setup({ after: 1_000 });
    const long = p.execute(() => new Promise(() => {})).catch(() => clock.now());
    p.policies[0]!.configure({ after: 10 });
    const short = p.execute(() => new Promise(() => {})).catch(() => clock.now());
    await clock.advance(1_000);
    expect(await short).toBe(10);
    expect(await long).toBe(1_000);
  });

  it('unobserved (a lone call reads no clock), lowered and raised limits still hold for every call', async () => {
    const clock = new TestClock();
    const policy = timeout({ after: 1_000, clock });
    const p = new Registry().pipeline('t', [policy], { clock });
    const hang = () => p.execute(() => new Promise(() => {})).catch(() => clock.now());
    const a = hang(); // alone in the policy's queue: armed for 1,000 without reading the clock
    policy.configure({ after: 10 });
    const b = hang(); // a shorter limit: a queue of its own, so it is not stuck behind a
    policy.configure({ after: 500 });
    const c = hang(); // a longer one joins b's queue
    await clock.advance(200);
    const d = hang(); // 200 + 500
    await clock.advance(1_000);
    expect(await Promise.all([a, b, c, d])).toEqual([1_000, 10, 500, 700]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a signal that is never read is never made, and reading it late still tells the truth', async () => {
    const { clock, p } = setup({ after: 100 });
    await countingControllers(async (made) => {
      await p.execute(async () => 'no signal needed');
      expect(made()).toBe(0);
      let seen: CallContext | undefined;
      const call = p.execute((ctx) => {
        seen = ctx;
        return new Promise(() => {});
      });
      await clock.advance(100);
      await expect(call).rejects.toBeInstanceOf(TimeoutError);
      expect(made()).toBe(0);
      expect(seen?.signal.aborted).toBe(true);
      expect(seen?.signal.reason).toBeInstanceOf(TimeoutError);
      expect(made()).toBe(1);
    });
  });

  it('configure() changes the limit at run time and rejects bad values whole', () => {
    const t = timeout(100);
    t.configure({ after: 200 });
    expect(t.snapshot()).toEqual({ after: 200, strategy: 'aggressive' });
    expect(() => t.configure({ after: 300, strategy: 'nope' as never })).toThrow(/strategy/);
    expect(t.snapshot().after).toBe(200);
  });
});

describe('timeouts inside timeouts', () => {
  const nested = (outer: Parameters<typeof timeout>[0], inner: Parameters<typeof timeout>[0]) => {
    const clock = new TestClock();
    const withClock = (o: Parameters<typeof timeout>[0]) =>
      typeof o === 'number' ? { after: o, clock } : { ...o, clock };
    const p = new Registry().pipeline(
      'nested',
      [
        timeout({ ...withClock(outer), name: 'total' }),
        retry({ maxAttempts: 2, backoff: backoff.constant(0), clock }),
        timeout({ ...withClock(inner), name: 'attempt' }),
      ],
      { clock },
    );
    return { clock, p };
  };

  it('make no AbortController for calls that never read their signal', async () => {
    const { p } = nested(1_000, 100);
    await countingControllers(async (made) => {
      for (let i = 0; i < 10; i++) await expect(p.execute(async () => i)).resolves.toBe(i);
      expect(made()).toBe(0);
    });
  });

  it('the enclosing timeout ends the call when its time is up first, aborting the inner signal', async () => {
    const { clock, p } = nested(100, 1_000);
    let signal: AbortSignal | undefined;
    const call = p.execute((ctx) => {
      signal = ctx.signal;
      return new Promise(() => {}); // ignores its signal
    });
    const failed = expect(call).rejects.toMatchObject({ name: 'TimeoutError', timeout: 100 });
    await clock.advance(100);
    await failed;
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toMatchObject({ name: 'TimeoutError', timeout: 100 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a cooperative enclosing timeout waits for the call, which sees its signal aborted', async () => {
    const { clock, p } = nested(
      { after: 100, strategy: 'cooperative' },
      { after: 1_000, strategy: 'cooperative' },
    );
    const call = p.execute(
      ({ signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        ),
    );
    const failed = expect(call).rejects.toMatchObject({ name: 'TimeoutError', timeout: 100 });
    await clock.advance(100);
    await failed;
    expect(clock.pendingTimers).toBe(0);
  });

  it("the caller's abort reaches the inner timeout through the enclosing one, leaving no listener", async () => {
    const { clock, p } = nested(1_000, 1_000);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    let signal: AbortSignal | undefined;
    const call = p.execute(
      (ctx) => {
        signal = ctx.signal;
        return new Promise(() => {});
      },
      { signal: controller.signal },
    );
    const failed = expect(call).rejects.toBe(reason);
    controller.abort(reason);
    await failed;
    expect(signal?.reason).toBe(reason);
    expect(abortListeners(controller.signal)).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
