import { backoffDelay } from '../backoff/backoff.js';
import { type Clock, systemClock } from '../clock.js';
import { BrokenCircuitError, IsolatedCircuitError, isAbortError, namePipeline } from '../errors.js';
import type { CircuitState, CircuitTransitionReason } from '../events/types.js';
import { type Frame, runStage, STAGE, type Stage } from '../internal/frame.js';
import { runSolo, SOLO, type Solo, type SoloRunner } from '../internal/solo.js';
import { checkFunction, checkName, checkObject } from '../internal/validate.js';
import type { Next, Outcome, PipelineRuntime, Policy, PolicyContext } from '../types.js';
import { type BreakerState, createBreakerState } from './breakers/index.js';
import { errorType } from './error-type.js';
import type {
  CircuitBreakerOptions,
  CircuitBreakerPersistedState,
  CircuitBreakerSettings,
} from './options.js';
import {
  checkPersistedState,
  DEFAULT_SETTINGS,
  KNOWN_OPTIONS,
  resolveSettings,
  SETTINGS_KEYS,
  type Settings,
  WHERE,
} from './settings.js';

/** Live state of a circuit breaker, for status pages and metrics gauges. */
export interface CircuitBreakerSnapshot {
  readonly state: CircuitState;
  /** Failures the breaker counts now (in its window; consecutive: in a row). */
  readonly failures: number;
  /** Successes the breaker counts now (in its window; consecutive: in a row). */
  readonly successes: number;
  /** Failures / calls in the window (consecutive: failures in a row / threshold); 0 when empty. */
  readonly failureRatio: number;
  /** Slow calls / calls in the window (0 for consecutive breakers). */
  readonly slowCallRatio: number;
  /** The last counted failure: the error's type (`result` for a result that failed) and when. */
  readonly lastError: { readonly type: string; readonly at: number } | undefined;
  /** When the circuit opened (or was isolated); undefined while closed. */
  readonly openedAt: number | undefined;
  /** When it became half-open; undefined unless half-open. */
  readonly halfOpenAt: number | undefined;
  /** Ms until a probe may run (0 when one may run now; Infinity while isolated). */
  readonly retryAfter: number;
}

/** A circuit breaker: a policy with manual control, introspection and persistence. */
export interface CircuitBreakerPolicy<T = unknown>
  extends Policy<'circuit_breaker', CircuitBreakerSnapshot, CircuitBreakerSettings<T>> {
  /** The current state (an open circuit whose time is up reads as half-open). */
  readonly state: CircuitState;
  /** Forces the circuit open until `reset()`: every call is rejected with `IsolatedCircuitError`. */
  isolate(): void;
  /** Closes the circuit and clears its counts (ends an isolation). */
  reset(): void;
  /** The state to save, so that a restarted process can restore it through `initialState`. */
  toJSON(): CircuitBreakerPersistedState;
  /** @internal Called by each pipeline the breaker joins: where events outside a call go. */
  attach(pipeline: PipelineRuntime): void;
}

const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2;
type Verdict = typeof SUCCESS | typeof FAILURE | typeof IGNORED;
const RESULTS = ['success', 'failure', 'ignored'] as const;

/** How a call entered (kept in the frame's marks): closed and timed for slowness or not, or as a probe. */
const CLOSED = 0;
const CLOSED_TRACKED = 1;
const PROBE = 2;

const OPEN_MESSAGE = 'circuit is open';
const PROBES_BUSY_MESSAGE = 'circuit is half-open and every probe slot is taken';

/** V8 and JavaScriptCore read this when an error is made; other engines ignore it. */
const ErrorWithLimit = Error as { stackTraceLimit?: number };

/**
 * Stops calls to a dependency that keeps failing, so that it can recover and callers fail
 * fast. Closed, it counts calls with its breaker and opens when the breaker says so; open,
 * it rejects every call with `BrokenCircuitError` for `openFor`; then it lets
 * `halfOpen.probes` calls through at a time and closes after `halfOpen.successes` of them
 * succeed, or opens again at the first that fails or hangs past `halfOpen.maxWait`.
 *
 * It runs no timer: the open → half-open step happens when the next call, `state` or
 * `snapshot()` looks, at the time it was due.
 *
 * @example
 * circuitBreaker({ breaker: breakers.consecutive(5), openFor: 30_000 })
 * circuitBreaker({
 *   breaker: breakers.sampling({ window: 60_000, failureRatio: 0.5, minimumCalls: 20 }),
 *   openFor: backoff.exponential({ initial: 10_000, max: 300_000, jitter: 'equal' }),
 *   halfOpen: { probes: 3, successes: 3, maxWait: 10_000 },
 * })
 */
export function circuitBreaker<T = unknown>(
  options: Partial<CircuitBreakerOptions<T>> = {},
): CircuitBreakerPolicy<T> {
  const opts = checkObject(WHERE, options, KNOWN_OPTIONS) as Partial<CircuitBreakerOptions>;
  return new CircuitBreaker(opts) as CircuitBreakerPolicy<T>;
}

class CircuitBreaker implements CircuitBreakerPolicy<unknown>, Stage, Solo {
  readonly kind = 'circuit_breaker' as const;
  readonly name: string;
  /** Per call: the generation it started in, its start time (NaN when untimed), how it entered. */
  readonly marks = 3;
  readonly #clock: Clock;
  readonly #random: () => number;
  #settings: Settings;
  #window: BreakerState;
  /** Whether calls must be timed even when nobody listens (slow calls, or a time window). */
  #timed: boolean;

  #state: CircuitState = 'closed';
  /**
   * Bumped by every state change (and by `reset()`): a call that finishes under another
   * generation than it started in is reported, but no longer counted.
   */
  #generation = 0;
  #openedAt: number | undefined;
  /** When the open period ends (valid while open). */
  #openUntil = 0;
  #halfOpenAt: number | undefined;
  /** Re-openings in a row straight from half-open; 0 once closed. */
  #reopenCount = 0;
  /** The last open period's length (decorrelated jitter grows from it). */
  #lastOpenFor: number | undefined;
  /** Start times of the probes running in this half-open period. */
  readonly #probeStarts: number[] = [];
  #probeSuccesses = 0;
  #lastErrorType: string | undefined;
  #lastErrorAt = 0;
  /** Where events raised outside a call (isolate, reset, a lazy transition in snapshot) go. */
  #home: PipelineRuntime | undefined;

  constructor(options: Partial<CircuitBreakerOptions>) {
    this.name = checkName(WHERE, options.name, 'circuit_breaker');
    this.#clock = options.clock ?? systemClock;
    this.#random =
      options.random === undefined ? Math.random : checkFunction(WHERE, 'random', options.random);
    this.#settings = resolveSettings(options, DEFAULT_SETTINGS);
    this.#window = createBreakerState(this.#settings.breaker);
    this.#timed = needsTiming(this.#settings);
    if (options.initialState !== undefined) this.#restore(checkPersistedState(options.initialState));
  }

  attach(pipeline: PipelineRuntime): void {
    this.#home = pipeline;
  }

  get [STAGE](): Stage {
    return this;
  }

  get [SOLO](): Solo {
    return this;
  }

  get state(): CircuitState {
    this.#advance(this.#clock.now(), this.#home, undefined);
    return this.#state;
  }

  snapshot(): CircuitBreakerSnapshot {
    const now = this.#clock.now();
    this.#advance(now, this.#home, undefined);
    const w = this.#window;
    return {
      state: this.#state,
      failures: w.failures(now),
      successes: w.successes(now),
      failureRatio: w.failureRatio(now),
      slowCallRatio: w.slowCallRatio(now),
      lastError:
        this.#lastErrorType === undefined ? undefined : { type: this.#lastErrorType, at: this.#lastErrorAt },
      openedAt: this.#openedAt,
      halfOpenAt: this.#halfOpenAt,
      retryAfter: this.#retryAfter(now),
    };
  }

  toJSON(): CircuitBreakerPersistedState {
    this.#advance(this.#clock.now(), this.#home, undefined);
    return { state: this.#state, openedAt: this.#openedAt, reopenCount: this.#reopenCount };
  }

  configure(options: Partial<CircuitBreakerSettings>): void {
    checkObject(WHERE, options, SETTINGS_KEYS);
    // Everything is checked before anything changes: a bad update leaves the breaker as it was.
    const settings = resolveSettings(options, this.#settings);
    // Transitions already due happen under the settings they fell due under: a longer
    // maxWait must not rescue a probe that has already timed out.
    this.#advance(this.#clock.now(), this.#home, undefined);
    if (settings.breaker !== this.#settings.breaker && !this.#window.reconfigure(settings.breaker)) {
      this.#window = createBreakerState(settings.breaker);
    }
    this.#settings = settings;
    this.#timed = needsTiming(settings);
  }

  isolate(): void {
    const now = this.#clock.now();
    const pipeline = this.#home;
    this.#advance(now, pipeline, undefined);
    if (this.#state === 'isolated') return;
    this.#openedAt = now;
    this.#halfOpenAt = undefined;
    this.#transition('isolated', 'isolated', pipeline, undefined);
  }

  reset(): void {
    const pipeline = this.#home;
    this.#advance(this.#clock.now(), pipeline, undefined);
    this.#window.reset();
    this.#reopenCount = 0;
    this.#lastOpenFor = undefined;
    if (this.#state === 'closed') {
      // Calls already running were counted against the old counts: let them go uncounted.
      this.#generation++;
      return;
    }
    this.#openedAt = undefined;
    this.#halfOpenAt = undefined;
    this.#transition('closed', 'reset', pipeline, undefined);
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    return runStage(this, next, ctx);
  }

  /** Lets the call in (closed, or as a probe) or rejects it; notes what `exit` needs in the marks. */
  enter(frame: Frame, at: number): Outcome<unknown> | undefined {
    const pipeline = frame.call.pipeline;
    this.#home = pipeline;
    const marks = frame.marks!;
    const m = frame.markAt(at);
    if (this.#state === 'closed') {
      // Judged slow only when timed for that from its start: a call already running when
      // configure() turns slow-call tracking on is not, whether or not anyone listens.
      const tracked = this.#timed;
      marks[m] = this.#generation;
      marks[m + 1] = tracked || pipeline.listening ? frame.now(this.#clock) : Number.NaN;
      marks[m + 2] = tracked ? CLOSED_TRACKED : CLOSED;
      return undefined;
    }
    const now = frame.now(this.#clock);
    this.#advance(now, pipeline, frame.key);
    if (this.#state === 'half_open' && this.#probeStarts.length < this.#settings.probes) {
      this.#probeStarts.push(now);
      marks[m] = this.#generation;
      marks[m + 1] = now;
      marks[m + 2] = PROBE;
      return undefined;
    }
    return this.#reject(frame, now);
  }

  exit(frame: Frame, outcome: Outcome<unknown>, at: number): Outcome<unknown> {
    const marks = frame.marks!;
    const m = frame.markAt(at);
    const mode = marks[m + 2];
    return mode === PROBE
      ? this.#probeDone(frame, outcome, marks[m]!, marks[m + 1]!)
      : this.#closedDone(
          frame,
          frame.call.pipeline,
          outcome,
          marks[m]!,
          marks[m + 1]!,
          mode === CLOSED_TRACKED,
        );
  }

  /**
   * The runner for the calls of a pipeline that holds this breaker alone (see
   * internal/solo.ts): while the circuit is closed and calls need no timing (no slow-call
   * tracking, no time window), a call runs the function with no frame, and the reactions to
   * its promise do what `exit` does. Those reactions are made once per generation of the
   * circuit, not per call: the generation a call started in is all `exit` needs of its
   * marks (an untimed call has no start time, and a closed one is no probe). Otherwise (open,
   * half-open, isolated, timed) the call takes the frame path.
   */
  runnerFor(pipeline: PipelineRuntime): SoloRunner {
    const name = pipeline.name;
    /** What `exit` and the call frame's end do: the caller's value, or the error to throw. */
    const finish = (result: Outcome<unknown>, generation: number): unknown => {
      let outcome: Outcome<unknown>;
      try {
        outcome = this.#closedDone(undefined, pipeline, result, generation, Number.NaN, false);
      } catch (error) {
        // As on the frame path, where a stage whose exit throws fails the call with that error.
        outcome = { ok: false, error };
      }
      if (outcome.ok) return outcome.value;
      throw namePipeline(outcome.error, name);
    };
    let generation = Number.NaN;
    let onValue = (_value: unknown): unknown => undefined;
    let onError = (_error: unknown): unknown => undefined;
    return (fn) => {
      if (this.#state !== 'closed' || this.#timed) return undefined;
      this.#home = pipeline;
      if (generation !== this.#generation) {
        const current = this.#generation;
        generation = current;
        onValue = (value) => finish({ ok: true, value }, current);
        onError = (error) => finish({ ok: false, error }, current);
      }
      return runSolo(fn, onValue, onError);
    };
  }

  /**
   * A call that entered while closed has finished: judges, counts and reports it, and opens
   * the circuit when the breaker says so. `frame` is undefined for a solo call (no frame:
   * no key, no signal of its own, a clock reading of its own).
   */
  #closedDone(
    frame: Frame | undefined,
    pipeline: PipelineRuntime,
    result: Outcome<unknown>,
    generation: number,
    startedAt: number,
    tracked: boolean,
  ): Outcome<unknown> {
    let outcome = result;
    const timed = !Number.isNaN(startedAt);
    const start = timed ? startedAt : 0;
    const end = timed ? this.#now(frame) : 0;
    let verdict: Verdict;
    try {
      verdict = this.#judge(outcome, frame);
    } catch (error) {
      // A throwing predicate is a bug to surface, not to hide: the call fails with it, uncounted.
      outcome = { ok: false, error };
      verdict = IGNORED;
    }
    const slow = tracked && end - start > this.#slowCallDuration();
    const key = frame?.key;
    if (verdict === IGNORED) {
      this.#emitCall(frame, pipeline, IGNORED, end - start, slow, outcome);
      return outcome;
    }
    const failure = verdict === FAILURE;
    // Only a time window, lastError and an opening need the time: a success on a
    // consecutive or count breaker that nobody listens to reads no clock.
    const now = timed ? end : failure ? this.#now(frame) : Number.NaN;
    if (failure) this.#noteFailure(outcome, now);
    this.#emitCall(frame, pipeline, verdict, end - start, slow, outcome);
    // A call that started before the circuit last changed state says nothing about now.
    if (generation === this.#generation) {
      const window = this.#window;
      window.record(failure, slow, now);
      const reason = window.shouldOpen(now);
      if (reason !== undefined) {
        this.#open(Number.isNaN(now) ? this.#now(frame) : now, reason, pipeline, key);
      }
    }
    return outcome;
  }

  /** The breaker's clock as of the call's pass (a solo call has no frame to share a reading with). */
  #now(frame: Frame | undefined): number {
    return frame === undefined ? this.#clock.now() : frame.now(this.#clock);
  }

  #probeDone(ctx: Frame, result: Outcome<unknown>, generation: number, start: number): Outcome<unknown> {
    let outcome = result;
    const end = ctx.now(this.#clock);
    let verdict: Verdict;
    try {
      verdict = this.#judge(outcome, ctx);
    } catch (error) {
      outcome = { ok: false, error };
      verdict = IGNORED;
    }
    const pipeline = ctx.call.pipeline;
    // A probe (this one or another) may have hung past maxWait: that re-opened the circuit first.
    this.#advance(end, pipeline, ctx.key);
    const slow = end - start > this.#slowCallDuration();
    if (verdict === FAILURE) this.#noteFailure(outcome, end);
    this.#emitCall(ctx, pipeline, verdict, end - start, slow, outcome);
    if (generation !== this.#generation) return outcome;
    const probes = this.#probeStarts;
    probes.splice(probes.indexOf(start), 1);
    if (verdict === FAILURE) {
      this.#open(end, 'probe_failed', pipeline, ctx.key);
    } else if (verdict === SUCCESS && ++this.#probeSuccesses >= this.#settings.successes) {
      this.#close('probe_succeeded', pipeline, ctx.key);
    }
    // An ignored probe (caller's abort, an error `handles` declines) just frees its slot.
    return outcome;
  }

  #reject(ctx: Frame, now: number): Outcome<unknown> {
    // Rejections are flow control: a stack trace would cost more than the rest of the call.
    const limit = ErrorWithLimit.stackTraceLimit;
    if (limit !== undefined) ErrorWithLimit.stackTraceLimit = 0;
    let error: BrokenCircuitError;
    try {
      error =
        this.#state === 'isolated'
          ? new IsolatedCircuitError()
          : new BrokenCircuitError(
              this.#retryAfter(now),
              this.#state === 'open' ? OPEN_MESSAGE : PROBES_BUSY_MESSAGE,
            );
    } finally {
      if (limit !== undefined) ErrorWithLimit.stackTraceLimit = limit;
    }
    const pipeline = ctx.call.pipeline;
    if (pipeline.listening) {
      pipeline.reportCircuitCall(this.name, ctx.key, ctx.now(pipeline.clock), 'rejected', 0, false, error);
    }
    return { ok: false, error };
  }

  /** Success, failure, or ignored; throws when a user predicate throws. */
  #judge(outcome: Outcome<unknown>, frame: Frame | undefined): Verdict {
    if (outcome.ok) {
      return this.#settings.handlesResult?.(outcome.value) ? FAILURE : SUCCESS;
    }
    // The caller's own abort says nothing about the dependency, whatever `handles` says.
    // (A solo call has no signal of its own: nothing but the caller's function can abort it.)
    if (frame?.isOwnAbort(outcome.error) || isAbortError(outcome.error)) return IGNORED;
    return this.#settings.handles(outcome.error) ? FAILURE : IGNORED;
  }

  #slowCallDuration(): number {
    const breaker = this.#settings.breaker;
    return breaker.kind === 'consecutive' ? Number.POSITIVE_INFINITY : breaker.slowCallDuration;
  }

  #noteFailure(outcome: Outcome<unknown>, now: number): void {
    this.#lastErrorType = outcome.ok ? 'result' : errorType(outcome.error);
    this.#lastErrorAt = now;
  }

  /**
   * Performs the transitions that time has made due by `now`, each at the time it was due:
   * open → half-open once `openFor` is over, half-open → open once a probe has run
   * `maxWait`. Called wherever the state is looked at; it is what replaces timers.
   */
  #advance(now: number, pipeline: PipelineRuntime | undefined, key: string | undefined): void {
    for (;;) {
      if (this.#state === 'open') {
        if (now < this.#openUntil) return;
        this.#halfOpenAt = this.#openUntil;
        this.#probeSuccesses = 0;
        this.#transition('half_open', 'open_elapsed', pipeline, key);
      } else if (this.#state === 'half_open') {
        const deadline = this.#probeDeadline();
        if (now < deadline) return;
        this.#open(deadline, 'probe_timed_out', pipeline, key);
      } else {
        return;
      }
    }
  }

  /** When the oldest running probe times out (Infinity when none runs). */
  #probeDeadline(): number {
    const probes = this.#probeStarts;
    if (probes.length === 0) return Number.POSITIVE_INFINITY;
    let oldest = probes[0]!;
    for (let i = 1; i < probes.length; i++) if (probes[i]! < oldest) oldest = probes[i]!;
    return oldest + this.#settings.maxWait;
  }

  #retryAfter(now: number): number {
    switch (this.#state) {
      case 'closed':
        return 0;
      case 'open':
        return Math.max(0, this.#openUntil - now);
      case 'half_open':
        // Slots busy: the oldest probe settles or times out by its deadline at the latest.
        return this.#probeStarts.length < this.#settings.probes
          ? 0
          : Math.max(0, this.#probeDeadline() - now);
      case 'isolated':
        return Number.POSITIVE_INFINITY;
    }
  }

  /** Opens at `at`; straight from half-open it counts as a re-opening (a backoff `openFor` grows). */
  #open(
    at: number,
    reason: CircuitTransitionReason,
    pipeline: PipelineRuntime | undefined,
    key: string | undefined,
  ): void {
    if (this.#state === 'half_open') this.#reopenCount++;
    this.#openedAt = at;
    this.#openUntil = at + this.#openDuration();
    this.#halfOpenAt = undefined;
    this.#transition('open', reason, pipeline, key);
  }

  #close(
    reason: CircuitTransitionReason,
    pipeline: PipelineRuntime | undefined,
    key: string | undefined,
  ): void {
    this.#window.reset();
    this.#reopenCount = 0;
    this.#lastOpenFor = undefined;
    this.#openedAt = undefined;
    this.#halfOpenAt = undefined;
    this.#transition('closed', reason, pipeline, key);
  }

  /** The length of the open period that starts now (the n-th delay of a backoff after n-1 re-openings). */
  #openDuration(): number {
    const openFor = this.#settings.openFor;
    if (typeof openFor === 'number') return openFor;
    const duration = backoffDelay(openFor, this.#reopenCount + 1, this.#lastOpenFor, this.#random);
    this.#lastOpenFor = duration;
    return duration;
  }

  #transition(
    to: CircuitState,
    reason: CircuitTransitionReason,
    pipeline: PipelineRuntime | undefined,
    key: string | undefined,
  ): void {
    const from = this.#state;
    this.#state = to;
    this.#generation++;
    this.#probeStarts.length = 0;
    if (pipeline === undefined || !pipeline.listening) return;
    pipeline.emit({
      type: 'circuit.transition',
      pipeline: pipeline.name,
      policy: 'circuit_breaker',
      policyName: this.name,
      key,
      time: pipeline.clock.now(),
      from,
      to,
      reason,
    });
  }

  #emitCall(
    frame: Frame | undefined,
    pipeline: PipelineRuntime,
    verdict: Verdict,
    duration: number,
    slow: boolean,
    outcome: Outcome<unknown>,
  ) {
    // Asked now, not when the call began: a call that someone started listening to while it
    // ran is reported too (untimed, with duration 0, when nobody listened at its start).
    if (!pipeline.listening) return;
    pipeline.reportCircuitCall(
      this.name,
      frame?.key,
      frame === undefined ? pipeline.clock.now() : frame.now(pipeline.clock),
      RESULTS[verdict],
      duration,
      slow,
      outcome.ok ? undefined : outcome.error,
    );
  }

  /** Restores a saved state; an open period is measured from when it began (never later than now). */
  #restore(saved: CircuitBreakerPersistedState): void {
    if (saved.state === 'closed') return;
    const now = this.#clock.now();
    const openedAt = saved.openedAt === undefined ? now : Math.min(saved.openedAt, now);
    this.#openedAt = openedAt;
    if (saved.state === 'isolated') {
      this.#state = 'isolated';
      return;
    }
    // A half-open state restores as open: its probes died with the old process.
    this.#state = 'open';
    this.#reopenCount = saved.reopenCount;
    this.#openUntil = openedAt + this.#openDuration();
  }
}

function needsTiming(settings: Settings): boolean {
  const breaker = settings.breaker;
  return (
    breaker.kind === 'sampling' ||
    (breaker.kind === 'count' && breaker.slowCallDuration !== Number.POSITIVE_INFINITY)
  );
}
