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

/** The longest delay a host timer can wait (2^31 - 1 ms, about 24.8 days). */
export const MAX_HOST_DELAY = 2_147_483_647;

/**
 * A timer longer than a host timer can wait. Node and browsers fire a longer one after 1 ms,
 * which would make `timeout({ after: 30 days })` time out at once: it waits in steps instead.
 */
class LongTimer {
  handle: unknown;
}

function startHostTimer(fn: () => void, ms: number): unknown {
  const handle = globalThis.setTimeout(fn, ms) as unknown as Unrefable;
  handle.unref?.();
  return handle;
}

const now = typeof performance !== 'undefined' ? () => origin + performance.now() : () => Date.now();

/** The real clock: `performance` for time, global timers unref'd so they never hold the process open. */
export const systemClock: Clock = {
  now,
  setTimeout(fn, ms) {
    if (!(ms > MAX_HOST_DELAY)) return startHostTimer(fn, ms);
    const timer = new LongTimer();
    const due = now() + ms;
    const step = () => {
      const left = due - now();
      if (left > 0) timer.handle = startHostTimer(step, Math.min(left, MAX_HOST_DELAY));
      else fn();
    };
    timer.handle = startHostTimer(step, MAX_HOST_DELAY);
    return timer;
  },
  clearTimeout(handle) {
    const host = handle instanceof LongTimer ? handle.handle : handle;
    globalThis.clearTimeout(host as Parameters<typeof clearTimeout>[0]);
  },
};
