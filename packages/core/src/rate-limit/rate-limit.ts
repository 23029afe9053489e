import { type Clock, systemClock, type TimerHandle } from '../clock.js';
import { RateLimitedError } from '../errors.js';
import { abortReason, NEVER_ABORTED } from '../internal/signals.js';
import { checkDuration, checkName, checkNumber, checkObject } from '../internal/validate.js';
import { type WaitNode, WaitQueue } from '../internal/wait-queue.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import { RATE_LIMIT_DEFAULTS, type RateLimitOptions, type RateLimitSettings } from './options.js';

const WHERE = 'rateLimit';
const KNOWN = ['rate', 'interval', 'burst', 'maxWait', 'name', 'clock'] as const;
const SETTINGS = ['rate', 'interval', 'burst', 'maxWait'] as const;

/**
 * Token counts are fractions computed from elapsed time; this much rounding error still
 * counts as a whole token, so that a wake-up timer that fires exactly on time admits its call.
 */
const EPSILON = 1e-9;

/** The shortest wake-up timer (ms): rounding can leave a hair short of a token, and 0 would spin. */
const MIN_WAKE_MS = 1;

/** Live state of a rate limiter (the OpenTelemetry adapter reads `tokens` for its gauge). */
export interface RateLimitSnapshot {
  /** Tokens in the bucket now (a fraction while it refills), from 0 to `burst`. */
  readonly tokens: number;
  readonly burst: number;
  readonly rate: number;
  readonly interval: number;
  /** Calls waiting for a token. */
  readonly waiting: number;
}

export type RateLimitPolicy = Policy<'rate_limit', RateLimitSnapshot, RateLimitSettings>;

/** A call waiting for a token. */
interface Waiter extends WaitNode<Waiter> {
  readonly inner: Next<unknown>;
  readonly ctx: PolicyContext;
  readonly resolve: (outcome: Outcome<unknown> | Promise<Outcome<unknown>>) => void;
  /** When it started waiting (policy clock, ms). */
  readonly since: number;
  onAbort: (() => void) | undefined;
}

/**
 * A token bucket: `rate` tokens per `interval`, at most `burst` in the bucket, one per
 * call. Tokens are computed from the clock when a call arrives, so an idle or busy limiter
 * runs no timer. Without a token a call is rejected at once with `RateLimitedError`
 * (carrying `retryAfter`), or, when its token will come within `maxWait`, waits for it in
 * arrival order; only waiting calls keep one timer (for the oldest), and a waiting call
 * leaves as soon as its caller aborts.
 *
 * @example
 * rateLimit({ rate: 50, interval: 1_000 })                         // 50/s, bursts of 50, reject
 * rateLimit({ rate: 10, interval: 1_000, burst: 20, maxWait: 500 }) // wait up to 500 ms
 */
export function rateLimit(options: Partial<RateLimitOptions> = {}): RateLimitPolicy {
  return new RateLimiter(checkObject(WHERE, options, KNOWN) as Partial<RateLimitOptions>);
}

/** A finite number > 0 (a rate or an interval of 0 would never refill). */
function checkPositive(option: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) return checkNumber(WHERE, option, value); // throws
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${WHERE}: ${option} must be a finite number > 0, got ${value}`);
  }
  return value;
}

const checkRate = (value: unknown) => checkPositive('rate', value);
const checkInterval = (value: unknown) => checkPositive('interval (ms)', value);
const checkBurst = (value: unknown) => checkNumber(WHERE, 'burst', value, { min: 1, integer: true });
const checkMaxWait = (value: unknown) => checkDuration(WHERE, 'maxWait', value, { allowInfinity: true });

class RateLimiter implements RateLimitPolicy {
  readonly kind = 'rate_limit' as const;
  readonly name: string;
  readonly #clock: Clock;
  #rate: number;
  #interval: number;
  #burst: number;
  #maxWait: number;
  /** Tokens at `#refilledAt`; never negative, never above `#burst`. */
  #tokens: number;
  #refilledAt: number;
  /** Invariant: non-empty only while the bucket holds less than one token (as of `#refilledAt`). */
  readonly #waiting = new WaitQueue<Waiter>();
  /** The one timer that wakes the oldest waiter when its token is due. */
  #timer: TimerHandle | undefined;
  readonly #wake = () => {
    this.#timer = undefined;
    this.#admit(this.#clock.now(), true);
  };

  constructor(options: Partial<RateLimitOptions>) {
    this.name = checkName(WHERE, options.name, 'rate_limit');
    this.#clock = options.clock ?? systemClock;
    this.#rate = checkRate(options.rate ?? RATE_LIMIT_DEFAULTS.rate);
    this.#interval = checkInterval(options.interval ?? RATE_LIMIT_DEFAULTS.interval);
    this.#burst = checkBurst(options.burst ?? Math.max(1, Math.ceil(this.#rate)));
    this.#maxWait = checkMaxWait(options.maxWait ?? RATE_LIMIT_DEFAULTS.maxWait);
    this.#tokens = this.#burst;
    this.#refilledAt = this.#clock.now();
  }

  snapshot(): RateLimitSnapshot {
    return {
      tokens: this.#tokensAt(this.#clock.now()),
      burst: this.#burst,
      rate: this.#rate,
      interval: this.#interval,
      waiting: this.#waiting.size,
    };
  }

  /**
   * Tokens earned so far are kept (counted at the old rate up to now, capped by the new
   * burst). Waiting calls stay in line; one whose token would now come later than its
   * `maxWait` allows is rejected with `RateLimitedError` at once.
   */
  configure(options: Partial<RateLimitSettings>): void {
    checkObject(WHERE, options, SETTINGS);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const rate = options.rate === undefined ? this.#rate : checkRate(options.rate);
    const interval = options.interval === undefined ? this.#interval : checkInterval(options.interval);
    const burst = options.burst === undefined ? this.#burst : checkBurst(options.burst);
    const maxWait = options.maxWait === undefined ? this.#maxWait : checkMaxWait(options.maxWait);
    const now = this.#clock.now();
    this.#refill(now);
    this.#rate = rate;
    this.#interval = interval;
    this.#burst = burst;
    this.#maxWait = maxWait;
    this.#tokens = Math.min(this.#tokens, burst);
    this.#recheckWaiters(now);
    this.#admit(now, true);
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    // A caller that already gave up spends no token and is not a rejection.
    if (ctx.signal.aborted) return Promise.resolve({ ok: false, error: abortReason(ctx.signal) });
    const now = this.#clock.now();
    this.#refill(now);
    // Waiting calls come first (FIFO); the ones whose token is due go now, even if their timer is late.
    if (this.#waiting.size > 0) this.#admit(now, false);
    if (this.#waiting.size === 0 && this.#tokens >= 1 - EPSILON) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      if (ctx.call.pipeline.listening) this.#emitAcquired(ctx, 0);
      return next(ctx);
    }
    const wait = this.#waitFor(this.#waiting.size + 1);
    if (wait > this.#maxWait) {
      if (ctx.call.pipeline.listening) this.#emitRejected(ctx, wait);
      return Promise.resolve({ ok: false, error: new RateLimitedError(wait) });
    }
    return this.#enqueue(next, ctx, now) as Promise<Outcome<T>>;
  }

  /** Brings `#tokens` up to `now`. */
  #refill(now: number): void {
    // A clock that went backwards earns nothing until it catches up (never over-admit).
    if (now <= this.#refilledAt) return;
    this.#tokens = this.#tokensAt(now);
    this.#refilledAt = now;
  }

  #tokensAt(now: number): number {
    const elapsed = now - this.#refilledAt;
    if (elapsed <= 0) return this.#tokens;
    return Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / this.#interval);
  }

  /**
   * Milliseconds until the `n`-th call from now can be let in (after a refill): until the
   * bucket has earned `n` tokens, at the rate at which waiting calls can be let in.
   */
  #waitFor(n: number): number {
    const missing = n - this.#tokens;
    return missing <= EPSILON ? 0 : missing / this.#waitRate();
  }

  /**
   * Tokens per ms that waiting calls can be let in at: the rate, but no more than `burst` per
   * `MIN_WAKE_MS`. Waiting calls are let in by a timer, which fires at most once a
   * millisecond, and the bucket never holds more than `burst` (the most calls let through at
   * once); so at a rate above `burst` a millisecond, tokens earned between two wake-ups spill
   * over. Computed at the nominal rate, the waits promised to calls (and the `retryAfter` of
   * rejections) would be shorter than the calls actually wait.
   */
  #waitRate(): number {
    return Math.min(this.#rate / this.#interval, this.#burst / MIN_WAKE_MS);
  }

  #enqueue(inner: Next<unknown>, ctx: PolicyContext, now: number): Promise<Outcome<unknown>> {
    return new Promise<Outcome<unknown>>((resolve) => {
      const waiter: Waiter = {
        prev: undefined,
        next: undefined,
        queued: false,
        inner,
        ctx,
        resolve,
        since: now,
        onAbort: undefined,
      };
      this.#waiting.push(waiter);
      const signal = ctx.signal;
      if (signal !== NEVER_ABORTED) {
        waiter.onAbort = () => this.#abandon(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.#timer === undefined) this.#schedule();
    });
  }

  /**
   * Gives due tokens to the oldest waiters, then sets the timer for the next one (kept as it
   * is when nobody was admitted and the rate is unchanged, unless `reschedule`).
   */
  #admit(now: number, reschedule: boolean): void {
    this.#refill(now);
    let admitted = false;
    for (;;) {
      const waiter = this.#waiting.head;
      if (waiter === undefined || this.#tokens < 1 - EPSILON) break;
      this.#tokens = Math.max(0, this.#tokens - 1);
      this.#waiting.remove(waiter);
      this.#detach(waiter);
      admitted = true;
      if (waiter.ctx.call.pipeline.listening) this.#emitAcquired(waiter.ctx, now - waiter.since);
      try {
        waiter.resolve(waiter.inner(waiter.ctx));
      } catch (error) {
        // Inner layers never throw by contract; one that does must not strand the waiters behind it.
        waiter.resolve({ ok: false, error });
      }
    }
    if (admitted || reschedule || this.#timer === undefined) this.#schedule();
  }

  /** One timer while anybody waits, due when the oldest waiter's token is; none otherwise. */
  #schedule(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#waiting.size === 0) return;
    this.#timer = this.#clock.setTimeout(this.#wake, Math.max(MIN_WAKE_MS, this.#waitFor(1)));
  }

  /** After a re-configuration: rejects the waiters whose token now comes later than maxWait allows. */
  #recheckWaiters(now: number): void {
    let position = 0;
    for (let waiter = this.#waiting.head; waiter !== undefined; ) {
      const following = waiter.next;
      const wait = this.#waitFor(++position);
      if (now + wait > waiter.since + this.#maxWait + EPSILON) {
        position--;
        this.#waiting.remove(waiter);
        this.#detach(waiter);
        if (waiter.ctx.call.pipeline.listening) this.#emitRejected(waiter.ctx, wait);
        waiter.resolve({ ok: false, error: new RateLimitedError(wait) });
      }
      waiter = following;
    }
  }

  /** The waiter's caller aborted: it leaves the line at once. */
  #abandon(waiter: Waiter): void {
    if (!this.#waiting.remove(waiter)) return;
    this.#detach(waiter);
    if (this.#waiting.size === 0) this.#schedule(); // clears the timer
    waiter.resolve({ ok: false, error: abortReason(waiter.ctx.signal) });
  }

  #detach(waiter: Waiter): void {
    if (waiter.onAbort !== undefined) {
      waiter.ctx.signal.removeEventListener('abort', waiter.onAbort);
      waiter.onAbort = undefined;
    }
  }

  #emitAcquired(ctx: PolicyContext, waited: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.emit({
      type: 'ratelimit.acquired',
      pipeline: pipeline.name,
      policy: 'rate_limit',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      waited,
    });
  }

  #emitRejected(ctx: PolicyContext, retryAfter: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.emit({
      type: 'ratelimit.rejected',
      pipeline: pipeline.name,
      policy: 'rate_limit',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      retryAfter,
    });
  }
}
