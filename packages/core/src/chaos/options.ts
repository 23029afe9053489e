import type { Clock } from '../clock.js';
import type { CallContext } from '../types.js';

/**
 * What a chaos policy injects into the calls it picks (a share `rate` of all calls, while
 * `enabled`): first `latency` if set, then either `fault` or `result` if one is set. With
 * only `latency`, the delayed call then runs as usual.
 */
export interface ChaosOptions<T = unknown> {
  /** Share of calls affected, from 0 to 1. */
  readonly rate: number;
  /** Whether anything is injected; switch at run time with `configure({ enabled })`. */
  readonly enabled: boolean;
  /** Makes the error to fail the picked call with (it is not called). Omit for no faults. */
  readonly fault: ((ctx: CallContext) => unknown) | undefined;
  /** Delay (ms) added before the picked call; it ends at once when the call's signal aborts. */
  readonly latency: number | undefined;
  /** Makes the result to answer the picked call with (it is not called). Omit for none. */
  readonly result: ((ctx: CallContext) => T | PromiseLike<T>) | undefined;
  readonly name: string;
  readonly clock: Clock;
  /** Random source in [0, 1) that picks the calls. @defaultValue Math.random */
  readonly random: () => number;
}

/** Defaults of `chaos()`; `@rampart/config` builds its schema from this object. */
export const CHAOS_DEFAULTS = {
  /** @defaultValue 0 */
  rate: 0,
  /** @defaultValue false (chaos is opt-in: nothing is injected until switched on) */
  enabled: false,
} as const satisfies Partial<ChaosOptions>;
