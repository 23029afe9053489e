import { type Clock, systemClock } from '../clock.js';
import { isAbortError } from '../errors.js';
import type { FallbackSource } from '../events/types.js';
import { type Frame, runStage, STAGE, type Stage } from '../internal/frame.js';
import { checkDuration, checkFunction, checkName, checkObject } from '../internal/validate.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import {
  FALLBACK_DEFAULTS,
  type FallbackCommonOptions,
  type FallbackOptions,
  type FallbackSettings,
  type LastGoodOptions,
  type StaleInfo,
} from './options.js';

const WHERE = 'fallback';
const KNOWN = ['value', 'fn', 'lastGood', 'handles', 'name', 'clock'] as const;
const FORMS = ['value', 'fn', 'lastGood'] as const;
const SETTINGS = ['value', 'fn', 'lastGood', 'handles'] as const;
const LAST_GOOD_KNOWN = ['ttl', 'mark'] as const;

/** Live state of a fallback, for status pages. */
export interface FallbackSnapshot {
  /** The form of fallback: a fixed value, a function, or the last good result. */
  readonly source: FallbackSource;
  /** Fallbacks served since the policy was built. */
  readonly served: number;
  /**
   * True while the latest answer was a stale last-good result: set when one is served,
   * cleared by the next success. Always false for the other forms.
   */
  readonly stale: boolean;
  /** `lastGood` only: how long a stored result may be served (ms). */
  readonly ttl: number | undefined;
  /** `lastGood` only: when the newest stored result was stored (policy clock, ms). */
  readonly lastGoodAt: number | undefined;
  /** `lastGood` only: the age of the newest stored result (ms). */
  readonly lastGoodAge: number | undefined;
}

export interface FallbackPolicy<T = unknown>
  extends Policy<'fallback', FallbackSnapshot, FallbackSettings<T>> {
  /** The form of fallback. */
  readonly source: FallbackSource;
  /** True while the latest answer was a stale last-good result (see `FallbackSnapshot.stale`). */
  readonly isStale: boolean;
}

interface Stored {
  value: unknown;
  at: number;
}

/** The default `handles`: every error but an abort. */
const notAnAbort = (error: unknown): boolean => !isAbortError(error);

/**
 * Answers a failed call with a fallback instead of its error: a fixed `value`, the result
 * of `fn(error, ctx)`, or the last successful result while it is younger than
 * `lastGood.ttl` (stored per operation key; optionally marked stale by `lastGood.mark`).
 * Only errors that `handles` accepts fall back; a caller's abort never does. A served
 * fallback makes the call count as `fallback` and emits a `fallback` event.
 *
 * @example
 * fallback({ value: [] })
 * fallback({ fn: (error) => cachedPrices(), handles: (e) => !(e instanceof ValidationError) })
 * fallback({ lastGood: { ttl: 60_000, mark: (rates) => ({ ...rates, stale: true }) } })
 */
export function fallback<T = unknown>(options: FallbackOptions<T>): FallbackPolicy<T> {
  const opts = checkObject(WHERE, options, KNOWN);
  const given = FORMS.filter((form) => Object.hasOwn(opts, form));
  if (given.length !== 1) {
    throw new TypeError(
      given.length === 0
        ? `${WHERE}: give exactly one of value, fn or lastGood`
        : `${WHERE}: value, fn and lastGood exclude each other; got ${given.join(' and ')}`,
    );
  }
  return new Fallback<T>(opts as unknown as FallbackOptions<T>, given[0]!);
}

/** A fallback to `true` for boolean checks that should let calls through when the check fails. */
export function failOpen(options: FallbackCommonOptions = {}): FallbackPolicy<boolean> {
  return fallback<boolean>({
    ...checkObject('failOpen', options, ['handles', 'name', 'clock']),
    value: true,
  });
}

/** A fallback to `false` for boolean checks that should refuse when the check fails. */
export function failClosed(options: FallbackCommonOptions = {}): FallbackPolicy<boolean> {
  return fallback<boolean>({
    ...checkObject('failClosed', options, ['handles', 'name', 'clock']),
    value: false,
  });
}

const checkHandles = (value: unknown) => checkFunction<(error: unknown) => boolean>(WHERE, 'handles', value);

function checkLastGood<T>(value: unknown): { ttl: number; mark: LastGoodOptions<T>['mark'] } {
  const lastGood = checkObject(`${WHERE}: lastGood`, value, LAST_GOOD_KNOWN);
  const ttl = checkDuration(WHERE, 'lastGood.ttl', lastGood.ttl ?? FALLBACK_DEFAULTS.lastGoodTtl, {
    allowInfinity: true,
  });
  const mark =
    lastGood.mark === undefined
      ? undefined
      : checkFunction<NonNullable<LastGoodOptions<T>['mark']>>(WHERE, 'lastGood.mark', lastGood.mark);
  return { ttl, mark };
}

class Fallback<T> implements FallbackPolicy<T>, Stage {
  readonly kind = 'fallback' as const;
  readonly name: string;
  readonly marks = 0;
  readonly source: FallbackSource;
  readonly #clock: Clock;
  #handles: (error: unknown) => boolean;
  #value: T | undefined;
  #fn: ((error: unknown, ctx: PolicyContext) => T | PromiseLike<T>) | undefined;
  #ttl = 0;
  #mark: ((value: T, info: StaleInfo) => T) | undefined;
  /** Last good results by operation key (keys are low-cardinality by contract). */
  readonly #stored = new Map<string | undefined, Stored>();
  #newestAt: number | undefined;
  #stale = false;
  #served = 0;

  constructor(options: FallbackOptions<T>, form: (typeof FORMS)[number]) {
    this.name = checkName(WHERE, options.name, 'fallback');
    this.#clock = options.clock ?? systemClock;
    this.#handles = options.handles === undefined ? notAnAbort : checkHandles(options.handles);
    if (form === 'value') {
      this.source = 'value';
      this.#value = (options as { value: T }).value;
    } else if (form === 'fn') {
      this.source = 'fn';
      this.#fn = checkFunction(WHERE, 'fn', (options as { fn: unknown }).fn);
    } else {
      this.source = 'last_good';
      const { ttl, mark } = checkLastGood<T>((options as { lastGood: unknown }).lastGood);
      this.#ttl = ttl;
      this.#mark = mark;
    }
  }

  get [STAGE](): Stage {
    return this;
  }

  get isStale(): boolean {
    return this.#stale;
  }

  snapshot(): FallbackSnapshot {
    const lastGood = this.source === 'last_good';
    const newest = this.#newestAt;
    return {
      source: this.source,
      served: this.#served,
      stale: this.#stale,
      ttl: lastGood ? this.#ttl : undefined,
      lastGoodAt: newest,
      lastGoodAge: newest === undefined ? undefined : this.#clock.now() - newest,
    };
  }

  /** Changes `handles` and the setting of this fallback's own form; the stored results are kept. */
  configure(options: Partial<FallbackSettings<T>>): void {
    const opts = checkObject(WHERE, options, SETTINGS);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const own = this.source === 'last_good' ? 'lastGood' : this.source;
    for (const form of FORMS) {
      if (form !== own && Object.hasOwn(opts, form)) {
        throw new TypeError(
          `${WHERE}: cannot configure ${form} on a fallback built with ${own}; build another fallback instead`,
        );
      }
    }
    const handles = opts.handles === undefined ? this.#handles : checkHandles(opts.handles);
    const fn =
      opts.fn === undefined ? this.#fn : checkFunction<FallbackSettings<T>['fn']>(WHERE, 'fn', opts.fn);
    const lastGood = opts.lastGood === undefined ? undefined : checkLastGood<T>(opts.lastGood);
    this.#handles = handles;
    this.#fn = fn;
    if (Object.hasOwn(opts, 'value')) this.#value = opts.value as T;
    if (lastGood !== undefined) {
      this.#ttl = lastGood.ttl;
      // Re-tuning the ttl (e.g. from an env reload) keeps a `mark` set in code.
      if (lastGood.mark !== undefined) this.#mark = lastGood.mark;
    }
  }

  execute<U>(next: Next<U>, ctx: PolicyContext): Promise<Outcome<U>> {
    return runStage(this, next, ctx);
  }

  /** Nothing to do before the inner layers. */
  enter(): undefined {
    return undefined;
  }

  exit(frame: Frame, outcome: Outcome<unknown>): Outcome<unknown> | Promise<Outcome<unknown>> {
    if (outcome.ok) {
      if (this.source === 'last_good') this.#store(frame.key, outcome.value, frame.now(this.#clock));
      return outcome;
    }
    return this.#recover(outcome, frame);
  }

  #store(key: string | undefined, value: unknown, at: number): void {
    const stored = this.#stored.get(key);
    if (stored === undefined) this.#stored.set(key, { value, at });
    else {
      stored.value = value;
      stored.at = at;
    }
    this.#newestAt = at;
    this.#stale = false;
  }

  /** The fallback for a failed call, or the failure itself; a promise only when `fn` returns one. */
  #recover(
    failed: Outcome<unknown> & { ok: false },
    frame: Frame,
  ): Outcome<unknown> | Promise<Outcome<unknown>> {
    const error = failed.error;
    // Whoever is outside gave up (the caller, or an outer timeout): nobody wants a fallback.
    if (frame.aborted) return failed;
    let value: unknown;
    try {
      if (!this.#handles(error)) return failed;
      if (this.source === 'value') value = this.#value;
      else if (this.source === 'fn') {
        const produced = this.#fn!(error, frame.context);
        frame.newPass(); // user code: it may have taken a while
        if (isThenable(produced)) return this.#serveLater(frame, error, produced);
        value = produced;
      } else {
        const stored = this.#stored.get(frame.key);
        if (stored === undefined) return failed;
        const age = frame.now(this.#clock) - stored.at;
        if (age > this.#ttl) return failed; // too old: the original error is the honest answer
        value =
          this.#mark === undefined
            ? stored.value
            : this.#mark(stored.value as T, { storedAt: stored.at, age });
        this.#stale = true;
      }
    } catch (thrown) {
      // A broken `handles`, `fn` or `mark` fails the call with its own error; it never throws.
      return { ok: false, error: thrown };
    }
    return this.#serve(frame, error, value);
  }

  async #serveLater(frame: Frame, error: unknown, pending: PromiseLike<unknown>): Promise<Outcome<unknown>> {
    let value: unknown;
    try {
      value = await pending;
    } catch (thrown) {
      return { ok: false, error: thrown };
    }
    return this.#serve(frame, error, value);
  }

  #serve(ctx: PolicyContext, error: unknown, value: unknown): Outcome<unknown> {
    this.#served++;
    ctx.call.fallback = true;
    if (ctx.call.pipeline.listening) this.#emit(ctx, error);
    return { ok: true, value };
  }

  #emit(ctx: PolicyContext, error: unknown): void {
    const pipeline = ctx.call.pipeline;
    pipeline.emit({
      type: 'fallback',
      pipeline: pipeline.name,
      policy: 'fallback',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      source: this.source,
      error,
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
