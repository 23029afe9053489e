import type { BreakerSpec, SamplingBreakerSpec } from '../options.js';
import type { BreakerState, OpenReason } from './breaker-state.js';

/**
 * The calls of the last `window` ms, in `buckets` fixed buckets of `window / buckets` ms.
 * Bucket `b` holds the calls whose time `t` has `floor(t / bucketMs) === b`; the window
 * is the current bucket and the `buckets - 1` before it. Counters live in typed arrays
 * sized once, with running totals: recording a call allocates nothing and costs O(1)
 * (plus clearing the buckets that time has passed, at most `buckets` of them).
 */
export class SamplingState implements BreakerState {
  #spec: SamplingBreakerSpec;
  readonly #bucketMs: number;
  readonly #calls: Float64Array;
  readonly #failed: Float64Array;
  readonly #slow: Float64Array;
  /** Index of the newest bucket in the window (-Infinity: nothing recorded yet). */
  #head = Number.NEGATIVE_INFINITY;
  #totalCalls = 0;
  #totalFailed = 0;
  #totalSlow = 0;

  constructor(spec: SamplingBreakerSpec) {
    this.#spec = spec;
    this.#bucketMs = spec.window / spec.buckets;
    this.#calls = new Float64Array(spec.buckets);
    this.#failed = new Float64Array(spec.buckets);
    this.#slow = new Float64Array(spec.buckets);
  }

  get spec(): SamplingBreakerSpec {
    return this.#spec;
  }

  record(failure: boolean, slow: boolean, now: number): void {
    this.#roll(now);
    const slot = this.#slot(this.#head);
    this.#calls[slot]!++;
    this.#totalCalls++;
    if (failure) {
      this.#failed[slot]!++;
      this.#totalFailed++;
    }
    if (slow) {
      this.#slow[slot]!++;
      this.#totalSlow++;
    }
  }

  shouldOpen(now: number): OpenReason | undefined {
    this.#roll(now);
    const calls = this.#totalCalls;
    if (calls < this.#spec.minimumCalls) return undefined;
    if (this.#totalFailed / calls >= this.#spec.failureRatio) return 'failure_threshold';
    if (this.#totalSlow / calls >= this.#spec.slowCallRatio) return 'slow_call_threshold';
    return undefined;
  }

  failures(now: number): number {
    this.#roll(now);
    return this.#totalFailed;
  }

  successes(now: number): number {
    this.#roll(now);
    return this.#totalCalls - this.#totalFailed;
  }

  failureRatio(now: number): number {
    this.#roll(now);
    return this.#totalCalls === 0 ? 0 : this.#totalFailed / this.#totalCalls;
  }

  slowCallRatio(now: number): number {
    this.#roll(now);
    return this.#totalCalls === 0 ? 0 : this.#totalSlow / this.#totalCalls;
  }

  reset(): void {
    this.#calls.fill(0);
    this.#failed.fill(0);
    this.#slow.fill(0);
    this.#head = Number.NEGATIVE_INFINITY;
    this.#totalCalls = 0;
    this.#totalFailed = 0;
    this.#totalSlow = 0;
  }

  reconfigure(spec: BreakerSpec): boolean {
    // Other bucket boundaries would need calls split across buckets: start a new window.
    if (
      spec.kind !== 'sampling' ||
      spec.window !== this.#spec.window ||
      spec.buckets !== this.#spec.buckets
    ) {
      return false;
    }
    this.#spec = spec;
    return true;
  }

  #slot(bucket: number): number {
    const n = this.#calls.length;
    return ((bucket % n) + n) % n;
  }

  /** Moves the window to the bucket of `now`, emptying the buckets it leaves behind. */
  #roll(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    // Same bucket, or a clock that stepped back: keep counting in the newest bucket.
    if (bucket <= this.#head) return;
    const n = this.#calls.length;
    if (bucket - this.#head >= n) {
      this.reset();
    } else {
      for (let b = this.#head + 1; b <= bucket; b++) this.#clear(this.#slot(b));
    }
    this.#head = bucket;
  }

  #clear(slot: number): void {
    this.#totalCalls -= this.#calls[slot]!;
    this.#totalFailed -= this.#failed[slot]!;
    this.#totalSlow -= this.#slow[slot]!;
    this.#calls[slot] = 0;
    this.#failed[slot] = 0;
    this.#slow[slot] = 0;
  }
}
