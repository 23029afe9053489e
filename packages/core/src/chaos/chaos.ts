import { type Clock, systemClock } from '../clock.js';
import type { ChaosEvent } from '../events/types.js';
import { abortReason, NEVER_ABORTED } from '../internal/signals.js';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkName,
  checkNumber,
  checkObject,
} from '../internal/validate.js';
import type { CallContext, Next, Outcome, Policy, PolicyContext } from '../types.js';
import { CHAOS_DEFAULTS, type ChaosOptions } from './options.js';

const WHERE = 'chaos';
const KNOWN = ['rate', 'enabled', 'fault', 'latency', 'result', 'name', 'clock', 'random'] as const;
const CONFIGURABLE = ['rate', 'enabled', 'fault', 'latency', 'result'] as const;

type Injection = ChaosEvent['injected'];
type FaultFactory = (ctx: CallContext) => unknown;
type ResultFactory = (ctx: CallContext) => unknown;

/**
 * What `configure()` accepts: any of the run-time options. `undefined` leaves an option as
 * it is; `null` removes a `fault`, `latency` or `result`.
 */
export interface ChaosConfig<T = unknown> {
  readonly rate?: number;
  readonly enabled?: boolean;
  readonly fault?: ((ctx: CallContext) => unknown) | null;
  readonly latency?: number | null;
  readonly result?: ((ctx: CallContext) => T | PromiseLike<T>) | null;
}

/** Live state of a chaos policy. */
export interface ChaosSnapshot {
  readonly enabled: boolean;
  readonly rate: number;
  /** The injected delay (ms), 0 when none. */
  readonly latency: number;
  readonly fault: boolean;
  readonly result: boolean;
  /** Injections since the policy was made, per kind. */
  readonly injected: Readonly<Record<Injection, number>>;
}

export type ChaosPolicy<T = unknown> = Policy<'chaos', ChaosSnapshot, ChaosConfig<T>>;

/**
 * Fault injection for testing the rest of a pipeline (in staging, or in a game day): a
 * share `rate` of calls is delayed by `latency`, failed with `fault()`, or answered with
 * `result()` instead of reaching the dependency. Off by default (`enabled: false`); switch
 * it at run time with `configure({ enabled: true, rate: 0.1 })`. Disabled, a call costs
 * one boolean check.
 *
 * Put it innermost to look like a failing dependency to retry, breaker and timeout, or
 * outermost to test what callers do with failures.
 *
 * @example
 * chaos({ enabled: true, rate: 0.05, fault: () => new Error('chaos: injected failure') })
 * chaos({ enabled: true, rate: 0.2, latency: 1_500 })
 */
export function chaos<T = unknown>(options: Partial<ChaosOptions<T>> = {}): ChaosPolicy<T> {
  return new Chaos<T>(checkObject(WHERE, options, KNOWN) as Partial<ChaosOptions<T>>);
}

class Chaos<T> implements ChaosPolicy<T> {
  readonly kind = 'chaos' as const;
  readonly name: string;
  readonly #clock: Clock;
  readonly #random: () => number;
  #enabled: boolean;
  #rate: number;
  #latency: number;
  #fault: FaultFactory | undefined;
  #result: ResultFactory | undefined;
  readonly #injected: Record<Injection, number> = { fault: 0, latency: 0, result: 0 };

  constructor(options: Partial<ChaosOptions<T>>) {
    this.name = checkName(WHERE, options.name, 'chaos');
    this.#clock = options.clock ?? systemClock;
    this.#random =
      options.random === undefined ? Math.random : checkFunction(WHERE, 'random', options.random);
    this.#enabled = checkBoolean(WHERE, 'enabled', options.enabled ?? CHAOS_DEFAULTS.enabled);
    this.#rate = checkRate(options.rate ?? CHAOS_DEFAULTS.rate);
    this.#latency = options.latency === undefined ? 0 : checkLatency(options.latency);
    this.#fault = options.fault === undefined ? undefined : checkFunction(WHERE, 'fault', options.fault);
    this.#result = options.result === undefined ? undefined : checkFunction(WHERE, 'result', options.result);
    checkInjections(this.#enabled, this.#fault, this.#latency, this.#result);
  }

  snapshot(): ChaosSnapshot {
    return {
      enabled: this.#enabled,
      rate: this.#rate,
      latency: this.#latency,
      fault: this.#fault !== undefined,
      result: this.#result !== undefined,
      injected: { ...this.#injected },
    };
  }

  configure(options: ChaosConfig<T>): void {
    checkObject(WHERE, options, CONFIGURABLE);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const enabled =
      options.enabled === undefined ? this.#enabled : checkBoolean(WHERE, 'enabled', options.enabled);
    const rate = options.rate === undefined ? this.#rate : checkRate(options.rate);
    const latency =
      options.latency === undefined
        ? this.#latency
        : options.latency === null
          ? 0
          : checkLatency(options.latency);
    const fault: FaultFactory | undefined =
      options.fault === undefined
        ? this.#fault
        : options.fault === null
          ? undefined
          : checkFunction(WHERE, 'fault', options.fault);
    const result: ResultFactory | undefined =
      options.result === undefined
        ? this.#result
        : options.result === null
          ? undefined
          : checkFunction(WHERE, 'result', options.result);
    checkInjections(enabled, fault, latency, result);
    this.#enabled = enabled;
    this.#rate = rate;
    this.#latency = latency;
    this.#fault = fault;
    this.#result = result;
  }

  execute<R>(next: Next<R>, ctx: PolicyContext): Promise<Outcome<R>> {
    // Disabled (the normal case in production) costs this one check.
    if (!this.#enabled) return next(ctx);
    if (!(this.#random() < this.#rate)) return next(ctx);
    return this.#inject(next, ctx);
  }

  async #inject<R>(next: Next<R>, ctx: PolicyContext): Promise<Outcome<R>> {
    // Read once: a configure() during the delay must not mix two configurations in one call.
    const latency = this.#latency;
    const fault = this.#fault;
    const result = this.#result;
    if (latency > 0) {
      this.#record(ctx, 'latency');
      if (!(await sleep(this.#clock, latency, ctx.signal))) {
        return { ok: false, error: abortReason(ctx.signal) };
      }
    }
    if (fault !== undefined) {
      this.#record(ctx, 'fault');
      let error: unknown;
      try {
        error = fault(ctx);
      } catch (thrown) {
        error = thrown; // a factory that throws its error is as good as one that returns it
      }
      return { ok: false, error };
    }
    if (result !== undefined) {
      this.#record(ctx, 'result');
      try {
        return { ok: true, value: (await result(ctx)) as R };
      } catch (error) {
        return { ok: false, error };
      }
    }
    return next(ctx);
  }

  #record(ctx: PolicyContext, injected: Injection): void {
    this.#injected[injected]++;
    const pipeline = ctx.call.pipeline;
    if (!pipeline.listening) return;
    pipeline.emit({
      type: 'chaos',
      pipeline: pipeline.name,
      policy: 'chaos',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      injected,
    });
  }
}

/** Waits `ms` on `clock`; resolves false at once (clearing the timer) if `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (signal === NEVER_ABORTED)
    return new Promise<boolean>((resolve) => clock.setTimeout(() => resolve(true), ms));
  return new Promise<boolean>((resolve) => {
    const onAbort = () => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function checkRate(value: unknown): number {
  return checkNumber(WHERE, 'rate', value, { min: 0, max: 1 });
}

function checkLatency(value: unknown): number {
  return checkDuration(WHERE, 'latency', value);
}

/**
 * Fault and result exclude each other. Something to inject is required only once enabled:
 * a disabled policy built from configuration (latency 0, no fault yet) is fine until an
 * operator switches it on.
 */
function checkInjections(enabled: boolean, fault: unknown, latency: number, result: unknown): void {
  if (fault !== undefined && result !== undefined) {
    throw new TypeError(
      `${WHERE}: give fault or result, not both (to inject both, use two chaos policies with distinct names)`,
    );
  }
  if (enabled && fault === undefined && result === undefined && latency === 0) {
    throw new TypeError(`${WHERE}: enabled with nothing to inject; give fault, latency (ms > 0) or result`);
  }
}
