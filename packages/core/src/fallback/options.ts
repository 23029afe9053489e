import type { CallContext } from '../types.js';

/** Exactly one of `value`, `fn` or `lastGood`. */
export type FallbackOptions<T = unknown> = (
  | { readonly value: T }
  | { readonly fn: (error: unknown, ctx: CallContext) => T | PromiseLike<T> }
  | { readonly lastGood: { readonly ttl: number } }
) & {
  /** Which errors fall back; default: all but the caller's own abort. */
  readonly handles?: (error: unknown) => boolean;
  readonly name?: string;
  readonly clock?: import('../clock.js').Clock;
};

/** Defaults of `fallback()`; `@rampart/config` builds its schema from this object. */
export const FALLBACK_DEFAULTS = {
  /** @defaultValue 300_000 (ms, for `lastGood`) */
  lastGoodTtl: 300_000,
} as const;
