import type { Attributes } from '@opentelemetry/api';
import type { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Registry } from '@rampart/core';
import { ATTR_PIPELINE, type Instrumentation, type InstrumentOptions } from '@rampart/otel';
// The reader, the collection (points, total, sum) and the harness are the otel package's own
// test fixtures; this file adds the per-series views the reliability tests need on top of them.
import {
  CollectingReader,
  collect as collectMetrics,
  type Collected as FixtureCollected,
  harness,
  type Point,
} from '../../../packages/otel/src/testing-fixtures/metrics.js';

export { CollectingReader, type Point };

/** One collection, flattened for assertions. */
export interface Collected extends FixtureCollected {
  /**
   * Every point of `name` as `"pipeline|v1|v2…"` (the values of `attributes`, in that order,
   * empty when absent) → value; points with the same key add up.
   */
  series(name: string, attributes: readonly string[]): Map<string, number>;
  /** Data points per instrument (exported series), by metric name. */
  pointCounts(): Map<string, number>;
}

function withSeries(base: FixtureCollected): Collected {
  return {
    ...base,
    series(name, attributes) {
      const out = new Map<string, number>();
      for (const point of base.points(name)) {
        const key = seriesKey(point.attributes, attributes);
        out.set(key, (out.get(key) ?? 0) + point.value);
      }
      return out;
    },
    pointCounts() {
      const out = new Map<string, number>();
      for (const [name, metric] of base.metrics) out.set(name, metric.dataPoints.length);
      return out;
    },
  };
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
  return withSeries(await collectMetrics(reader));
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
