import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import type { CallContext } from '../types.js';
import type { RetryBudget } from './options.js';
import { retryBudget } from './retry-budget.js';

/**
 * The retry storm: a dependency that fails every call, and many callers that each retry.
 * Plain retry multiplies the load by maxAttempts exactly when the dependency can least take
 * it; a retry budget keeps the extra load at `ratio` (plus a small floor).
 */

const RATIO = 0.2;
const WINDOW = 10_000;
const MIN_PER_SECOND = 1;
const FLOOR = (MIN_PER_SECOND * WINDOW) / 1000; // 10 retries per window, however quiet

/** A dependency down for everybody; it records every call it receives with its attempt number. */
function deadDependency(clock: TestClock) {
  const calls: { at: number; attempt: number }[] = [];
  const fn = (ctx: CallContext) => {
    calls.push({ at: clock.now(), attempt: ctx.attempt });
    return Promise.reject(new Error('503 Service Unavailable'));
  };
  return { calls, fn };
}

function world(budget: ((clock: TestClock) => RetryBudget) | undefined) {
  const clock = new TestClock();
  const registry = new Registry();
  const shared = budget?.(clock);
  const p = registry.pipeline(
    'payments',
    [
      retry({
        maxAttempts: 3,
        backoff: backoff.constant(100, { jitter: 'none' }),
        clock,
        ...(shared === undefined ? {} : { budget: shared }),
      }),
    ],
    { clock },
  );
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  return { clock, p, events, budget: shared };
}

async function drain(clock: TestClock): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    await clock.advance(0);
    if (clock.pendingTimers === 0) return;
    await clock.runAll();
  }
  throw new Error('drain: timers keep coming');
}

const sharedBudget = (clock: TestClock) =>
  retryBudget({ ratio: RATIO, window: WINDOW, minPerSecond: MIN_PER_SECOND, clock });

describe('retry storm', () => {
  it('200 concurrent callers on a dead dependency: plain retry triples the load, a budget caps it', async () => {
    // Without a budget: every caller makes all 3 attempts.
    const plain = world(undefined);
    const dead = deadDependency(plain.clock);
    const plainCalls = Array.from({ length: 200 }, () => plain.p.execute(dead.fn).catch(() => 'failed'));
    await drain(plain.clock);
    expect(await Promise.all(plainCalls)).toEqual(Array(200).fill('failed'));
    expect(dead.calls).toHaveLength(600);
    expect(dead.calls.filter((c) => c.attempt > 1)).toHaveLength(400); // extra load: 200 %

    // With a budget: extra attempts stay within ratio × first attempts + the floor.
    const guarded = world(sharedBudget);
    const down = deadDependency(guarded.clock);
    const guardedCalls = Array.from({ length: 200 }, () => guarded.p.execute(down.fn).catch(() => 'failed'));
    await drain(guarded.clock);
    expect(await Promise.all(guardedCalls)).toEqual(Array(200).fill('failed'));
    const first = down.calls.filter((c) => c.attempt === 1).length;
    const extra = down.calls.filter((c) => c.attempt > 1).length;
    expect(first).toBe(200);
    expect(extra).toBeLessThanOrEqual(RATIO * first + FLOOR); // 50
    expect(extra).toBeGreaterThan(0); // the budget is used, not a blanket ban on retries
    expect(down.calls.length / first).toBeLessThanOrEqual(1.25);

    // Every skipped retry is reported, once, and matches the budget's own count.
    const exhausted = guarded.events.filter((e) => e.type === 'budget.exhausted');
    const retries = guarded.events.filter((e) => e.type === 'retry');
    expect(retries).toHaveLength(extra);
    expect(exhausted).toHaveLength(guarded.budget!.snapshot().exhausted);
    expect(exhausted.length).toBe(200); // each caller ends on a refused retry
    expect(guarded.clock.pendingTimers).toBe(0);
  });

  it('a sustained outage: in every window, extra load stays at the ratio', async () => {
    for (const withBudget of [false, true]) {
      const { clock, p } = world(withBudget ? sharedBudget : undefined);
      const dead = deadDependency(clock);
      const pending: Promise<unknown>[] = [];
      // 200 callers arrive at the start of every second for 30 s.
      for (let second = 0; second < 30; second++) {
        for (let i = 0; i < 200; i++) pending.push(p.execute(dead.fn).catch(() => undefined));
        await clock.advance(1_000);
      }
      await drain(clock);
      await Promise.all(pending);
      for (let w = 0; w < 3; w++) {
        const inWindow = dead.calls.filter((c) => c.at >= w * WINDOW && c.at < (w + 1) * WINDOW);
        const first = inWindow.filter((c) => c.attempt === 1).length;
        const extra = inWindow.length - first;
        expect(first).toBe(2_000);
        if (withBudget) {
          expect(extra).toBeLessThanOrEqual(RATIO * first + FLOOR);
          expect(extra).toBeGreaterThan(0);
        } else expect(extra).toBe(2 * first);
      }
    }
  });

  it('one budget shared by two pipelines caps their retries together', async () => {
    const clock = new TestClock();
    const budget = sharedBudget(clock);
    const registry = new Registry();
    const make = (name: string) =>
      registry.pipeline(
        name,
        [retry({ maxAttempts: 3, backoff: backoff.constant(100, { jitter: 'none' }), clock, budget })],
        { clock },
      );
    const a = make('a');
    const b = make('b');
    const dead = deadDependency(clock);
    const calls = [
      ...Array.from({ length: 100 }, () => a.execute(dead.fn).catch(() => undefined)),
      ...Array.from({ length: 100 }, () => b.execute(dead.fn).catch(() => undefined)),
    ];
    await drain(clock);
    await Promise.all(calls);
    const extra = dead.calls.filter((c) => c.attempt > 1).length;
    expect(extra).toBeLessThanOrEqual(RATIO * 200 + FLOOR);
    expect(budget.snapshot()).toMatchObject({ attempts: 200, retries: extra });
  });
});
