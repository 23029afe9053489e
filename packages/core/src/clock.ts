/**
 * Time for every policy. Production uses `systemClock`; tests inject a `TestClock`
 * (from `@rampart/core/testing`) so that every timing behaviour is deterministic.
 */
export interface Clock {
  /** Milliseconds since the epoch, with sub-millisecond precision where available. */
  now(): number;
  /** Schedules `fn` after `ms`. The timer must never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle. */
export type TimerHandle = unknown;

type Unrefable = { unref?: () => void };

const origin = typeof performance !== 'undefined' ? performance.timeOrigin : 0;

/** The real clock: `performance` for time, global timers unref'd so they never hold the process open. */
export const systemClock: Clock = {
  now: typeof performance !== 'undefined' ? () => origin + performance.now() : () => Date.now(),
  setTimeout(fn, ms) {
    const handle = globalThis.setTimeout(fn, ms) as unknown as Unrefable;
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
};
