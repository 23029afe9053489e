import { isRejection, namePipeline } from '../errors.js';
import type { CallOutcome } from '../events/types.js';
import { Frame, type Invocable, type Plan } from '../internal/frame.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import type { ExecuteOptions, Outcome, PipelineRuntime, PolicyContext } from '../types.js';

const RESOLVED = Promise.resolve();

/**
 * The resolving functions of the promise being made: `new Promise(capture)` hands them over
 * without an executor closure per call (the executor runs at once, inside the constructor).
 */
const NOTHING = (): void => {};
const captured: { resolve: (value: unknown) => void; reject: (error: unknown) => void } = {
  resolve: NOTHING,
  reject: NOTHING,
};
const capture = (resolve: (value: unknown) => void, reject: (error: unknown) => void): void => {
  captured.resolve = resolve;
  captured.reject = reject;
};

/**
 * One `execute`: the call's state that every layer shares, its outermost frame, and the
 * edge where the outcome becomes the value or the error of the promise the caller holds.
 *
 * When the function runs in this frame during the first synchronous pass (no timeout, no
 * wait in between), nothing but its settling can end the call, so the caller is handed the
 * promise of the reaction to it, which resolves with the call's value: no second promise.
 */
export class CallFrame extends Frame implements Invocable {
  readonly signal: AbortSignal;
  readonly pipeline: PipelineRuntime;
  /** Set by a fallback policy that served the call. */
  fallback = false;
  readonly idempotent: boolean;
  readonly fn: (ctx: PolicyContext) => unknown;
  /** When the call began, if someone listened then (the call is reported); else NaN. */
  readonly #start: number;
  /**
   * The reaction to the function's settling when the caller holds it; undefined during the
   * first synchronous pass until the function runs; null once the caller holds another promise.
   */
  #direct: Promise<unknown> | null | undefined = undefined;
  #outcome: Outcome<unknown> | undefined = undefined;
  #resolve: ((value: unknown) => void) | undefined = undefined;
  #reject: ((error: unknown) => void) | undefined = undefined;

  /** @param from - 0, or past the last policy when the pipeline is switched off */
  constructor(
    pipeline: PipelineRuntime,
    plan: Plan,
    from: number,
    fn: (ctx: PolicyContext) => unknown,
    options: ExecuteOptions | undefined,
  ) {
    const signal = options?.signal ?? NEVER_ABORTED;
    super(plan, from, 1, options?.key, undefined, signal, undefined, plan.newMarks(), undefined);
    this.signal = signal;
    this.pipeline = pipeline;
    this.idempotent = options?.idempotent !== false;
    this.fn = fn;
    this.#start = pipeline.listening ? this.now(pipeline.clock) : Number.NaN;
  }

  /** Runs the call; returns the caller's promise. */
  start(): Promise<unknown> {
    this.run();
    const outcome = this.#outcome;
    const direct = this.#direct;
    if (outcome === undefined && direct) return direct;
    this.#direct = null;
    if (outcome?.ok) return Promise.resolve(outcome.value);
    const promise = this.#deferred();
    // A call that failed at once is rejected a microtask later, once the caller has had the
    // chance to attach a handler: Node treats a promise rejected before it has one as
    // possibly unhandled, and that bookkeeping (or a throw) costs more than the whole call.
    // (Not queueMicrotask: Node makes an async resource for each, which costs more still.)
    if (outcome !== undefined) RESOLVED.then(() => this.#reject!((outcome as { error: unknown }).error));
    return promise;
  }

  protected override invoked(reaction: Promise<unknown>): void {
    if (this.#direct === undefined) this.#direct = reaction;
  }

  protected override afterSettled(): unknown {
    if (!this.#direct) return undefined;
    const outcome = this.#outcome;
    // An exit went on asynchronously (a retry, an async fallback): the end comes later.
    if (outcome === undefined) return this.#deferred();
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  finished(outcome: Outcome<unknown>): void {
    if (!Number.isNaN(this.#start)) this.#report(outcome);
    if (!outcome.ok) namePipeline(outcome.error, this.pipeline.name);
    if (this.#resolve === undefined) this.#outcome = outcome;
    else if (outcome.ok) this.#resolve(outcome.value);
    else this.#reject!(outcome.error);
  }

  #deferred(): Promise<unknown> {
    const promise = new Promise(capture);
    this.#resolve = captured.resolve;
    this.#reject = captured.reject;
    // Held here no longer than this call needs them: they keep their promise alive.
    captured.resolve = NOTHING;
    captured.reject = NOTHING;
    return promise;
  }

  #report(outcome: Outcome<unknown>): void {
    const pipeline = this.pipeline;
    const end = this.now(pipeline.clock);
    const result: CallOutcome = outcome.ok
      ? this.fallback
        ? 'fallback'
        : 'success'
      : isRejection(outcome.error)
        ? 'rejected'
        : 'failure';
    pipeline.reportCall(this.key, end, result, end - this.#start, outcome.ok ? undefined : outcome.error);
  }
}
