import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../testing/index.js';
import { RETRY_BUDGET_DEFAULTS } from './options.js';
import { retryBudget } from './retry-budget.js';

describe('retryBudget', () => {
  it('pins its defaults', () => {
    expect(RETRY_BUDGET_DEFAULTS).toEqual({ ratio: 0.2, window: 10_000, minPerSecond: 10, buckets: 10 });
  });

  it('grants ratio × first attempts plus the floor, then refuses', () => {
    const clock = new TestClock();
    const budget = retryBudget({ ratio: 0.5, window: 1_000, minPerSecond: 2, clock });
    // Floor alone: 2 per second over a 1 s window = 2 retries with no traffic at all.
    expect(budget.snapshot()).toEqual({ attempts: 0, retries: 0, available: 2, exhausted: 0 });
    for (let i = 0; i < 10; i++) budget.recordAttempt();
    // 0.5 × 10 + 2 = 7
    const granted = Array.from({ length: 9 }, () => budget.tryRetry());
    expect(granted).toEqual([true, true, true, true, true, true, true, false, false]);
    expect(budget.snapshot()).toEqual({ attempts: 10, retries: 7, available: 0, exhausted: 2 });
  });

  it('never lets a fractional limit round up (0.3 × 5 = 1.5 grants 1)', () => {
    const budget = retryBudget({ ratio: 0.3, minPerSecond: 0, clock: new TestClock() });
    for (let i = 0; i < 5; i++) budget.recordAttempt();
    expect([budget.tryRetry(), budget.tryRetry()]).toEqual([true, false]);
  });

  it('grants exactly a whole limit despite floating-point dust (0.1 × 30 = 3)', () => {
    const budget = retryBudget({ ratio: 0.1, minPerSecond: 0, clock: new TestClock() });
    for (let i = 0; i < 30; i++) budget.recordAttempt();
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('slides: counts leave the window bucket by bucket', async () => {
    const clock = new TestClock();
    const budget = retryBudget({ ratio: 1, window: 1_000, buckets: 4, minPerSecond: 0, clock });
    budget.recordAttempt(); // bucket [0, 250)
    await clock.advance(250);
    budget.recordAttempt(); // bucket [250, 500)
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    await clock.advance(750); // t = 1000: the first bucket has left the window
    expect(budget.snapshot()).toMatchObject({ attempts: 1, retries: 2, available: 0 });
    await clock.advance(250); // t = 1250: everything has left
    expect(budget.snapshot()).toEqual({ attempts: 0, retries: 0, available: 0, exhausted: 0 });
    await clock.advance(60_000); // a long idle gap clears everything at once
    budget.recordAttempt();
    expect(budget.snapshot()).toMatchObject({ attempts: 1, retries: 0, available: 1 });
  });

  it('keeps counting when the clock goes backwards', () => {
    const clock = new TestClock(10_000);
    const budget = retryBudget({ ratio: 1, window: 1_000, minPerSecond: 0, clock });
    budget.recordAttempt();
    clock.set(5_000);
    budget.recordAttempt();
    expect(budget.snapshot().attempts).toBe(2);
  });

  it('configure() changes the limit without losing counts, and validates everything first', () => {
    const clock = new TestClock();
    const budget = retryBudget({ ratio: 0.1, window: 1_000, minPerSecond: 0, clock });
    for (let i = 0; i < 10; i++) budget.recordAttempt();
    expect(budget.tryRetry()).toBe(true);
    expect(budget.tryRetry()).toBe(false);
    budget.configure({ ratio: 0.3 });
    expect(budget.tryRetry()).toBe(true);
    budget.configure({ window: 2_000, buckets: 5 });
    expect(budget.snapshot()).toMatchObject({ attempts: 10, retries: 2 });
    expect(() => budget.configure({ ratio: 0.5, window: -1 })).toThrow(/window/);
    expect(budget.tryRetry()).toBe(true); // ratio 0.3 still: 3 of 3
    expect(budget.tryRetry()).toBe(false);
    expect(() => budget.configure({ clock } as never)).toThrow(/unknown option "clock"/);
  });

  it('validates options with messages naming option, value and range', () => {
    expect(() => retryBudget({ ratio: -0.1 })).toThrow(RangeError);
    expect(() => retryBudget({ ratio: -0.1 })).toThrow(
      'retryBudget: ratio must be a number from 0 to 1000, got -0.1',
    );
    expect(() => retryBudget({ window: 0 })).toThrow(
      /retryBudget: window \(ms\) must be a number >= 1, got 0/,
    );
    expect(() => retryBudget({ minPerSecond: Number.NaN })).toThrow(TypeError);
    expect(() => retryBudget({ buckets: 2.5 })).toThrow(
      /buckets must be an integer from 1 to 1000, got 2\.5/,
    );
    expect(() => retryBudget({ window: 5, buckets: 10 })).toThrow(/window \(ms\) \/ buckets must be >= 1 ms/);
    expect(() => retryBudget({ ratoi: 1 } as never)).toThrow(/unknown option "ratoi"/);
  });

  it('property: matches a simple model and is never exceeded', () => {
    type Op = { op: 'attempt' } | { op: 'retry' } | { op: 'tick'; ms: number };
    const op = fc.oneof(
      fc.constant<Op>({ op: 'attempt' }),
      fc.constant<Op>({ op: 'retry' }),
      fc.integer({ min: 0, max: 3_000 }).map((ms): Op => ({ op: 'tick', ms })),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.integer({ min: 10, max: 5_000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(op, { maxLength: 300, size: 'medium' }),
        (ratio, window, buckets, minPerSecond, start, ops) => {
          const clock = new TestClock(start);
          const budget = retryBudget({ ratio, window, buckets, minPerSecond, clock });
          // The model: every event with its time; the window holds the events whose bucket
          // (time / width) is one of the last `buckets` buckets up to now.
          const width = window / buckets;
          const events: { time: number; kind: 'attempt' | 'retry' | 'refused' }[] = [];
          const inWindow = (kind: string) => {
            const now = Math.floor(clock.now() / width);
            return events.filter((e) => e.kind === kind && Math.floor(e.time / width) > now - buckets).length;
          };
          const limit = () => ratio * inWindow('attempt') + (minPerSecond * window) / 1000;
          for (const step of ops) {
            if (step.op === 'tick') {
              clock.set(clock.now() + step.ms);
            } else if (step.op === 'attempt') {
              budget.recordAttempt();
              events.push({ time: clock.now(), kind: 'attempt' });
            } else {
              const expected = inWindow('retry') + 1 <= limit() + 1e-9;
              const granted = budget.tryRetry();
              expect(granted).toBe(expected);
              events.push({ time: clock.now(), kind: granted ? 'retry' : 'refused' });
              // Never exceeded: counting this grant, the window's retries stay within the limit.
              // (Checked at grants only: first attempts may leave the window before the retries
              // they paid for, which is fine, since those retries were within budget when made.)
              if (granted) expect(inWindow('retry')).toBeLessThanOrEqual(limit() + 1e-9);
            }
            const snap = budget.snapshot();
            expect(snap.attempts).toBe(inWindow('attempt'));
            expect(snap.retries).toBe(inWindow('retry'));
            expect(snap.exhausted).toBe(inWindow('refused'));
            expect(snap.available).toBe(Math.max(0, Math.floor(limit() + 1e-9 - inWindow('retry'))));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
