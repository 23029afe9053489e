import type { Clock } from '../clock.js';

export interface RetryBudgetOptions {
  /** Extra attempts (retries, hedges) allowed as a ratio of first attempts in the window. */
  readonly ratio: number;
  /** Sliding window (ms). */
  readonly window: number;
  /** Extra attempts always allowed per second, however few calls there were. */
  readonly minPerSecond: number;
  /**
   * Buckets the window is cut into: the window slides by `window / buckets`, so it covers
   * between `window - window / buckets` and `window` of history.
   */
  readonly buckets: number;
  readonly clock: Clock;
}

/**
 * A budget that retry and hedge policies draw from; share one across the pipelines that
 * call one dependency. An extra attempt is allowed when, counting it, the extra attempts in
 * the window stay within `ratio × first attempts in the window + minPerSecond × window (s)`.
 */
export interface RetryBudget {
  /** Records a first attempt (adds to what may be spent). */
  recordAttempt(): void;
  /** Takes one extra attempt from the budget; false when spent. */
  tryRetry(): boolean;
  /** What is left and what was used, for status pages and gauges. */
  snapshot(): RetryBudgetSnapshot;
  configure(options: Partial<Omit<RetryBudgetOptions, 'clock'>>): void;
}

/** Counts over the current window. */
export interface RetryBudgetSnapshot {
  /** First attempts recorded. */
  readonly attempts: number;
  /** Extra attempts (retries, hedges) granted. */
  readonly retries: number;
  /** Extra attempts that would still be granted now. */
  readonly available: number;
  /** Extra attempts refused. */
  readonly exhausted: number;
}

/** Defaults of `retryBudget()`; `@rampart/config` builds its schema from this object. */
export const RETRY_BUDGET_DEFAULTS = {
  /** @defaultValue 0.2 (at most 20 % extra load) */
  ratio: 0.2,
  /** @defaultValue 10_000 (ms) */
  window: 10_000,
  /** @defaultValue 10 */
  minPerSecond: 10,
  /** @defaultValue 10 */
  buckets: 10,
} as const satisfies Partial<RetryBudgetOptions>;
