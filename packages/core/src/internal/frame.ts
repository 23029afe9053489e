import type { Clock } from '../clock.js';
import type { AnyPolicy, CallState, Next, Outcome, PolicyContext } from '../types.js';
import { abortErrorFor, NEVER_ABORTED } from './signals.js';

/*
 * Why this file exists: a pipeline of policies that each `await next(ctx)` pays a promise
 * and a microtask hop per layer, on every call; with five policies that was most of the
 * cost of a call. Built-in policies therefore also describe their work as two synchronous
 * steps — `enter` before the inner layers, `exit` with their outcome — and a `Frame` runs a
 * row of such stages around a single await of the protected function. A policy that is
 * not a stage (a user's own, hedge, rate limit, chaos) ends the row: the frame calls its
 * `execute` with the layers inside it as `next`, exactly as a layered pipeline would.
 *
 * What each policy does, and in which order, is unchanged: enters run outermost first,
 * exits innermost first, and each exit sees the outcome of the layers inside it.
 */

/*
 * One clock reading per pass. An observed call used to read the clock ten times (when the
 * call, the attempt and the breaker's measurement start and end, the deadline, the time of
 * every event), at ~40 ns a read on Node 20. Yet those reads come in two bursts of
 * synchronous work — the call going in, and the outcome coming back out — and within a
 * burst no time worth measuring passes: the policies' own bookkeeping takes nanoseconds. So
 * one reading serves a whole burst, a "pass": from the moment the call's frames start or
 * resume (the function settled, a wait ended, a stage let a queued call in) until they hand
 * control back. A frame forgets its reading whenever a pass may have ended: at every
 * resumption, and after user code that may take time ran in between (the function itself,
 * when it throws synchronously; a fallback `fn`). Listeners are not counted: durations
 * measure the dependency and the policies, not whoever is watching them.
 */

/** Returned by `Stage.enter` when the stage has taken charge of the call (a wait, a child frame). */
export const PENDING: unique symbol = Symbol('rampart.pending');

/** A policy's per-call work, split around the inner layers so that a frame can run many in one go. */
export interface Stage {
  /** Per-call numbers the stage keeps in `frame.marks` from `enter` to `exit`. */
  readonly marks: number;
  /**
   * Runs before the inner layers. Returns `undefined` to go on inwards; an outcome to end
   * the call at this layer (the inner layers never run, `exit` is not called); or `PENDING`
   * when the stage has taken charge and will later call `frame.proceed(at)` (go on
   * inwards; `exit` follows) or `frame.stop(at, outcome)` (end here), exactly once.
   */
  enter(frame: Frame, at: number): Outcome<unknown> | undefined | typeof PENDING;
  /** Runs with the inner layers' outcome; returns this layer's outcome, or a promise of it. */
  exit(frame: Frame, outcome: Outcome<unknown>, at: number): Outcome<unknown> | Promise<Outcome<unknown>>;
}

/** Built-in policies hand their stage out under this key (a symbol: no user object has it by chance). */
export const STAGE: unique symbol = Symbol('rampart.stage');

/** The call state as the innermost layer needs it: the function to run. */
export interface Invocable extends CallState {
  readonly fn: (ctx: PolicyContext) => unknown;
}

const stageOf = (policy: AnyPolicy): Stage | undefined => (policy as unknown as { [STAGE]?: Stage })[STAGE];

/**
 * The compiled shape of a list of policies: which are stages, where each keeps its marks,
 * and `chain(i)`, the layers from `i` inwards as a `Next` (what a policy that is not a stage,
 * or a retry's further attempt, runs).
 */
export class Plan {
  readonly policies: readonly AnyPolicy[];
  readonly stages: readonly (Stage | undefined)[];
  /**
   * Each stage's `enter` and `exit`, looked up once: a frame calls them from one place for
   * every kind of stage, where looking the method up on each call would miss the caches.
   */
  readonly enters: readonly (Stage['enter'] | undefined)[];
  readonly exits: readonly (Stage['exit'] | undefined)[];
  /** Index of each stage's first mark in `frame.marks`. */
  readonly markAt: readonly number[];
  readonly markCount: number;
  readonly #chain: (Next<unknown> | undefined)[] = [];

  constructor(policies: readonly AnyPolicy[]) {
    this.policies = policies;
    this.stages = policies.map(stageOf);
    this.enters = this.stages.map((stage) => stage?.enter);
    this.exits = this.stages.map((stage) => stage?.exit);
    const markAt: number[] = [];
    let count = 0;
    for (const stage of this.stages) {
      markAt.push(count);
      count += stage?.marks ?? 0;
    }
    this.markAt = markAt;
    this.markCount = count;
  }

  /** The layers from `from` inwards, as a `Next` (made on first use, then kept). */
  chain(from: number): Next<unknown> {
    let next = this.#chain[from];
    if (next === undefined) {
      next = (ctx) => new ChainFrame(this, from, ctx, undefined).start();
      this.#chain[from] = next;
    }
    return next;
  }

  /** Marks for one frame (holes until a stage writes them), or undefined when no stage keeps any. */
  newMarks(): number[] | undefined {
    return this.markCount === 0 ? undefined : new Array<number>(this.markCount);
  }
}

const plans = new WeakMap<AnyPolicy, Plan>();

/**
 * Runs one stage policy on its own, with `next` as its inner layers: what a built-in
 * policy's `execute` does when something other than a pipeline calls it.
 */
export function runStage<T>(policy: AnyPolicy, next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
  let plan = plans.get(policy);
  if (plan === undefined) {
    plan = new Plan([policy]);
    plans.set(policy, plan);
  }
  return new ChainFrame(plan, 0, ctx, next as Next<unknown>).start() as Promise<Outcome<T>>;
}

const failed = (error: unknown): Outcome<unknown> => ({ ok: false, error });

/*
 * Frame's own members are TypeScript-private, not `#private`: V8 (Node 20) builds an
 * instance of a subclass whose base class has `#` fields or methods on a slower path (the
 * base class's brand and fields are added through the runtime), ~10 ns a frame, and a call
 * makes one or two frames. The subclasses below keep `#` members: only a base's count.
 */

/**
 * One pass of a call through a row of stages, and the context the layers of that row see
 * (a `PolicyContext`). Subclasses say where the row's outcome goes (`finished`) and what its
 * signal is: the outer one, or a timeout's own (see timeout.ts).
 */
export abstract class Frame implements PolicyContext {
  abstract readonly signal: AbortSignal;
  readonly attempt: number;
  readonly key: string | undefined;
  readonly call: CallState;
  readonly plan: Plan;
  /** Per-call numbers of the stages, at `plan.markAt[at]` (undefined when no stage keeps any). */
  readonly marks: number[] | undefined;
  /** The layers inside the row's last stage when this frame runs a single policy (`runStage`). */
  readonly tail: Next<unknown> | undefined;
  /** The signal of the layer outside this row. */
  readonly outerSignal: AbortSignal;
  /**
   * The frame that keeps the clock reading of the current pass (see "one clock reading per
   * pass" above): this one, or for a child frame made in its parent's pass, the parent's.
   */
  private readonly timeKeeper: Frame;
  /** The clock read in this pass (kept by the time keeper only), or undefined: none yet. */
  private readClock: Clock | undefined = undefined;
  private reading = 0;
  private readonly firstStage: number;
  /** Attempt start time when the attempt is reported (someone listens), else NaN. */
  private attemptStart = Number.NaN;

  /**
   * @param from - the index of the row's first stage in `plan`
   * @param call - the call state; undefined when the frame is the call state itself
   * @param outer - the signal of the layer outside the row
   * @param tail - the layers inside the last policy, when not the plan's own (`runStage`)
   * @param marks - a child frame shares its parent's (they run disjoint stages)
   * @param sharesTimeOf - a child frame made in its parent's pass: the parent, whose clock
   *   reading it shares; otherwise undefined
   */
  constructor(
    plan: Plan,
    from: number,
    attempt: number,
    key: string | undefined,
    call: CallState | undefined,
    outer: AbortSignal,
    tail: Next<unknown> | undefined,
    marks: number[] | undefined,
    sharesTimeOf: Frame | undefined,
  ) {
    this.attempt = attempt;
    this.key = key;
    this.call = call ?? (this as unknown as CallState);
    this.plan = plan;
    this.marks = marks;
    this.tail = tail;
    this.outerSignal = outer;
    this.timeKeeper = sharesTimeOf === undefined ? this : sharesTimeOf.timeKeeper;
    this.firstStage = from;
  }

  /**
   * `clock.now()` as of this pass of the call: what a stage's `enter` and `exit` (and what
   * they call synchronously) use, so that one reading serves every stage of the pass.
   */
  now(clock: Clock): number {
    const keeper = this.timeKeeper;
    if (keeper.readClock !== clock) {
      keeper.reading = clock.now();
      keeper.readClock = clock;
    }
    return keeper.reading;
  }

  /** `clock.now()` if this pass has read it already, else NaN: for a stage that can do without. */
  peekNow(clock: Clock): number {
    const keeper = this.timeKeeper;
    return keeper.readClock === clock ? keeper.reading : Number.NaN;
  }

  /** A new pass begins, or user code may have taken a while: the next `now` reads the clock. */
  newPass(): void {
    this.timeKeeper.readClock = undefined;
  }

  /** The context to hand to user code (the function, a policy that is not a stage, a fallback `fn`). */
  get context(): PolicyContext {
    return this;
  }

  /** `signal.aborted`, without making a signal that does not exist yet. */
  get aborted(): boolean {
    const outer = this.outerSignal;
    return outer !== NEVER_ABORTED && outer.aborted;
  }

  /** `signal.reason`, without making a signal that does not exist yet. */
  get abortReason(): unknown {
    return this.outerSignal.reason;
  }

  /** The error a call this row gave up on fails with: the abort reason, or a standard AbortError. */
  abortError(): unknown {
    return abortErrorFor(this.abortReason);
  }

  /** Whether `error` is this row's own abort reason (what `isAbortError(error, signal)` checks first). */
  isOwnAbort(error: unknown): boolean {
    return this.aborted && error === this.abortReason;
  }

  /** The layers inside the stage at `at`, as a `Next` (a retry's further attempts run these). */
  inner(at: number): Next<unknown> {
    return at + 1 === this.plan.stages.length && this.tail !== undefined
      ? this.tail
      : this.plan.chain(at + 1);
  }

  /** Index of the first mark of the stage at `at`. */
  markAt(at: number): number {
    return this.plan.markAt[at]!;
  }

  /** Runs the row from its first stage, until it ends or waits. */
  run(): void {
    this.enterFrom(this.firstStage);
  }

  /** The stage at `at`, which answered `PENDING`, lets the call in (later): go on inwards. */
  proceed(at: number): void {
    this.newPass();
    this.enterFrom(at + 1);
  }

  /** The stage at `at`, which answered `PENDING`, ends the call (later) with `outcome`. */
  stop(at: number, outcome: Outcome<unknown>): void {
    this.newPass();
    this.exitFrom(at - 1, outcome);
  }

  /**
   * The child frame that the stage at `at` runs the inner layers in has ended, in the pass
   * this frame is in (the child shares its clock reading): the exits outside it run now.
   */
  childFinished(at: number, outcome: Outcome<unknown>): void {
    this.exitFrom(at - 1, outcome);
  }

  /** Called once, with the row's outcome. */
  abstract finished(outcome: Outcome<unknown>): void;

  /**
   * What the reaction to the function's settling resolves with, after the exits ran. Only
   * the call's own frame gives it a meaning (the caller may be holding that promise).
   */
  protected afterSettled(): unknown {
    return undefined;
  }

  /** Called with the promise of the reaction to the function's settling, as it is made. */
  protected invoked(_reaction: Promise<unknown>): void {}

  private enterFrom(from: number): void {
    const { stages, enters } = this.plan;
    let at = from;
    let entry: Outcome<unknown> | undefined | typeof PENDING;
    try {
      for (; at < stages.length; at++) {
        const enter = enters[at];
        if (enter === undefined) {
          // Not a stage: it runs the rest through its own `execute`, as any policy can.
          const policy = this.plan.policies[at]!;
          entry = PENDING;
          this.awaitLayer(policy.execute(this.plan.chain(at + 1), this.context), at);
          break;
        }
        entry = enter.call(stages[at], this, at);
        if (entry !== undefined) break;
      }
    } catch (error) {
      // Stages never throw by contract; one that does fails the call at its layer.
      entry = failed(error);
    }
    if (entry === PENDING) return;
    if (entry !== undefined) this.exitFrom(at - 1, entry);
    else if (this.tail !== undefined) this.runTail(this.tail, at);
    else this.invoke(at);
  }

  private runTail(tail: Next<unknown>, at: number): void {
    let pending: Promise<Outcome<unknown>>;
    try {
      pending = tail(this.context);
    } catch (error) {
      this.exitFrom(at - 1, failed(error));
      return;
    }
    this.awaitLayer(pending, at);
  }

  /** The innermost layer: runs the function once, and reports the attempt when someone listens. */
  private invoke(at: number): void {
    if (this.aborted) {
      this.exitFrom(at - 1, failed(this.abortReason));
      return;
    }
    const call = this.call as Invocable;
    const pipeline = call.pipeline;
    if (pipeline.listening) this.attemptStart = this.now(pipeline.clock);
    let result: unknown;
    try {
      result = call.fn(this.context);
    } catch (error) {
      this.newPass(); // the function may have run for a while before it threw
      this.settledWith(at, failed(error));
      return;
    }
    this.invoked(
      (result instanceof Promise ? result : Promise.resolve(result)).then(
        (value) => {
          this.newPass();
          this.settledWith(at, { ok: true, value });
          return this.afterSettled();
        },
        (error: unknown) => {
          this.newPass();
          this.settledWith(at, failed(error));
          return this.afterSettled();
        },
      ),
    );
  }

  private settledWith(at: number, outcome: Outcome<unknown>): void {
    if (!Number.isNaN(this.attemptStart)) this.reportOwnAttempt(outcome);
    this.exitFrom(at - 1, outcome);
  }

  private reportOwnAttempt(outcome: Outcome<unknown>): void {
    const pipeline = this.call.pipeline;
    const end = this.now(pipeline.clock);
    pipeline.reportAttempt(
      this.key,
      end,
      this.attempt,
      outcome.ok ? 'success' : 'failure',
      end - this.attemptStart,
      outcome.ok ? undefined : outcome.error,
    );
  }

  /** Waits for the outcome of the layer at `at` (and those inside it), then runs the exits outside it. */
  private awaitLayer(pending: Promise<Outcome<unknown>>, at: number): void {
    Promise.resolve(pending).then(
      (outcome) => {
        this.newPass();
        this.exitFrom(at - 1, outcome);
      },
      // Layers never reject by contract; one that does fails the call at its layer.
      (error: unknown) => {
        this.newPass();
        this.exitFrom(at - 1, failed(error));
      },
    );
  }

  /** Runs the exits from `from` outwards with the outcome of the layers inside. */
  private exitFrom(from: number, inner: Outcome<unknown>): void {
    const { stages, exits } = this.plan;
    let outcome = inner;
    for (let at = from; at >= this.firstStage; at--) {
      let result: Outcome<unknown> | Promise<Outcome<unknown>>;
      try {
        result = exits[at]!.call(stages[at], this, outcome, at);
      } catch (error) {
        result = failed(error);
      }
      if (result instanceof Promise) {
        this.awaitLayer(result, at);
        return;
      }
      outcome = result;
    }
    this.finished(outcome);
  }
}

/**
 * A frame run for its outcome: a policy's `next` (a retry's further attempt, a policy that
 * is not a stage running the layers inside it), or a stage policy run on its own.
 */
export class ChainFrame extends Frame {
  /** The outer signal, held as an own data property as a plain context has it (spreads copy it). */
  readonly signal: AbortSignal;
  #done = false;
  #result: Outcome<unknown> | undefined = undefined;
  #resolve: ((outcome: Outcome<unknown>) => void) | undefined = undefined;

  constructor(plan: Plan, from: number, ctx: PolicyContext, tail: Next<unknown> | undefined) {
    const signal = ctx.signal;
    // A chain frame starts a pass of its own: user code (a policy that is not a stage) or a
    // retry after its wait starts it, so no reading of the call's is current.
    super(plan, from, ctx.attempt, ctx.key, ctx.call, signal, tail, plan.newMarks(), undefined);
    this.signal = signal;
  }

  /** Runs the row and resolves with its outcome. */
  start(): Promise<Outcome<unknown>> {
    this.run();
    if (this.#done) return Promise.resolve(this.#result!);
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  finished(outcome: Outcome<unknown>): void {
    this.#done = true;
    this.#result = outcome;
    this.#resolve?.(outcome);
  }
}
