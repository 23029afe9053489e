import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  type Histogram,
  MeterProvider,
  type MetricData,
  type MetricProducer,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Registry } from '@rampart/core';
import { type Instrumentation, type InstrumentOptions, instrument } from '../instrument.js';

/** A reader that collects on demand: tests read exactly what an exporter would export. */
export class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One exported point, flattened for assertions. */
export interface Point {
  readonly attributes: Attributes;
  /** Counter/gauge value, or the histogram's count. */
  readonly value: number;
  readonly histogram: Histogram | undefined;
}

export interface Collected {
  readonly metrics: ReadonlyMap<string, MetricData>;
  /** Points of the named metric (empty when it has none). */
  points(name: string, where?: Attributes): Point[];
  /** Sum of values (counters) or counts (histograms) of the points that match `where`. */
  total(name: string, where?: Attributes): number;
  /** Sum of recorded values of a histogram's matching points. */
  sum(name: string, where?: Attributes): number;
}

const matches = (attrs: Attributes, where: Attributes | undefined) =>
  where === undefined || Object.entries(where).every(([k, v]) => attrs[k] === v);

export async function collect(reader: MetricReader): Promise<Collected> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'metric collection reported errors');
  const metrics = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const m of scope.metrics) metrics.set(m.descriptor.name, m);
  }
  const points = (name: string, where?: Attributes): Point[] => {
    const m = metrics.get(name);
    if (m === undefined) return [];
    const out: Point[] = [];
    for (const dp of m.dataPoints as MetricData['dataPoints']) {
      if (!matches(dp.attributes, where)) continue;
      if (m.dataPointType === DataPointType.HISTOGRAM) {
        const h = dp.value as Histogram;
        out.push({ attributes: dp.attributes, value: h.count, histogram: h });
      } else {
        out.push({ attributes: dp.attributes, value: dp.value as number, histogram: undefined });
      }
    }
    return out;
  };
  return {
    metrics,
    points,
    total: (name, where) => points(name, where).reduce((a, p) => a + p.value, 0),
    sum: (name, where) => points(name, where).reduce((a, p) => a + (p.histogram?.sum ?? 0), 0),
  };
}

export interface Harness {
  readonly reader: CollectingReader;
  readonly provider: MeterProvider;
  readonly handle: Instrumentation;
  collect(): Promise<Collected>;
  close(): Promise<void>;
}

/**
 * A real MeterProvider with a collecting reader, instrumenting `registry`. With
 * `histograms: 'producer'` the reader also collects the instrumentation's producer.
 */
export function harness(registry: Registry, options: InstrumentOptions = {}): Harness {
  let handle: Instrumentation | undefined;
  // The reader takes its producers before the instrumentation exists: forward to it.
  const forward: MetricProducer = {
    collect: async (o) => {
      const producer = handle?.metricProducer;
      if (producer === undefined) throw new Error('harness: the instrumentation has no metricProducer');
      return producer.collect(o);
    },
  };
  const reader = new CollectingReader(
    options.histograms === 'producer' ? { metricProducers: [forward] } : undefined,
  );
  const provider = new MeterProvider({ readers: [reader] });
  const instrumentation = instrument(registry, { meterProvider: provider, ...options });
  handle = instrumentation;
  return {
    reader,
    provider,
    handle: instrumentation,
    collect: () => collect(reader),
    close: async () => {
      instrumentation.dispose();
      await provider.shutdown();
    },
  };
}
