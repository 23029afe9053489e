import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/backoff.js';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { breakers } from '../circuit-breaker/breakers/specs.js';
import { circuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import type { EventSink } from './sink.js';
import type { RampartEvent } from './types.js';

/** A sink that writes down what it got, and how. */
function recordingSink() {
  const got: unknown[][] = [];
  const sink: EventSink = {
    event: (e) => got.push(['event', e.type]),
    call: (...args) => got.push(['call', ...args]),
    attempt: (...args) => got.push(['attempt', ...args]),
    retryDone: (...args) => got.push(['retryDone', ...args]),
    circuitCall: (...args) => got.push(['circuitCall', ...args]),
    bulkheadAcquired: (...args) => got.push(['bulkheadAcquired', ...args]),
  };
  return { sink, got };
}

const policies = (clock: TestClock) => [
  circuitBreaker({ breaker: breakers.consecutive(1), openFor: 1_000, clock }),
  retry({ maxAttempts: 2, backoff: backoff.constant(0), clock }),
  timeout({ after: 100, clock }),
  bulkhead({ limit: 1, queue: 0, clock }),
];

describe('event sinks', () => {
  it('get the five per-call events as arguments and every other event as an object', async () => {
    const clock = new TestClock(0);
    const registry = new Registry();
    const { sink, got } = recordingSink();
    registry.attachSink(sink);
    const p = registry.pipeline('db', policies(clock), { clock });
    expect(p.listening).toBe(true);
    const error = new Error('down');
    await expect(p.execute(() => Promise.reject(error), { key: 'k' })).rejects.toBe(error);
    expect(got).toEqual([
      ['attempt', 'db', 'k', 1, 'failure', 0, error],
      ['event', 'retry'],
      ['attempt', 'db', 'k', 2, 'failure', 0, error],
      ['retryDone', 'db', 'retry', 'k', 2, false, error],
      ['circuitCall', 'db', 'circuit_breaker', 'k', 'failure', 0, false, error],
      ['event', 'circuit.transition'],
      ['call', 'db', 'k', 'failure', 0, error],
    ]);
    got.length = 0;
    await expect(p.execute(async () => 1)).rejects.toThrow(/circuit/);
    expect(got).toEqual([
      ['circuitCall', 'db', 'circuit_breaker', undefined, 'rejected', 0, false, expect.any(Error)],
      ['call', 'db', undefined, 'rejected', 0, expect.any(Error)],
    ]);
  });

  it('see each event once while listeners still get every event as an object', async () => {
    const clock = new TestClock(0);
    const registry = new Registry();
    const { sink, got } = recordingSink();
    const events: RampartEvent[] = [];
    registry.attachSink(sink);
    registry.on((e) => events.push(e));
    const onPipeline: RampartEvent[] = [];
    const p = registry.pipeline('db', policies(clock), { clock });
    p.on((e) => onPipeline.push(e));
    await p.execute(async () => 'ok');
    const types = ['bulkhead.acquired', 'attempt', 'retry.done', 'circuit.call', 'call'];
    expect(events.map((e) => e.type)).toEqual(types);
    expect(onPipeline.map((e) => e.type)).toEqual(types);
    // A free slot taken at once is the one event a sink does not hear of (see EventSink).
    expect(got.map((g) => g[0])).toEqual(['attempt', 'retryDone', 'circuitCall', 'call']);
    expect(events.at(-1)).toEqual({
      type: 'call',
      pipeline: 'db',
      policy: 'pipeline',
      policyName: 'db',
      key: undefined,
      time: 0,
      outcome: 'success',
      duration: 0,
      error: undefined,
    });
  });

  it('hear of bulkhead.acquired for a call that waited for its slot', async () => {
    const clock = new TestClock(0);
    const registry = new Registry();
    const { sink, got } = recordingSink();
    registry.attachSink(sink);
    const p = registry.pipeline('db', [bulkhead({ limit: 1, queue: 1, clock })], { clock });
    const first = p.execute(() => new Promise((resolve) => clock.setTimeout(() => resolve(1), 30)));
    const second = p.execute(async () => 2, { key: 'waits' });
    await clock.advance(30);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(got.filter((g) => g[0] === 'bulkheadAcquired')).toEqual([
      ['bulkheadAcquired', 'db', 'bulkhead', 'waits', 30],
    ]);
  });

  it('a sink that throws is reported with the event it failed on, and the call goes on', async () => {
    const reported: [unknown, RampartEvent][] = [];
    const registry = new Registry({ onListenerError: (error, event) => reported.push([error, event]) });
    const boom = new Error('sink bug');
    const { sink } = recordingSink();
    registry.attachSink({
      ...sink,
      call: () => {
        throw boom;
      },
      event: () => {
        throw boom;
      },
    });
    const p = registry.pipeline('db', [circuitBreaker({ breaker: breakers.consecutive(1) })]);
    await expect(p.execute(async () => 'ok')).resolves.toBe('ok');
    await expect(p.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(reported.map(([error, event]) => [error, event.type])).toEqual([
      [boom, 'call'],
      [boom, 'circuit.transition'],
      [boom, 'call'],
    ]);
  });

  it('with several sinks, each hears every event and what each throws is reported', async () => {
    const reported: [unknown, string][] = [];
    const registry = new Registry({ onListenerError: (error, event) => reported.push([error, event.type]) });
    const first = new Error('first sink bug');
    const third = new Error('third sink bug');
    const throwing = (error: Error): EventSink => ({
      ...recordingSink().sink,
      call: () => {
        throw error;
      },
    });
    // A class instance: the fan-out must call its methods with the sink as `this`.
    class CountingSink {
      calls = 0;
      event() {}
      call() {
        this.calls++;
      }
      attempt() {}
      retryDone() {}
      circuitCall() {}
      bulkheadAcquired() {}
    }
    const counting = new CountingSink();
    const { sink, got } = recordingSink();
    registry.attachSink(throwing(first));
    registry.attachSink(counting);
    const detach = registry.attachSink(throwing(third));
    registry.attachSink(sink);
    const p = registry.pipeline('db', []);
    await expect(p.execute(async () => 'ok')).resolves.toBe('ok');
    expect(counting.calls).toBe(1);
    expect(got.map((g) => g[0])).toEqual(['attempt', 'call']);
    expect(reported).toEqual([
      [first, 'call'],
      [third, 'call'],
    ]);
    detach.dispose();
    await p.execute(async () => 'ok');
    expect(counting.calls).toBe(2);
    expect(reported).toHaveLength(3);
  });

  it('detach with dispose(); a sink missing a method is refused, naming it', async () => {
    const registry = new Registry();
    const { sink, got } = recordingSink();
    const attached = registry.attachSink(sink);
    const p = registry.pipeline('db', []);
    attached.dispose();
    expect(p.listening).toBe(false);
    await p.execute(async () => 1);
    expect(got).toEqual([]);
    const { call: _missing, ...partial } = sink;
    expect(() => registry.attachSink(partial as EventSink)).toThrow(/sink\.call must be a function/);
    expect(() => registry.attachSink(null as unknown as EventSink)).toThrow(/sink must be an object/);
  });
});
