import type { Clock } from '../clock.js';

export interface RateLimitOptions {
  /** Tokens added per `interval`: a finite number > 0 (fractions allowed: 0.5 per second). */
  readonly rate: number;
  /** The refill interval (ms): a finite number > 0. */
  readonly interval: number;
  /**
   * Bucket size: the most calls allowed in one burst, an integer >= 1. The bucket starts
   * full. When omitted it equals the rate, rounded up (at least 1).
   */
  readonly burst: number;
  /**
   * Longest wait for a token (ms, >= 0, or Infinity): a call whose token would come later
   * is rejected at once with `RateLimitedError`. 0 never waits.
   */
  readonly maxWait: number;
  readonly name: string;
  readonly clock: Clock;
}

/** The options `configure()` changes at run time. */
export type RateLimitSettings = Pick<RateLimitOptions, 'rate' | 'interval' | 'burst' | 'maxWait'>;

/** Defaults of `rateLimit()`; `@rampart/config` builds its schema from this object. */
export const RATE_LIMIT_DEFAULTS = {
  /** @defaultValue 100 (tokens per interval) */
  rate: 100,
  /** @defaultValue 1_000 (ms) */
  interval: 1_000,
  /**
   * @defaultValue 100: the default rate. When `burst` is omitted the policy uses its own
   * `rate`, rounded up, so pass `burst` only when it was set explicitly.
   */
  burst: 100,
  /** @defaultValue 0 (ms: reject at once) */
  maxWait: 0,
} as const satisfies Partial<RateLimitOptions>;
