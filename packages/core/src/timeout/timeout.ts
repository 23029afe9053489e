import { type Clock, systemClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import { checkDuration, checkName, checkObject, checkOneOf } from '../internal/validate.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
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
 * for the call to settle first. The timer is cleared as soon as the call settles and never
 * keeps the process alive.
 *
 * @example
 * timeout(2_000)
 * timeout({ after: 2_000, strategy: 'cooperative' })
 */
export function timeout(options: number | Partial<TimeoutOptions>): TimeoutPolicy {
  const opts = typeof options === 'number' ? { after: options } : checkObject(WHERE, options, KNOWN);
  return new Timeout(opts as Partial<TimeoutOptions>);
}

class Timeout implements TimeoutPolicy {
  readonly kind = 'timeout' as const;
  readonly name: string;
  readonly #clock: Clock;
  #after: number;
  #strategy: TimeoutStrategy;

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
    this.#after = after;
    this.#strategy = strategy;
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    const after = this.#after;
    const aggressive = this.#strategy === 'aggressive';
    const clock = this.#clock;
    const parent = ctx.signal;
    const controller = new AbortController();

    return new Promise<Outcome<T>>((resolve) => {
      let settled = false;
      let timedOut = false;
      const finish = (outcome: Outcome<T>) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        if (parent !== NEVER_ABORTED) parent.removeEventListener('abort', onParentAbort);
        resolve(outcome);
      };
      const onParentAbort = () => {
        controller.abort(parent.reason);
        // The caller gave up: an aggressive timeout lets go at once, a cooperative one waits.
        if (aggressive) finish({ ok: false, error: parent.reason });
      };
      const timer = clock.setTimeout(() => {
        timedOut = true;
        const error = new TimeoutError(after);
        this.#emitTimeout(ctx, after);
        controller.abort(error);
        if (aggressive) finish({ ok: false, error });
      }, after);
      if (parent !== NEVER_ABORTED) {
        if (parent.aborted) controller.abort(parent.reason);
        else parent.addEventListener('abort', onParentAbort, { once: true });
      }

      next({ signal: controller.signal, attempt: ctx.attempt, key: ctx.key, call: ctx.call }).then(
        (outcome) => {
          if (timedOut && !outcome.ok && !parent.aborted) {
            // Cooperative: the call ended because we aborted it; report the timeout, not the abort.
            const error =
              outcome.error instanceof TimeoutError
                ? outcome.error
                : new TimeoutError(after, { cause: outcome.error });
            finish({ ok: false, error });
          } else {
            finish(outcome);
          }
        },
      );
    });
  }

  #emitTimeout(ctx: PolicyContext, after: number): void {
    const pipeline = ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'timeout',
      pipeline: pipeline.name,
      policy: 'timeout',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      timeout: after,
    });
  }
}
