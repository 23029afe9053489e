import type { BackoffSpec } from '../backoff/options.js';
import type { Clock } from '../clock.js';
import type { RetryBudget } from '../retry-budget/options.js';

export interface RetryOptions<T = unknown> {
  /** Attempts in all, the first call included (1 = never retry). */
  readonly maxAttempts: number;
  /** Delay before each retry. */
  readonly backoff: BackoffSpec;
  /**
   * Which errors to retry. Never called for the caller's own abort or for rejections of
   * other policies (open circuit, full bulkhead, rate limit): those are never retried.
   */
  readonly retryOn: (error: unknown) => boolean;
  /** Which results to retry (for APIs that answer failures as values). */
  readonly retryOnResult: ((result: T) => boolean) | undefined;
  /** Longest delay a `Retry-After` from the error or result may impose; longer ones give up at once. */
  readonly maxDelay: number;
  /** Shared budget that caps retries across calls; undefined = unlimited. */
  readonly budget: RetryBudget | undefined;
  readonly name: string;
  readonly clock: Clock;
  /** Random source for jitter, in [0, 1). */
  readonly random: () => number;
}

/** Defaults of `retry()`; `@rampart/config` builds its schema from this object. */
export const RETRY_DEFAULTS = {
  /** @defaultValue 3 */
  maxAttempts: 3,
  /** @defaultValue 60_000 (ms) */
  maxDelay: 60_000,
} as const;
