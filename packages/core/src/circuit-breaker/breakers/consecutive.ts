import type { BreakerSpec, ConsecutiveBreakerSpec } from '../options.js';
import type { BreakerState, OpenReason } from './breaker-state.js';

/** Failures in a row; any success starts over. Slowness plays no part. */
export class ConsecutiveState implements BreakerState {
  #spec: ConsecutiveBreakerSpec;
  #failures = 0;
  #successes = 0;

  constructor(spec: ConsecutiveBreakerSpec) {
    this.#spec = spec;
  }

  get spec(): ConsecutiveBreakerSpec {
    return this.#spec;
  }

  record(failure: boolean): void {
    if (failure) {
      this.#failures++;
      this.#successes = 0;
    } else {
      this.#successes++;
      this.#failures = 0;
    }
  }

  shouldOpen(): OpenReason | undefined {
    return this.#failures >= this.#spec.threshold ? 'failure_threshold' : undefined;
  }

  failures(): number {
    return this.#failures;
  }

  successes(): number {
    return this.#successes;
  }

  failureRatio(): number {
    // How close the streak is to opening; capped because a lowered threshold may sit below it.
    return Math.min(1, this.#failures / this.#spec.threshold);
  }

  slowCallRatio(): number {
    return 0;
  }

  reset(): void {
    this.#failures = 0;
    this.#successes = 0;
  }

  reconfigure(spec: BreakerSpec): boolean {
    if (spec.kind !== 'consecutive') return false;
    this.#spec = spec;
    return true;
  }
}
