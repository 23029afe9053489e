import type { Clock } from '../clock.js';

/*
 * Why this file exists: an observed call used to read the clock ten times (when the call,
 * the attempt and the breaker's measurement start and end, the deadline, and the time of
 * every event), at ~40 ns a read on Node 20 — a third of what instrumenting a call cost.
 * Yet those reads come in two bursts of synchronous work — the call going in, and the
 * outcome coming back out — and within a burst no time worth measuring passes: the
 * policies' own bookkeeping takes nanoseconds. So one reading serves a whole burst.
 *
 * A "pass" is one such burst: from the moment the call's frames start or resume (the
 * function settled, a wait ended, a stage let a queued call in) until they hand control
 * back. A frame forgets its reading whenever a pass may have ended: at every resumption,
 * and after user code that may take time ran in between (the function itself, when it
 * throws synchronously; a fallback `fn`). Listeners are not counted: durations measure the
 * dependency and the policies, not whoever is watching them.
 */

/** One clock reading shared by the stages of one pass of a call. */
export class PassTime {
  #clock: Clock | undefined = undefined;
  #time = 0;

  /** `clock.now()`, read at most once per pass and clock. */
  now(clock: Clock): number {
    if (this.#clock !== clock) {
      this.#time = clock.now();
      this.#clock = clock;
    }
    return this.#time;
  }

  /** The reading of this pass if `clock` has been read in it, else NaN (reads nothing). */
  peek(clock: Clock): number {
    return this.#clock === clock ? this.#time : Number.NaN;
  }

  /** A new pass begins (or time may have passed): the next `now` reads the clock again. */
  reset(): void {
    this.#clock = undefined;
  }
}
