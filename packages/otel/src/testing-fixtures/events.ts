import { bulkhead, health, type Pipeline, type RampartEvent, type Registry } from '@rampart/core';
import { FakePolicy } from './policies.js';

type Omitted = 'pipeline' | 'key' | 'time';
/** An event without the fields the pipeline fills in. */
export type EventBody<E = RampartEvent> = E extends RampartEvent ? Omit<E, Omitted> : never;

/** Emits a hand-made event through `p` (for policies whose events a test stands in for). */
export const emit = (p: Pipeline, e: EventBody): void =>
  p.emit({ ...e, pipeline: p.name, key: undefined, time: p.clock.now() } as RampartEvent);

export class DbError extends Error {}

/**
 * A pipeline and a health monitor that make every instrument report at least one point:
 * live state from stand-in policies, a real bulkhead and a real health monitor (whose run
 * emits `health.check` events), and one hand-made event of every other kind.
 */
export async function exerciseEveryInstrument(registry: Registry, name = 'all'): Promise<Pipeline> {
  const p = registry.pipeline(name, [
    new FakePolicy('circuit_breaker', { state: 'closed', failureRatio: 0.1, slowCallRatio: 0 }),
    new FakePolicy('rate_limit', { tokens: 3 }),
    bulkhead({ limit: 4 }),
  ]);
  const monitor = health({
    name: 'deps',
    registry,
    checks: [
      { name: 'db', critical: true, run: () => Promise.reject(new DbError('db down')) },
      { name: 'cache', critical: false, run: () => true },
    ],
  });
  await monitor.status();
  await p.execute(() => 1);
  await p.execute(() => Promise.reject(new DbError('down'))).catch(() => {});
  const events: EventBody[] = [
    { type: 'retry', policy: 'retry', policyName: 'retry', attempt: 1, delay: 0, error: new DbError() },
    {
      type: 'retry.done',
      policy: 'retry',
      policyName: 'retry',
      attempts: 2,
      succeeded: true,
      error: undefined,
    },
    { type: 'budget.exhausted', policy: 'retry', policyName: 'retry', attempt: 2 },
    {
      type: 'circuit.transition',
      policy: 'circuit_breaker',
      policyName: 'circuit_breaker',
      from: 'closed',
      to: 'open',
      reason: 'failure_threshold',
    },
    {
      type: 'circuit.call',
      policy: 'circuit_breaker',
      policyName: 'circuit_breaker',
      result: 'failure',
      duration: 1,
      slow: false,
      error: new DbError(),
    },
    { type: 'timeout', policy: 'timeout', policyName: 'timeout', timeout: 10 },
    { type: 'bulkhead.acquired', policy: 'bulkhead', policyName: 'bulkhead', queuedFor: 25 },
    {
      type: 'bulkhead.rejected',
      policy: 'bulkhead',
      policyName: 'bulkhead',
      reason: 'queue_timeout',
      queuedFor: 10,
    },
    { type: 'ratelimit.rejected', policy: 'rate_limit', policyName: 'rate_limit', retryAfter: 10 },
    { type: 'fallback', policy: 'fallback', policyName: 'fallback', source: 'value', error: new DbError() },
    { type: 'hedge', policy: 'hedge', policyName: 'hedge', hedge: 1 },
    { type: 'chaos', policy: 'chaos', policyName: 'chaos', injected: 'fault' },
  ];
  for (const e of events) emit(p, e);
  return p;
}
