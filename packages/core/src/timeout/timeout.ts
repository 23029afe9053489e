import { type Clock, systemClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { Frame, PENDING, runStage, STAGE, type Stage } from '../internal/frame.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import { checkDuration, checkName, checkObject, checkOneOf } from '../internal/validate.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import { type DeadlineEntry, DeadlineQueue } from './deadlines.js';
import {
  TIMEOUT_DEFAULTS,
  TIMEOUT_STRATEGIES,
  type TimeoutOptions,
  type TimeoutStrategy,
} from './options.js';

const WHERE = 'timeout';
const KNOWN = ['after', 'strategy', 'name', 'clock'] as const;

/** Live state of a timeout policy. */
export interface TimeoutSnapshot {
  readonly after: number;
  readonly strategy: TimeoutStrategy;
}

export type TimeoutPolicy = Policy<'timeout', TimeoutSnapshot, Pick<TimeoutOptions, 'after' | 'strategy'>>;

/**
 * Limits how long the inner layers may run. The signal handed inwards is aborted when the
 * time is up; `aggressive` also rejects with `TimeoutError` at once, `cooperative` waits
 * for the call to settle first. Calls in flight share one timer (see deadlines.ts), cleared
 * when the last of them leaves; it never keeps the process alive.
 *
 * @example
 * timeout(2_000)
 * timeout({ after: 2_000, strategy: 'cooperative' })
 */
export function timeout(options: number | Partial<TimeoutOptions>): TimeoutPolicy {
  const opts = typeof options === 'number' ? { after: options } : checkObject(WHERE, options, KNOWN);
  return new Timeout(opts as Partial<TimeoutOptions>);
}

const expire = (frame: TimeoutFrame): void => frame.expire();

class Timeout implements TimeoutPolicy, Stage {
  readonly kind = 'timeout' as const;
  readonly name: string;
  readonly marks = 0;
  readonly #clock: Clock;
  #after: number;
  #strategy: TimeoutStrategy;
  /** The deadlines of the calls running now, under one timer (made by the first call). */
  #deadlines: DeadlineQueue<TimeoutFrame> | undefined = undefined;

  constructor(options: Partial<TimeoutOptions>) {
    this.name = checkName(WHERE, options.name, 'timeout');
    this.#clock = options.clock ?? systemClock;
    this.#after = checkDuration(WHERE, 'after', options.after ?? TIMEOUT_DEFAULTS.after);
    this.#strategy = checkOneOf(
      WHERE,
      'strategy',
      options.strategy ?? TIMEOUT_DEFAULTS.strategy,
      TIMEOUT_STRATEGIES,
    );
  }

  get [STAGE](): Stage {
    return this;
  }

  snapshot(): TimeoutSnapshot {
    return { after: this.#after, strategy: this.#strategy };
  }

  configure(options: Partial<Pick<TimeoutOptions, 'after' | 'strategy'>>): void {
    checkObject(WHERE, options, ['after', 'strategy']);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const after = options.after === undefined ? this.#after : checkDuration(WHERE, 'after', options.after);
    const strategy =
      options.strategy === undefined
        ? this.#strategy
        : checkOneOf(WHERE, 'strategy', options.strategy, TIMEOUT_STRATEGIES);
    // A queue's deadlines must come in order (see deadlines.ts): with a shorter `after`, calls
    // from now on would expire before the ones waiting, so they start a queue of their own.
    if (after < this.#after) this.#deadlines = undefined;
    this.#after = after;
    this.#strategy = strategy;
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    return runStage(this, next, ctx);
  }

  /**
   * Runs the inner layers in a child frame whose signal aborts when the time is up (or the
   * caller aborts); the call's deadline joins the policy's queue instead of getting a timer.
   */
  enter(frame: Frame, at: number): typeof PENDING {
    // Inside another timeout's row, the enclosing timeout answers for the outer abort: reading
    // its `signal` instead would make its AbortController (microseconds) on every call.
    const enclosing = frame instanceof TimeoutFrame ? frame : undefined;
    const outer = enclosing === undefined ? frame.signal : NEVER_ABORTED;
    const inner = new TimeoutFrame(
      this,
      frame,
      at,
      this.#after,
      this.#strategy === 'aggressive',
      outer,
      enclosing,
    );
    // The time if this pass has it already; alone in its queue, a call needs none (deadlines.ts).
    const now = frame.peekNow(this.#clock);
    inner.deadline = now + inner.after;
    this.#deadlines ??= new DeadlineQueue(this.#clock, expire);
    inner.queue = this.#deadlines;
    this.#deadlines.add(inner, now);
    if (enclosing !== undefined) {
      if (!enclosing.aborted) enclosing.adopt(inner);
    } else if (outer !== NEVER_ABORTED && !outer.aborted) {
      inner.onOuterAbort = () => inner.outerAborted();
      outer.addEventListener('abort', inner.onOuterAbort, { once: true });
    }
    inner.run();
    return PENDING;
  }

  /** Never called: `enter` ends the layer itself through `frame.stop`. */
  exit(_frame: Frame, outcome: Outcome<unknown>): Outcome<unknown> {
    return outcome;
  }

  /** @internal The call has ended (or timed out): its deadline leaves its queue. */
  release(frame: TimeoutFrame): void {
    frame.queue?.remove(frame);
  }

  /** @internal */
  emitTimeout(frame: Frame, after: number): void {
    const pipeline = frame.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'timeout',
      pipeline: pipeline.name,
      policy: 'timeout',
      policyName: this.name,
      key: frame.key,
      time: pipeline.clock.now(),
      timeout: after,
    });
  }
}

/**
 * What user code (the function, a policy that is not a stage, a fallback `fn`) gets inside
 * a timeout: the frame, seen through a proxy that shows the lazily made `signal` as an own
 * property, so that `{ ...ctx, attempt }` copies it as it would from a plain object.
 */
const SCOPED_CONTEXT: ProxyHandler<TimeoutFrame> = {
  get: (frame, key) => frame[key as keyof TimeoutFrame],
  ownKeys: (frame) => ['signal', ...Reflect.ownKeys(frame)],
  getOwnPropertyDescriptor: (frame, key) =>
    key === 'signal'
      ? { value: frame.signal, writable: false, enumerable: true, configurable: true }
      : Reflect.getOwnPropertyDescriptor(frame, key),
};

/**
 * The inner layers of one call under a timeout: a child frame with a signal of its own, and
 * the call's entry in the deadline queue. The signal is made only when someone reads it:
 * Node's AbortSignal costs microseconds to create, and most calls never look at theirs.
 * Whichever comes first — the inner outcome, the deadline, the caller's abort — answers for
 * the timeout's layer; `settled` keeps the others from answering twice.
 */
class TimeoutFrame extends Frame implements DeadlineEntry<TimeoutFrame> {
  deadline = 0;
  prev: TimeoutFrame | undefined = undefined;
  next: TimeoutFrame | undefined = undefined;
  queued = false;
  timedOut = false;
  settled = false;
  onOuterAbort: (() => void) | undefined = undefined;
  /** The deadline queue the call waits in (a re-tuned policy may have started another since). */
  queue: DeadlineQueue<TimeoutFrame> | undefined = undefined;
  readonly policy: Timeout;
  /** The frame the timeout runs in, and the timeout's index there. */
  readonly parent: Frame;
  readonly at: number;
  readonly after: number;
  readonly aggressive: boolean;
  /**
   * The timeout this one runs inside, if any: its abort (its time up, or its caller gone) is
   * this one's outer abort, told through `adopt` instead of a listener on its signal.
   */
  readonly enclosing: TimeoutFrame | undefined;
  /** Timeouts running inside this one, told when it aborts (made for the first). */
  #nested: TimeoutFrame[] | undefined = undefined;
  /** The signal, once made, and the proxy user code sees the frame through. */
  #controller: AbortController | undefined = undefined;
  #context: PolicyContext | undefined = undefined;
  /** Set when the timeout fired before the caller aborted, with the TimeoutError. */
  #timeoutError: TimeoutError | undefined = undefined;

  constructor(
    policy: Timeout,
    parent: Frame,
    at: number,
    after: number,
    aggressive: boolean,
    outer: AbortSignal,
    enclosing: TimeoutFrame | undefined,
  ) {
    super(
      parent.plan,
      at + 1,
      parent.attempt,
      parent.key,
      parent.call,
      outer,
      parent.tail,
      parent.marks,
      parent,
    );
    this.policy = policy;
    this.parent = parent;
    this.at = at;
    this.after = after;
    this.aggressive = aggressive;
    this.enclosing = enclosing;
  }

  /** A timeout running inside this one: told when this one aborts, unless it settles first. */
  adopt(nested: TimeoutFrame): void {
    this.#nested ??= [];
    this.#nested.push(nested);
  }

  /** Whether the layer outside this timeout has aborted (its caller, or an enclosing timeout). */
  #outerIsAborted(): boolean {
    if (this.enclosing !== undefined) return this.enclosing.aborted;
    // The shared never-aborted signal is not asked: reading `aborted` goes into Node's internals.
    const outer = this.outerSignal;
    return outer !== NEVER_ABORTED && outer.aborted;
  }

  #outerReason(): unknown {
    return this.enclosing === undefined ? this.outerSignal.reason : this.enclosing.abortReason;
  }

  /** This timeout has aborted: the timeouts running inside it hear of it, once. */
  #abortNested(): void {
    const nested = this.#nested;
    if (nested === undefined) return;
    this.#nested = undefined;
    for (const frame of nested) frame.outerAborted();
  }

  /** Aborted when the time is up or the caller aborts; made on first read. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.aborted) controller.abort(this.abortReason);
    }
    return this.#controller.signal;
  }

  override get context(): PolicyContext {
    this.#context ??= new Proxy(this, SCOPED_CONTEXT);
    return this.#context;
  }

  override get aborted(): boolean {
    return this.#timeoutError !== undefined || this.#outerIsAborted();
  }

  override get abortReason(): unknown {
    return this.#timeoutError ?? this.#outerReason();
  }

  /** The inner layers have their outcome. */
  finished(outcome: Outcome<unknown>): void {
    if (this.settled) return; // an aggressive timeout (or the caller's abort) answered already
    this.#settle();
    let result = outcome;
    if (this.timedOut && !outcome.ok && !this.#outerIsAborted()) {
      // Cooperative: the call ended because we aborted it; report the timeout, not the abort.
      result = {
        ok: false,
        error:
          outcome.error instanceof TimeoutError
            ? outcome.error
            : new TimeoutError(this.after, { cause: outcome.error }),
      };
    }
    this.parent.childFinished(this.at, result);
  }

  /** The deadline passed (the queue has removed the entry). */
  expire(): void {
    this.timedOut = true;
    const error = new TimeoutError(this.after);
    this.policy.emitTimeout(this.parent, this.after);
    // A caller's abort that came first stays the reason, as it would on a real signal.
    if (!this.aborted) {
      this.#timeoutError = error;
      this.#controller?.abort(error);
      this.#abortNested();
    }
    if (this.aggressive && !this.settled) {
      this.#settle();
      this.parent.stop(this.at, { ok: false, error });
    }
  }

  /** The caller gave up: an aggressive timeout lets go at once, a cooperative one waits. */
  outerAborted(): void {
    this.onOuterAbort = undefined; // `once` has removed it
    const reason = this.#outerReason();
    if (this.#timeoutError === undefined) {
      this.#controller?.abort(reason);
      this.#abortNested();
    }
    if (this.aggressive && !this.settled) {
      this.#settle();
      this.parent.stop(this.at, { ok: false, error: reason });
    }
  }

  #settle(): void {
    this.settled = true;
    this.policy.release(this);
    if (this.onOuterAbort !== undefined) {
      this.outerSignal.removeEventListener('abort', this.onOuterAbort);
      this.onOuterAbort = undefined;
    }
    this.enclosing?.disown(this);
  }

  /** A timeout running inside this one has settled: it no longer needs telling. */
  disown(nested: TimeoutFrame): void {
    const list = this.#nested;
    if (list === undefined) return;
    const index = list.indexOf(nested);
    if (index >= 0) list.splice(index, 1);
  }
}
