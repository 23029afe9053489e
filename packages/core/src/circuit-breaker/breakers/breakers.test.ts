import { describe, expect, it } from 'vitest';
import { CIRCUIT_BREAKER_DEFAULTS } from '../options.js';
import { breakers, checkBreakerSpec, createBreakerState } from './index.js';

describe('breakers.* specs', () => {
  it('returns frozen plain data with defaults filled in', () => {
    const c = breakers.consecutive(3);
    expect(c).toEqual({ kind: 'consecutive', threshold: 3 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(breakers.consecutive()).toEqual({
      kind: 'consecutive',
      threshold: CIRCUIT_BREAKER_DEFAULTS.threshold,
    });
    expect(breakers.count()).toEqual({
      kind: 'count',
      size: 100,
      failureRatio: 0.5,
      minimumCalls: 20,
      slowCallDuration: Number.POSITIVE_INFINITY,
      slowCallRatio: 1,
    });
    expect(breakers.sampling({ window: 10_000, buckets: 5, failureRatio: 0.25, minimumCalls: 4 })).toEqual({
      kind: 'sampling',
      window: 10_000,
      buckets: 5,
      failureRatio: 0.25,
      minimumCalls: 4,
      slowCallDuration: Number.POSITIVE_INFINITY,
      slowCallRatio: 1,
    });
    // Plain data survives JSON (Infinity aside, which config writes as an absent field).
    const spec = breakers.count({ size: 10, slowCallDuration: 500, slowCallRatio: 0.8 });
    expect(checkBreakerSpec('test', JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('a count window smaller than the default minimum defaults minimumCalls to its size', () => {
    expect(breakers.count({ size: 8 }).minimumCalls).toBe(8);
    expect(breakers.count({ size: 500 }).minimumCalls).toBe(20);
  });

  it('rejects bad values with messages naming option, value and what is allowed', () => {
    expect(() => breakers.consecutive(0)).toThrow(
      'breakers.consecutive: threshold must be an integer >= 1, got 0',
    );
    expect(() => breakers.consecutive(2.5)).toThrow(/threshold must be an integer >= 1, got 2.5/);
    expect(() => breakers.consecutive('3' as never)).toThrow(/threshold must be a number, got "3"/);
    expect(() => breakers.count({ size: 0 })).toThrow(
      /breakers.count: size must be an integer from 1 to 1000000, got 0/,
    );
    expect(() => breakers.count({ size: 10, minimumCalls: 11 })).toThrow(
      /minimumCalls must be an integer from 1 to 10, got 11/,
    );
    expect(() => breakers.count({ failureRatio: 0 })).toThrow(
      /failureRatio must be a number greater than 0 and at most 1, got 0/,
    );
    expect(() => breakers.count({ failureRatio: 1.5 })).toThrow(/failureRatio .* at most 1, got 1.5/);
    expect(() => breakers.count({ slowCallRatio: Number.NaN })).toThrow(
      /slowCallRatio must be a number, got number/,
    );
    expect(() => breakers.count({ slowCallDuration: -1 })).toThrow(
      /slowCallDuration \(ms\) must be a number >= 0 \(or Infinity\), got -1/,
    );
    expect(() => breakers.sampling({ window: 0 })).toThrow(
      /breakers.sampling: window \(ms\) must be a number >= 1, got 0/,
    );
    expect(() => breakers.sampling({ window: 50, buckets: 51 })).toThrow(
      /buckets must be an integer from 1 to 50, got 51/,
    );
    expect(() => breakers.sampling({ buckets: 2_000 })).toThrow(
      /buckets must be an integer from 1 to 1000, got 2000/,
    );
    expect(() => breakers.sampling({ minimumCalls: 0 })).toThrow(
      /minimumCalls must be an integer >= 1, got 0/,
    );
    expect(() => breakers.count({ sise: 10 } as never)).toThrow(/unknown option "sise"/);
  });

  it('checks plain specs from config or files, naming the field under breaker.', () => {
    expect(() => checkBreakerSpec('circuitBreaker', { kind: 'ring' })).toThrow(
      /circuitBreaker: breaker.kind must be one of "consecutive", "count", "sampling", got "ring"/,
    );
    expect(() => checkBreakerSpec('circuitBreaker', { kind: 'consecutive', size: 3 })).toThrow(
      /breaker.size does not apply to a consecutive breaker; its options are kind, threshold/,
    );
    expect(() => checkBreakerSpec('circuitBreaker', { kind: 'count', size: -1 })).toThrow(
      /breaker.size must be/,
    );
    expect(() => checkBreakerSpec('circuitBreaker', 5)).toThrow(
      /circuitBreaker: breaker must be a breaker .*; got 5/,
    );
    expect(checkBreakerSpec('circuitBreaker', { kind: 'sampling' })).toEqual(breakers.sampling());
  });
});

describe('consecutive breaker', () => {
  it('opens at `threshold` failures in a row; a success starts over', () => {
    const s = createBreakerState(breakers.consecutive(3));
    s.record(true, false, 0);
    s.record(true, false, 0);
    expect(s.shouldOpen(0)).toBeUndefined();
    expect(s.failureRatio(0)).toBeCloseTo(2 / 3);
    s.record(false, true, 0);
    expect(s.failures(0)).toBe(0);
    expect(s.successes(0)).toBe(1);
    expect(s.slowCallRatio(0)).toBe(0);
    s.record(true, false, 0);
    s.record(true, false, 0);
    s.record(true, false, 0);
    expect(s.shouldOpen(0)).toBe('failure_threshold');
    expect(s.failureRatio(0)).toBe(1);
    s.reset();
    expect([s.failures(0), s.successes(0), s.shouldOpen(0)]).toEqual([0, 0, undefined]);
  });

  it('keeps its streak across a new threshold, and caps the ratio at 1', () => {
    const s = createBreakerState(breakers.consecutive(5));
    for (let i = 0; i < 4; i++) s.record(true, false, 0);
    expect(s.reconfigure(breakers.consecutive(2))).toBe(true);
    expect(s.shouldOpen(0)).toBe('failure_threshold');
    expect(s.failureRatio(0)).toBe(1);
    expect(s.reconfigure(breakers.count())).toBe(false);
  });
});

describe('count breaker', () => {
  it('looks at the last `size` calls only, after `minimumCalls`', () => {
    const s = createBreakerState(breakers.count({ size: 4, failureRatio: 0.5, minimumCalls: 3 }));
    s.record(true, false, 0);
    s.record(true, false, 0);
    expect(s.shouldOpen(0)).toBeUndefined(); // 2 calls < minimumCalls, although 100 % failed
    expect(s.failureRatio(0)).toBe(1);
    s.record(false, false, 0);
    expect(s.shouldOpen(0)).toBe('failure_threshold'); // 2/3 >= 0.5
    s.reset();
    // F S S S S: the failure falls out of the window of 4.
    for (const f of [true, false, false, false, false]) s.record(f, false, 0);
    expect([s.failures(0), s.successes(0), s.failureRatio(0)]).toEqual([0, 4, 0]);
    // S S S F -> 1/4 < 0.5; one more failure: S S F F -> 2/4 >= 0.5 (ratio is inclusive).
    s.record(true, false, 0);
    expect(s.shouldOpen(0)).toBeUndefined();
    s.record(true, false, 0);
    expect(s.failureRatio(0)).toBe(0.5);
    expect(s.shouldOpen(0)).toBe('failure_threshold');
  });

  it('trips on slow calls, and failures win when both thresholds are met', () => {
    const s = createBreakerState(
      breakers.count({
        size: 4,
        failureRatio: 0.75,
        minimumCalls: 4,
        slowCallDuration: 100,
        slowCallRatio: 0.5,
      }),
    );
    s.record(false, true, 0);
    s.record(false, false, 0);
    s.record(false, true, 0);
    expect(s.shouldOpen(0)).toBeUndefined(); // 3 calls
    s.record(false, false, 0);
    expect(s.slowCallRatio(0)).toBe(0.5);
    expect(s.shouldOpen(0)).toBe('slow_call_threshold');
    for (let i = 0; i < 4; i++) s.record(true, true, 0);
    expect(s.shouldOpen(0)).toBe('failure_threshold');
  });

  it('resizing keeps the most recent calls', () => {
    const s = createBreakerState(breakers.count({ size: 5, minimumCalls: 1 }));
    for (const f of [true, true, false, false, true, false, true]) s.record(f, false, 0); // ring holds F F T F T (oldest first: false,false,true,false,true)
    expect(s.failures(0)).toBe(2);
    expect(s.reconfigure(breakers.count({ size: 2, minimumCalls: 1 }))).toBe(true);
    expect([s.failures(0), s.successes(0)]).toEqual([1, 1]); // false, true
    s.record(true, false, 0); // evicts the success: true, true
    expect([s.failures(0), s.successes(0)]).toEqual([2, 0]);
    expect(s.reconfigure(breakers.count({ size: 6, minimumCalls: 1 }))).toBe(true);
    for (let i = 0; i < 4; i++) s.record(false, false, 0);
    expect([s.failures(0), s.successes(0)]).toEqual([2, 4]);
    s.record(false, false, 0); // full at 6: evicts the oldest failure
    expect([s.failures(0), s.successes(0)]).toEqual([1, 5]);
  });
});

describe('sampling breaker', () => {
  const spec = breakers.sampling({ window: 1_000, buckets: 4, failureRatio: 0.5, minimumCalls: 2 });

  it('counts the calls of the current bucket and the buckets-1 before it', () => {
    const s = createBreakerState(spec); // buckets of 250 ms
    s.record(true, false, 0); // bucket 0
    s.record(false, false, 300); // bucket 1
    expect(s.shouldOpen(300)).toBe('failure_threshold');
    expect([s.failures(999), s.successes(999)]).toEqual([1, 1]); // buckets 0..3
    expect([s.failures(1_000), s.successes(1_000)]).toEqual([0, 1]); // bucket 4: bucket 0 left
    expect(s.shouldOpen(1_000)).toBeUndefined(); // 1 call < minimumCalls
    expect([s.failures(1_250), s.successes(1_250)]).toEqual([0, 0]);
    expect(s.failureRatio(1_250)).toBe(0);
  });

  it('empties every bucket after a long quiet spell, and keeps counting when the clock steps back', () => {
    const s = createBreakerState(spec);
    for (let t = 0; t < 1_000; t += 100) s.record(t % 200 === 0, t % 300 === 0, t);
    expect(s.failures(999)).toBe(5);
    expect(s.successes(999)).toBe(5);
    expect(s.slowCallRatio(999)).toBeCloseTo(4 / 10);
    expect(s.failures(1_000_000)).toBe(0);
    s.record(true, false, 1_000_000);
    s.record(true, false, 999_000); // clock stepped back: counted in the newest bucket
    expect(s.failures(1_000_100)).toBe(2);
  });

  it('keeps its window when only thresholds change, not when its shape changes', () => {
    const s = createBreakerState(spec);
    s.record(true, false, 0);
    s.record(false, false, 0);
    expect(
      s.reconfigure(breakers.sampling({ window: 1_000, buckets: 4, failureRatio: 0.9, minimumCalls: 2 })),
    ).toBe(true);
    expect(s.failures(0)).toBe(1);
    expect(s.shouldOpen(0)).toBeUndefined();
    expect(s.reconfigure(breakers.sampling({ window: 2_000, buckets: 4 }))).toBe(false);
    expect(s.reconfigure(breakers.consecutive())).toBe(false);
  });
});
