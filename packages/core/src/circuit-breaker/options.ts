import type { BackoffSpec } from '../backoff/options.js';
import type { Clock } from '../clock.js';
import type { CircuitState } from '../events/types.js';

/** Opens after `threshold` failures in a row. */
export interface ConsecutiveBreakerSpec {
  readonly kind: 'consecutive';
  readonly threshold: number;
}

/** Slow-call tripping, shared by the window breakers. */
export interface SlowCallSpec {
  /** A call longer than this (ms) counts as slow; Infinity disables slow-call tripping. */
  readonly slowCallDuration: number;
  /** Open when at least this ratio of the window's calls were slow (0..1]. */
  readonly slowCallRatio: number;
}

/** Opens when `failureRatio` of the last `size` calls failed (after `minimumCalls`). */
export interface CountBreakerSpec extends SlowCallSpec {
  readonly kind: 'count';
  readonly size: number;
  readonly failureRatio: number;
  readonly minimumCalls: number;
}

/** Opens when `failureRatio` of the calls in the last `window` ms failed (after `minimumCalls`). */
export interface SamplingBreakerSpec extends SlowCallSpec {
  readonly kind: 'sampling';
  readonly window: number;
  /** Buckets the window is divided into (resolution of the sliding window). */
  readonly buckets: number;
  readonly failureRatio: number;
  readonly minimumCalls: number;
}

export type BreakerSpec = ConsecutiveBreakerSpec | CountBreakerSpec | SamplingBreakerSpec;

export type BreakerKind = BreakerSpec['kind'];

export interface HalfOpenOptions {
  /** Calls let through at once while half-open. */
  readonly probes: number;
  /** Successful probes needed to close. */
  readonly successes: number;
  /** A probe running longer than this (ms) re-opens the circuit. */
  readonly maxWait: number;
}

/** What `toJSON()` returns and `initialState` restores. */
export interface CircuitBreakerPersistedState {
  readonly state: CircuitState;
  /** Wall-clock ms when the circuit opened (for open/half-open). */
  readonly openedAt: number | undefined;
  /** How many times it re-opened in a row (drives a backoff `openFor`). */
  readonly reopenCount: number;
}

export interface CircuitBreakerOptions<T = unknown> {
  readonly breaker: BreakerSpec;
  /** How long the circuit stays open before a probe: a duration (ms) or a backoff over re-openings. */
  readonly openFor: number | BackoffSpec;
  readonly halfOpen: HalfOpenOptions;
  /** Which errors count as failures; others pass through uncounted ("ignored"). */
  readonly handles: (error: unknown) => boolean;
  /** Which results count as failures. */
  readonly handlesResult: ((result: T) => boolean) | undefined;
  readonly initialState: CircuitBreakerPersistedState | undefined;
  readonly name: string;
  readonly clock: Clock;
}

/** Defaults of `circuitBreaker()` and its breakers; `@rampart/config` builds its schema from this object. */
export const CIRCUIT_BREAKER_DEFAULTS = {
  /** @defaultValue 'consecutive' */
  breakerKind: 'consecutive',
  /** @defaultValue 5 (consecutive failures) */
  threshold: 5,
  /** @defaultValue 100 (calls, count breaker) */
  size: 100,
  /** @defaultValue 60_000 (ms, sampling breaker) */
  window: 60_000,
  /** @defaultValue 10 (sampling breaker) */
  buckets: 10,
  /** @defaultValue 0.5 */
  failureRatio: 0.5,
  /** @defaultValue 20 */
  minimumCalls: 20,
  /** @defaultValue Infinity (ms: slow-call tripping off) */
  slowCallDuration: Number.POSITIVE_INFINITY,
  /** @defaultValue 1 */
  slowCallRatio: 1,
  /** @defaultValue 30_000 (ms) */
  openFor: 30_000,
  halfOpen: {
    /** @defaultValue 1 */
    probes: 1,
    /** @defaultValue 1 */
    successes: 1,
    /** @defaultValue 30_000 (ms) */
    maxWait: 30_000,
  },
} as const;
