/**
 * The same protection built with rampart, cockatiel and opossum, configured alike:
 * retry 3 attempts with exponential backoff, consecutive(5) breaker open for 10 s,
 * bulkhead 10 + queue 100, aggressive timeout 1 s, fallback to null.
 */

import {
  backoff,
  breakers,
  bulkhead,
  circuitBreaker,
  fallback,
  type Pipeline,
  Registry,
  retry,
  timeout,
} from '@rampart/core';
import { prometheusHandler } from '@rampart/otel/prometheus';
import * as cockatiel from 'cockatiel';
import CircuitBreaker from 'opossum';

export const rampart = {
  retry: () => retry({ maxAttempts: 3, backoff: backoff.exponential({ initial: 100 }) }),
  breaker: () => circuitBreaker({ breaker: breakers.consecutive(5), openFor: 10_000 }),
  bulkhead: () => bulkhead({ limit: 10, queue: 100 }),
  timeout: () => timeout({ after: 1_000, strategy: 'aggressive' }),
  fallback: () => fallback({ value: null }),
  /** The five-policy pipeline of DESIGN.md, outermost first. */
  full(registry: Registry, name = 'full'): Pipeline {
    return registry.pipeline(name, [
      rampart.fallback(),
      rampart.breaker(),
      rampart.retry(),
      rampart.timeout(),
      rampart.bulkhead(),
    ]);
  },
};

/**
 * A registry instrumented as `startPrometheus` instruments it: a real SDK MeterProvider
 * whose reader is a Prometheus exporter, with rampart's histogram producer (the default
 * of `@rampart/otel/prometheus`). Only the HTTP server is left out.
 */
export function instrumentedRegistry(): { registry: Registry; shutdown: () => Promise<void> } {
  const registry = new Registry();
  const metrics = prometheusHandler({ registry, env: {} });
  return { registry, shutdown: () => metrics.shutdown() };
}

export const cockatielPolicies = {
  retry: () =>
    cockatiel.retry(cockatiel.handleAll, {
      maxAttempts: 2,
      backoff: new cockatiel.ExponentialBackoff({ initialDelay: 100 }),
    }),
  breaker: () =>
    cockatiel.circuitBreaker(cockatiel.handleAll, {
      halfOpenAfter: 10_000,
      breaker: new cockatiel.ConsecutiveBreaker(5),
    }),
  bulkhead: () => cockatiel.bulkhead(10, 100),
  timeout: () => cockatiel.timeout(1_000, cockatiel.TimeoutStrategy.Aggressive),
  fallback: () => cockatiel.fallback(cockatiel.handleAll, () => null),
  full: () =>
    cockatiel.wrap(
      cockatielPolicies.fallback(),
      cockatielPolicies.breaker(),
      cockatielPolicies.retry(),
      cockatielPolicies.timeout(),
      cockatielPolicies.bulkhead(),
    ),
};

/** opossum's breaker with its own timeout, capacity (its bulkhead) and fallback. */
export function opossumFull<T>(
  fn: () => Promise<T>,
  name = 'full',
  { withFallback = true, timeout = 1_000 as number | false, capacity = 10 } = {},
): CircuitBreaker<[], T> {
  const breaker = new CircuitBreaker(fn, {
    name,
    timeout,
    capacity,
    errorThresholdPercentage: 50,
    resetTimeout: 10_000,
  });
  if (withFallback) breaker.fallback(() => null);
  return breaker;
}
