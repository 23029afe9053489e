import type { Clock } from '../clock.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once. */
  readonly limit: number;
  /** Calls allowed to wait for a slot (0 = reject at once when full). */
  readonly queue: number;
  /** Longest wait in the queue (ms); Infinity waits as long as it takes. */
  readonly queueTimeout: number;
  readonly name: string;
  readonly clock: Clock;
}

/** Defaults of `bulkhead()`; `@rampart/config` builds its schema from this object. */
export const BULKHEAD_DEFAULTS = {
  /** @defaultValue 10 */
  limit: 10,
  /** @defaultValue 0 */
  queue: 0,
  /** @defaultValue Infinity (ms) */
  queueTimeout: Number.POSITIVE_INFINITY,
} as const satisfies Partial<BulkheadOptions>;
