import type { Clock } from '../clock.js';

export interface BulkheadOptions {
  /** Calls allowed to run at once: an integer >= 1. */
  readonly limit: number;
  /**
   * Calls allowed to wait for a slot, in arrival order: an integer >= 0, or Infinity for an
   * unbounded queue. 0 rejects at once when every slot is taken.
   */
  readonly queue: number;
  /**
   * Longest wait in the queue (ms, >= 1); a call that waited this long is rejected with
   * reason `queue_timeout`. Infinity waits as long as it takes (or until the caller aborts).
   */
  readonly queueTimeout: number;
  readonly name: string;
  readonly clock: Clock;
}

/** The options `configure()` changes at run time. */
export type BulkheadSettings = Pick<BulkheadOptions, 'limit' | 'queue' | 'queueTimeout'>;

/** Defaults of `bulkhead()`; `@rampart/config` builds its schema from this object. */
export const BULKHEAD_DEFAULTS = {
  /** @defaultValue 10 */
  limit: 10,
  /** @defaultValue 0 (no queue: reject at once when full) */
  queue: 0,
  /** @defaultValue Infinity (ms: wait until a slot frees or the caller aborts) */
  queueTimeout: Number.POSITIVE_INFINITY,
} as const satisfies Partial<BulkheadOptions>;
