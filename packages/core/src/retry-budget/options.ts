import type { Clock } from '../clock.js';

export interface RetryBudgetOptions {
  /** Extra attempts (retries, hedges) allowed as a ratio of first attempts in the window. */
  readonly ratio: number;
  /** Sliding window (ms). */
  readonly window: number;
  /** Extra attempts always allowed per second, however few calls there were. */
  readonly minPerSecond: number;
  readonly clock: Clock;
}

/** A budget that retry and hedge policies draw from; share one across pipelines of one dependency. */
export interface RetryBudget {
  /** Records a first attempt (adds to what may be spent). */
  recordAttempt(): void;
  /** Takes one extra attempt from the budget; false when spent. */
  tryRetry(): boolean;
  /** What is left and what was used, for status pages and gauges. */
  snapshot(): RetryBudgetSnapshot;
  configure(options: Partial<Omit<RetryBudgetOptions, 'clock'>>): void;
}

export interface RetryBudgetSnapshot {
  readonly attempts: number;
  readonly retries: number;
  readonly available: number;
  readonly exhausted: number;
}

/** Defaults of `retryBudget()`; `@rampart/config` builds its schema from this object. */
export const RETRY_BUDGET_DEFAULTS = {
  /** @defaultValue 0.2 */
  ratio: 0.2,
  /** @defaultValue 10_000 (ms) */
  window: 10_000,
  /** @defaultValue 10 */
  minPerSecond: 10,
} as const satisfies Partial<RetryBudgetOptions>;
