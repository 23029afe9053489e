import type { Clock } from '../clock.js';

export interface RateLimitOptions {
  /** Tokens added per `interval`. */
  readonly rate: number;
  /** The refill interval (ms). */
  readonly interval: number;
  /** Bucket size: the most calls allowed in one burst. */
  readonly burst: number;
  /** Longest wait for a token (ms); 0 rejects at once. */
  readonly maxWait: number;
  readonly name: string;
  readonly clock: Clock;
}

/** Defaults of `rateLimit()`; `@rampart/config` builds its schema from this object. */
export const RATE_LIMIT_DEFAULTS = {
  /** @defaultValue 100 */
  rate: 100,
  /** @defaultValue 1_000 (ms) */
  interval: 1_000,
  /** @defaultValue 100 (the rate) */
  burst: 100,
  /** @defaultValue 0 (ms: reject at once) */
  maxWait: 0,
} as const satisfies Partial<RateLimitOptions>;
