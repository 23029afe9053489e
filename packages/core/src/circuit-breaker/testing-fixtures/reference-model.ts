/**
 * A small, deliberately naive model of the circuit breaker for property tests: it keeps
 * every recorded call in a plain list and recomputes each window from scratch by
 * filtering it, and it performs time-based transitions eagerly whenever time moves.
 * The real breaker (ring buffers, fixed buckets, lazy transitions) must agree with it
 * on every observable.
 */
import type { BackoffSpec } from '../../backoff/options.js';
import type { CircuitState } from '../../events/types.js';
import type { BreakerSpec } from '../options.js';

export type Verdict = 'success' | 'failure' | 'ignored';

interface Recorded {
  readonly t: number;
  readonly failure: boolean;
  readonly slow: boolean;
}

/** A call the model admitted. */
export interface ModelCall {
  readonly start: number;
  readonly probe: boolean;
  /** Whether slowness was tracked when it started (a probe always is). */
  readonly timed: boolean;
  /** The epoch it started in: any state change or reset since makes it stale. */
  readonly epoch: number;
}

export type Admission =
  | { readonly admitted: true; readonly call: ModelCall }
  | { readonly admitted: false; readonly isolated: boolean; readonly retryAfter: number };

export interface ModelSnapshot {
  state: CircuitState;
  failures: number;
  successes: number;
  failureRatio: number;
  slowCallRatio: number;
  lastError: { type: string; at: number } | undefined;
  openedAt: number | undefined;
  halfOpenAt: number | undefined;
  retryAfter: number;
}

export interface ModelConfig {
  readonly breaker: BreakerSpec;
  readonly openFor: number | BackoffSpec;
  readonly probes: number;
  readonly successes: number;
  readonly maxWait: number;
}

export class ReferenceModel {
  now = 0;
  state: CircuitState = 'closed';
  epoch = 0;
  recorded: Recorded[] = [];
  openedAt: number | undefined;
  openUntil = 0;
  halfOpenAt: number | undefined;
  reopenCount = 0;
  /** Running probes: their start times. */
  probes: ModelCall[] = [];
  probeSuccesses = 0;
  lastError: { type: string; at: number } | undefined;
  readonly transitions: string[] = [];
  readonly callResults: string[] = [];

  constructor(public config: ModelConfig) {}

  /**
   * New settings. The recorded calls stay while the window keeps its shape: a count
   * window keeps the most recent calls that fit; another kind, or a time window with
   * other bounds, starts empty. The open period under way keeps its length.
   */
  configure(config: ModelConfig): void {
    const before = this.config.breaker;
    const after = config.breaker;
    if (
      before.kind !== after.kind ||
      (before.kind === 'sampling' &&
        after.kind === 'sampling' &&
        (before.window !== after.window || before.buckets !== after.buckets))
    ) {
      this.recorded = [];
    } else if (before.kind === 'count' && after.kind === 'count') {
      // The window held the last `before.size` calls; of those, the most recent that fit stay.
      this.recorded = this.recorded.slice(-Math.min(before.size, after.size));
    }
    this.config = config;
    // A shorter maxWait may leave a running probe overdue right away.
    this.advanceTo(this.now);
  }

  // ---- windows, recomputed from the full list ----------------------------------------

  #window(): Recorded[] {
    const b = this.config.breaker;
    if (b.kind === 'count') return this.recorded.slice(-b.size);
    if (b.kind === 'sampling') {
      const bucketOf = (t: number) => Math.floor(t / (b.window / b.buckets));
      const current = bucketOf(this.now);
      return this.recorded.filter((c) => bucketOf(c.t) > current - b.buckets);
    }
    return this.recorded;
  }

  /** Length of the run of calls at the end of the list that are all failures (or all successes). */
  #trailing(failure: boolean): number {
    let n = 0;
    for (let i = this.recorded.length - 1; i >= 0 && this.recorded[i]!.failure === failure; i--) n++;
    return n;
  }

  failures(): number {
    if (this.config.breaker.kind === 'consecutive') return this.#trailing(true);
    return this.#window().filter((c) => c.failure).length;
  }

  successes(): number {
    if (this.config.breaker.kind === 'consecutive') return this.#trailing(false);
    return this.#window().filter((c) => !c.failure).length;
  }

  failureRatio(): number {
    const b = this.config.breaker;
    if (b.kind === 'consecutive') return Math.min(1, this.#trailing(true) / b.threshold);
    const w = this.#window();
    return w.length === 0 ? 0 : w.filter((c) => c.failure).length / w.length;
  }

  slowCallRatio(): number {
    if (this.config.breaker.kind === 'consecutive') return 0;
    const w = this.#window();
    return w.length === 0 ? 0 : w.filter((c) => c.slow).length / w.length;
  }

  #shouldOpen(): 'failure_threshold' | 'slow_call_threshold' | undefined {
    const b = this.config.breaker;
    if (b.kind === 'consecutive')
      return this.#trailing(true) >= b.threshold ? 'failure_threshold' : undefined;
    const w = this.#window();
    if (w.length < b.minimumCalls) return undefined;
    if (w.filter((c) => c.failure).length / w.length >= b.failureRatio) return 'failure_threshold';
    if (w.filter((c) => c.slow).length / w.length >= b.slowCallRatio) return 'slow_call_threshold';
    return undefined;
  }

  #slowCallDuration(): number {
    const b = this.config.breaker;
    return b.kind === 'consecutive' ? Number.POSITIVE_INFINITY : b.slowCallDuration;
  }

  // ---- the state machine ---------------------------------------------------------------

  #go(to: CircuitState, reason: string): void {
    this.transitions.push(`${this.state}>${to}:${reason}`);
    this.state = to;
    this.epoch++;
    this.probes = [];
  }

  #openDuration(): number {
    const o = this.config.openFor;
    if (typeof o === 'number') return o;
    // jitter 'none' only in the properties: the plain formulas.
    const k = this.reopenCount;
    if (o.kind === 'constant') return Math.min(o.initial, o.max);
    if (o.kind === 'linear') return Math.min(o.max, o.initial + o.factor * k);
    return Math.min(o.max, o.initial * o.factor ** k);
  }

  #open(at: number, reason: string): void {
    if (this.state === 'half_open') this.reopenCount++;
    this.openedAt = at;
    this.openUntil = at + this.#openDuration();
    this.halfOpenAt = undefined;
    this.#go('open', reason);
  }

  /** Time moves to `now`: every transition that falls due happens, at its due time. */
  advanceTo(now: number): void {
    this.now = now;
    for (;;) {
      if (this.state === 'open' && now >= this.openUntil) {
        this.halfOpenAt = this.openUntil;
        this.probeSuccesses = 0;
        this.#go('half_open', 'open_elapsed');
      } else if (this.state === 'half_open' && this.probes.length > 0) {
        const deadline = Math.min(...this.probes.map((p) => p.start)) + this.config.maxWait;
        if (now < deadline) return;
        this.#open(deadline, 'probe_timed_out');
      } else {
        return;
      }
    }
  }

  retryAfter(): number {
    switch (this.state) {
      case 'closed':
        return 0;
      case 'open':
        return this.openUntil - this.now;
      case 'half_open':
        if (this.probes.length < this.config.probes) return 0;
        return Math.max(0, Math.min(...this.probes.map((p) => p.start)) + this.config.maxWait - this.now);
      case 'isolated':
        return Number.POSITIVE_INFINITY;
    }
  }

  start(): Admission {
    if (this.state === 'closed') {
      const b = this.config.breaker;
      const timed =
        b.kind === 'sampling' || (b.kind === 'count' && b.slowCallDuration !== Number.POSITIVE_INFINITY);
      return { admitted: true, call: { start: this.now, probe: false, epoch: this.epoch, timed } };
    }
    if (this.state === 'half_open' && this.probes.length < this.config.probes) {
      const call = { start: this.now, probe: true, epoch: this.epoch, timed: true };
      this.probes.push(call);
      return { admitted: true, call };
    }
    this.callResults.push('rejected');
    return { admitted: false, isolated: this.state === 'isolated', retryAfter: this.retryAfter() };
  }

  settle(call: ModelCall, verdict: Verdict, errorType: string): void {
    const slow = call.timed && this.now - call.start > this.#slowCallDuration();
    this.callResults.push(verdict + (slow ? '(slow)' : ''));
    if (verdict === 'ignored') {
      if (call.probe && call.epoch === this.epoch) this.probes = this.probes.filter((p) => p !== call);
      return;
    }
    const failure = verdict === 'failure';
    if (failure) this.lastError = { type: errorType, at: this.now };
    if (call.epoch !== this.epoch) return;
    if (!call.probe) {
      this.recorded.push({ t: this.now, failure, slow });
      const reason = this.#shouldOpen();
      if (reason !== undefined) this.#open(this.now, reason);
      return;
    }
    this.probes = this.probes.filter((p) => p !== call);
    if (failure) {
      this.#open(this.now, 'probe_failed');
    } else if (++this.probeSuccesses >= this.config.successes) {
      this.recorded = [];
      this.reopenCount = 0;
      this.openedAt = undefined;
      this.halfOpenAt = undefined;
      this.#go('closed', 'probe_succeeded');
    }
  }

  isolate(): void {
    if (this.state === 'isolated') return;
    this.openedAt = this.now;
    this.halfOpenAt = undefined;
    this.#go('isolated', 'isolated');
  }

  reset(): void {
    this.recorded = [];
    this.reopenCount = 0;
    if (this.state === 'closed') {
      this.epoch++;
      return;
    }
    this.openedAt = undefined;
    this.halfOpenAt = undefined;
    this.#go('closed', 'reset');
  }

  snapshot(): ModelSnapshot {
    return {
      state: this.state,
      failures: this.failures(),
      successes: this.successes(),
      failureRatio: this.failureRatio(),
      slowCallRatio: this.slowCallRatio(),
      lastError: this.lastError,
      openedAt: this.openedAt,
      halfOpenAt: this.halfOpenAt,
      retryAfter: this.retryAfter(),
    };
  }
}
