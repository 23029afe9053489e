import type { Clock } from '../clock.js';
import type { RetryBudget } from '../retry-budget/options.js';

export interface HedgeOptions {
  /** Wait this long (ms) for an answer before starting another attempt. */
  readonly delay: number;
  /** Extra attempts at most. */
  readonly maxHedges: number;
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
