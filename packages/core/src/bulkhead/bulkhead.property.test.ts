import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import { bulkhead } from './bulkhead.js';
import { abortListeners, type Deferred, deferred } from './testing-fixtures/calls.js';

/**
 * The bulkhead driven by random sequences of calls, settles, aborts, time steps and live
 * re-configuration, compared step by step with a reference model written as plainly as
 * possible (arrays, no timers): which calls started and in what order, how each call
 * ended, how many run and wait, which timers and abort listeners are left.
 */

type Mode = 'gate' | 'throwSync' | 'preAborted';

type Op =
  | { kind: 'call'; mode: Mode; withSignal: boolean }
  | { kind: 'settle'; index: number; ok: boolean }
  | { kind: 'abort'; index: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'configure'; limit?: number; queue?: number; queueTimeout?: number };

const queueTimeoutArb = fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 300 }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      mode: fc.constantFrom<Mode>('gate', 'gate', 'gate', 'throwSync', 'preAborted'),
      withSignal: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('settle' as const), index: fc.nat(20), ok: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), index: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        kind: fc.constant('configure' as const),
        limit: fc.integer({ min: 1, max: 4 }),
        queue: fc.integer({ min: 0, max: 4 }),
        queueTimeout: queueTimeoutArb,
      },
      { requiredKeys: ['kind'] },
    ),
  },
);

const initialArb = fc.record({
  limit: fc.integer({ min: 1, max: 4 }),
  queue: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(Number.POSITIVE_INFINITY)),
  queueTimeout: queueTimeoutArb,
});

type Ending = 'ok' | 'failed' | 'thrown' | 'aborted' | 'queue_full' | 'queue_timeout';

interface Call {
  readonly id: number;
  readonly mode: Mode;
  readonly controller: AbortController | undefined;
  readonly reason: Error;
  readonly gate: Deferred<string>;
}

/** The reference: what a bulkhead should do, with no concurrency machinery at all. */
class Model {
  now = 0;
  active: number[] = [];
  waiting: { id: number; since: number; deadline: number }[] = [];
  started: number[] = [];
  acquired: [number, number][] = [];
  rejected: [number, string, number][] = [];
  queuedIds: number[] = [];
  endings = new Map<number, Ending>();
  constructor(
    public limit: number,
    public queue: number,
    public queueTimeout: number,
    readonly modes: Map<number, Mode>,
  ) {}

  call(id: number): void {
    const mode = this.modes.get(id)!;
    if (mode === 'preAborted') {
      this.endings.set(id, 'aborted');
    } else if (this.active.length < this.limit && this.waiting.length === 0) {
      this.#start(id, this.now);
    } else if (this.waiting.length >= this.queue) {
      this.rejected.push([id, 'queue_full', 0]);
      this.endings.set(id, 'queue_full');
    } else {
      this.waiting.push({ id, since: this.now, deadline: this.now + this.queueTimeout });
      this.queuedIds.push(id);
    }
  }

  end(id: number, ending: Ending): void {
    const running = this.active.indexOf(id);
    if (running >= 0) {
      this.active.splice(running, 1);
      this.endings.set(id, ending);
      this.admit();
      return;
    }
    const queued = this.waiting.findIndex((w) => w.id === id);
    if (queued >= 0) {
      this.waiting.splice(queued, 1);
      this.endings.set(id, ending);
    }
  }

  advance(ms: number): void {
    this.now += ms;
    // Timers fire by due time, then by creation (= arrival) order.
    const due = this.waiting.filter((w) => w.deadline <= this.now).sort((x, y) => x.deadline - y.deadline);
    for (const w of due) {
      this.rejected.push([w.id, 'queue_timeout', w.deadline - w.since]);
      this.end(w.id, 'queue_timeout');
    }
  }

  configure(settings: { limit?: number; queue?: number; queueTimeout?: number }): void {
    this.limit = settings.limit ?? this.limit;
    this.queue = settings.queue ?? this.queue;
    this.queueTimeout = settings.queueTimeout ?? this.queueTimeout;
    this.admit();
  }

  admit(): void {
    while (this.active.length < this.limit && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      this.#start(w.id, w.since);
    }
  }

  #start(id: number, since: number): void {
    this.started.push(id);
    this.acquired.push([id, this.now - since]);
    // A function that throws synchronously ends at once and gives its slot back.
    if (this.modes.get(id) === 'throwSync') this.endings.set(id, 'thrown');
    else this.active.push(id);
  }
}

/**
 * @param observed - with a listener, every call runs in a frame and reports its events; without
 *   one, a call that finds a free slot takes the bulkhead's solo path (no frame), the others
 *   the frame path, and the two must agree on everything but the events.
 */
async function run(
  initial: { limit: number; queue: number; queueTimeout: number },
  ops: readonly Op[],
  observed = true,
) {
  const clock = new TestClock();
  const registry = new Registry();
  const policy = bulkhead({ ...initial, clock });
  const p = registry.pipeline('prop', [policy], { clock });
  const events: RampartEvent[] = [];
  if (observed) registry.on((e) => events.push(e));
  const modes = new Map<number, Mode>();
  const model = new Model(initial.limit, initial.queue, initial.queueTimeout, modes);
  const calls: Call[] = [];
  const started: number[] = [];
  const endings = new Map<number, Ending>();

  const start = (mode: Mode, withSignal: boolean) => {
    const id = calls.length;
    const reason = new Error(`abort ${id}`);
    const controller = mode === 'preAborted' || withSignal ? new AbortController() : undefined;
    if (mode === 'preAborted') controller!.abort(reason);
    const call: Call = { id, mode, controller, reason, gate: deferred<string>() };
    calls.push(call);
    modes.set(id, mode);
    // Unobserved, a call without a signal is given no options at all (the solo path's case).
    const options = observed
      ? { key: String(id), ...(controller && { signal: controller.signal }) }
      : controller && { signal: controller.signal };
    p.execute(({ signal }) => {
      started.push(id);
      if (mode === 'throwSync') throw new Error('sync');
      const onAbort = () => call.gate.reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      return call.gate.promise.finally(() => signal.removeEventListener('abort', onAbort));
    }, options).then(
      () => endings.set(id, 'ok'),
      (error: unknown) => {
        if (error instanceof BulkheadRejectedError) endings.set(id, error.reason);
        else if (error === reason) endings.set(id, 'aborted');
        else endings.set(id, (error as Error).message === 'sync' ? 'thrown' : 'failed');
      },
    );
    model.call(id);
  };

  const check = () => {
    expect(started).toEqual(model.started);
    expect(endings).toEqual(model.endings);
    expect(policy.snapshot()).toEqual({
      active: model.active.length,
      queued: model.waiting.length,
      limit: model.limit,
      queue: model.queue,
    });
    expect(clock.pendingTimers).toBe(model.waiting.filter((w) => Number.isFinite(w.deadline)).length);
    // Exactly one abort listener per live call that has a signal: the bulkhead's while it
    // waits, the function's while it runs; none once it has ended.
    for (const call of calls) {
      if (call.controller === undefined) continue;
      const live = !endings.has(call.id);
      expect(abortListeners(call.controller.signal)).toBe(live ? 1 : 0);
    }
    if (!observed) return;
    const acquired = events.filter((e): e is EventOf<'bulkhead.acquired'> => e.type === 'bulkhead.acquired');
    expect(acquired.map((e) => [Number(e.key), e.queuedFor])).toEqual(model.acquired);
    const rejected = events.filter((e): e is EventOf<'bulkhead.rejected'> => e.type === 'bulkhead.rejected');
    expect(rejected.map((e) => [Number(e.key), e.reason, e.queuedFor])).toEqual(model.rejected);
    const queued = events.filter((e): e is EventOf<'bulkhead.queued'> => e.type === 'bulkhead.queued');
    expect(queued.map((e) => Number(e.key))).toEqual(model.queuedIds);
  };

  for (const op of ops) {
    switch (op.kind) {
      case 'call':
        start(op.mode, op.withSignal);
        break;
      case 'settle': {
        const id = model.active[op.index % Math.max(1, model.active.length)];
        if (id === undefined) break;
        const call = calls[id]!;
        if (op.ok) call.gate.resolve('done');
        else call.gate.reject(new Error('failed'));
        model.end(id, op.ok ? 'ok' : 'failed');
        break;
      }
      case 'abort': {
        const live = calls.filter((c) => c.controller !== undefined && !model.endings.has(c.id));
        const call = live[op.index % Math.max(1, live.length)];
        if (call === undefined) break;
        call.controller!.abort(call.reason);
        model.end(call.id, 'aborted');
        break;
      }
      case 'advance':
        await clock.advance(op.ms);
        model.advance(op.ms);
        break;
      case 'configure': {
        const { kind: _, ...settings } = op;
        policy.configure(settings);
        model.configure(settings);
        break;
      }
    }
    await flushMicrotasks(40);
    check();
  }

  // Drain: finish everything that runs until nothing waits; nothing may be left behind.
  while (model.active.length > 0) {
    const id = model.active[0]!;
    calls[id]!.gate.resolve('done');
    model.end(id, 'ok');
    await flushMicrotasks(40);
    check();
  }
  expect(model.waiting).toEqual([]);
  expect(clock.pendingTimers).toBe(0);
  for (const call of calls) if (call.controller) expect(abortListeners(call.controller.signal)).toBe(0);
  if (!observed) return;
  // Events reconcile with the endings: one rejected event per rejected call, one acquired per start.
  const rejected = events.filter((e): e is EventOf<'bulkhead.rejected'> => e.type === 'bulkhead.rejected');
  const byEnding = (e: Ending) => [...endings.values()].filter((x) => x === e).length;
  expect(rejected.filter((e) => e.reason === 'queue_full')).toHaveLength(byEnding('queue_full'));
  expect(rejected.filter((e) => e.reason === 'queue_timeout')).toHaveLength(byEnding('queue_timeout'));
  expect(events.filter((e) => e.type === 'bulkhead.acquired')).toHaveLength(started.length);
}

describe('bulkhead (property-based, against a reference model)', () => {
  it('matches the model over random calls, settles, aborts, time steps and re-configurations', async () => {
    await fc.assert(
      fc.asyncProperty(initialArb, fc.array(opArb, { maxLength: 60 }), (initial, ops) => run(initial, ops)),
      { numRuns: 2_000 },
    );
  });

  it('matches the same model unobserved, where calls that find a free slot run without a frame', async () => {
    await fc.assert(
      fc.asyncProperty(initialArb, fc.array(opArb, { maxLength: 60 }), (initial, ops) =>
        run(initial, ops, false),
      ),
      { numRuns: 1_000 },
    );
  });

  it('never runs more than `limit` nor queues more than `queue` calls when not re-configured', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.oneof(fc.constant('call' as const), fc.nat(10), fc.constant('tick' as const)), {
          maxLength: 80,
        }),
        async (limit, queue, steps) => {
          const clock = new TestClock();
          const policy = bulkhead({ limit, queue, queueTimeout: 25, clock });
          const p = new Registry().pipeline('cap', [policy], { clock });
          const gates: Deferred<void>[] = [];
          let running = 0;
          for (const step of steps) {
            if (step === 'call') {
              p.execute(() => {
                running++;
                const gate = deferred<void>();
                gates.push(gate);
                return gate.promise.finally(() => running--);
              }).catch(() => {});
            } else if (step === 'tick') {
              await clock.advance(10);
            } else {
              gates.splice(step % Math.max(1, gates.length), 1)[0]?.resolve();
            }
            await flushMicrotasks();
            expect(running).toBeLessThanOrEqual(limit);
            expect(policy.active).toBe(running);
            expect(policy.queued).toBeLessThanOrEqual(queue);
          }
          for (const gate of gates) gate.resolve();
          await clock.runAll();
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
