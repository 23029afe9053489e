/**
 * Cardinality: a pipeline flooded with 10,000 distinct error classes (and error names that
 * are really messages, and every HTTP status) under 10,000 distinct operation keys exports a
 * bounded number of series, and a second flood of 10,000 new classes adds none.
 */
import {
  backoff,
  breakers,
  bulkhead,
  circuitBreaker,
  fallback,
  type Pipeline,
  Registry,
  rateLimit,
  retry,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import {
  ATTR_ERROR_TYPE,
  ATTR_PIPELINE,
  ATTRIBUTES,
  DEFAULT_ERROR_TYPE_LIMIT,
  ERROR_TYPE_OTHER,
  METRICS,
  type MetricDefinition,
} from '@rampart/otel';
import { describe, expect, it } from 'vitest';
import { type Collected, metricsHarness } from './support/metrics.js';

const FLOOD = 10_000;

/** A new error class per call, named `Failure<n>`: the worst case for `error.type`. */
function distinctError(n: number): Error {
  const name = `Failure${n}`;
  const Class = { [name]: class extends Error {} }[name]!;
  return new Class('flood');
}

/** Every third error is not a class but a `name` stuffed with a message, or carries an HTTP status. */
function floodError(n: number): unknown {
  if (n % 3 === 1)
    return Object.assign(new Error('x'), { name: `request to /users/${n} failed for user${n}@example.com` });
  if (n % 3 === 2) return Object.assign(new Error('http'), { status: 100 + (n % 500) });
  return distinctError(n);
}

function floodPipeline(registry: Registry, clock: TestClock): Pipeline {
  return registry.pipeline(
    'flood',
    [
      // Half the failures fall back (by class number), so fallback uses see the flood too.
      fallback({ fn: () => 'fallback', handles: (e) => e instanceof Error && e.message === 'flood', clock }),
      rateLimit({ rate: 1_000, interval: 1, burst: 1_000, clock }),
      circuitBreaker({ breaker: breakers.consecutive(1_000_000), clock }),
      retry({ maxAttempts: 2, backoff: backoff.constant(1, { jitter: 'none' }), clock }),
      timeout({ after: 1_000, clock }),
      bulkhead({ limit: 100, queue: 100, clock }),
    ],
    { clock },
  );
}

/** Runs `count` calls with distinct keys, each attempt failing with a new error (from `first`). */
async function flood(p: Pipeline, clock: TestClock, first: number, count: number): Promise<void> {
  let n = first;
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    calls.push(
      p.execute(() => Promise.reject(floodError(n++)), { key: `op-${first + i}` }).catch(() => undefined),
    );
    if (calls.length === 100) {
      await clock.runAll();
      await Promise.all(calls.splice(0));
    }
  }
  await clock.runAll();
  await Promise.all(calls);
}

/** Values an attribute can take: its closed set, the error-type cap, or what the test uses. */
function valuesOf(attribute: string, errorTypeLimit: number, open: number): number {
  if (attribute === ATTR_ERROR_TYPE) return errorTypeLimit + 2; // the kept types, _OTHER, _RESULT
  const known = ATTRIBUTES.find((a) => a.name === attribute)?.values;
  return known === undefined ? open : known.length;
}

/** The most series an instrument may export for one pipeline with one policy of each kind. */
function bound(metric: MetricDefinition, errorTypeLimit: number): number {
  return metric.attributes.reduce(
    (product, attribute) => product * valuesOf(attribute, errorTypeLimit, 1),
    1,
  );
}

function pointCounts(m: Collected): Record<string, number> {
  return Object.fromEntries([...m.pointCounts()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('cardinality under a flood of distinct errors and operation keys', () => {
  for (const errorTypeLimit of [DEFAULT_ERROR_TYPE_LIMIT, 5]) {
    it(`${FLOOD.toLocaleString('en')} error classes and keys: bounded series, and ${FLOOD.toLocaleString('en')} more add none (errorTypeLimit ${errorTypeLimit})`, {
      timeout: 60_000,
    }, async () => {
      const clock = new TestClock();
      // Collected and checked at the end: rampart swallows what an error handler throws.
      const listenerErrors: unknown[] = [];
      const instrumentationErrors: string[] = [];
      const registry = new Registry({ onListenerError: (error) => listenerErrors.push(error) });
      const p = floodPipeline(registry, clock);
      const h = metricsHarness(registry, {
        errorTypeLimit,
        onError: (error, context) => instrumentationErrors.push(`${context}: ${String(error)}`),
      });
      try {
        await flood(p, clock, 0, FLOOD);
        const first = await h.collect();
        for (const metric of METRICS) {
          const points = first.points(metric.name);
          expect(points.length, `${metric.name} series`).toBeLessThanOrEqual(bound(metric, errorTypeLimit));
          const types = new Set(
            points.map((pt) => pt.attributes[ATTR_ERROR_TYPE]).filter((t) => t !== undefined),
          );
          expect(types.size, `${metric.name} error types`).toBeLessThanOrEqual(errorTypeLimit + 2);
          for (const pt of points) {
            expect(pt.attributes[ATTR_PIPELINE]).toBe('flood');
            // Keys and messages never become labels.
            for (const value of Object.values(pt.attributes)) {
              expect(String(value)).not.toMatch(/op-|@example\.com|\/users\//);
            }
          }
        }
        // The flood is there: most failures are counted as _OTHER, every call is counted.
        expect(first.total('rampart.call.duration')).toBe(FLOOD);
        expect(
          first.total('rampart.attempt.duration', { [ATTR_ERROR_TYPE]: ERROR_TYPE_OTHER }),
        ).toBeGreaterThan(FLOOD);

        await flood(p, clock, FLOOD * 2, FLOOD);
        const second = await h.collect();
        expect(pointCounts(second)).toEqual(pointCounts(first));
        expect(second.total('rampart.call.duration')).toBe(2 * FLOOD);
        expect(listenerErrors).toEqual([]);
        expect(instrumentationErrors).toEqual([]);
        const total = [...second.pointCounts().values()].reduce((a, b) => a + b, 0);
        console.info(
          `cardinality (errorTypeLimit ${errorTypeLimit}): ${2 * FLOOD} calls, ${4 * FLOOD} distinct errors, ${2 * FLOOD} keys -> ${total} series: ${JSON.stringify(pointCounts(second))}`,
        );
      } finally {
        await h.close();
      }
    });
  }

  it('a pipeline re-created 1,000 times under one name keeps one set of series', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const h = metricsHarness(registry);
    try {
      let first: Record<string, number> | undefined;
      for (let i = 0; i < 1_000; i++) {
        const p = registry.pipeline('rebuilt', [circuitBreaker({ clock }), bulkhead({ limit: 2, clock })], {
          clock,
          replace: true,
        });
        await p
          .execute(() => (i % 2 === 0 ? 'ok' : Promise.reject(new Error('down'))))
          .catch(() => undefined);
        if (i === 1) first = pointCounts(await h.collect());
      }
      const last = await h.collect();
      expect(pointCounts(last)).toEqual(first);
      expect(last.total('rampart.call.duration')).toBe(1_000);
    } finally {
      await h.close();
    }
  });
});
