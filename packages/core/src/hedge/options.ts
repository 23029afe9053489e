import type { Clock } from '../clock.js';
import type { RetryBudget } from '../retry-budget/options.js';

export interface HedgeOptions {
  /**
   * Wait this long (ms) for an answer before starting another attempt. 0 starts every
   * hedge at once (a race of `maxHedges + 1` attempts).
   */
  readonly delay: number;
  /** Extra attempts at most (0 turns hedging off; the first attempt runs alone). */
  readonly maxHedges: number;
  /**
   * Which failures another attempt may still answer. A failure it accepts does not fail
   * the call while another attempt runs, and starts the next hedge at once; a failure it
   * rejects ends the call at once with that error (other attempts are aborted).
   * @defaultValue every failure
   */
  readonly handles: (error: unknown) => boolean;
  /**
   * A retry budget shared with retries (and other pipelines of the same dependency): a
   * hedge is started only when `tryRetry()` allows it; the first attempt of each call is
   * recorded with `recordAttempt()`. Undefined: hedges are limited only by `maxHedges`.
   */
  readonly budget: RetryBudget | undefined;
  readonly name: string;
  readonly clock: Clock;
}

/** Defaults of `hedge()`; `@rampart/config` builds its schema from this object. */
export const HEDGE_DEFAULTS = {
  /** @defaultValue 100 (ms) */
  delay: 100,
  /** @defaultValue 1 */
  maxHedges: 1,
} as const satisfies Partial<HedgeOptions>;
