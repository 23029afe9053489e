import { type Clock, systemClock } from '../clock.js';
import { checkDuration, checkNumber, checkObject } from '../internal/validate.js';
import {
  RETRY_BUDGET_DEFAULTS,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
} from './options.js';

const WHERE = 'retryBudget';
const KNOWN = ['ratio', 'window', 'minPerSecond', 'buckets', 'clock'] as const;
const TUNABLE = ['ratio', 'window', 'minPerSecond', 'buckets'] as const;
const MAX_BUCKETS = 1_000;

/**
 * Guards the comparison against floating-point dust (0.1 × 3 = 0.30000000000000004): a
 * limit that is mathematically a whole number must grant exactly that many retries.
 */
const EPSILON = 1e-9;

/** The largest number of extra attempts allowed in a window holding `attempts` first attempts. */
function budgetLimit(ratio: number, minPerSecond: number, window: number, attempts: number): number {
  return ratio * attempts + (minPerSecond * window) / 1000;
}

/**
 * A retry budget: caps retries (and hedges) at `ratio` of the first attempts seen in a
 * sliding `window`, plus a floor of `minPerSecond` so that a quiet service can still retry.
 * Share one budget among every retry and hedge policy that calls the same dependency: when
 * the dependency fails for everybody, the extra load stays bounded instead of multiplying
 * the traffic by `maxAttempts` (a retry storm).
 *
 * @example
 * const budget = retryBudget({ ratio: 0.1 });
 * const a = pipeline('a', [retry({ budget })]);
 * const b = pipeline('b', [retry({ budget }), hedge({ delay: 50, budget })]);
 */
export function retryBudget(options: Partial<RetryBudgetOptions> = {}): RetryBudget {
  checkObject(WHERE, options, KNOWN);
  return new SlidingRetryBudget(options);
}

interface Settings {
  readonly ratio: number;
  readonly window: number;
  readonly minPerSecond: number;
  readonly buckets: number;
}

function checkSettings(options: Partial<RetryBudgetOptions>, current: Settings): Settings {
  const ratio =
    options.ratio === undefined ? current.ratio : checkNumber(WHERE, 'ratio', options.ratio, { max: 1_000 });
  const window =
    options.window === undefined
      ? current.window
      : checkDuration(WHERE, 'window', options.window, { min: 1 });
  const minPerSecond =
    options.minPerSecond === undefined
      ? current.minPerSecond
      : checkNumber(WHERE, 'minPerSecond', options.minPerSecond, { max: 1_000_000 });
  const buckets =
    options.buckets === undefined
      ? current.buckets
      : checkNumber(WHERE, 'buckets', options.buckets, { min: 1, max: MAX_BUCKETS, integer: true });
  if (window / buckets < 1) {
    throw new RangeError(
      `${WHERE}: window (ms) / buckets must be >= 1 ms, got window ${window} and buckets ${buckets}; use fewer buckets`,
    );
  }
  return { ratio, window, minPerSecond, buckets };
}

/**
 * The window is a ring of fixed buckets, each `window / buckets` ms wide, holding counts of
 * first attempts, granted and refused extra attempts; running sums make every operation
 * O(1) and no call allocates anything. Stale buckets are zeroed lazily, when time has moved
 * past them, so an idle budget costs no timer.
 */
class SlidingRetryBudget implements RetryBudget {
  readonly #clock: Clock;
  #settings: Settings;
  #width: number;
  #attempts: Float64Array;
  #retries: Float64Array;
  #refused: Float64Array;
  /** Number of the bucket (time / width) that the head slot holds. */
  #head: number;
  #slot = 0;
  #attemptSum = 0;
  #retrySum = 0;
  #refusedSum = 0;

  constructor(options: Partial<RetryBudgetOptions>) {
    this.#clock = options.clock ?? systemClock;
    this.#settings = checkSettings(options, RETRY_BUDGET_DEFAULTS);
    const { window, buckets } = this.#settings;
    this.#width = window / buckets;
    this.#attempts = new Float64Array(buckets);
    this.#retries = new Float64Array(buckets);
    this.#refused = new Float64Array(buckets);
    this.#head = Math.floor(this.#clock.now() / this.#width);
  }

  recordAttempt(): void {
    this.#attempts[this.#advance()]! += 1;
    this.#attemptSum += 1;
  }

  tryRetry(): boolean {
    const slot = this.#advance();
    const { ratio, minPerSecond, window } = this.#settings;
    if (this.#retrySum + 1 <= budgetLimit(ratio, minPerSecond, window, this.#attemptSum) + EPSILON) {
      this.#retries[slot]! += 1;
      this.#retrySum += 1;
      return true;
    }
    this.#refused[slot]! += 1;
    this.#refusedSum += 1;
    return false;
  }

  snapshot(): RetryBudgetSnapshot {
    this.#advance();
    const { ratio, minPerSecond, window } = this.#settings;
    const limit = budgetLimit(ratio, minPerSecond, window, this.#attemptSum);
    return {
      attempts: this.#attemptSum,
      retries: this.#retrySum,
      available: Math.max(0, Math.floor(limit + EPSILON - this.#retrySum)),
      exhausted: this.#refusedSum,
    };
  }

  configure(options: Partial<Omit<RetryBudgetOptions, 'clock'>>): void {
    checkObject(WHERE, options, TUNABLE);
    const next = checkSettings(options, this.#settings);
    const reshaped = next.window !== this.#settings.window || next.buckets !== this.#settings.buckets;
    this.#settings = next;
    if (!reshaped) return;
    // A new bucket width cannot redistribute past counts exactly; keeping them all in the
    // current bucket keeps them counted for one more full window (errs toward fewer retries).
    this.#width = next.window / next.buckets;
    this.#attempts = new Float64Array(next.buckets);
    this.#retries = new Float64Array(next.buckets);
    this.#refused = new Float64Array(next.buckets);
    this.#head = Math.floor(this.#clock.now() / this.#width);
    this.#slot = 0;
    this.#attempts[0] = this.#attemptSum;
    this.#retries[0] = this.#retrySum;
    this.#refused[0] = this.#refusedSum;
  }

  /** Moves the window to the current time, zeroing the buckets it leaves; returns the head slot. */
  #advance(): number {
    const bucket = Math.floor(this.#clock.now() / this.#width);
    const steps = bucket - this.#head;
    // A clock that went backwards keeps the current bucket rather than rewriting history.
    if (!(steps > 0)) return this.#slot;
    const size = this.#attempts.length;
    if (steps >= size) {
      this.#attempts.fill(0);
      this.#retries.fill(0);
      this.#refused.fill(0);
      this.#attemptSum = 0;
      this.#retrySum = 0;
      this.#refusedSum = 0;
      this.#slot = 0;
    } else {
      let slot = this.#slot;
      for (let i = 0; i < steps; i++) {
        slot = slot + 1 === size ? 0 : slot + 1;
        this.#attemptSum -= this.#attempts[slot]!;
        this.#retrySum -= this.#retries[slot]!;
        this.#refusedSum -= this.#refused[slot]!;
        this.#attempts[slot] = 0;
        this.#retries[slot] = 0;
        this.#refused[slot] = 0;
      }
      this.#slot = slot;
    }
    this.#head = bucket;
    return this.#slot;
  }
}
