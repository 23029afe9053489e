import type { Clock, TimerHandle } from '../clock.js';

/** A call waiting for its deadline: the queue links its entries through these fields. */
export interface DeadlineEntry<E extends DeadlineEntry<E>> {
  /**
   * When the entry expires (clock time, ms), or NaN when its start time was not read: the
   * queue then reads the clock itself, unless the entry is alone (see `add`).
   */
  deadline: number;
  /** How long after its start the entry expires (ms). */
  readonly after: number;
  prev: E | undefined;
  next: E | undefined;
  /** True while the entry is in a queue: makes `remove` safe to call twice. */
  queued: boolean;
}

/**
 * The deadlines of the calls running under one timeout policy, with one timer for all of
 * them instead of one per call. Entries are kept in deadline order (calls of one policy
 * arrive with deadlines in order — a policy that lowers its `after` starts a new queue — so
 * adding is O(1); the queue still sorts whatever it is given, as its tests do), and the
 * timer is armed for the earliest one. A call that ends early only leaves the list: the
 * timer, if it was armed for that call, fires at its old time and is armed again for the
 * next deadline, so a million calls in flight cost one timer. When the last entry leaves,
 * the timer is cleared: no timer outlives the calls it guards.
 *
 * Every deadline is honoured at its own time (as exactly as the clock's timers are), not
 * rounded to a granularity.
 *
 * An entry that arrives at an empty queue needs no clock reading: the timer is armed for its
 * `after`, and its deadline is whenever that timer fires. (A call that runs alone in an
 * unobserved pipeline would otherwise read the clock for nothing: ~40 ns, a sixth of what
 * the timeout costs it.) Such an entry stays at the head — later entries of the same policy
 * expire no earlier, since a policy that lowers its `after` starts a new queue — so the timer
 * armed for it is the queue's. Entries that arrive while others wait read the clock.
 */
export class DeadlineQueue<E extends DeadlineEntry<E>> {
  readonly #clock: Clock;
  readonly #expire: (entry: E) => void;
  #head: E | undefined = undefined;
  #tail: E | undefined = undefined;
  #timer: TimerHandle | undefined = undefined;
  /** The deadline the timer is armed for. */
  #timerAt = Number.POSITIVE_INFINITY;
  /** True while expired entries are being handed out (adding then must not arm a timer). */
  #firing = false;
  readonly #onTimer = () => this.#fire();

  constructor(clock: Clock, expire: (entry: E) => void) {
    this.#clock = clock;
    this.#expire = expire;
  }

  /** Whether a timer is armed (for tests and snapshots). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** The earliest deadline (NaN for an entry alone whose start was not read), or undefined when empty. */
  get next(): number | undefined {
    return this.#head?.deadline;
  }

  /**
   * Adds `entry`, which expires at `entry.deadline`; `now` is the clock's time, or NaN when
   * the caller did not read it (then `entry.deadline` is NaN too).
   */
  add(entry: E, now: number): void {
    entry.queued = true;
    if (Number.isNaN(now)) {
      if (this.#head === undefined && !this.#firing) {
        this.#head = entry;
        this.#tail = entry;
        entry.prev = undefined;
        entry.next = undefined;
        this.#armAlone(entry.after);
        return;
      }
      now = this.#clock.now();
      entry.deadline = now + entry.after;
    }
    const deadline = entry.deadline;
    // Walk back from the tail past later deadlines (none from a timeout policy: see above).
    let before = this.#tail;
    while (before !== undefined && before.deadline > deadline) before = before.prev;
    entry.prev = before;
    if (before === undefined) {
      entry.next = this.#head;
      this.#head = entry;
    } else {
      entry.next = before.next;
      before.next = entry;
    }
    if (entry.next === undefined) this.#tail = entry;
    else entry.next.prev = entry;
    if (entry === this.#head && !this.#firing && deadline < this.#timerAt) this.#arm(now);
  }

  /** Removes `entry` (its call ended before its deadline); returns false if it was not queued. */
  remove(entry: E): boolean {
    if (!entry.queued) return false;
    entry.queued = false;
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    if (this.#head === undefined && this.#timer !== undefined) this.#disarm();
    return true;
  }

  /** Arms the timer for an entry alone in the queue whose start was not read: `after` from now. */
  #armAlone(after: number): void {
    // No later entry can expire before this one (see the class comment): never re-armed for one.
    this.#timerAt = Number.NEGATIVE_INFINITY;
    this.#timer = this.#clock.setTimeout(this.#onTimer, after);
  }

  #arm(now: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    const deadline = this.#head!.deadline;
    this.#timerAt = deadline;
    this.#timer = this.#clock.setTimeout(this.#onTimer, Math.max(0, deadline - now));
  }

  #disarm(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    this.#firing = true;
    try {
      // An entry whose start was not read is due: the timer that fired was armed for it.
      for (
        let entry = this.#head;
        entry !== undefined && (entry.deadline <= now || Number.isNaN(entry.deadline));
        entry = this.#head
      ) {
        this.remove(entry);
        this.#expire(entry);
      }
    } finally {
      this.#firing = false;
      // Entries added while firing, and those not yet due, wait for the next timer.
      if (this.#head !== undefined) this.#arm(this.#clock.now());
    }
  }
}
