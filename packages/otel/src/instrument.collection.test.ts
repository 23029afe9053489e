import { breakers, circuitBreaker, Registry } from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { describe, expect, it } from 'vitest';
import {
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_STATE,
  ATTR_CIRCUIT_TO,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
} from './constants.js';
import { harness } from './testing-fixtures/metrics.js';

describe('one collection is consistent', () => {
  // Regression: reading a breaker's state for the gauge performs the open → half-open step
  // that time has made due. The counters were reported before the gauges, so a collection
  // could show the circuit half-open without the transition that got it there (found by the
  // soak test, which compares transitions with the state they lead to).
  it('a transition made due by time is counted in the collection whose gauge shows its state', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const breaker = circuitBreaker({ breaker: breakers.consecutive(1), openFor: 1_000, clock });
    const p = registry.pipeline('p', [breaker], { clock });
    const h = harness(registry);
    try {
      await expect(p.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      await clock.advance(1_000); // nobody looks at the breaker: half-open is only due
      const m = await h.collect();
      const state = m.points(METRIC_CIRCUIT_STATE.name).find((pt) => pt.value === 1);
      expect(state?.attributes[ATTR_CIRCUIT_STATE]).toBe('half_open');
      const transitions = m
        .points(METRIC_CIRCUIT_TRANSITIONS.name)
        .map((pt) => `${pt.attributes[ATTR_CIRCUIT_FROM]}->${pt.attributes[ATTR_CIRCUIT_TO]}=${pt.value}`);
      expect(transitions.sort()).toEqual(['closed->open=1', 'open->half_open=1']);
    } finally {
      await h.close();
    }
  });
});
