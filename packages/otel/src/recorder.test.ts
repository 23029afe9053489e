import { fallback, Registry } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { ATTR_ERROR_TYPE, ATTR_OUTCOME, METRIC_CALL_DURATION, METRIC_FALLBACK_USES } from './constants.js';
import { DbError } from './testing-fixtures/events.js';
import { harness } from './testing-fixtures/metrics.js';

describe('call outcomes', () => {
  // Regression: every call answered by a fallback was labelled error.type="_RESULT" (a result
  // that failed), because the call event of a fallback carries no error. Found by the soak test.
  it('a call answered by a fallback carries no error.type; the fallback counter has the replaced one', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', [fallback({ value: 'cached' })]);
    const h = harness(registry);
    try {
      await expect(p.execute(() => Promise.reject(new DbError('down')))).resolves.toBe('cached');
      await expect(p.execute(() => 'fresh')).resolves.toBe('fresh');
      const m = await h.collect();
      const calls = m
        .points(METRIC_CALL_DURATION.name)
        .map((pt) => [pt.attributes[ATTR_OUTCOME], pt.attributes[ATTR_ERROR_TYPE]]);
      expect(calls.sort()).toEqual([
        ['fallback', undefined],
        ['success', undefined],
      ]);
      expect(m.points(METRIC_FALLBACK_USES.name).map((pt) => pt.attributes[ATTR_ERROR_TYPE])).toEqual([
        'DbError',
      ]);
    } finally {
      await h.close();
    }
  });
});
