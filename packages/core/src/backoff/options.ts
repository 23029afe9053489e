/** How a delay is randomised. `none` keeps the exact formula; see docs/retry.md for the others. */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

export type BackoffKind = 'constant' | 'linear' | 'exponential' | 'fibonacci';

export const BACKOFF_KINDS: readonly BackoffKind[] = ['constant', 'linear', 'exponential', 'fibonacci'];

/**
 * A backoff is plain data (serialisable, comparable, and what `@rampart/config` produces);
 * `backoffDelay()` turns it into the delay before retry n. All durations in ms.
 */
export interface BackoffSpec {
  readonly kind: BackoffKind;
  /** First delay (constant: every delay). */
  readonly initial: number;
  /** Growth per retry: the factor (exponential) or the added step in ms (linear); unused otherwise. */
  readonly factor: number;
  /** Cap on every delay, jitter included. */
  readonly max: number;
  readonly jitter: Jitter;
}

/**
 * Defaults for each backoff kind.
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
  /** @defaultValue 'full' */
  jitter: 'full',
} as const satisfies BackoffSpec;
