import type { Clock, TimerHandle } from '@rampart/core';
import type { TestClock } from '@rampart/core/testing';

/**
 * A view of a `TestClock` for one policy, counting the timers the policy schedules, the ones
 * that fire and the ones it cancels before they fire. Giving each policy its own view tells
 * the workload what the policy did with time (a timeout that elapsed, a retry that was
 * scheduled, a backoff cut short by an abort) without reading the policy's events.
 */
export class CountingClock implements Clock {
  readonly #inner: TestClock;
  readonly #pending = new Set<TimerHandle>();
  scheduled = 0;
  fired = 0;
  /** Timers cleared before they fired (clearing a fired timer again is not counted). */
  cancelled = 0;

  constructor(inner: TestClock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#inner.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.scheduled++;
    const handle = this.#inner.setTimeout(() => {
      this.#pending.delete(handle);
      this.fired++;
      fn();
    }, ms);
    this.#pending.add(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    if (this.#pending.delete(handle)) this.cancelled++;
    this.#inner.clearTimeout(handle);
  }

  /** Timers scheduled through this view that have neither fired nor been cleared. */
  get pending(): number {
    return this.#pending.size;
  }
}
