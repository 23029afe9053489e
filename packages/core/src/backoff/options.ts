import { MAX_HOST_DELAY } from '../clock.js';

/**
 * How a delay is randomised, so that many clients that failed together do not retry
 * together. With `d` the kind's delay for this retry (already capped by `max`):
 * - `none`: `d`
 * - `full`: uniform in `[0, d)`
 * - `equal`: `d/2` + uniform in `[0, d/2)`
 * - `decorrelated` (AWS): `min(max, uniform(initial, 3 × previous delay))`; it grows by
 *   itself, so the kind only sets `initial` and `max`.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

export type BackoffKind = 'constant' | 'linear' | 'exponential' | 'fibonacci';

export const BACKOFF_KINDS: readonly BackoffKind[] = ['constant', 'linear', 'exponential', 'fibonacci'];

/**
 * A backoff is plain data (serialisable, comparable, and what `@rampart/config` produces);
 * `backoffDelay()` turns it into the delay before retry n. All durations in ms.
 *
 * Before retry n (n = 1 for the first retry), without jitter:
 * - `constant`: `initial`
 * - `linear`: `initial + factor × (n - 1)` (`factor` is the step in ms)
 * - `exponential`: `initial × factor^(n - 1)`
 * - `fibonacci`: `initial × fib(n)` with fib = 1, 1, 2, 3, 5, 8, …
 *
 * and every delay is capped by `max`.
 */
export interface BackoffSpec {
  readonly kind: BackoffKind;
  /** First delay (constant: every delay). */
  readonly initial: number;
  /** Growth per retry: the factor (exponential, >= 1) or the added step in ms (linear); 1 otherwise. */
  readonly factor: number;
  /** Cap on every delay, jitter included (>= initial). */
  readonly max: number;
  readonly jitter: Jitter;
}

/** Options of `backoff.constant(delay, options)`. */
export interface ConstantBackoffOptions {
  /** @defaultValue BACKOFF_DEFAULTS.jitter */
  readonly jitter?: Jitter;
  /** Cap, which matters only for `decorrelated` jitter. @defaultValue the delay */
  readonly max?: number;
}

/** Options of `backoff.linear()`: `initial`, `initial + step`, `initial + 2 × step`, … */
export interface LinearBackoffOptions {
  readonly initial: number;
  /** Added per retry (ms). @defaultValue initial */
  readonly step?: number;
  /** @defaultValue BACKOFF_DEFAULTS.max */
  readonly max?: number;
  /** @defaultValue BACKOFF_DEFAULTS.jitter */
  readonly jitter?: Jitter;
}

/** Options of `backoff.exponential()`: `initial`, `initial × factor`, `initial × factor²`, … */
export interface ExponentialBackoffOptions {
  /** @defaultValue BACKOFF_DEFAULTS.initial */
  readonly initial?: number;
  /** @defaultValue BACKOFF_DEFAULTS.factor */
  readonly factor?: number;
  /** @defaultValue BACKOFF_DEFAULTS.max */
  readonly max?: number;
  /** @defaultValue BACKOFF_DEFAULTS.jitter */
  readonly jitter?: Jitter;
}

/** Options of `backoff.fibonacci()`: `initial × 1, 1, 2, 3, 5, 8, …` */
export interface FibonacciBackoffOptions {
  readonly initial: number;
  /** @defaultValue BACKOFF_DEFAULTS.max */
  readonly max?: number;
  /** @defaultValue BACKOFF_DEFAULTS.jitter */
  readonly jitter?: Jitter;
}

/**
 * Defaults of a backoff, and the backoff of `retry()` when none is given
 * (`backoff.exponential()`: 200, 400, 800, … ms up to 30 s, full jitter). A field missing
 * from a plain spec given to `validateBackoff()` takes its value from here, except that
 * linear's step defaults to `initial` and constant's `max` to `initial`.
 */
export const BACKOFF_DEFAULTS = {
  /** @defaultValue 'exponential' */
  kind: 'exponential',
  /** @defaultValue 200 (ms) */
  initial: 200,
  /** @defaultValue 2 (exponential factor; for linear, the step defaults to `initial`) */
  factor: 2,
  /** @defaultValue 30_000 (ms) */
  max: 30_000,
  /** @defaultValue 'full' (for every kind: synchronised retries are what makes a storm) */
  jitter: 'full',
} as const satisfies BackoffSpec;

/**
 * The longest delay a backoff step or `maxDelay` may name (2^31 - 1 ms, about 24.8 days): the
 * longest a host timer waits in one go (a longer one would fire at once; rampart's clock waits
 * in steps instead, but no retry needs to).
 */
export const MAX_TIMER_DELAY = MAX_HOST_DELAY;
