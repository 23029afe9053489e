import { type Clock, systemClock } from '../clock.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import { checkDuration, checkFunction, checkName, checkNumber, checkObject } from '../internal/validate.js';
import type { RetryBudget } from '../retry-budget/options.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import { HEDGE_DEFAULTS, type HedgeOptions } from './options.js';

const WHERE = 'hedge';
const KNOWN = ['delay', 'maxHedges', 'handles', 'budget', 'name', 'clock'] as const;
const CONFIGURABLE = ['delay', 'maxHedges', 'handles'] as const;
/** More parallel copies of one call than this is a typo, not a strategy. */
const MAX_HEDGES = 100;

/** Live state of a hedge policy. */
export interface HedgeSnapshot {
  readonly delay: number;
  readonly maxHedges: number;
  /** Hedged attempts started since the policy was made. */
  readonly hedges: number;
  /** Calls answered by a hedged attempt rather than by the first one. */
  readonly wins: number;
}

export type HedgeConfig = Pick<HedgeOptions, (typeof CONFIGURABLE)[number]>;

export type HedgePolicy = Policy<'hedge', HedgeSnapshot, HedgeConfig>;

const handlesAll = (): boolean => true;

/**
 * Hedged requests: when the call has not answered after `delay`, start another attempt,
 * up to `maxHedges` extra ones. The first success wins and every other attempt's signal
 * is aborted. A failed attempt does not fail the call while another one runs; it starts
 * the next hedge at once (a failure is an answer, so waiting out the delay would only add
 * latency). The call fails when every attempt has failed and no hedge may start: with the
 * error of the attempt that failed last.
 *
 * Calls executed with `{ idempotent: false }` are never hedged: a copy of a request that
 * is not safe to repeat could do its work twice.
 *
 * Each attempt runs the inner layers with its own signal (linked to the caller's) and
 * `attempt` = the incoming attempt + the hedge's number, so the first hedge of a first
 * call is attempt 2.
 *
 * @example
 * hedge({ delay: 200, maxHedges: 2, budget: retryBudget({ ratio: 0.1 }) })
 */
export function hedge(options: Partial<HedgeOptions> = {}): HedgePolicy {
  return new Hedge(checkObject(WHERE, options, KNOWN) as Partial<HedgeOptions>);
}

class Hedge implements HedgePolicy {
  readonly kind = 'hedge' as const;
  readonly name: string;
  readonly clock: Clock;
  readonly budget: RetryBudget | undefined;
  delay: number;
  maxHedges: number;
  handles: (error: unknown) => boolean;
  hedges = 0;
  wins = 0;

  constructor(options: Partial<HedgeOptions>) {
    this.name = checkName(WHERE, options.name, 'hedge');
    this.clock = options.clock ?? systemClock;
    this.budget = options.budget === undefined ? undefined : checkBudget(options.budget);
    this.delay = checkDelay(options.delay ?? HEDGE_DEFAULTS.delay);
    this.maxHedges = checkMaxHedges(options.maxHedges ?? HEDGE_DEFAULTS.maxHedges);
    this.handles =
      options.handles === undefined ? handlesAll : checkFunction(WHERE, 'handles', options.handles);
  }

  snapshot(): HedgeSnapshot {
    return { delay: this.delay, maxHedges: this.maxHedges, hedges: this.hedges, wins: this.wins };
  }

  configure(options: Partial<HedgeConfig>): void {
    checkObject(WHERE, options, CONFIGURABLE);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const delay = options.delay === undefined ? this.delay : checkDelay(options.delay);
    const maxHedges = options.maxHedges === undefined ? this.maxHedges : checkMaxHedges(options.maxHedges);
    const handles =
      options.handles === undefined
        ? this.handles
        : checkFunction<HedgeConfig['handles']>(WHERE, 'handles', options.handles);
    this.delay = delay;
    this.maxHedges = maxHedges;
    this.handles = handles;
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    // Only a call's first attempt adds to the budget: a hedge inside a retry sees retried
    // attempts (attempt > 1), which the retry has already paid for.
    if (this.budget !== undefined && ctx.attempt === 1) this.budget.recordAttempt();
    // A call that must not run twice (`idempotent: false`) is never hedged.
    if (this.maxHedges === 0 || ctx.call.idempotent === false) return next(ctx);
    if (ctx.signal.aborted) return Promise.resolve({ ok: false, error: ctx.signal.reason });
    return new HedgedCall(this, next, ctx).run();
  }
}

/**
 * One call under a hedge policy. A class rather than closures: one object per call holds
 * everything, and the options in force when the call started stay in force until it ends.
 */
class HedgedCall<T> {
  readonly #policy: Hedge;
  readonly #next: Next<T>;
  readonly #ctx: PolicyContext;
  readonly #delay: number;
  readonly #maxHedges: number;
  readonly #controllers: AbortController[] = [];
  readonly #ended: boolean[] = [];
  #hedges = 0;
  #running = 0;
  #settled = false;
  #timer: unknown;
  #timerSet = false;
  #resolve!: (outcome: Outcome<T>) => void;

  constructor(policy: Hedge, next: Next<T>, ctx: PolicyContext) {
    this.#policy = policy;
    this.#next = next;
    this.#ctx = ctx;
    this.#delay = policy.delay;
    this.#maxHedges = policy.maxHedges;
  }

  run(): Promise<Outcome<T>> {
    return new Promise<Outcome<T>>((resolve) => {
      this.#resolve = resolve;
      if (this.#ctx.signal !== NEVER_ABORTED) {
        this.#ctx.signal.addEventListener('abort', this.#onParentAbort, { once: true });
      }
      this.#launch();
      this.#arm();
    });
  }

  readonly #onParentAbort = (): void => {
    const reason = this.#ctx.signal.reason;
    for (const controller of this.#controllers) controller.abort(reason);
    this.#finish({ ok: false, error: reason }, -1);
  };

  readonly #onTimer = (): void => {
    this.#timerSet = false;
    if (!this.#settled) this.#tryHedge();
  };

  #launch(): void {
    const index = this.#controllers.length;
    const controller = new AbortController();
    this.#controllers.push(controller);
    this.#ended.push(false);
    this.#running++;
    const ctx = this.#ctx;
    this.#next({
      signal: controller.signal,
      attempt: ctx.attempt + index,
      key: ctx.key,
      call: ctx.call,
    }).then((outcome) => this.#onOutcome(index, outcome));
  }

  /** (Re)starts the delay timer while hedges remain. */
  #arm(): void {
    this.#disarm();
    if (this.#hedges >= this.#maxHedges) return;
    this.#timer = this.#policy.clock.setTimeout(this.#onTimer, this.#delay);
    this.#timerSet = true;
  }

  #disarm(): void {
    if (!this.#timerSet) return;
    this.#policy.clock.clearTimeout(this.#timer);
    this.#timerSet = false;
  }

  /** Starts the next hedge if `maxHedges` and the budget allow; returns whether it did. */
  #tryHedge(): boolean {
    if (this.#hedges >= this.#maxHedges) return false;
    const policy = this.#policy;
    if (policy.budget !== undefined && !policy.budget.tryRetry()) {
      // Refused once, refused for the rest of this call: the budget is for the dependency's
      // sake, and asking again at every failure would only spin.
      this.#emitBudgetExhausted(this.#ctx.attempt + this.#hedges + 1);
      this.#hedges = this.#maxHedges;
      this.#disarm();
      return false;
    }
    this.#hedges++;
    policy.hedges++;
    this.#emitHedge(this.#hedges);
    this.#launch();
    this.#arm();
    return true;
  }

  #onOutcome(index: number, outcome: Outcome<T>): void {
    this.#running--;
    this.#ended[index] = true;
    if (this.#settled) return; // a loser finishing after the winner: nothing to do
    if (outcome.ok) {
      this.#finish(outcome, index);
      return;
    }
    let handled: boolean;
    try {
      handled = this.#policy.handles(outcome.error);
    } catch (error) {
      this.#finish({ ok: false, error }, index);
      return;
    }
    if (!handled) {
      this.#finish(outcome, index);
      return;
    }
    if (this.#tryHedge()) return;
    if (this.#running === 0) this.#finish(outcome, index);
    // Otherwise another attempt is still running: its answer decides.
  }

  #finish(outcome: Outcome<T>, winner: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#disarm();
    const parent = this.#ctx.signal;
    if (parent !== NEVER_ABORTED) parent.removeEventListener('abort', this.#onParentAbort);
    if (this.#controllers.length > 1) {
      let reason: unknown;
      for (let i = 0; i < this.#controllers.length; i++) {
        const controller = this.#controllers[i]!;
        if (i === winner || this.#ended[i] || controller.signal.aborted) continue;
        reason ??= new DOMException('another hedged attempt answered first', 'AbortError');
        controller.abort(reason);
      }
      if (outcome.ok && winner > 0) this.#policy.wins++;
    }
    this.#resolve(outcome);
  }

  #emitHedge(hedgeNumber: number): void {
    const pipeline = this.#ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'hedge',
      pipeline: pipeline.name,
      policy: 'hedge',
      policyName: this.#policy.name,
      key: this.#ctx.key,
      time: pipeline.clock.now(),
      hedge: hedgeNumber,
    });
  }

  #emitBudgetExhausted(attempt: number): void {
    const pipeline = this.#ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'budget.exhausted',
      pipeline: pipeline.name,
      policy: 'hedge',
      policyName: this.#policy.name,
      key: this.#ctx.key,
      time: pipeline.clock.now(),
      attempt,
    });
  }
}

function checkDelay(value: unknown): number {
  return checkDuration(WHERE, 'delay', value);
}

function checkMaxHedges(value: unknown): number {
  return checkNumber(WHERE, 'maxHedges', value, { min: 0, max: MAX_HEDGES, integer: true });
}

function checkBudget(value: unknown): RetryBudget {
  const budget = value as Partial<RetryBudget> | null;
  if (
    typeof budget !== 'object' ||
    budget === null ||
    typeof budget.recordAttempt !== 'function' ||
    typeof budget.tryRetry !== 'function'
  ) {
    throw new TypeError(
      `${WHERE}: budget must be a retry budget (an object with recordAttempt() and tryRetry(), as retryBudget() makes), got ${value === null ? 'null' : typeof value}`,
    );
  }
  return budget as RetryBudget;
}
