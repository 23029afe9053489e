import type { BackoffSpec } from '../backoff/options.js';
import type { Clock } from '../clock.js';
import type { RetryBudget } from '../retry-budget/options.js';

export interface RetryOptions<T = unknown> {
  /** Attempts in all, the first call included (1 = never retry; Infinity = until success or abort). */
  readonly maxAttempts: number;
  /**
   * Delay before each retry: a `backoff.*()` spec or a plain object of the same shape.
   * @defaultValue `backoff.exponential()` (200, 400, 800, … ms up to 30 s, full jitter: `BACKOFF_DEFAULTS`)
   */
  readonly backoff: BackoffSpec;
  /**
   * Which errors to retry. Never asked about the caller's own abort (once the caller's signal
   * has aborted, nothing is retried). The default, `defaultRetryOn`, retries every error
   * except aborts (`AbortError`) and rejections by other policies (open circuit, full
   * bulkhead, rate limit), which retrying at once would only make worse. A predicate that
   * throws ends the call with what it threw.
   * @defaultValue defaultRetryOn
   */
  readonly retryOn: ((error: unknown) => boolean) | undefined;
  /**
   * Which results to retry (for APIs that answer failures as values, e.g. a `Response` with
   * status 503). When attempts run out, the last result is returned as it is.
   * @defaultValue undefined (results are never retried)
   */
  readonly retryOnResult: ((result: T) => boolean) | undefined;
  /**
   * Cap on every delay between attempts, a `Retry-After` from the error or result included
   * (the delay is `min(maxDelay, max(backoff delay, Retry-After))`).
   */
  readonly maxDelay: number;
  /**
   * A budget shared by several policies that caps retries across calls (see `retryBudget()`).
   * @defaultValue undefined (unlimited: only `maxAttempts` bounds retries)
   */
  readonly budget: RetryBudget | undefined;
  readonly name: string;
  readonly clock: Clock;
  /**
   * Random source for jitter, in [0, 1) (inject a seeded one for reproducible tests).
   * @defaultValue Math.random
   */
  readonly random: () => number;
}

/** What `retry().configure()` can change at run time; calls in flight see it at their next retry. */
export type RetryTunableOptions<T = unknown> = Pick<
  RetryOptions<T>,
  'maxAttempts' | 'backoff' | 'maxDelay' | 'retryOn' | 'retryOnResult'
>;

/** Defaults of `retry()`; `@rampart/config` builds its schema from this object. */
export const RETRY_DEFAULTS = {
  /** @defaultValue 3 (the first call and two retries) */
  maxAttempts: 3,
  /** @defaultValue 60_000 (ms) */
  maxDelay: 60_000,
} as const satisfies Partial<RetryOptions>;
