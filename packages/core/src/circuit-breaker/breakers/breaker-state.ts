import type { BreakerSpec } from '../options.js';

/** Why a breaker wants the circuit open. */
export type OpenReason = 'failure_threshold' | 'slow_call_threshold';

/**
 * The live counts of one breaker algorithm while the circuit is closed. `now` is the
 * clock's time (only the sampling breaker uses it). Recording a call allocates nothing.
 */
export interface BreakerState {
  readonly spec: BreakerSpec;
  /** Counts one finished call: a failure or a success, slow or not. */
  record(failure: boolean, slow: boolean, now: number): void;
  /** Whether the counts now call for opening the circuit, and why (failures win over slowness). */
  shouldOpen(now: number): OpenReason | undefined;
  /** Failures the breaker counts (in its window, or in a row). */
  failures(now: number): number;
  /** Successes the breaker counts (in its window, or in a row). */
  successes(now: number): number;
  /** Failures over calls in the window (consecutive: failures in a row / threshold), 0 when empty. */
  failureRatio(now: number): number;
  /** Slow calls over calls in the window (0 for consecutive breakers), 0 when empty. */
  slowCallRatio(now: number): number;
  /** Forgets every call. */
  reset(): void;
  /**
   * Adopts a new spec of the same kind, keeping the recorded calls where the window's
   * shape allows it. Returns false when it cannot (another kind, or another time
   * window): the caller then starts a new state.
   */
  reconfigure(spec: BreakerSpec): boolean;
}
