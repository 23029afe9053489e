import { ValueType } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
} from '@opentelemetry/sdk-metrics';
import { type Pipeline, Registry } from '@rampart/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  DURATION_BUCKETS_SECONDS,
  METER_NAME,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_CALL_DURATION,
  METRIC_HEALTH_CHECK_DURATION,
} from './constants.js';
import { instrument } from './instrument.js';
import { DbError, emit, exerciseEveryInstrument } from './testing-fixtures/events.js';
import { type Collected, type Harness, harness } from './testing-fixtures/metrics.js';
import { VERSION } from './version.js';

const HISTOGRAMS = [
  METRIC_CALL_DURATION,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_HEALTH_CHECK_DURATION,
];

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
/** One SDK-histogram harness and one producer harness, both on `registry`. */
function both(registry: Registry) {
  const onError = (e: unknown) => expect.fail(`unexpected instrumentation error: ${String(e)}`);
  const sdk = harness(registry, { onError });
  const producer = harness(registry, { onError, histograms: 'producer' });
  open.push(sdk, producer);
  return { sdk, producer };
}

const key = (attributes: object) => JSON.stringify(Object.entries(attributes).sort());

/** The histogram data of `name`, points sorted by attributes, for an equality check. */
function histogramOf(c: Collected, name: string) {
  const m = c.metrics.get(name) as HistogramMetricData | undefined;
  if (m === undefined) return undefined;
  return {
    descriptor: {
      name: m.descriptor.name,
      description: m.descriptor.description,
      unit: m.descriptor.unit,
      valueType: m.descriptor.valueType,
    },
    dataPointType: m.dataPointType,
    aggregationTemporality: m.aggregationTemporality,
    points: m.dataPoints
      .map((p) => ({ attributes: p.attributes, value: p.value }))
      .sort((a, b) => key(a.attributes).localeCompare(key(b.attributes))),
  };
}

const call = (p: Pipeline, ms: number, outcome: 'success' | 'failure' = 'success') =>
  emit(p, {
    type: 'call',
    policy: 'pipeline',
    policyName: p.name,
    outcome,
    duration: ms,
    error: outcome === 'success' ? undefined : new DbError(),
  });
const attempt = (p: Pipeline, n: number, ms: number, outcome: 'success' | 'failure' = 'success') =>
  emit(p, {
    type: 'attempt',
    policy: 'pipeline',
    policyName: p.name,
    attempt: n,
    outcome,
    duration: ms,
    error: outcome === 'success' ? undefined : new DbError(),
  });

describe("instrument({ histograms: 'producer' })", () => {
  it('produces exactly the data of the SDK histograms for the same recordings', async () => {
    const registry = new Registry();
    const { sdk, producer } = both(registry);
    const p = await exerciseEveryInstrument(registry, 'payments');
    // Every boundary exactly (inclusive upper bounds), just above it, zero, beyond the last.
    for (const bound of DURATION_BUCKETS_SECONDS) {
      call(p, bound * 1000);
      call(p, bound * 1000 + 0.001, 'failure');
      attempt(p, 2, bound * 1000);
    }
    call(p, 0);
    call(p, 3_600_000, 'failure');
    attempt(p, 7, 120_000, 'failure');
    call(p, -1); // dropped by both
    const [a, b] = [await sdk.collect(), await producer.collect()];
    for (const m of HISTOGRAMS) {
      const expected = histogramOf(a, m.name);
      expect(expected, m.name).toBeDefined();
      expect(histogramOf(b, m.name), m.name).toEqual(expected);
    }
    const calls = histogramOf(b, METRIC_CALL_DURATION.name);
    expect(calls?.descriptor).toEqual({
      name: METRIC_CALL_DURATION.name,
      description: METRIC_CALL_DURATION.description,
      unit: 's',
      valueType: ValueType.DOUBLE,
    });
    expect(calls?.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(calls?.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    // Counters and gauges still come from the SDK, in both modes.
    expect([...b.metrics.keys()].sort()).toEqual([...a.metrics.keys()].sort());
  });

  it('matches the SDK for any durations (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double({ min: 0, max: 200_000, noNaN: true }), fc.boolean()), {
          maxLength: 60,
        }),
        async (recordings) => {
          const registry = new Registry();
          const { sdk, producer } = both(registry);
          const p = registry.pipeline('prop', []);
          for (const [ms, ok] of recordings) call(p, ms, ok ? 'success' : 'failure');
          const expected = histogramOf(await sdk.collect(), METRIC_CALL_DURATION.name);
          const actual = histogramOf(await producer.collect(), METRIC_CALL_DURATION.name);
          expect(actual).toEqual(expected);
          for (const h of open.splice(0)) await h.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is cumulative across collections, and a collection is a snapshot', async () => {
    const registry = new Registry();
    const { sdk, producer } = both(registry);
    const p = registry.pipeline('orders', []);
    call(p, 3);
    const first = await producer.collect();
    const firstPoint = first.points(METRIC_CALL_DURATION.name)[0]?.histogram;
    expect(firstPoint?.count).toBe(1);
    call(p, 7);
    call(p, 20_000);
    const second = await producer.collect();
    expect(firstPoint?.count).toBe(1);
    expect(firstPoint?.buckets.counts.reduce((x, y) => x + y, 0)).toBe(1);
    const secondPoint = second.points(METRIC_CALL_DURATION.name)[0]?.histogram;
    expect(secondPoint?.count).toBe(3);
    expect(secondPoint?.min).toBe(0.003);
    expect(secondPoint?.max).toBe(20);
    expect(histogramOf(second, METRIC_CALL_DURATION.name)).toEqual(
      histogramOf(await sdk.collect(), METRIC_CALL_DURATION.name),
    );
  });

  it('reports no histogram before the first recording, as the SDK does', async () => {
    const registry = new Registry();
    const { sdk, producer } = both(registry);
    registry.pipeline('idle', []);
    const [a, b] = [await sdk.collect(), await producer.collect()];
    for (const m of HISTOGRAMS) {
      expect(a.metrics.has(m.name)).toBe(false);
      expect(b.metrics.has(m.name)).toBe(false);
    }
  });

  it('names its scope after the meter, and the user attributes are on every point', async () => {
    const registry = new Registry();
    const h = harness(registry, { histograms: 'producer', meterName: 'svc', attributes: { team: 'a' } });
    open.push(h);
    call(registry.pipeline('orders', []), 1);
    const result = await h.handle.metricProducer?.collect();
    const scope = result?.resourceMetrics.scopeMetrics[0];
    expect(scope?.scope).toEqual({ name: 'svc', version: VERSION });
    expect(scope?.metrics[0]?.dataPoints[0]?.attributes).toEqual({
      team: 'a',
      [ATTR_PIPELINE]: 'orders',
      [ATTR_OUTCOME]: 'success',
    });
  });

  it('reports nothing after dispose, and a new instrumentation starts from zero', async () => {
    const registry = new Registry();
    const meterProvider = new MeterProvider();
    const first = instrument(registry, { histograms: 'producer', meterName: METER_NAME, meterProvider });
    const p = registry.pipeline('orders', []);
    call(p, 1);
    call(p, 2);
    const producer = first.metricProducer;
    expect((await producer?.collect())?.resourceMetrics.scopeMetrics).toHaveLength(1);
    first.dispose();
    first.dispose();
    expect((await producer?.collect())?.resourceMetrics.scopeMetrics).toEqual([]);
    call(p, 3); // no longer listening
    expect((await producer?.collect())?.resourceMetrics.scopeMetrics).toEqual([]);

    const second = instrument(registry, { histograms: 'producer', meterProvider });
    call(p, 4);
    const scopes = (await second.metricProducer?.collect())?.resourceMetrics.scopeMetrics;
    const point = scopes?.[0]?.metrics[0]?.dataPoints[0]?.value;
    expect(point?.count).toBe(1);
    expect(point?.sum).toBe(0.004);
    second.dispose();
  });

  it('creates no SDK histogram in producer mode, and has no producer in the default mode', async () => {
    const registry = new Registry();
    const sdkOnly = harness(registry, {});
    const producerMode = harness(registry, { histograms: 'producer' });
    open.push(sdkOnly, producerMode);
    expect(sdkOnly.handle.metricProducer).toBeUndefined();
    expect(producerMode.handle.metricProducer).toBeDefined();
    call(registry.pipeline('orders', []), 1);
    // Only the producer's scope holds histograms: the SDK's scope of the producer-mode
    // provider has none.
    const { resourceMetrics } = await producerMode.reader.collect();
    const histogramScopes = resourceMetrics.scopeMetrics.filter((s) =>
      s.metrics.some((m) => m.dataPointType === DataPointType.HISTOGRAM),
    );
    expect(histogramScopes).toHaveLength(1);
    expect(histogramScopes[0]?.metrics.every((m) => m.dataPointType === DataPointType.HISTOGRAM)).toBe(true);
  });

  it('rejects an unknown histograms mode, naming the option', () => {
    expect(() => instrument(new Registry(), { histograms: 'mine' as never })).toThrow(
      /histograms must be 'sdk' or 'producer', got "mine"/,
    );
  });
});
