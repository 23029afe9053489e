import { type Clock, systemClock } from '../clock.js';
import { TimeoutError } from '../errors.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import { checkDuration, checkObject } from '../internal/validate.js';

const WHERE = 'settle';
const KNOWN = ['timeout', 'signal', 'clock'] as const;

/** What each call of `settle` receives. */
export interface SettleContext {
  /** Aborted when the timeout elapses or the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** The call's name (its key in the object given to `settle`). */
  readonly name: string;
}

/** The calls to run side by side, by name. */
export type SettleCalls = Readonly<Record<string, (ctx: SettleContext) => unknown>>;

/** The value type of each call, by name. */
export type SettledValues<C extends SettleCalls> = { -readonly [K in keyof C]: Awaited<ReturnType<C[K]>> };

export interface SettleOptions {
  /**
   * Time (ms) allowed for all calls; those still running then are aborted and counted as
   * failed with a `TimeoutError`. @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * The caller's signal: when it aborts, calls still running are aborted and counted as
   * failed with its reason, and `settle` answers at once with what it has.
   */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/** What `settle` resolves to: never a rejection, whatever the calls do. */
export interface Settled<V> {
  /** The values of the calls that succeeded. */
  readonly values: Partial<V>;
  /** Names of the calls that succeeded, in the order they were given. */
  readonly available: (keyof V & string)[];
  /** Names of the calls that failed or did not finish in time, in the order they were given. */
  readonly failed: (keyof V & string)[];
  /** The error of each failed call. */
  readonly errors: Partial<Record<keyof V & string, unknown>>;
}

/**
 * Graceful degradation: runs calls side by side and answers with the values of those that
 * succeeded, and which failed, instead of failing as a whole when one does. Each call gets
 * a signal, aborted when the `timeout` elapses or the caller gives up; calls still running
 * then count as failed. The timer is cleared as soon as every call has answered.
 *
 * @example
 * const audit = await settle(
 *   { workday: ({ signal }) => workday.users(signal), ad: ({ signal }) => ad.users(signal) },
 *   { timeout: 5_000 },
 * );
 * audit.values.workday; // the workday result's type, or undefined
 * audit.failed;         // e.g. ['ad']
 */
export function settle<const C extends SettleCalls>(
  calls: C,
  options: SettleOptions = {},
): Promise<Settled<SettledValues<C>>> {
  const names = checkCalls(calls);
  checkObject(WHERE, options, KNOWN);
  const limit = options.timeout === undefined ? undefined : checkDuration(WHERE, 'timeout', options.timeout);
  const parent = options.signal;
  if (parent !== undefined && !(parent instanceof AbortSignal)) {
    throw new TypeError(`${WHERE}: signal must be an AbortSignal`);
  }
  const clock = options.clock ?? systemClock;
  return new Settlement<SettledValues<C>>(names, calls, limit, parent, clock).promise;
}

type Key<V> = keyof V & string;

/** One run of `settle`: the calls' states, the timer and the caller's signal. */
class Settlement<V> {
  readonly promise: Promise<Settled<V>>;
  readonly #names: readonly Key<V>[];
  readonly #values: Record<string, unknown> = {};
  readonly #errors: Record<string, unknown> = {};
  readonly #done = new Set<string>();
  readonly #parent: AbortSignal | undefined;
  readonly #controller: AbortController | undefined;
  readonly #clock: Clock;
  readonly #limit: number;
  #timer: unknown;
  #timerSet = false;
  #finished = false;
  #resolve!: (settled: Settled<V>) => void;

  constructor(
    names: readonly Key<V>[],
    calls: SettleCalls,
    limit: number | undefined,
    parent: AbortSignal | undefined,
    clock: Clock,
  ) {
    this.#names = names;
    this.#parent = parent;
    this.#clock = clock;
    this.#limit = limit ?? Number.POSITIVE_INFINITY;
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    if (parent?.aborted) {
      this.#stop(parent.reason);
      return;
    }
    // Own signal only when something may abort the calls before they answer on their own.
    const bounded = this.#limit !== Number.POSITIVE_INFINITY;
    this.#controller = bounded ? new AbortController() : undefined;
    const signal = this.#controller?.signal ?? parent ?? NEVER_ABORTED;
    if (parent !== undefined) parent.addEventListener('abort', this.#onParentAbort, { once: true });
    if (bounded) {
      this.#timer = clock.setTimeout(this.#onTimeout, this.#limit);
      this.#timerSet = true;
    }
    for (const name of names) {
      if (this.#finished) break; // a call aborted the caller's signal synchronously
      let pending: unknown;
      try {
        pending = calls[name]!({ signal, name });
      } catch (error) {
        this.#fail(name, error);
        continue;
      }
      Promise.resolve(pending).then(
        (value) => this.#succeed(name, value),
        (error: unknown) => this.#fail(name, error),
      );
    }
    if (names.length === 0) this.#finish();
  }

  readonly #onParentAbort = (): void => {
    this.#stop(this.#parent!.reason);
  };

  readonly #onTimeout = (): void => {
    this.#timerSet = false;
    this.#stop(new TimeoutError(this.#limit));
  };

  #succeed(name: string, value: unknown): void {
    if (this.#finished) return;
    define(this.#values, name, value);
    this.#done.add(name);
    if (this.#done.size === this.#names.length) this.#finish();
  }

  #fail(name: string, error: unknown): void {
    if (this.#finished) return;
    define(this.#errors, name, error);
    this.#done.add(name);
    if (this.#done.size === this.#names.length) this.#finish();
  }

  /** Ends the run early: calls still running are aborted and count as failed with `reason`. */
  #stop(reason: unknown): void {
    if (this.#finished) return;
    this.#controller?.abort(reason);
    for (const name of this.#names) if (!this.#done.has(name)) define(this.#errors, name, reason);
    this.#finish();
  }

  #finish(): void {
    this.#finished = true;
    if (this.#timerSet) this.#clock.clearTimeout(this.#timer);
    this.#timerSet = false;
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    const available: Key<V>[] = [];
    const failed: Key<V>[] = [];
    for (const name of this.#names) (Object.hasOwn(this.#values, name) ? available : failed).push(name);
    this.#resolve({
      values: this.#values as Partial<V>,
      available,
      failed,
      errors: this.#errors as Partial<Record<Key<V>, unknown>>,
    });
  }
}

/** Sets an own entry (not an assignment: a call named "__proto__" must stay a plain entry). */
function define(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function checkCalls<V>(calls: unknown): Key<V>[] {
  if (typeof calls !== 'object' || calls === null || Array.isArray(calls)) {
    throw new TypeError(
      `${WHERE}: calls must be an object of functions by name, like { users: () => …, groups: () => … }`,
    );
  }
  const names = Object.keys(calls);
  for (const name of names) {
    const fn = (calls as Record<string, unknown>)[name];
    if (typeof fn !== 'function') {
      throw new TypeError(
        `${WHERE}: calls.${name} must be a function (it receives { signal, name }), got ${fn === null ? 'null' : typeof fn}`,
      );
    }
  }
  return names as Key<V>[];
}
