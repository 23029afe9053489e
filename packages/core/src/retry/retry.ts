import { backoff, backoffDelay, validateBackoff } from '../backoff/backoff.js';
import { type BackoffSpec, MAX_TIMER_DELAY } from '../backoff/options.js';
import { type Clock, systemClock } from '../clock.js';
import { isAbortError, isRejection } from '../errors.js';
import { type Frame, runStage, STAGE, type Stage } from '../internal/frame.js';
import { abortReason } from '../internal/signals.js';
import { checkFunction, checkName, checkNumber, checkObject } from '../internal/validate.js';
import type { RetryBudget, RetryBudgetSnapshot } from '../retry-budget/options.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import { recordAttempts } from './attempts.js';
import { RETRY_DEFAULTS, type RetryOptions, type RetryTunableOptions } from './options.js';
import { retryAfterOf } from './retry-after.js';
import { sleep } from './sleep.js';

const WHERE = 'retry';
const KNOWN = [
  'maxAttempts',
  'backoff',
  'retryOn',
  'retryOnResult',
  'maxDelay',
  'budget',
  'name',
  'clock',
  'random',
] as const;
const TUNABLE = ['maxAttempts', 'backoff', 'maxDelay', 'retryOn', 'retryOnResult'] as const;

/** Live state of a retry policy. */
export interface RetrySnapshot {
  readonly maxAttempts: number;
  readonly backoff: BackoffSpec;
  readonly maxDelay: number;
  /** Calls waiting between two attempts right now. */
  readonly waiting: number;
  /** The shared budget's counts, when the policy has one. */
  readonly budget: RetryBudgetSnapshot | undefined;
}

export type RetryPolicy<T = unknown> = Policy<'retry', RetrySnapshot, RetryTunableOptions<T>>;

/**
 * The default `retryOn`: every error except aborts (an `AbortError`: somebody gave up on
 * purpose) and rejections by other policies (open circuit, full bulkhead, rate limit), which
 * a retry at once would only add load to. Compose it: `(e) => defaultRetryOn(e) && isTransient(e)`.
 */
export function defaultRetryOn(error: unknown): boolean {
  return !isRejection(error) && !isAbortError(error);
}

type Predicate = (value: unknown) => boolean;

const DEFAULT_BACKOFF = backoff.exponential();

/**
 * Runs the inner layers again when they fail, up to `maxAttempts` attempts in all, waiting
 * a backoff delay (or the `Retry-After` the failure asked for) between attempts. The
 * caller's abort ends a wait at once and is never retried. The error that escapes is the
 * last attempt's own error, unwrapped; `attemptsOf(error)` tells how many attempts were made.
 *
 * @example
 * retry({ maxAttempts: 4, backoff: backoff.exponential({ initial: 100, max: 2_000 }) })
 * retry({ retryOn: isTransient, retryOnResult: (r: Response) => r.status === 503, budget })
 */
export function retry<T = unknown>(options: Partial<RetryOptions<T>> = {}): RetryPolicy<T> {
  checkObject(WHERE, options, KNOWN);
  return new Retry<T>(options);
}

class Retry<T> implements RetryPolicy<T>, Stage {
  readonly kind = 'retry' as const;
  readonly name: string;
  readonly marks = 0;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #budget: RetryBudget | undefined;
  #maxAttempts: number;
  #backoff: BackoffSpec;
  #maxDelay: number;
  #retryOn: Predicate;
  #retryOnResult: Predicate | undefined;
  #waiting = 0;

  constructor(options: Partial<RetryOptions<T>>) {
    this.name = checkName(WHERE, options.name, 'retry');
    this.#clock = options.clock ?? systemClock;
    this.#random =
      options.random === undefined ? Math.random : checkFunction(WHERE, 'random', options.random);
    this.#budget = checkBudget(options.budget);
    this.#maxAttempts = checkMaxAttempts(options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts);
    this.#backoff =
      options.backoff === undefined ? DEFAULT_BACKOFF : validateBackoff(options.backoff, WHERE, 'backoff');
    this.#maxDelay = checkMaxDelay(options.maxDelay ?? RETRY_DEFAULTS.maxDelay);
    this.#retryOn =
      options.retryOn === undefined ? defaultRetryOn : checkFunction(WHERE, 'retryOn', options.retryOn);
    this.#retryOnResult =
      options.retryOnResult === undefined
        ? undefined
        : checkFunction(WHERE, 'retryOnResult', options.retryOnResult);
    checkEndless(this.#maxAttempts, this.#backoff, this.#maxDelay, this.#budget);
  }

  snapshot(): RetrySnapshot {
    return {
      maxAttempts: this.#maxAttempts,
      backoff: this.#backoff,
      maxDelay: this.#maxDelay,
      waiting: this.#waiting,
      budget: this.#budget?.snapshot(),
    };
  }

  /**
   * Changes options at run time; calls in flight use them from their next decision on.
   * Giving `retryOn` or `retryOnResult` as `undefined` restores its default.
   */
  configure(options: Partial<RetryTunableOptions<T>>): void {
    checkObject(WHERE, options, TUNABLE);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const maxAttempts =
      options.maxAttempts === undefined ? this.#maxAttempts : checkMaxAttempts(options.maxAttempts);
    const spec =
      options.backoff === undefined ? this.#backoff : validateBackoff(options.backoff, WHERE, 'backoff');
    const maxDelay = options.maxDelay === undefined ? this.#maxDelay : checkMaxDelay(options.maxDelay);
    const retryOn = !('retryOn' in options)
      ? this.#retryOn
      : options.retryOn === undefined
        ? defaultRetryOn
        : checkFunction<Predicate>(WHERE, 'retryOn', options.retryOn);
    const retryOnResult = !('retryOnResult' in options)
      ? this.#retryOnResult
      : options.retryOnResult === undefined
        ? undefined
        : checkFunction<Predicate>(WHERE, 'retryOnResult', options.retryOnResult);
    checkEndless(maxAttempts, spec, maxDelay, this.#budget);
    this.#maxAttempts = maxAttempts;
    this.#backoff = spec;
    this.#maxDelay = maxDelay;
    this.#retryOn = retryOn;
    this.#retryOnResult = retryOnResult;
  }

  /** A pipeline runs the policy as a stage (see internal/frame.ts); this is for other callers. */
  execute<R>(next: Next<R>, ctx: PolicyContext): Promise<Outcome<R>> {
    return runStage(this, next, ctx);
  }

  get [STAGE](): Stage {
    return this;
  }

  /** Before the first attempt: count it against the budget. */
  enter(): undefined {
    const budget = this.#budget;
    if (budget !== undefined) budget.recordAttempt();
    return undefined;
  }

  /** With the first attempt's outcome: done, or on to the retries (which run `frame.inner(at)`). */
  exit(frame: Frame, first: Outcome<unknown>, at: number): Outcome<unknown> | Promise<Outcome<unknown>> {
    // The common case, a first attempt that succeeds, allocates nothing and reads no clock.
    if (first.ok && this.#retryOnResult === undefined) {
      const pipeline = frame.call.pipeline;
      if (pipeline.listening) this.#emitDone(frame, 1, first, frame.now(pipeline.clock));
      return first;
    }
    return this.#retrying(frame.inner(at), frame, first);
  }

  async #retrying<R>(next: Next<R>, ctx: PolicyContext, first: Outcome<R>): Promise<Outcome<R>> {
    const signal = ctx.signal;
    let outcome = first;
    let attempt = 1;
    let previousDelay: number | undefined;
    for (;;) {
      let delay: number;
      try {
        // A call marked `idempotent: false` (a POST that must not be repeated) is never retried.
        if (
          ctx.call.idempotent === false ||
          !this.#shouldRetry(outcome, signal) ||
          attempt >= this.#maxAttempts
        ) {
          break;
        }
        const backoffMs = backoffDelay(this.#backoff, attempt, previousDelay, this.#random);
        previousDelay = backoffMs;
        delay = this.#delayFor(backoffMs, outcome);
      } catch (error) {
        // A user predicate (or a header getter) threw: that is the call's failure now.
        outcome = { ok: false, error };
        break;
      }
      if (this.#budget !== undefined && !this.#budget.tryRetry()) {
        // The event names the attempt that was skipped, as the hedge policy's does.
        this.#emitExhausted(ctx, attempt + 1);
        break;
      }
      this.#emitRetry(ctx, attempt, delay, outcome);
      this.#waiting++;
      const slept = delay > 0 ? await sleep(this.#clock, delay, signal) : !signal.aborted;
      this.#waiting--;
      if (!slept) {
        // The caller gave up while we waited: end now, with the caller's reason.
        outcome = { ok: false, error: abortReason(signal) };
        break;
      }
      attempt++;
      outcome = await next({ signal, attempt, key: ctx.key, call: ctx.call });
    }
    if (!outcome.ok) recordAttempts(outcome.error, attempt);
    const pipeline = ctx.call.pipeline;
    if (pipeline.listening) this.#emitDone(ctx, attempt, outcome, pipeline.clock.now());
    return outcome;
  }

  #shouldRetry(outcome: Outcome<unknown>, signal: AbortSignal): boolean {
    // Once the caller has aborted nothing is retried, and no predicate is asked about it.
    if (signal.aborted) return false;
    if (outcome.ok) {
      const onResult = this.#retryOnResult;
      return onResult !== undefined && !!onResult(outcome.value);
    }
    return !!this.#retryOn(outcome.error);
  }

  /** `min(maxDelay, max(backoff, Retry-After))`. */
  #delayFor(backoffMs: number, outcome: Outcome<unknown>): number {
    const carrier = outcome.ok ? outcome.value : outcome.error;
    // Only objects can carry a Retry-After; skip the clock read for anything else.
    const retryAfter =
      typeof carrier === 'object' && carrier !== null ? retryAfterOf(carrier, this.#clock.now()) : undefined;
    const delay = retryAfter === undefined || retryAfter < backoffMs ? backoffMs : retryAfter;
    return Math.min(delay, this.#maxDelay);
  }

  #emitRetry(ctx: PolicyContext, attempt: number, delay: number, outcome: Outcome<unknown>): void {
    const pipeline = ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'retry',
      pipeline: pipeline.name,
      policy: 'retry',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      attempt,
      delay,
      error: outcome.ok ? undefined : outcome.error,
    });
  }

  #emitDone(ctx: PolicyContext, attempts: number, outcome: Outcome<unknown>, time: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.reportRetryDone(
      this.name,
      ctx.key,
      time,
      attempts,
      outcome.ok,
      outcome.ok ? undefined : outcome.error,
    );
  }

  #emitExhausted(ctx: PolicyContext, attempt: number): void {
    const pipeline = ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'budget.exhausted',
      pipeline: pipeline.name,
      policy: 'retry',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      attempt,
    });
  }
}

function checkMaxAttempts(value: unknown): number {
  return checkNumber(WHERE, 'maxAttempts', value, { min: 1, integer: true, allowInfinity: true });
}

/**
 * Endless retries must wait between attempts. A retry that does not wait goes on without
 * giving timers a turn, so a call that keeps failing at once would spin forever: the caller's
 * abort, which a timer or I/O brings, could never arrive. (A budget ends such a loop itself.)
 */
function checkEndless(
  maxAttempts: number,
  spec: BackoffSpec,
  maxDelay: number,
  budget: RetryBudget | undefined,
): void {
  if (maxAttempts !== Number.POSITIVE_INFINITY || budget !== undefined) return;
  const neverWaits =
    maxDelay === 0 ||
    spec.max === 0 ||
    (spec.initial === 0 && (spec.kind !== 'linear' || spec.factor === 0 || spec.jitter === 'decorrelated'));
  if (neverWaits) {
    throw new RangeError(
      `${WHERE}: maxAttempts Infinity needs a backoff that waits (backoff.initial and maxDelay > 0) or a budget; without a wait a call that keeps failing retries in a loop no abort can reach`,
    );
  }
}

function checkMaxDelay(value: unknown): number {
  // Timers wait at most 2^31 - 1 ms; a longer one would fire at once.
  return checkNumber(WHERE, 'maxDelay (ms)', value, { max: MAX_TIMER_DELAY });
}

function checkBudget(value: unknown): RetryBudget | undefined {
  if (value === undefined) return undefined;
  const b = value as Partial<RetryBudget> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    typeof b.recordAttempt !== 'function' ||
    typeof b.tryRetry !== 'function' ||
    typeof b.snapshot !== 'function'
  ) {
    throw new TypeError(
      `${WHERE}: budget must be a retry budget (create one with retryBudget()), got ${b === null ? 'null' : typeof b}`,
    );
  }
  return b as RetryBudget;
}
