import type { Clock } from '../clock.js';
import type { CallContext } from '../types.js';

/** Options every form of `fallback()` takes. */
export interface FallbackCommonOptions {
  /**
   * Which errors fall back (default: every error but an `AbortError`). Whatever it says,
   * a call whose caller (or an outer layer) aborted it is never served a fallback.
   */
  readonly handles?: (error: unknown) => boolean;
  readonly name?: string;
  readonly clock?: Clock;
}

/** Serve a fixed value. */
export interface FallbackValueOptions<T> extends FallbackCommonOptions {
  readonly value: T;
}

/** Compute the answer from the error; a `fn` that throws makes the call fail with its error. */
export interface FallbackFnOptions<T> extends FallbackCommonOptions {
  readonly fn: (error: unknown, ctx: CallContext) => T | PromiseLike<T>;
}

/** How old a served last-good result is. */
export interface StaleInfo {
  /** When the result was stored (policy clock, ms). */
  readonly storedAt: number;
  /** Its age when served (ms). */
  readonly age: number;
}

export interface LastGoodOptions<T> {
  /** How long (ms, >= 0, or Infinity) a successful result may be served after it was stored. */
  readonly ttl?: number;
  /**
   * Marks a result served from the last-good store as stale, e.g.
   * `(user, { age }) => ({ ...user, stale: true, age })`. Default: the value as it was.
   */
  readonly mark?: (value: T, info: StaleInfo) => T;
}

/**
 * Serve the last successful result (per operation key) while it is younger than `ttl`;
 * otherwise the original error escapes.
 */
export interface FallbackLastGoodOptions<T> extends FallbackCommonOptions {
  readonly lastGood: LastGoodOptions<T>;
}

/** Exactly one of `value`, `fn` or `lastGood`, and the common options. */
export type FallbackOptions<T = unknown> =
  | FallbackValueOptions<T>
  | FallbackFnOptions<T>
  | FallbackLastGoodOptions<T>;

/**
 * What `configure()` changes at run time: `handles`, and the setting of the fallback's own
 * form (`value` of a value fallback, `fn` of a fn fallback, `lastGood` of a last-good one).
 */
export interface FallbackSettings<T = unknown> {
  readonly value: T;
  readonly fn: (error: unknown, ctx: CallContext) => T | PromiseLike<T>;
  readonly lastGood: LastGoodOptions<T>;
  readonly handles: (error: unknown) => boolean;
}

/** Defaults of `fallback()`; `@rampart/config` builds its schema from this object. */
export const FALLBACK_DEFAULTS = {
  /** @defaultValue 300_000 (ms, `lastGood.ttl`) */
  lastGoodTtl: 300_000,
} as const;
