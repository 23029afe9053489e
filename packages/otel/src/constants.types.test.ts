import type {
  BulkheadRejectReason,
  CallOutcome,
  ChaosEvent,
  CircuitCallEvent,
  CircuitState,
  FallbackSource,
  HealthState,
} from '@rampart/core';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES,
  type BULKHEAD_REASONS,
  type CALL_OUTCOMES,
  type CHAOS_INJECTIONS,
  type CIRCUIT_RESULTS,
  type CIRCUIT_STATES,
  type FALLBACK_SOURCES,
  type HEALTH_STATUSES,
  METRICS,
} from './constants.js';

/** Compiles only when the two union types are the same: the value lists cannot drift from core. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(value: Same<A, B>) => value;

describe('attribute values match the core event types', () => {
  it('has the same unions', () => {
    expect(same<(typeof CALL_OUTCOMES)[number], CallOutcome>(true)).toBe(true);
    expect(same<(typeof CIRCUIT_STATES)[number], CircuitState>(true)).toBe(true);
    expect(same<(typeof CIRCUIT_RESULTS)[number], CircuitCallEvent['result']>(true)).toBe(true);
    expect(same<(typeof BULKHEAD_REASONS)[number], BulkheadRejectReason>(true)).toBe(true);
    expect(same<(typeof FALLBACK_SOURCES)[number], FallbackSource>(true)).toBe(true);
    expect(same<(typeof CHAOS_INJECTIONS)[number], ChaosEvent['injected']>(true)).toBe(true);
    expect(same<(typeof HEALTH_STATUSES)[number], HealthState>(true)).toBe(true);
  });

  it('describes every attribute that a metric uses, once', () => {
    const described = ATTRIBUTES.map((a) => a.name);
    expect(new Set(described).size).toBe(described.length);
    for (const m of METRICS) for (const a of m.attributes) expect(described).toContain(a);
  });
});
