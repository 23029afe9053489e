import type { Clock, TimerHandle } from '../clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in order of due time (then of creation)
 * as `advance` passes them, with microtasks drained in between, so `await`-chains run
 * between timers just as they would in real time.
 */
export class TestClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Number of timers still scheduled: a test can assert none leaked. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }

  /** Fires timers until none is left (or `limit` have fired: guards against timer loops). */
  async runAll(limit = 10_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      const next = this.#earliest();
      if (next === undefined) return;
      await this.advance(Math.max(0, next.at - this.#now));
    }
    throw new Error(`TestClock.runAll: more than ${limit} timers fired; is a timer rescheduling itself?`);
  }

  /** Sets the time without firing timers (for tests of wall-clock persistence). */
  set(now: number): void {
    this.#now = now;
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers)
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}

/** Lets pending promise callbacks run (several turns, for chains of awaits). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
