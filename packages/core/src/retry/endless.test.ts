import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { retryBudget } from '../retry-budget/retry-budget.js';
import { retry } from './retry.js';

describe('endless retries must wait', () => {
  // Regression: `retry({ maxAttempts: Infinity, backoff: backoff.constant(0) })` around a call
  // that fails at once retried in a loop of microtasks that never gave timers a turn: the
  // caller's abort (from a timer) could never arrive and the process hung. Found by the
  // reliability suite (test/reliability).
  it('refuses maxAttempts Infinity with a backoff or maxDelay that never waits', () => {
    const endless = Number.POSITIVE_INFINITY;
    for (const options of [
      { maxAttempts: endless, backoff: backoff.constant(0) },
      { maxAttempts: endless, backoff: backoff.exponential({ initial: 0 }) },
      { maxAttempts: endless, backoff: backoff.linear({ initial: 0, step: 0 }) },
      { maxAttempts: endless, backoff: backoff.linear({ initial: 0, step: 10, jitter: 'decorrelated' }) },
      { maxAttempts: endless, maxDelay: 0 },
    ]) {
      expect(() => retry(options)).toThrow(RangeError);
      expect(() => retry(options)).toThrow(/maxAttempts Infinity needs a backoff that waits/);
    }
    expect(() => retry({ backoff: backoff.constant(0) }).configure({ maxAttempts: endless })).toThrow(
      RangeError,
    );
  });

  it('accepts endless retries that wait, or that a budget bounds, and zero waits that end', () => {
    expect(() => retry({ maxAttempts: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() =>
      retry({ maxAttempts: Number.POSITIVE_INFINITY, backoff: backoff.linear({ initial: 0, step: 5 }) }),
    ).not.toThrow();
    expect(() =>
      retry({ maxAttempts: Number.POSITIVE_INFINITY, backoff: backoff.constant(0), budget: retryBudget() }),
    ).not.toThrow();
    expect(() => retry({ maxAttempts: 1_000, backoff: backoff.constant(0) })).not.toThrow();
  });
});
