import type { Clock } from '../clock.js';

export interface ChaosOptions<T = unknown> {
  /** Share of calls affected, 0..1. */
  readonly rate: number;
  /** Switch at run time with `configure({ enabled })`. */
  readonly enabled: boolean;
  /** Makes the error to inject; omit for no fault injection. */
  readonly fault: (() => unknown) | undefined;
  /** Added delay (ms) before the call; omit for none. */
  readonly latency: number | undefined;
  /** A result to return instead of calling; omit for none. */
  readonly result: (() => T) | undefined;
  readonly name: string;
  readonly clock: Clock;
  readonly random: () => number;
}

/** Defaults of `chaos()`; `@rampart/config` builds its schema from this object. */
export const CHAOS_DEFAULTS = {
  /** @defaultValue 0 */
  rate: 0,
  /** @defaultValue false */
  enabled: false,
} as const satisfies Partial<ChaosOptions>;
