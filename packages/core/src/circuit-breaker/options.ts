import type { BackoffSpec } from '../backoff/options.js';
import type { Clock } from '../clock.js';
import type { CircuitState } from '../events/types.js';

/** Opens after `threshold` failures in a row (a success starts the count again). */
export interface ConsecutiveBreakerSpec {
  readonly kind: 'consecutive';
  /** Failures in a row that open the circuit (an integer >= 1). */
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
  /** Calls the window remembers (the last N). */
  readonly size: number;
  /** Open when at least this ratio of the window's calls failed (0..1]. */
  readonly failureRatio: number;
  /** Calls the window must hold before a ratio may open the circuit (1..size). */
  readonly minimumCalls: number;
}

/** Opens when `failureRatio` of the calls in the last `window` ms failed (after `minimumCalls`). */
export interface SamplingBreakerSpec extends SlowCallSpec {
  readonly kind: 'sampling';
  /** Length of the time window, in ms. */
  readonly window: number;
  /** Buckets the window is divided into (resolution of the sliding window). */
  readonly buckets: number;
  /** Open when at least this ratio of the window's calls failed (0..1]. */
  readonly failureRatio: number;
  /** Calls the window must hold before a ratio may open the circuit. */
  readonly minimumCalls: number;
}

/** A breaker algorithm as plain data: built by `breakers.*` or produced by `@rampart/config`. */
export type BreakerSpec = ConsecutiveBreakerSpec | CountBreakerSpec | SamplingBreakerSpec;

export type BreakerKind = BreakerSpec['kind'];

export const BREAKER_KINDS: readonly BreakerKind[] = ['consecutive', 'count', 'sampling'];

export interface HalfOpenOptions {
  /** Calls let through at once while half-open; every other call is rejected. */
  readonly probes: number;
  /** Successful probes needed to close. */
  readonly successes: number;
  /** A probe still running this long (ms) after it started re-opens the circuit. */
  readonly maxWait: number;
}

/** What `toJSON()` returns and `initialState` restores. */
export interface CircuitBreakerPersistedState {
  readonly state: CircuitState;
  /** Clock time (wall ms with `systemClock`) when the circuit opened or was isolated; absent when closed. */
  readonly openedAt?: number | undefined;
  /** How many times it re-opened in a row straight from half-open (drives a backoff `openFor`). */
  readonly reopenCount: number;
}

/** Options of `circuitBreaker()`; every one is optional. */
export interface CircuitBreakerOptions<T = unknown> {
  /** The algorithm that decides when to open: `breakers.consecutive(n)`, `.count(…)` or `.sampling(…)`. */
  readonly breaker: BreakerSpec;
  /**
   * How long the circuit stays open before a probe: a duration (ms), or a backoff over
   * re-openings (the n-th re-opening in a row straight from half-open waits the n-th delay;
   * closing starts it over).
   */
  readonly openFor: number | BackoffSpec;
  readonly halfOpen: Partial<HalfOpenOptions>;
  /**
   * Which errors count as failures; others pass through uncounted ("ignored"). The
   * caller's own abort is never counted, whatever this says.
   */
  readonly handles: (error: unknown) => boolean;
  /** Which results count as failures (the result is still returned to the caller). */
  readonly handlesResult: ((result: T) => boolean) | undefined;
  /** A state saved by `toJSON()`, restored at construction (half-open restores as open). */
  readonly initialState: CircuitBreakerPersistedState | undefined;
  readonly name: string;
  readonly clock: Clock;
  /** Random source in [0, 1) for a jittered backoff `openFor` (inject a seeded one in tests). */
  readonly random: () => number;
}

/** What `configure()` may change at run time. */
export type CircuitBreakerSettings<T = unknown> = Pick<
  CircuitBreakerOptions<T>,
  'breaker' | 'openFor' | 'halfOpen' | 'handles' | 'handlesResult'
>;

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
  /** @defaultValue 20 (a count breaker smaller than this defaults to its size) */
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
