import {
  attemptsOf,
  BrokenCircuitError,
  BulkheadRejectedError,
  backoff,
  breakers,
  bulkhead,
  type CallContext,
  circuitBreaker,
  defaultRetryOn,
  fallback,
  isAbortError,
  isRejection,
  type Pipeline,
  RateLimitedError,
  type Registry,
  rateLimit,
  retry,
  TimeoutError,
  type TimerHandle,
  timeout,
} from '@rampart/core';
import type { TestClock } from '@rampart/core/testing';
import { abortListeners } from '../support/leaks.js';
import type { SeededRandom } from '../support/random.js';
import { Tally } from './tally.js';

/** A failure the dependency may recover from: retried. */
export class TransientError extends Error {
  constructor() {
    super('dependency failed; try again');
    this.name = 'TransientError';
  }
}

/** A failure no retry can fix (a bad request): not retried, but it counts against the circuit. */
export class FatalError extends Error {
  constructor() {
    super('dependency refused the request');
    this.name = 'FatalError';
  }
}

/** What the fallback answers with: a marker carrying the error it replaced. */
export class Served {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** What a successful attempt answers: the attempt that produced it. */
interface Answer {
  readonly attempt: number;
}

export type PipelineName = 'checkout' | 'search';

/**
 * How one invocation of the protected function behaves:
 * - `ok`, `fail`, `fatal`: answer (or fail) after 1–20 ms, ignoring the signal (short work);
 * - `syncValue`, `syncThrow`: return a plain value, or throw, synchronously;
 * - `slow`: answer after 60–160 ms, honouring the signal (often past the timeout);
 * - `hangHonour`: never answer; reject with the signal's reason when it aborts;
 * - `hangIgnore`: ignore the signal and answer (or fail) after 300–600 ms.
 */
type Behaviour = 'ok' | 'fail' | 'fatal' | 'syncValue' | 'syncThrow' | 'slow' | 'hangHonour' | 'hangIgnore';

type Phase = 'normal' | 'degraded' | 'outage';

const MIX: Readonly<Record<Phase, Readonly<Record<Behaviour, number>>>> = {
  normal: {
    ok: 80,
    syncValue: 5,
    syncThrow: 1,
    fail: 5,
    fatal: 1,
    slow: 5,
    hangHonour: 1.5,
    hangIgnore: 1.5,
  },
  degraded: {
    ok: 40,
    syncValue: 3,
    syncThrow: 2,
    fail: 20,
    fatal: 3,
    slow: 20,
    hangHonour: 6,
    hangIgnore: 6,
  },
  outage: { ok: 12, syncValue: 2, syncThrow: 6, fail: 45, fatal: 5, slow: 5, hangHonour: 15, hangIgnore: 10 },
};

/** Batches per phase cycle: mostly normal traffic, then a degradation, then an outage. */
const CYCLE: readonly Phase[] = [
  ...Array<Phase>(14).fill('normal'),
  'degraded',
  'degraded',
  'degraded',
  'outage',
  'outage',
  'outage',
];

/** Errors the fallback answers: an open circuit or a timeout. Everything else escapes. */
const fallbackHandles = (e: unknown) => e instanceof BrokenCircuitError || e instanceof TimeoutError;
/** The breakers count dependency failures, not the rejections of the limiters inside them. */
const breakerHandles = (e: unknown) => !isRejection(e);
/** Retry what may pass; a FatalError will not. */
const retryOn = (e: unknown) => defaultRetryOn(e) && !(e instanceof FatalError);

/** Per pipeline: its timeout and strategy, and attempts in all (what the tally must know). */
export const SETTINGS = {
  checkout: { after: 100, cooperative: false, maxAttempts: 3 },
  search: { after: 80, cooperative: true, maxAttempts: 2 },
} as const;

/**
 * The full instrumented pipelines of the soak, in a registry:
 * - `checkout`: fallback > rate limiter > count breaker > retry (3, exponential, equal
 *   jitter) > aggressive timeout > bulkhead with a queue;
 * - `search`: fallback > sampling breaker (backoff openFor) > retry (2, constant) >
 *   cooperative timeout > bulkhead without a queue.
 *
 * Every queue wait is shorter than the timeout around it, so an attempt that is retried or
 * timed out has always reached the function: the workload sees every retried error and every
 * timeout. Policy delays and durations fall on a 0.5 ms grid and caller aborts at a quarter
 * past it, so that no abort happens at the very instant something else does: the tally can
 * tell, by times alone, what an abort cut short.
 */
export function soakPipelines(
  registry: Registry,
  clock: TestClock,
): Readonly<Record<PipelineName, Pipeline>> {
  const checkout = registry.pipeline(
    'checkout',
    [
      fallback({ fn: (error) => new Served(error), handles: fallbackHandles, clock }),
      rateLimit({ rate: 2, interval: 1, burst: 20, maxWait: 5, clock }),
      circuitBreaker({
        breaker: breakers.count({ size: 40, failureRatio: 0.5, minimumCalls: 20 }),
        openFor: 150,
        halfOpen: { probes: 3, successes: 2, maxWait: 400 },
        handles: breakerHandles,
        clock,
      }),
      retry({
        maxAttempts: SETTINGS.checkout.maxAttempts,
        backoff: backoff.exponential({ initial: 8, factor: 2, max: 30, jitter: 'none' }),
        retryOn,
        clock,
      }),
      timeout({ after: SETTINGS.checkout.after, strategy: 'aggressive', clock }),
      bulkhead({ limit: 40, queue: 60, queueTimeout: 40, clock }),
    ],
    { clock },
  );
  const search = registry.pipeline(
    'search',
    [
      fallback({ fn: (error) => new Served(error), handles: fallbackHandles, clock }),
      circuitBreaker({
        breaker: breakers.sampling({ window: 500, buckets: 10, failureRatio: 0.6, minimumCalls: 30 }),
        openFor: backoff.exponential({ initial: 100, factor: 2, max: 800, jitter: 'none' }),
        halfOpen: { probes: 2, successes: 2, maxWait: 300 },
        handles: breakerHandles,
        clock,
      }),
      retry({
        maxAttempts: SETTINGS.search.maxAttempts,
        backoff: backoff.constant(15, { jitter: 'none' }),
        retryOn,
        clock,
      }),
      timeout({ after: SETTINGS.search.after, strategy: 'cooperative', clock }),
      bulkhead({ limit: 20, queue: 0, clock }),
    ],
    { clock },
  );
  return { checkout, search };
}

/** One invocation of the protected function. */
interface AttemptRecord {
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly start: number;
  /** When the function ended; undefined while it runs. */
  end: number | undefined;
  /** The function's own error type when it failed; undefined while running or after success. */
  error: string | undefined;
}

/** One call, from the caller's side. Dropped once the call is tallied. */
interface CallRecord {
  readonly pipeline: PipelineName;
  readonly controller: AbortController | undefined;
  readonly attempts: AttemptRecord[];
  start: number;
  /** When the caller aborted (a timer of the workload), if it did. */
  abortedAt: number | undefined;
  abortTimer: TimerHandle | undefined;
  abortTimerSet: boolean;
}

/** The type a metric reports for an error: its `name` (our errors and DOMException set one). */
export function typeOf(error: unknown): string {
  return (error as { name: string }).name;
}

/**
 * Drives seeded calls through the soak pipelines in concurrent batches on a `TestClock`, and
 * tallies, from what the callers and the function themselves see, what every metric must say.
 */
export class SoakWorkload {
  readonly tally = new Tally();
  readonly #clock: TestClock;
  readonly #random: SeededRandom;
  readonly #pipelines: Readonly<Record<PipelineName, Pipeline>>;
  /** Calls started and not yet settled. */
  unsettled = 0;
  /** Function invocations still running (ignored-signal work may outlive its call). */
  running = 0;
  /** Abort listeners found on a signal after everything that used it was done. */
  leakedListeners = 0;
  /** Signals checked for left-over abort listeners. */
  signalsChecked = 0;
  /** Calls that rejected with something that is not an error we know (must stay 0). */
  readonly unexpected: unknown[] = [];
  #phase: Phase = 'normal';

  constructor(clock: TestClock, random: SeededRandom, soak: Readonly<Record<PipelineName, Pipeline>>) {
    this.#clock = clock;
    this.#random = random;
    this.#pipelines = soak;
  }

  /** Starts `size` calls over the next 50 ms, in the phase of batch number `index`. */
  startBatch(index: number, size: number): void {
    this.#phase = CYCLE[index % CYCLE.length]!;
    for (let i = 0; i < size; i++) {
      const pipeline: PipelineName = this.#random.chance(0.65) ? 'checkout' : 'search';
      const offset = this.#random.int(0, 49);
      this.unsettled++;
      this.#clock.setTimeout(() => this.#start(pipeline), offset);
    }
  }

  #start(pipeline: PipelineName): void {
    const random = this.#random;
    const clock = this.#clock;
    const abortPlan = random.weighted({ none: 945, later: 50, before: 5 });
    const withSignal = abortPlan !== 'none' || random.chance(0.5);
    const record: CallRecord = {
      pipeline,
      controller: withSignal ? new AbortController() : undefined,
      attempts: [],
      start: clock.now(),
      abortedAt: undefined,
      abortTimer: undefined,
      abortTimerSet: false,
    };
    if (abortPlan === 'before') record.controller!.abort();
    if (abortPlan === 'later') {
      record.abortTimerSet = true;
      // A quarter past the 0.5 ms grid: never at the instant of another event.
      record.abortTimer = clock.setTimeout(() => this.#abort(record), random.int(1, 250) + 0.25);
    }
    this.tally.callStarted(pipeline);
    this.#pipelines[pipeline]
      .execute((ctx) => this.#invoke(record, ctx), { signal: record.controller?.signal })
      .then(
        (value) => this.#settled(record, true, value),
        (error: unknown) => this.#settled(record, false, error),
      );
  }

  #abort(record: CallRecord): void {
    record.abortTimerSet = false;
    record.abortedAt = this.#clock.now();
    record.controller!.abort();
  }

  /** The protected function: behaves as the phase's mix says and reports how it ended. */
  #invoke(record: CallRecord, ctx: CallContext): Answer | Promise<Answer> {
    const random = this.#random;
    const behaviour = random.weighted(MIX[this.#phase]);
    const attempt: AttemptRecord = {
      attempt: ctx.attempt,
      signal: ctx.signal,
      start: this.#clock.now(),
      end: undefined,
      error: undefined,
    };
    record.attempts.push(attempt);
    this.running++;
    const start = attempt.start;
    const answer: Answer = { attempt: ctx.attempt };
    switch (behaviour) {
      case 'syncValue':
        this.#ended(record, attempt, start, undefined);
        return answer;
      case 'syncThrow': {
        const error = new TransientError();
        this.#ended(record, attempt, start, error);
        throw error;
      }
      case 'ok':
        return this.#after(record, attempt, start, random.int(1, 20), () => answer);
      case 'fail':
        return this.#after(record, attempt, start, random.int(1, 20), () => new TransientError());
      case 'fatal':
        return this.#after(record, attempt, start, random.int(1, 20), () => new FatalError());
      case 'slow':
        return this.#honouring(record, attempt, start, random.int(60, 160));
      case 'hangHonour':
        return this.#honouring(record, attempt, start, undefined);
      case 'hangIgnore': {
        const fails = random.chance(0.5);
        return this.#after(record, attempt, start, random.int(300, 600), () =>
          fails ? new TransientError() : answer,
        );
      }
    }
  }

  /** Work that ignores the signal: ends after `ms` with what `result` gives (an Error fails). */
  #after(
    record: CallRecord,
    attempt: AttemptRecord,
    start: number,
    ms: number,
    result: () => Answer | Error,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      this.#clock.setTimeout(() => {
        const value = result();
        if (value instanceof Error) {
          this.#ended(record, attempt, start, value);
          reject(value);
        } else {
          this.#ended(record, attempt, start, undefined);
          resolve(value);
        }
      }, ms);
    });
  }

  /** Work that stops when its signal aborts (rejecting with the reason); `ms` undefined hangs. */
  #honouring(
    record: CallRecord,
    attempt: AttemptRecord,
    start: number,
    ms: number | undefined,
  ): Promise<Answer> {
    const signal = attempt.signal;
    return new Promise((resolve, reject) => {
      let timer: TimerHandle;
      const onAbort = () => {
        if (ms !== undefined) this.#clock.clearTimeout(timer);
        const reason: unknown = signal.reason;
        this.#ended(record, attempt, start, reason);
        reject(reason);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      if (ms !== undefined) {
        timer = this.#clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          this.#ended(record, attempt, start, undefined);
          resolve({ attempt: attempt.attempt });
        }, ms);
      }
    });
  }

  /** An invocation ended: tally the attempt, and check nothing listens to its signal any more. */
  #ended(record: CallRecord, attempt: AttemptRecord, start: number, error: unknown): void {
    this.running--;
    attempt.end = this.#clock.now();
    if (error !== undefined) attempt.error = typeOf(error);
    this.tally.attempt(record.pipeline, attempt.attempt, attempt.error, this.#clock.now() - start);
    this.#checkListeners(attempt.signal);
  }

  #checkListeners(signal: AbortSignal): void {
    this.signalsChecked++;
    if (abortListeners(signal) !== 0) this.leakedListeners++;
  }

  /** A call settled: tally what every layer must have counted for it. */
  #settled(record: CallRecord, ok: boolean, result: unknown): void {
    this.unsettled--;
    const duration = this.#clock.now() - record.start;
    if (record.abortTimerSet) {
      this.#clock.clearTimeout(record.abortTimer);
      record.abortTimerSet = false;
    }
    if (record.controller !== undefined) this.#checkListeners(record.controller.signal);
    const t = this.tally;
    const p = record.pipeline;

    // What the caller got: a value, a fallback (which shows the error it replaced), or an error.
    let error: unknown;
    if (ok && result instanceof Served) {
      error = result.error;
      // A fallback call carries no error.type; the fallback counter names what it replaced.
      t.call(p, 'fallback', undefined, duration);
      t.fallback(p, typeOf(error));
    } else if (ok) {
      t.call(p, 'success', undefined, duration);
    } else {
      error = result;
      if (!(error instanceof Error) && !(error instanceof DOMException)) this.unexpected.push(error);
      t.call(p, isRejection(error) ? 'rejected' : 'failure', typeOf(error), duration);
    }

    // Timeouts: the attempts whose signal a timeout aborted, and (cooperative) those whose
    // caller gave up first but whose work ran past the deadline all the same.
    for (const attempt of record.attempts) if (timedOut(record, attempt)) t.timeout(p);

    if (error instanceof RateLimitedError) {
      t.rateLimitRejection(p);
      return;
    }
    if (error instanceof BrokenCircuitError) {
      t.circuitCall(p, 'rejected', typeOf(error));
      return;
    }
    // Attempts the retry policy made: the answering attempt, or the count it attached to the error.
    const attempts = ok && !(result instanceof Served) ? (result as Answer).attempt : attemptsOf(error);
    // No retry attempt: the caller gave up before the call reached the breaker (rate limiter queue).
    if (attempts === undefined) return;

    const succeeded = error === undefined;
    const signal = record.controller?.signal;
    if (succeeded) t.circuitCall(p, 'success', undefined);
    else if (isAbortError(error, signal) || !breakerHandles(error)) t.circuitCall(p, 'ignored', undefined);
    else t.circuitCall(p, 'failure', typeOf(error));

    t.retryCall(p, succeeded, attempts);
    // A retry was scheduled after every attempt but the last, and after the last too when the
    // caller's abort cut the backoff short. Those attempts all reached the function.
    const retried = backoffCutShort(record, error, attempts) ? attempts : attempts - 1;
    for (let n = 1; n <= retried; n++) t.retry(p, retriedErrorType(record, n));

    if (error instanceof BulkheadRejectedError) t.bulkheadRejection(p, error.reason);
  }
}

/** Whether a timeout fired during `attempt` (it is called once the call has settled). */
function timedOut(record: CallRecord, attempt: AttemptRecord): boolean {
  const { signal } = attempt;
  if (signal.aborted && signal.reason instanceof TimeoutError) return true;
  // A cooperative timeout still waits when the caller aborts, and fires if the work runs on.
  const { after, cooperative } = SETTINGS[record.pipeline];
  const deadline = attempt.start + after;
  return (
    cooperative &&
    record.abortedAt !== undefined &&
    record.abortedAt < deadline &&
    attempt.end !== undefined &&
    attempt.end > deadline
  );
}

/**
 * Whether the caller's abort came while the retry policy waited out a backoff after the last
 * attempt: the call then ends with the abort, and that last attempt had failed, retryably,
 * before it (an abort never falls on the instant of another event, so times decide).
 */
function backoffCutShort(record: CallRecord, error: unknown, attempts: number): boolean {
  const at = record.abortedAt;
  const { maxAttempts, cooperative } = SETTINGS[record.pipeline];
  if (at === undefined || error !== record.controller?.signal.reason || attempts >= maxAttempts) return false;
  const last = record.attempts.find((a) => a.attempt === attempts);
  if (last === undefined) return false;
  // The abort reached the attempt itself: it was running, not waiting to be retried.
  if (last.signal.aborted && !(last.signal.reason instanceof TimeoutError)) return false;
  // A cooperative timeout answers only when the work ends; it must have ended before the abort.
  if (cooperative && !(last.end !== undefined && last.end < at)) return false;
  const type = retriedErrorTypeOf(last);
  return type === 'TimeoutError' || type === 'TransientError';
}

/** The error the retry policy saw from an attempt: a `TimeoutError` if its timeout fired, else its own. */
function retriedErrorTypeOf(attempt: AttemptRecord): string | undefined {
  if (attempt.signal.aborted && attempt.signal.reason instanceof TimeoutError) return 'TimeoutError';
  return attempt.error;
}

/**
 * The error the retry policy saw from attempt `n`: a `TimeoutError` when the timeout fired
 * while it ran, else the function's own error.
 */
function retriedErrorType(record: CallRecord, n: number): string {
  const attempt = record.attempts.find((a) => a.attempt === n);
  if (attempt === undefined) {
    throw new Error(
      `soak: attempt ${n} of a ${record.pipeline} call was retried but never reached the function`,
    );
  }
  if (attempt.signal.aborted && attempt.signal.reason instanceof TimeoutError) return 'TimeoutError';
  if (attempt.error === undefined) {
    throw new Error(`soak: attempt ${n} of a ${record.pipeline} call was retried but did not fail`);
  }
  return attempt.error;
}
