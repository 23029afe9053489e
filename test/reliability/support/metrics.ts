import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  type Histogram,
  type MeterProvider,
  type MetricData,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from '@rampart/core';
import { ATTR_PIPELINE, type Instrumentation, type InstrumentOptions } from '@rampart/otel';
// The reader and the harness are the otel package's own test fixtures; this file adds the
// per-series views the reliability tests need on top of them.
import {
  CollectingReader,
  collect as collectMetrics,
  harness,
} from '../../../packages/otel/src/testing-fixtures/metrics.js';

export { CollectingReader };

/** One exported data point. */
export interface Point {
  readonly attributes: Attributes;
  /** A counter's or gauge's value, or a histogram's count. */
  readonly value: number;
  /** A histogram's sum (0 for other kinds). */
  readonly sum: number;
}

/** One collection, flattened for assertions. */
export class Collected {
  readonly metrics: ReadonlyMap<string, MetricData>;

  constructor(metrics: ReadonlyMap<string, MetricData>) {
    this.metrics = metrics;
  }

  points(name: string): Point[] {
    const metric = this.metrics.get(name);
    if (metric === undefined) return [];
    const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
    return (metric.dataPoints as MetricData['dataPoints']).map((dp) =>
      histogram
        ? {
            attributes: dp.attributes,
            value: (dp.value as Histogram).count,
            sum: (dp.value as Histogram).sum ?? 0,
          }
        : { attributes: dp.attributes, value: dp.value as number, sum: 0 },
    );
  }

  /**
   * Every point of `name` as `"pipeline|v1|v2…"` (the values of `attributes`, in that order,
   * empty when absent) → value; points with the same key add up.
   */
  series(name: string, attributes: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const point of this.points(name)) {
      const key = seriesKey(point.attributes, attributes);
      out.set(key, (out.get(key) ?? 0) + point.value);
    }
    return out;
  }

  /** Sum of values (counts, for histograms) of the points whose attributes include `where`. */
  total(name: string, where: Attributes = {}): number {
    return this.points(name)
      .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
      .reduce((a, p) => a + p.value, 0);
  }

  /** Sum of a histogram's recorded values over the points whose attributes include `where`. */
  sum(name: string, where: Attributes = {}): number {
    return this.points(name)
      .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
      .reduce((a, p) => a + p.sum, 0);
  }

  /** Data points per instrument (exported series), by metric name. */
  pointCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, metric] of this.metrics) out.set(name, metric.dataPoints.length);
    return out;
  }
}

/** The key `series()` uses: the pipeline, then each attribute's value (empty when absent). */
export function seriesKey(attributes: Attributes, names: readonly string[]): string {
  const parts = [String(attributes[ATTR_PIPELINE] ?? '')];
  for (const name of names) {
    const value = attributes[name];
    parts.push(value === undefined ? '' : String(value));
  }
  return parts.join('|');
}

export async function collect(reader: MetricReader): Promise<Collected> {
  return new Collected((await collectMetrics(reader)).metrics);
}

/** A real MeterProvider with a collecting reader, instrumenting `registry` through `@rampart/otel`. */
export interface MetricsHarness {
  readonly reader: CollectingReader;
  readonly provider: MeterProvider;
  readonly instrumentation: Instrumentation;
  collect(): Promise<Collected>;
  close(): Promise<void>;
}

export function metricsHarness(registry: Registry, options: InstrumentOptions = {}): MetricsHarness {
  const inner = harness(registry, options);
  return {
    reader: inner.reader,
    provider: inner.provider,
    instrumentation: inner.handle,
    collect: () => collect(inner.reader),
    close: () => inner.close(),
  };
}
