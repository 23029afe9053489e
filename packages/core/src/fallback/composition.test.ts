import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { breakers } from '../circuit-breaker/breakers/specs.js';
import { circuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import { BrokenCircuitError, TimeoutError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { rateLimit } from '../rate-limit/rate-limit.js';
import { retry } from '../retry/retry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import type { AnyPolicy, CallContext } from '../types.js';
import { fallback } from './fallback.js';

/** End-to-end: the recommended stack, fallback(circuitBreaker(retry(timeout(bulkhead(fn))))). */
const setup = (build: (clock: TestClock) => AnyPolicy[]) => {
  const clock = new TestClock();
  const registry = new Registry();
  const policies = build(clock);
  const p = registry.pipeline('payments', policies, { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { clock, p, of, policies };
};

/** Lets retry backoffs and timeouts elapse until `call` settles (or no timer is left). */
const settle = async <T>(clock: TestClock, call: Promise<T>): Promise<T> => {
  let done = false;
  call.then(
    () => (done = true),
    () => (done = true),
  );
  for (;;) {
    await flushMicrotasks();
    if (done || clock.pendingTimers === 0) return call;
    await clock.runAll();
  }
};

describe('composition: fallback > circuitBreaker > retry > timeout > bulkhead', () => {
  const stack = (clock: TestClock) => [
    fallback({ value: 'cached', clock }),
    circuitBreaker({ breaker: breakers.consecutive(3), openFor: 1_000, clock }),
    retry({ maxAttempts: 3, backoff: backoff.constant(10, { jitter: 'none' }), clock }),
    timeout({ after: 100, clock }),
    bulkhead({ limit: 2, queue: 1, clock }),
  ];

  it('the breaker stops calls reaching a dead dependency, and the fallback answers every call', async () => {
    const { clock, p, of } = setup(stack);
    let reached = 0;
    const dead = () => {
      reached++;
      return Promise.reject(new Error('connection refused'));
    };
    for (let i = 0; i < 3; i++) expect(await settle(clock, p.execute(dead))).toBe('cached');
    expect(reached).toBe(9); // 3 calls x 3 attempts, then the circuit opens
    for (let i = 0; i < 5; i++) expect(await settle(clock, p.execute(dead))).toBe('cached');
    expect(reached).toBe(9); // open: nothing reaches the dependency
    expect(
      of('fallback')
        .slice(-5)
        .every((e) => e.error instanceof BrokenCircuitError),
    ).toBe(true);
    expect(of('call').map((e) => e.outcome)).toEqual(Array(8).fill('fallback'));
    await clock.advance(1_000);
    expect(
      await settle(
        clock,
        p.execute(async () => 'live'),
      ),
    ).toBe('live'); // the probe closes it
    expect(clock.pendingTimers).toBe(0);
  });

  it('a hanging dependency times out, frees its bulkhead slot, is retried, then falls back', async () => {
    const { clock, p, of, policies } = setup(stack);
    const hang = ({ signal }: CallContext) =>
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    expect(await settle(clock, p.execute(hang))).toBe('cached');
    expect(of('timeout')).toHaveLength(3);
    expect(of('fallback')[0]?.error).toBeInstanceOf(TimeoutError);
    expect((policies[4] as ReturnType<typeof bulkhead>).snapshot()).toMatchObject({ active: 0, queued: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it("a caller's abort is neither retried nor served a fallback", async () => {
    const { clock, p, of } = setup(stack);
    const controller = new AbortController();
    let reached = 0;
    const call = p.execute(
      ({ signal }) => {
        reached++;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      { signal: controller.signal },
    );
    await clock.advance(10);
    const reason = new Error('user navigated away');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(reached).toBe(1);
    expect(of('fallback')).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('composition: retry outside the breaker', () => {
  it('does not retry a BrokenCircuitError by default', async () => {
    const { clock, p, of } = setup((clock) => [
      retry({ maxAttempts: 5, backoff: backoff.constant(10, { jitter: 'none' }), clock }),
      circuitBreaker({ breaker: breakers.consecutive(2), openFor: 60_000, clock }),
    ]);
    const dead = () => Promise.reject(new Error('down'));
    // Attempts 1 and 2 fail and open the circuit; attempt 3 is rejected, and not retried.
    await expect(settle(clock, p.execute(dead))).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(of('circuit.transition').map((e) => e.to)).toEqual(['open']);
    expect(of('attempt')).toHaveLength(2);
    const before = of('circuit.call').length;
    await expect(settle(clock, p.execute(dead))).rejects.toBeInstanceOf(BrokenCircuitError);
    const rejected = of('circuit.call').slice(before);
    expect(rejected.map((e) => e.result)).toEqual(['rejected']); // one rejection, no retries
  });
});

describe('composition: fallback > rateLimit > bulkhead', () => {
  it('rejections of either limiter are answered by the fallback and counted as fallback', async () => {
    const { clock, p, of } = setup((clock) => [
      fallback({ value: 'later', clock }),
      rateLimit({ rate: 2, interval: 1_000, burst: 2, clock }),
      bulkhead({ limit: 1, clock }),
    ]);
    let release!: () => void;
    const first = p.execute(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    expect(await p.execute(() => 'second')).toBe('later'); // token left, bulkhead full
    expect(await p.execute(() => 'third')).toBe('later'); // no token left
    release();
    expect(await first).toBe('first');
    expect(of('bulkhead.rejected')).toHaveLength(1);
    expect(of('ratelimit.rejected')).toHaveLength(1);
    expect(of('call').map((e) => e.outcome)).toEqual(['fallback', 'fallback', 'success']);
    expect(clock.pendingTimers).toBe(0);
  });
});
