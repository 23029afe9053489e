import { type AnyPolicy, bulkhead, Registry } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { ATTR_POLICY, METRIC_BULKHEAD_LIMIT } from './constants.js';
import { harness } from './testing-fixtures/metrics.js';

describe('live state', () => {
  // Regression: when a snapshot threw and the user's onError threw as well, the error left the
  // batch callback and the SDK dropped every gauge of that collection, not just the broken
  // policy's. Found by test/reliability/fault-isolation.test.ts.
  it("a throwing onError does not cost other policies' gauges their data points", async () => {
    const broken: AnyPolicy = {
      kind: 'bulkhead',
      name: 'broken',
      execute: (next, ctx) => next(ctx),
      snapshot: () => {
        throw new Error('snapshot failed');
      },
      configure: () => {},
    };
    const registry = new Registry();
    registry.pipeline('p', [broken, bulkhead({ limit: 7 })]);
    const h = harness(registry, {
      onError: () => {
        throw new Error('onError is broken as well');
      },
    });
    try {
      const m = await h.collect(); // throws when the SDK reports a failed callback
      expect(m.total(METRIC_BULKHEAD_LIMIT.name, { [ATTR_POLICY]: 'bulkhead' })).toBe(7);
    } finally {
      await h.close();
    }
  });
});
