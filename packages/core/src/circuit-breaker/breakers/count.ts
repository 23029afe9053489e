import type { BreakerSpec, CountBreakerSpec } from '../options.js';
import type { BreakerState, OpenReason } from './breaker-state.js';

const FAILED = 1;
const SLOW = 2;

/**
 * The last `size` calls in a ring buffer of one byte each (bit 0: failed, bit 1: slow),
 * with running totals so that every operation is O(1) and allocation-free.
 */
export class CountState implements BreakerState {
  #spec: CountBreakerSpec;
  #ring: Uint8Array;
  /** Where the next call goes (the oldest call once the ring is full). */
  #next = 0;
  #calls = 0;
  #failed = 0;
  #slow = 0;

  constructor(spec: CountBreakerSpec) {
    this.#spec = spec;
    this.#ring = new Uint8Array(spec.size);
  }

  get spec(): CountBreakerSpec {
    return this.#spec;
  }

  record(failure: boolean, slow: boolean): void {
    const ring = this.#ring;
    if (this.#calls === ring.length) {
      const evicted = ring[this.#next]!;
      this.#failed -= evicted & FAILED;
      this.#slow -= (evicted & SLOW) >> 1;
    } else {
      this.#calls++;
    }
    ring[this.#next] = (failure ? FAILED : 0) | (slow ? SLOW : 0);
    if (failure) this.#failed++;
    if (slow) this.#slow++;
    this.#next = this.#next + 1 === ring.length ? 0 : this.#next + 1;
  }

  shouldOpen(): OpenReason | undefined {
    const calls = this.#calls;
    if (calls < this.#spec.minimumCalls) return undefined;
    if (this.#failed / calls >= this.#spec.failureRatio) return 'failure_threshold';
    if (this.#slow / calls >= this.#spec.slowCallRatio) return 'slow_call_threshold';
    return undefined;
  }

  failures(): number {
    return this.#failed;
  }

  successes(): number {
    return this.#calls - this.#failed;
  }

  failureRatio(): number {
    return this.#calls === 0 ? 0 : this.#failed / this.#calls;
  }

  slowCallRatio(): number {
    return this.#calls === 0 ? 0 : this.#slow / this.#calls;
  }

  reset(): void {
    this.#ring.fill(0);
    this.#next = 0;
    this.#calls = 0;
    this.#failed = 0;
    this.#slow = 0;
  }

  reconfigure(spec: BreakerSpec): boolean {
    if (spec.kind !== 'count') return false;
    if (spec.size !== this.#ring.length) this.#resize(spec.size);
    this.#spec = spec;
    return true;
  }

  /** Keeps the most recent calls that fit in the new size, oldest first. */
  #resize(size: number): void {
    const old = this.#ring;
    const kept = Math.min(this.#calls, size);
    const ring = new Uint8Array(size);
    let failed = 0;
    let slow = 0;
    for (let i = 0; i < kept; i++) {
      // The i-th kept call, counting from the oldest kept one.
      const entry = old[(this.#next - kept + i + old.length) % old.length]!;
      ring[i] = entry;
      failed += entry & FAILED;
      slow += (entry & SLOW) >> 1;
    }
    this.#ring = ring;
    this.#calls = kept;
    this.#failed = failed;
    this.#slow = slow;
    this.#next = kept === size ? 0 : kept;
  }
}
