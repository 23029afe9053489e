import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { breakers } from '../circuit-breaker/breakers/specs.js';
import { circuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import { TimeoutError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { fallback } from '../fallback/fallback.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';

/** A TestClock that counts how often it is read. */
class CountingClock extends TestClock {
  reads = 0;
  override now(): number {
    this.reads++;
    return super.now();
  }
}

function observed() {
  const registry = new Registry();
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { registry, events, of };
}

const fivePolicies = (clock: TestClock) => [
  fallback({ value: 'fallback' }),
  circuitBreaker({ breaker: breakers.sampling({ failureRatio: 0.5, window: 10_000 }), clock }),
  retry({ maxAttempts: 3, clock }),
  timeout({ after: 1_000, clock }),
  bulkhead({ limit: 1, queue: 10, clock }),
];

describe('one clock reading per pass of a call', () => {
  it('an observed five-policy call that succeeds reads the clock twice: going in and coming out', async () => {
    const clock = new CountingClock(1_000);
    const { registry, events } = observed();
    const p = registry.pipeline('p', fivePolicies(clock), { clock });
    await p.execute(async () => 'ok');
    const reads = clock.reads;
    expect(reads).toBe(2);
    // Five events, all stamped by those two readings.
    expect(events.map((e) => e.type)).toEqual([
      'bulkhead.acquired',
      'attempt',
      'retry.done',
      'circuit.call',
      'call',
    ]);
  });

  it('durations and times still follow the clock across the await', async () => {
    const clock = new TestClock(1_000);
    const { registry, of } = observed();
    const p = registry.pipeline('p', fivePolicies(clock), { clock });
    const pending = p.execute(() => new Promise((resolve) => clock.setTimeout(() => resolve('ok'), 40)));
    await clock.advance(40);
    await expect(pending).resolves.toBe('ok');
    expect(of('call')[0]).toMatchObject({ time: 1_040, duration: 40 });
    expect(of('attempt')[0]).toMatchObject({ time: 1_040, duration: 40 });
    expect(of('circuit.call')[0]).toMatchObject({ time: 1_040, duration: 40 });
    expect(of('bulkhead.acquired')[0]).toMatchObject({ time: 1_000, queuedFor: 0 });
  });

  it('a function that runs for a while and then throws synchronously is timed to its throw', async () => {
    const clock = new TestClock(0);
    const { registry, of } = observed();
    const p = registry.pipeline('p', [timeout({ after: 1_000, clock })], { clock });
    const error = new Error('boom');
    await expect(
      p.execute(() => {
        clock.set(25); // synchronous work that took 25 ms
        throw error;
      }),
    ).rejects.toBe(error);
    expect(of('attempt')[0]).toMatchObject({ duration: 25, outcome: 'failure' });
    expect(of('call')[0]).toMatchObject({ duration: 25, time: 25 });
  });

  it('a synchronous fallback fn that takes a while counts in the call duration', async () => {
    const clock = new TestClock(0);
    const { registry, of } = observed();
    const slowFallback = fallback({
      fn: () => {
        clock.set(clock.now() + 30);
        return 'served';
      },
    });
    const p = registry.pipeline('p', [slowFallback], { clock });
    await expect(p.execute(() => Promise.reject(new Error('down')))).resolves.toBe('served');
    expect(of('call')[0]).toMatchObject({ outcome: 'fallback', duration: 30 });
  });

  it('a call let in from a bulkhead queue is timed from the moment it is let in', async () => {
    const clock = new TestClock(0);
    // Observed, so that the call reads the clock as it starts (at 0) and has a reading to keep.
    const { registry, of } = observed();
    const p = registry.pipeline(
      'p',
      [bulkhead({ limit: 1, queue: 1, clock }), timeout({ after: 100, clock })],
      { clock },
    );
    let finishFirst: (value: string) => void = () => {};
    const first = p.execute(() => new Promise<string>((resolve) => (finishFirst = resolve)));
    const second = p.execute(
      () => new Promise<string>((resolve) => clock.setTimeout(() => resolve('second'), 60)),
    );
    await clock.advance(90); // the first call is within its 100 ms; the second waits in the queue
    finishFirst('first');
    await expect(first).resolves.toBe('first');
    // The second call entered its timeout at 90: its deadline is 190, and it answers at 150.
    await clock.advance(60);
    await expect(second).resolves.toBe('second');
    // Its attempt ran from 90 to 150; the call, queue included, from 0 to 150.
    expect(of('attempt').map((e) => e.duration)).toEqual([90, 60]);
    expect(of('call').map((e) => e.duration)).toEqual([90, 150]);
  });

  it('a retry after a wait times its attempt from when it starts', async () => {
    const clock = new TestClock(0);
    const { registry, of } = observed();
    const p = registry.pipeline(
      'p',
      [
        retry({ maxAttempts: 2, backoff: backoff.constant(50, { jitter: 'none' }), clock }),
        timeout({ after: 20, clock }),
      ],
      { clock },
    );
    let calls = 0;
    const pending = p.execute(
      () =>
        new Promise((resolve, reject) => {
          calls++;
          if (calls === 1) reject(new Error('first fails'));
          else clock.setTimeout(() => resolve('second'), 10);
        }),
    );
    await clock.advance(100);
    await expect(pending).resolves.toBe('second');
    // The second attempt started at 50 and took 10: not timed out by a deadline from 0.
    expect(of('attempt').map((e) => [e.outcome, e.duration])).toEqual([
      ['failure', 0],
      ['success', 10],
    ]);
    expect(of('timeout')).toEqual([]);
    expect(of('call')[0]).toMatchObject({ duration: 60 });
  });

  it('a timeout that fires reports the time it fired at', async () => {
    const clock = new TestClock(0);
    const { registry, of } = observed();
    const p = registry.pipeline('p', [timeout({ after: 100, strategy: 'aggressive', clock })], { clock });
    const pending = p.execute(() => new Promise(() => {}));
    const settled = expect(pending).rejects.toBeInstanceOf(TimeoutError);
    await clock.advance(100);
    await settled;
    expect(of('call')[0]).toMatchObject({ time: 100, duration: 100, outcome: 'failure' });
  });
});
