import { backoff, breakers, circuitBreaker, Registry, retry, timeout } from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTR_ATTEMPT,
  ATTR_CIRCUIT_RESULT,
  ATTR_ERROR_TYPE,
  ATTR_OUTCOME,
  ATTR_RETRY_RESULT,
  METRIC_ATTEMPT_DURATION,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_CALLS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_CALLS,
} from './constants.js';
import { DbError } from './testing-fixtures/events.js';
import { harness } from './testing-fixtures/metrics.js';

/**
 * Runs calls through breaker → retry(3) → timeout, each call failing its first
 * `failures[i]` attempts, and returns the collected metrics.
 */
async function run(failures: readonly number[]) {
  const clock = new TestClock();
  const registry = new Registry();
  const p = registry.pipeline(
    'orders',
    [
      // A breaker that never opens here: it only counts, so its calls reconcile too.
      circuitBreaker({ breaker: breakers.consecutive(1_000), openFor: 1_000, clock }),
      retry({ maxAttempts: 3, backoff: backoff.constant(100, { jitter: 'none' }), clock }),
      timeout({ after: 5_000, clock }),
    ],
    { clock },
  );
  const h = harness(registry, { onError: (e) => expect.fail(String(e)) });
  try {
    for (const fail of failures) {
      let attempt = 0;
      const call = p
        .execute(async () => {
          attempt++;
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
          if (attempt <= fail) throw new DbError('flaky');
          return attempt;
        })
        .then(
          () => 'ok',
          () => 'failed',
        );
      await clock.advance(1_000);
      await call;
    }
    expect(clock.pendingTimers).toBe(0);
    return await h.collect();
  } finally {
    await h.close();
  }
}

describe('counts reconcile exactly with the workload', () => {
  it('10 first-try successes, 5 second-try successes, 3 calls failing three times', async () => {
    const m = await run([...Array(10).fill(0), ...Array(5).fill(1), ...Array(3).fill(3)]);
    const call = METRIC_CALL_DURATION.name;
    expect(m.total(call, { [ATTR_OUTCOME]: 'success' })).toBe(15);
    expect(m.total(call, { [ATTR_OUTCOME]: 'failure', [ATTR_ERROR_TYPE]: 'DbError' })).toBe(3);
    expect(m.total(call)).toBe(18);

    const attempts = METRIC_ATTEMPT_DURATION.name;
    expect(m.total(attempts)).toBe(29);
    expect(m.total(attempts, { [ATTR_ATTEMPT]: '1' })).toBe(18);
    expect(m.total(attempts, { [ATTR_ATTEMPT]: '2' })).toBe(8);
    expect(m.total(attempts, { [ATTR_ATTEMPT]: '3' })).toBe(3);
    expect(m.total(attempts, { [ATTR_OUTCOME]: 'success' })).toBe(15);
    expect(m.total(attempts, { [ATTR_OUTCOME]: 'failure', [ATTR_ERROR_TYPE]: 'DbError' })).toBe(14);
    // Every attempt took 10 ms by the test clock: the histogram's sum says so exactly.
    expect(m.sum(attempts)).toBeCloseTo(0.29, 9);

    expect(m.total(METRIC_RETRY_ATTEMPTS.name)).toBe(11);
    expect(m.total(METRIC_RETRY_ATTEMPTS.name, { [ATTR_ERROR_TYPE]: 'DbError' })).toBe(11);
    const results = Object.fromEntries(
      m.points(METRIC_RETRY_CALLS.name).map((pt) => [pt.attributes[ATTR_RETRY_RESULT], pt.value]),
    );
    expect(results).toEqual({ success_without_retry: 10, success_with_retry: 5, failure_with_retry: 3 });

    expect(m.total(METRIC_CIRCUIT_CALLS.name, { [ATTR_CIRCUIT_RESULT]: 'success' })).toBe(15);
    expect(m.total(METRIC_CIRCUIT_CALLS.name, { [ATTR_CIRCUIT_RESULT]: 'failure' })).toBe(3);
  });

  it('for any workload, every counter equals what the calls did', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 25 }), async (failures) => {
        const m = await run(failures);
        const attemptsOf = (f: number) => Math.min(f + 1, 3);
        const succeeded = failures.filter((f) => f < 3).length;
        const failed = failures.length - succeeded;
        const attempts = failures.reduce((a, f) => a + attemptsOf(f), 0);
        expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'success' })).toBe(succeeded);
        expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBe(failed);
        expect(m.total(METRIC_ATTEMPT_DURATION.name)).toBe(attempts);
        expect(m.total(METRIC_RETRY_ATTEMPTS.name)).toBe(attempts - failures.length);
        expect(m.total(METRIC_RETRY_CALLS.name, { [ATTR_RETRY_RESULT]: 'success_without_retry' })).toBe(
          failures.filter((f) => f === 0).length,
        );
        expect(m.total(METRIC_RETRY_CALLS.name, { [ATTR_RETRY_RESULT]: 'failure_with_retry' })).toBe(failed);
        expect(m.total(METRIC_RETRY_CALLS.name)).toBe(failures.length);
      }),
      { numRuns: 40 },
    );
  });
});
