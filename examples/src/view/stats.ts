import type { CircuitState, RampartEvent } from '@rampart/core';

/**
 * Live numbers per pipeline for the terminal view, computed from the core event stream
 * (`registry.on`), not by scraping metrics: rates over a sliding window of one-second
 * buckets, a latency histogram per bucket for p95, and running totals for the summary.
 */

/** Upper bounds (ms) of the latency buckets: 10 % apart from 1 ms to 2 minutes. */
const LATENCY_BOUNDS: readonly number[] = (() => {
  const bounds: number[] = [];
  for (let b = 1; b < 120_000; b *= 1.1) bounds.push(b);
  bounds.push(Number.POSITIVE_INFINITY);
  return bounds;
})();

function latencyBucket(ms: number): number {
  // Binary search: the first bound >= ms.
  let low = 0;
  let high = LATENCY_BOUNDS.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (LATENCY_BOUNDS[mid]! >= ms) high = mid;
    else low = mid + 1;
  }
  return low;
}

interface Bucket {
  /** Which second (since the epoch of `now()`) this bucket holds; -1 when unused. */
  second: number;
  calls: number;
  failures: number;
  rejectedCalls: number;
  retries: number;
  timeouts: number;
  rejections: number;
  fallbacks: number;
  latency: Uint32Array;
}

/** Running totals since the start, per pipeline. */
export interface PipelineTotals {
  calls: number;
  successes: number;
  failures: number;
  rejectedCalls: number;
  fallbackCalls: number;
  retries: number;
  timeouts: number;
  /** Calls turned away by a policy: open circuit, full bulkhead, rate limit. */
  rejections: number;
  fallbacks: number;
  circuitOpened: number;
  circuitClosed: number;
}

/** What the view shows for one pipeline. */
export interface PipelineLive {
  readonly name: string;
  readonly circuit: CircuitState | undefined;
  readonly callsPerSecond: number;
  /** Calls that did not get an answer (failed or rejected) as a percentage of all calls; NaN without calls. */
  readonly errorPercent: number;
  /** 95th percentile of call duration (ms, upper bucket bound within 10 %); NaN without calls. */
  readonly p95: number;
  readonly retriesPerSecond: number;
  readonly timeouts: number;
  readonly rejections: number;
  readonly fallbacks: number;
  readonly totals: Readonly<PipelineTotals>;
}

class PipelineStats {
  readonly buckets: Bucket[];
  readonly totals: PipelineTotals = {
    calls: 0,
    successes: 0,
    failures: 0,
    rejectedCalls: 0,
    fallbackCalls: 0,
    retries: 0,
    timeouts: 0,
    rejections: 0,
    fallbacks: 0,
    circuitOpened: 0,
    circuitClosed: 0,
  };
  circuit: CircuitState | undefined;

  constructor(size: number, circuit: CircuitState | undefined) {
    this.circuit = circuit;
    this.buckets = Array.from({ length: size }, () => ({
      second: -1,
      calls: 0,
      failures: 0,
      rejectedCalls: 0,
      retries: 0,
      timeouts: 0,
      rejections: 0,
      fallbacks: 0,
      latency: new Uint32Array(LATENCY_BOUNDS.length),
    }));
  }

  bucket(second: number): Bucket {
    const bucket = this.buckets[second % this.buckets.length]!;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.calls = 0;
      bucket.failures = 0;
      bucket.rejectedCalls = 0;
      bucket.retries = 0;
      bucket.timeouts = 0;
      bucket.rejections = 0;
      bucket.fallbacks = 0;
      bucket.latency.fill(0);
    }
    return bucket;
  }
}

export interface LiveStatsOptions {
  /** Length of the sliding window, in whole seconds. @defaultValue 10 */
  readonly windowSeconds?: number;
  /** Time source in ms. @defaultValue Date.now */
  readonly now?: () => number;
}

export class LiveStats {
  readonly #pipelines = new Map<string, PipelineStats>();
  readonly #window: number;
  readonly #now: () => number;
  readonly #since: number;

  constructor(options: LiveStatsOptions = {}) {
    const window = options.windowSeconds ?? 10;
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(`windowSeconds must be a whole number of seconds >= 1, got ${window}`);
    }
    this.#window = window;
    this.#now = options.now ?? Date.now;
    this.#since = this.#now();
  }

  /** Starts tracking a pipeline; `circuit` is its breaker's state now (undefined: no breaker). */
  track(name: string, circuit: CircuitState | undefined): void {
    if (!this.#pipelines.has(name)) this.#pipelines.set(name, new PipelineStats(this.#window + 1, circuit));
  }

  /** The registry listener: `registry.on((e) => stats.record(e))`. */
  record(event: RampartEvent): void {
    const stats = this.#pipelines.get(event.pipeline);
    if (stats === undefined) return; // e.g. a health monitor's events
    const totals = stats.totals;
    switch (event.type) {
      case 'call': {
        const bucket = stats.bucket(this.#second());
        bucket.calls++;
        bucket.latency[latencyBucket(event.duration)]!++;
        totals.calls++;
        if (event.outcome === 'success') totals.successes++;
        else if (event.outcome === 'fallback') totals.fallbackCalls++;
        else if (event.outcome === 'rejected') {
          bucket.rejectedCalls++;
          totals.rejectedCalls++;
        } else {
          bucket.failures++;
          totals.failures++;
        }
        return;
      }
      case 'retry':
        stats.bucket(this.#second()).retries++;
        totals.retries++;
        return;
      case 'timeout':
        stats.bucket(this.#second()).timeouts++;
        totals.timeouts++;
        return;
      case 'circuit.call':
        if (event.result !== 'rejected') return;
        stats.bucket(this.#second()).rejections++;
        totals.rejections++;
        return;
      case 'bulkhead.rejected':
      case 'ratelimit.rejected':
        stats.bucket(this.#second()).rejections++;
        totals.rejections++;
        return;
      case 'fallback':
        stats.bucket(this.#second()).fallbacks++;
        totals.fallbacks++;
        return;
      case 'circuit.transition':
        stats.circuit = event.to;
        if (event.to === 'open') totals.circuitOpened++;
        if (event.to === 'closed') totals.circuitClosed++;
        return;
      default:
        return;
    }
  }

  /** The tracked pipelines' names, in the order they were added. */
  get names(): string[] {
    return [...this.#pipelines.keys()];
  }

  /** Numbers over the last `windowSeconds` complete seconds, plus the current one. */
  live(name: string): PipelineLive {
    const stats = this.#pipelines.get(name);
    if (stats === undefined) throw new Error(`pipeline "${name}" is not tracked`);
    const now = this.#now();
    const current = Math.floor(now / 1_000);
    const oldest = current - this.#window;
    let calls = 0;
    let failed = 0;
    let retries = 0;
    let timeouts = 0;
    let rejections = 0;
    let fallbacks = 0;
    const latency = new Uint32Array(LATENCY_BOUNDS.length);
    for (const bucket of stats.buckets) {
      // The current second is still filling: count it, and measure the span to `now` exactly.
      if (bucket.second <= oldest || bucket.second > current) continue;
      calls += bucket.calls;
      failed += bucket.failures + bucket.rejectedCalls;
      retries += bucket.retries;
      timeouts += bucket.timeouts;
      rejections += bucket.rejections;
      fallbacks += bucket.fallbacks;
      for (let i = 0; i < latency.length; i++) latency[i]! += bucket.latency[i]!;
    }
    // Rates divide by the time the window really covers: less than the window just after start.
    const span = Math.max(0.1, (now - Math.max(this.#since, (oldest + 1) * 1_000)) / 1_000);
    return {
      name,
      circuit: stats.circuit,
      callsPerSecond: calls / span,
      errorPercent: calls === 0 ? Number.NaN : (100 * failed) / calls,
      p95: percentile(latency, calls, 0.95),
      retriesPerSecond: retries / span,
      timeouts,
      rejections,
      fallbacks,
      totals: { ...stats.totals },
    };
  }

  /** The window the live numbers cover, in seconds. */
  get windowSeconds(): number {
    return this.#window;
  }

  #second(): number {
    return Math.floor(this.#now() / 1_000);
  }
}

function percentile(histogram: Uint32Array, count: number, q: number): number {
  if (count === 0) return Number.NaN;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return LATENCY_BOUNDS[i]!;
  }
  return Number.NaN;
}
