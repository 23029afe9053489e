import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { reportsThroughEmit } from '../bulkhead/testing-fixtures/calls.js';
import type { Clock } from '../clock.js';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import type { RetryBudget, RetryBudgetSnapshot } from '../retry-budget/options.js';
import { retryBudget } from '../retry-budget/retry-budget.js';
import { TestClock } from '../testing/index.js';
import type { CallContext } from '../types.js';
import { hedge } from './hedge.js';
import { HEDGE_DEFAULTS, type HedgeOptions } from './options.js';

/** What one attempt does: answer (or fail) after `after` ms, unless aborted first. */
interface Plan {
  readonly after: number;
  readonly ok: boolean;
}

function setup(options: Partial<HedgeOptions> = {}) {
  const clock = new TestClock();
  const registry = new Registry();
  const policy = hedge({ clock, ...options });
  const p = registry.pipeline('h', [policy], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const seen: CallContext[] = [];
  /** An operation whose attempt n follows plans[n - 1] and honours its signal. */
  const planned = (plans: readonly Plan[], clockForAttempts: Clock = clock) => {
    return (ctx: CallContext) => {
      seen.push(ctx);
      const plan = plans[ctx.attempt - 1];
      if (plan === undefined) throw new Error(`unplanned attempt ${ctx.attempt}`);
      return new Promise<string>((resolve, reject) => {
        const timer = clockForAttempts.setTimeout(() => {
          ctx.signal.removeEventListener('abort', onAbort);
          if (plan.ok) resolve(`answer ${ctx.attempt}`);
          else reject(new Error(`failure ${ctx.attempt}`));
        }, plan.after);
        const onAbort = () => {
          clockForAttempts.clearTimeout(timer);
          reject(ctx.signal.reason);
        };
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
    };
  };
  return { clock, p, policy, events, seen, planned };
}

const hedgeEvents = (events: RampartEvent[]) => events.filter((e) => e.type === 'hedge');

class CountingBudget implements RetryBudget {
  attempts = 0;
  retries = 0;
  constructor(private allowed: number) {}
  recordAttempt(): void {
    this.attempts++;
  }
  tryRetry(): boolean {
    if (this.allowed <= 0) return false;
    this.allowed--;
    this.retries++;
    return true;
  }
  snapshot(): RetryBudgetSnapshot {
    return { attempts: this.attempts, retries: this.retries, available: this.allowed, exhausted: 0 };
  }
  configure(): void {}
}

describe('hedge', () => {
  it('pins its defaults', () => {
    expect(HEDGE_DEFAULTS).toEqual({ delay: 100, maxHedges: 1 });
  });

  it('a call that answers before the delay runs once and leaves no timer', async () => {
    const { clock, p, events, seen, planned } = setup({ delay: 100 });
    const call = p.execute(planned([{ after: 99, ok: true }]));
    await clock.advance(99);
    await expect(call).resolves.toBe('answer 1');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.attempt).toBe(1);
    expect(hedgeEvents(events)).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('starts a hedge after the delay; the first success wins and the loser is aborted', async () => {
    const { clock, p, policy, events, seen, planned } = setup({ delay: 100, maxHedges: 1 });
    const call = p.execute(
      planned([
        { after: 1_000, ok: true },
        { after: 50, ok: true },
      ]),
      { key: 'op' },
    );
    await clock.advance(100);
    expect(seen.map((c) => c.attempt)).toEqual([1, 2]);
    expect(seen[0]!.signal).not.toBe(seen[1]!.signal);
    await clock.advance(50);
    await expect(call).resolves.toBe('answer 2');
    expect(seen[0]!.signal.aborted).toBe(true);
    expect((seen[0]!.signal.reason as DOMException).name).toBe('AbortError');
    expect(seen[1]!.signal.aborted).toBe(false);
    expect(hedgeEvents(events)).toEqual([
      { type: 'hedge', pipeline: 'h', policy: 'hedge', policyName: 'hedge', key: 'op', time: 100, hedge: 1 },
    ]);
    expect(policy.snapshot()).toEqual({ delay: 100, maxHedges: 1, hedges: 1, wins: 1 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('the first attempt may still win after hedges started; hedges are aborted', async () => {
    const { clock, p, policy, planned, seen } = setup({ delay: 100, maxHedges: 2 });
    const call = p.execute(
      planned([
        { after: 250, ok: true },
        { after: 1_000, ok: true },
        { after: 1_000, ok: true },
      ]),
    );
    await clock.advance(200);
    expect(seen.map((c) => c.attempt)).toEqual([1, 2, 3]);
    await clock.advance(50);
    await expect(call).resolves.toBe('answer 1');
    expect(seen.map((c) => c.signal.aborted)).toEqual([false, true, true]);
    expect(policy.snapshot()).toMatchObject({ hedges: 2, wins: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('starts at most maxHedges hedges, one per delay', async () => {
    const { clock, p, events, seen, planned } = setup({ delay: 10, maxHedges: 3 });
    const plans = Array.from({ length: 4 }, () => ({ after: 1_000, ok: true }));
    const call = p.execute(planned(plans));
    await clock.advance(9);
    expect(seen).toHaveLength(1);
    await clock.advance(1);
    expect(seen).toHaveLength(2);
    await clock.advance(10);
    expect(seen).toHaveLength(3);
    await clock.advance(10);
    expect(seen).toHaveLength(4);
    await clock.advance(500);
    expect(seen).toHaveLength(4);
    expect(hedgeEvents(events).map((e) => (e.type === 'hedge' ? [e.hedge, e.time] : []))).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    await clock.advance(1_000);
    await expect(call).resolves.toBe('answer 1');
    expect(clock.pendingTimers).toBe(0);
  });

  it('a failure with nothing else running starts the next hedge at once', async () => {
    const { clock, p, seen, planned } = setup({ delay: 100, maxHedges: 1 });
    const call = p.execute(
      planned([
        { after: 20, ok: false },
        { after: 30, ok: true },
      ]),
    );
    await clock.advance(20);
    expect(seen.map((c) => c.attempt)).toEqual([1, 2]);
    await clock.advance(30);
    await expect(call).resolves.toBe('answer 2');
    expect(clock.now()).toBe(50);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a failure does not fail the call while another attempt runs', async () => {
    const { clock, p, planned } = setup({ delay: 100, maxHedges: 1 });
    const call = p.execute(
      planned([
        { after: 300, ok: true },
        { after: 50, ok: false },
      ]),
    );
    let settled = false;
    void call.then(() => {
      settled = true;
    });
    await clock.advance(150); // hedge failed at 150
    expect(settled).toBe(false);
    await clock.advance(150);
    await expect(call).resolves.toBe('answer 1');
  });

  it('when every attempt fails, the call fails with the error of the last one to fail', async () => {
    const { clock, p, planned } = setup({ delay: 100, maxHedges: 2 });
    const call = p.execute(
      planned([
        { after: 400, ok: false },
        { after: 100, ok: false },
        { after: 50, ok: false },
      ]),
    );
    const caught = call.catch((e: unknown) => e);
    await clock.advance(400);
    expect(((await caught) as Error).message).toBe('failure 1');
    expect(clock.pendingTimers).toBe(0);
  });

  it('a failure that `handles` rejects ends the call at once and aborts the others', async () => {
    const { clock, p, seen, planned } = setup({
      delay: 10,
      maxHedges: 1,
      handles: (e) => (e as Error).message !== 'failure 2',
    });
    const call = p.execute(
      planned([
        { after: 1_000, ok: true },
        { after: 5, ok: false },
      ]),
    );
    const caught = call.catch((e: unknown) => e);
    await clock.advance(15);
    expect(((await caught) as Error).message).toBe('failure 2');
    expect(seen[0]!.signal.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a throwing `handles` ends the call with what it threw', async () => {
    const bug = new Error('handles bug');
    const { clock, p, planned } = setup({
      handles: () => {
        throw bug;
      },
    });
    const call = p.execute(planned([{ after: 5, ok: false }]));
    const caught = call.catch((e: unknown) => e);
    await clock.advance(5);
    expect(await caught).toBe(bug);
  });

  it("the caller's abort ends the call at once with its reason and aborts every attempt", async () => {
    const { clock, p, seen, planned } = setup({ delay: 10, maxHedges: 1 });
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const call = p.execute(
      planned([
        { after: 1_000, ok: true },
        { after: 1_000, ok: true },
      ]),
      { signal: controller.signal },
    );
    await clock.advance(10);
    const reason = new Error('caller left');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(seen.map((c) => c.signal.reason)).toEqual([reason, reason]);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(clock.pendingTimers).toBe(0);
  });

  it('a caller signal aborted before the call fails at once without running it', async () => {
    const { p, seen, planned } = setup();
    const reason = new Error('already gone');
    await expect(
      p.execute(planned([{ after: 1, ok: true }]), { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(seen).toHaveLength(0);
  });

  it('removes its listener from the caller signal after a normal answer', async () => {
    const { clock, p, planned } = setup();
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const call = p.execute(planned([{ after: 5, ok: true }]), { signal: controller.signal });
    await clock.advance(5);
    await call;
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0]![1]);
  });

  it('never hedges a call executed with idempotent: false', async () => {
    const { clock, p, seen, events, planned } = setup({ delay: 10, maxHedges: 2 });
    const call = p.execute(planned([{ after: 100, ok: true }]), { idempotent: false });
    await clock.advance(100);
    await expect(call).resolves.toBe('answer 1');
    expect(seen).toHaveLength(1);
    expect(hedgeEvents(events)).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('maxHedges 0 passes the call straight through', async () => {
    const { clock, p, seen, planned } = setup({ maxHedges: 0, delay: 1 });
    const call = p.execute(planned([{ after: 50, ok: true }]));
    await clock.advance(50);
    await expect(call).resolves.toBe('answer 1');
    expect(seen).toHaveLength(1);
  });

  describe('with a retry budget', () => {
    it('records the first attempt and asks before each hedge', async () => {
      const budget = new CountingBudget(5);
      const { clock, p, planned } = setup({ delay: 10, maxHedges: 2, budget });
      const call = p.execute(
        planned([
          { after: 100, ok: true },
          { after: 100, ok: true },
          { after: 100, ok: true },
        ]),
      );
      await clock.advance(100);
      await call;
      expect(budget.attempts).toBe(1);
      expect(budget.retries).toBe(2);
    });

    it('does not hedge when the budget refuses, and says so once', async () => {
      const budget = new CountingBudget(0);
      const { clock, p, events, seen, planned } = setup({ delay: 10, maxHedges: 3, budget });
      const call = p.execute(planned([{ after: 100, ok: true }]), { key: 'k' });
      await clock.advance(100);
      await expect(call).resolves.toBe('answer 1');
      expect(seen).toHaveLength(1);
      expect(hedgeEvents(events)).toHaveLength(0);
      expect(events.filter((e) => e.type === 'budget.exhausted')).toEqual([
        {
          type: 'budget.exhausted',
          pipeline: 'h',
          policy: 'hedge',
          policyName: 'hedge',
          key: 'k',
          time: 10,
          attempt: 2,
        },
      ]);
      expect(clock.pendingTimers).toBe(0);
    });

    it('a refused hedge after a failure fails the call with that failure', async () => {
      const budget = new CountingBudget(0);
      const { clock, p, planned } = setup({ delay: 100, budget });
      const call = p.execute(planned([{ after: 5, ok: false }]));
      const caught = call.catch((e: unknown) => e);
      await clock.advance(5);
      expect(((await caught) as Error).message).toBe('failure 1');
    });

    it('with a real retryBudget, hedges stay within ratio plus floor under a slow dependency', async () => {
      // The whole test lasts 50 ms of a 10 s window: the budget's own clock need not move.
      const budget = retryBudget({ ratio: 0.1, window: 10_000, minPerSecond: 0, clock: new TestClock() });
      const { clock, p, events, seen, planned } = setup({ delay: 10, maxHedges: 1, budget });
      const calls = Array.from({ length: 100 }, () =>
        p.execute(planned(Array.from({ length: 2 }, () => ({ after: 50, ok: true })))),
      );
      await clock.advance(50);
      await Promise.all(calls);
      expect(seen.length - 100).toBe(hedgeEvents(events).length);
      expect(hedgeEvents(events).length).toBeLessThanOrEqual(10);
      expect(hedgeEvents(events).length).toBeGreaterThan(0);
      expect(events.filter((e) => e.type === 'budget.exhausted').length).toBe(
        100 - hedgeEvents(events).length,
      );
      expect(clock.pendingTimers).toBe(0);
    });

    it('a hedge inside a retried attempt does not record it again', async () => {
      const budget = new CountingBudget(5);
      const clock = new TestClock();
      const policy = hedge({ clock, budget, delay: 10 });
      const outcome = await policy.execute(async () => ({ ok: true as const, value: 1 }), {
        signal: new AbortController().signal,
        attempt: 2,
        key: undefined,
        call: {
          pipeline: {
            name: 'x',
            clock,
            listening: false,
            emit() {},
            ...reportsThroughEmit({ name: 'x', emit() {} }),
          },
          fallback: false,
        },
      });
      expect(outcome).toEqual({ ok: true, value: 1 });
      expect(budget.attempts).toBe(0);
    });
  });

  it('emits no event when nobody listens', async () => {
    const clock = new TestClock();
    const p = new Registry().pipeline('quiet', [hedge({ clock, delay: 1 })], { clock });
    const emit = vi.spyOn(p, 'emit');
    const call = p.execute(
      (ctx) => new Promise((r) => clock.setTimeout(() => r(ctx.attempt), ctx.attempt === 1 ? 100 : 5)),
    );
    await clock.advance(100);
    await expect(call).resolves.toBe(2);
    expect(emit).not.toHaveBeenCalled();
  });

  it('validates options with messages that name them', () => {
    expect(() => hedge({ delay: -1 })).toThrow(/hedge: delay \(ms\) must be a number >= 0, got -1/);
    expect(() => hedge({ maxHedges: 1.5 })).toThrow(
      /hedge: maxHedges must be an integer from 0 to 100, got 1.5/,
    );
    expect(() => hedge({ maxHedges: 'two' as never })).toThrow(/maxHedges must be a number, got "two"/);
    expect(() => hedge({ handles: 1 as never })).toThrow(/hedge: handles must be a function, got 1/);
    expect(() => hedge({ budget: {} as never })).toThrow(/hedge: budget must be a retry budget/);
    expect(() => hedge({ dealy: 5 } as never)).toThrow(/unknown option "dealy"/);
    expect(() => hedge({ name: 'bad name' })).toThrow(/name must be/);
  });

  it('configure() changes delay and maxHedges at run time and rejects bad values whole', async () => {
    const { clock, p, policy, seen, planned } = setup({ delay: 100, maxHedges: 1 });
    policy.configure({ delay: 20, maxHedges: 2 });
    expect(policy.snapshot()).toMatchObject({ delay: 20, maxHedges: 2 });
    expect(() => policy.configure({ delay: 5, maxHedges: -1 })).toThrow(/maxHedges/);
    expect(() => policy.configure({ budget: undefined } as never)).toThrow(/unknown option "budget"/);
    expect(policy.snapshot()).toMatchObject({ delay: 20, maxHedges: 2 });
    const call = p.execute(planned(Array.from({ length: 3 }, () => ({ after: 100, ok: true }))));
    await clock.advance(40);
    expect(seen).toHaveLength(3);
    await clock.advance(60);
    await call;
  });

  it('property: attempts, outcome and clean-up follow the hedging rules', async () => {
    const scenario = fc.record({
      delay: fc.integer({ min: 0, max: 50 }),
      maxHedges: fc.integer({ min: 0, max: 4 }),
      plans: fc.array(fc.record({ after: fc.integer({ min: 0, max: 200 }), ok: fc.boolean() }), {
        minLength: 5,
        maxLength: 5,
      }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ delay, maxHedges, plans }) => {
        const { clock, p, events, seen, planned } = setup({ delay, maxHedges });
        const ends: number[] = [];
        const op = planned(plans);
        const call = p
          .execute((ctx) => {
            const started = clock.now();
            ends[ctx.attempt - 1] = started + plans[ctx.attempt - 1]!.after;
            return op(ctx);
          })
          .then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          );
        await clock.runAll();
        const result = await call;
        const started = seen.length;
        expect(started).toBeLessThanOrEqual(maxHedges + 1);
        expect(hedgeEvents(events)).toHaveLength(started - 1);
        const succeeded = seen.map((_, i) => i).filter((i) => plans[i]!.ok);
        if (result.ok) {
          const winner = Number(/answer (\d+)/.exec(result.value)![1]) - 1;
          expect(plans[winner]!.ok).toBe(true);
          // The winner ended first among the successes (ties may go either way).
          expect(ends[winner]).toBe(Math.min(...succeeded.map((i) => ends[i]!)));
          // Every other attempt has ended or was aborted.
          seen.forEach((ctx, i) => {
            if (i !== winner && ends[i]! > ends[winner]!) expect(ctx.signal.aborted).toBe(true);
          });
        } else {
          // A call fails only after using every hedge and seeing every attempt fail.
          expect(started).toBe(maxHedges + 1);
          expect(succeeded).toHaveLength(0);
          const lastEnd = Math.max(...ends.slice(0, started));
          const lastIndex = ends.lastIndexOf(lastEnd, started - 1);
          expect(result.error).toBeInstanceOf(Error);
          expect(ends[Number(/failure (\d+)/.exec((result.error as Error).message)![1]) - 1]).toBe(
            ends[lastIndex],
          );
        }
        if ((plans[0]!.ok && plans[0]!.after < delay) || maxHedges === 0) expect(started).toBe(1);
        expect(clock.pendingTimers).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
