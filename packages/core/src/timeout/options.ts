import type { Clock } from '../clock.js';

/**
 * `cooperative`: abort the call's signal and wait for the call to settle (the function
 * must honour its signal). `aggressive`: abort the signal and reject at once.
 */
export type TimeoutStrategy = 'cooperative' | 'aggressive';

export const TIMEOUT_STRATEGIES: readonly TimeoutStrategy[] = ['cooperative', 'aggressive'];

export interface TimeoutOptions {
  /** Time allowed for the inner layers, in ms. */
  readonly after: number;
  readonly strategy: TimeoutStrategy;
  readonly name: string;
  readonly clock: Clock;
}

/** Defaults of `timeout()`; `@rampart/config` builds its schema from this object. */
export const TIMEOUT_DEFAULTS = {
  /** @defaultValue 10_000 (ms) */
  after: 10_000,
  /** @defaultValue 'aggressive' */
  strategy: 'aggressive',
} as const satisfies Partial<TimeoutOptions>;
