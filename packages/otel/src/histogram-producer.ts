import {
  type Attributes,
  type AttributeValue,
  type Histogram,
  type HrTime,
  ValueType,
} from '@opentelemetry/api';
import { DURATION_BUCKETS_SECONDS, type MetricDefinition } from './constants.js';
import type { Series } from './series.js';

/**
 * The shapes of `@opentelemetry/sdk-metrics` 2.x that a `MetricProducer` returns, written
 * out here so that the main entry needs neither the SDK at runtime nor its types: a
 * `RampartMetricProducer` is assignable to the SDK's `MetricProducer` (the Prometheus
 * entry passes it to `PrometheusExporter` without a cast, which the typecheck proves).
 */
export interface ProducedHistogram {
  buckets: { boundaries: number[]; counts: number[] };
  sum?: number;
  count: number;
  min?: number;
  max?: number;
}

export interface ProducedHistogramPoint {
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly attributes: Attributes;
  readonly value: ProducedHistogram;
}

export interface ProducedHistogramMetric {
  readonly descriptor: {
    readonly name: string;
    readonly description: string;
    readonly unit: string;
    readonly valueType: ValueType;
  };
  /** `AggregationTemporality.CUMULATIVE` of sdk-metrics. */
  readonly aggregationTemporality: 1;
  /** `DataPointType.HISTOGRAM` of sdk-metrics. */
  readonly dataPointType: 0;
  readonly dataPoints: ProducedHistogramPoint[];
}

export interface ProducedScopeMetrics {
  scope: { name: string; version?: string; schemaUrl?: string };
  metrics: ProducedHistogramMetric[];
}

/** The resource part of a collection. A `MetricReader` keeps its own and drops this one. */
export interface ProducedResource {
  readonly attributes: Attributes;
  merge(other: ProducedResource | null): ProducedResource;
  getRawAttributes(): [string, AttributeValue | undefined][];
}

export interface ProducedCollection {
  resourceMetrics: { resource: ProducedResource; scopeMetrics: ProducedScopeMetrics[] };
  errors: unknown[];
}

/** Structurally an sdk-metrics `MetricProducer`: pass it to a `MetricReader`'s `metricProducers`. */
export interface RampartMetricProducer {
  collect(options?: { timeoutMillis?: number }): Promise<ProducedCollection>;
}

/** Where a duration goes once its series is found: an SDK histogram, or rampart's own buckets. */
export interface DurationRecorder {
  record(seconds: number, series: Series): void;
}

/** Aggregated values of one series, updated in place by every recording. */
export interface HistogramState {
  /** One count per bucket: `DURATION_BUCKETS_SECONDS.length + 1` (the last is +Inf). */
  readonly counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

const BOUNDS: readonly number[] = DURATION_BUCKETS_SECONDS;
const LAST_BOUND = BOUNDS.length;

/** The default path: every duration goes to the SDK histogram with the series' attributes. */
export function sdkDurationRecorder(histogram: Histogram): DurationRecorder {
  return { record: (seconds, series) => histogram.record(seconds, series.attributes) };
}

/**
 * One histogram aggregated by rampart: each series keeps its bucket counts, count, sum, min
 * and max, so a recording is a bucket search and a few additions — no attribute hashing,
 * no allocation after the series' first recording. Same buckets and semantics as the SDK's
 * explicit-bucket histogram: a bucket's boundary is its inclusive upper bound, and a
 * negative value is dropped (the SDK drops it with a warning); so is NaN, which would
 * poison the sum for good.
 */
export class AggregatedHistogram implements DurationRecorder {
  readonly #definition: MetricDefinition;
  /** Series that hold a state, in the order of their first recording. */
  #series: Series[] = [];

  constructor(definition: MetricDefinition) {
    this.#definition = definition;
  }

  record(seconds: number, series: Series): void {
    if (!(seconds >= 0)) return;
    let state = series.histogram;
    if (state === undefined) {
      state = {
        counts: new Array<number>(LAST_BOUND + 1).fill(0),
        count: 0,
        sum: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
      };
      series.histogram = state;
      this.#series.push(series);
    }
    // Linear from the smallest bucket: most calls are fast, so this usually stops at once.
    let i = 0;
    while (i < LAST_BOUND && seconds > (BOUNDS[i] as number)) i++;
    state.counts[i] = (state.counts[i] as number) + 1;
    state.count++;
    state.sum += seconds;
    if (seconds < state.min) state.min = seconds;
    if (seconds > state.max) state.max = seconds;
  }

  /** Cumulative data of every recorded series, or undefined if none (as the SDK omits it). */
  collect(startTime: HrTime, endTime: HrTime): ProducedHistogramMetric | undefined {
    if (this.#series.length === 0) return undefined;
    const m = this.#definition;
    const dataPoints: ProducedHistogramPoint[] = [];
    for (const series of this.#series) {
      const state = series.histogram;
      if (state === undefined) continue;
      dataPoints.push({
        startTime,
        endTime,
        attributes: series.attributes,
        // Copies: what a collection returns must not move with later recordings.
        value: {
          buckets: { boundaries: [...BOUNDS], counts: [...state.counts] },
          count: state.count,
          sum: state.sum,
          min: state.min,
          max: state.max,
        },
      });
    }
    return {
      descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: ValueType.DOUBLE },
      aggregationTemporality: 1,
      dataPointType: 0,
      dataPoints,
    };
  }

  /** Forgets every series' state: a disposed instrumentation reports nothing more. */
  reset(): void {
    for (const series of this.#series) series.histogram = undefined;
    this.#series = [];
  }
}

const EMPTY_RESOURCE: ProducedResource = Object.freeze({
  attributes: Object.freeze({}),
  merge: (other: ProducedResource | null) => other ?? EMPTY_RESOURCE,
  getRawAttributes: () => [],
});

function hrTimeNow(): HrTime {
  // Epoch time at sub-millisecond resolution, as the SDK's hrTime() computes it.
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/**
 * The `MetricProducer` of an instrumentation whose histograms rampart aggregates: one
 * scope (the instrumentation's meter name and version) with every histogram that has data.
 * Cumulative: each collection reports the totals since `instrument()`; after `dispose()` it
 * reports nothing.
 */
export class HistogramProducer implements RampartMetricProducer {
  readonly #scope: { name: string; version: string };
  readonly #histograms: readonly AggregatedHistogram[];
  readonly #startTime: HrTime = hrTimeNow();
  #disposed = false;

  constructor(scope: { name: string; version: string }, histograms: readonly AggregatedHistogram[]) {
    this.#scope = scope;
    this.#histograms = histograms;
  }

  collect(): Promise<ProducedCollection> {
    const scopeMetrics: ProducedScopeMetrics[] = [];
    if (!this.#disposed) {
      const endTime = hrTimeNow();
      const metrics: ProducedHistogramMetric[] = [];
      for (const histogram of this.#histograms) {
        const data = histogram.collect(this.#startTime, endTime);
        if (data !== undefined) metrics.push(data);
      }
      if (metrics.length > 0) scopeMetrics.push({ scope: { ...this.#scope }, metrics });
    }
    return Promise.resolve({ resourceMetrics: { resource: EMPTY_RESOURCE, scopeMetrics }, errors: [] });
  }

  dispose(): void {
    this.#disposed = true;
    for (const histogram of this.#histograms) histogram.reset();
  }
}
