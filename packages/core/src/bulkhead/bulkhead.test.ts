import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError } from '../errors.js';
import type { EventOf, RampartEvent } from '../events/types.js';
import {
  expectFramePathUnlessPlain,
  expectPipelineNamedOnErrors,
  expectValuesPassThrough,
  noting,
  ranInFrame,
} from '../internal/testing-fixtures/solo-path.js';
import { Registry } from '../pipeline/registry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import type { CallContext } from '../types.js';
import { type BulkheadPolicy, bulkhead } from './bulkhead.js';
import { BULKHEAD_DEFAULTS, type BulkheadOptions } from './options.js';
import {
  abortListeners,
  context,
  type Deferred,
  deferred,
  fakeRuntime,
  peek,
} from './testing-fixtures/calls.js';

const setup = (options: Partial<Omit<BulkheadOptions, 'clock'>>) => {
  const clock = new TestClock();
  const registry = new Registry();
  const policy = bulkhead({ ...options, clock });
  const p = registry.pipeline('b', [policy], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const started: string[] = [];
  const gates = new Map<string, Deferred<string>>();
  /** Starts a call whose function records that it ran and waits until `gates.get(id)` settles. */
  const call = (id: string, signal?: AbortSignal) => {
    const gate = deferred<string>();
    gates.set(id, gate);
    return p
      .execute(
        (ctx: CallContext) => {
          started.push(id);
          const onAbort = () => gate.reject(ctx.signal.reason);
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          return gate.promise.finally(() => ctx.signal.removeEventListener('abort', onAbort));
        },
        signal === undefined ? { key: id } : { key: id, signal },
      )
      .then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
  };
  const of = <T extends RampartEvent['type']>(type: T) =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return { clock, policy, p, events, of, started, gates, call };
};

describe('bulkhead', () => {
  it('pins its defaults', () => {
    expect(BULKHEAD_DEFAULTS).toEqual({ limit: 10, queue: 0, queueTimeout: Number.POSITIVE_INFINITY });
    const b = bulkhead();
    expect(b.snapshot()).toEqual({ active: 0, queued: 0, limit: 10, queue: 0 });
    expect(b.queueTimeout).toBe(Number.POSITIVE_INFINITY);
    expect(bulkhead(3).limit).toBe(3);
  });

  it('runs up to `limit` calls at once and queues the rest in arrival order', async () => {
    const { policy, call, started, gates, of } = setup({ limit: 2, queue: 3 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map((id) => call(id));
    await flushMicrotasks();
    expect(started).toEqual(['a', 'b']);
    expect(policy.snapshot()).toEqual({ active: 2, queued: 3, limit: 2, queue: 3 });
    expect(of('bulkhead.queued').map((e) => [e.key, e.queued])).toEqual([
      ['c', 1],
      ['d', 2],
      ['e', 3],
    ]);
    gates.get('b')!.resolve('B');
    await flushMicrotasks();
    expect(started).toEqual(['a', 'b', 'c']);
    gates.get('a')!.resolve('A');
    gates.get('c')!.resolve('C');
    await flushMicrotasks();
    expect(started).toEqual(['a', 'b', 'c', 'd', 'e']);
    gates.get('d')!.resolve('D');
    gates.get('e')!.resolve('E');
    expect((await Promise.all(calls)).map((o) => o.ok && o.value)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(policy.snapshot()).toMatchObject({ active: 0, queued: 0 });
    expect(of('bulkhead.acquired').map((e) => e.key)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('reports the time a call waited in its acquired event', async () => {
    const { clock, call, gates, of } = setup({ limit: 1, queue: 1 });
    const a = call('a');
    const b = call('b');
    await clock.advance(250);
    gates.get('a')!.resolve('A');
    await flushMicrotasks();
    gates.get('b')!.resolve('B');
    await Promise.all([a, b]);
    expect(of('bulkhead.acquired').map((e) => [e.key, e.queuedFor])).toEqual([
      ['a', 0],
      ['b', 250],
    ]);
  });

  it('queue = 0 rejects at once with reason queue_full, counted as rejected', async () => {
    const { policy, call, gates, of, started } = setup({ limit: 1 });
    const a = call('a');
    const b = await call('b');
    expect(b.ok).toBe(false);
    const error = (b as { error: unknown }).error;
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(error).toMatchObject({ reason: 'queue_full', rejection: true, pipeline: 'b', policy: 'bulkhead' });
    expect((error as Error).message).toMatch(/all 1 slots are taken and queueing is off/);
    expect(started).toEqual(['a']);
    expect(of('bulkhead.rejected')).toMatchObject([{ key: 'b', reason: 'queue_full', queuedFor: 0 }]);
    expect(of('call').map((e) => e.outcome)).toEqual(['rejected']);
    gates.get('a')!.resolve('A');
    await a;
    expect(policy.active).toBe(0);
  });

  it('rejects with queue_full when the queue is full', async () => {
    const { call, gates } = setup({ limit: 1, queue: 2 });
    const pending = [call('a'), call('b'), call('c')];
    const d = await call('d');
    expect(d).toMatchObject({ ok: false, error: { reason: 'queue_full' } });
    expect((d as { error: Error }).error.message).toMatch(/the queue of 2 is full/);
    for (const id of ['a', 'b', 'c']) {
      gates.get(id)!.resolve(id);
      await flushMicrotasks();
    }
    expect((await Promise.all(pending)).every((o) => o.ok)).toBe(true);
  });

  it('rejects a call that waited queueTimeout with reason queue_timeout and never runs it', async () => {
    const { clock, policy, call, gates, of, started } = setup({ limit: 1, queue: 5, queueTimeout: 100 });
    const a = call('a');
    await clock.advance(40);
    const b = call('b');
    await flushMicrotasks();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(99);
    expect(await peek(b)).toBeUndefined();
    await clock.advance(1);
    const outcome = await b;
    expect(outcome).toMatchObject({ ok: false, error: { reason: 'queue_timeout', rejection: true } });
    expect((outcome as { error: Error }).error.message).toMatch(/waited 100 ms/);
    expect(of('bulkhead.rejected')).toMatchObject([{ key: 'b', reason: 'queue_timeout', queuedFor: 100 }]);
    expect(policy.queued).toBe(0);
    gates.get('a')!.resolve('A');
    await a;
    expect(started).toEqual(['a']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an admitted call clears its queue timer and abort listener', async () => {
    const { clock, call, gates } = setup({ limit: 1, queue: 1, queueTimeout: 1_000 });
    const controller = new AbortController();
    const a = call('a');
    const b = call('b', controller.signal);
    await flushMicrotasks();
    expect(abortListeners(controller.signal)).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    gates.get('a')!.resolve('A');
    await flushMicrotasks();
    expect(clock.pendingTimers).toBe(0);
    // The function itself listens while it runs; the bulkhead's listener is gone.
    expect(abortListeners(controller.signal)).toBe(1);
    gates.get('b')!.resolve('B');
    await Promise.all([a, b]);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('a queued call whose caller aborts leaves the queue at once with the caller reason', async () => {
    const { clock, policy, call, gates, started, of } = setup({ limit: 1, queue: 3, queueTimeout: 5_000 });
    const controller = new AbortController();
    const a = call('a');
    const b = call('b', controller.signal);
    const c = call('c');
    await flushMicrotasks();
    expect(policy.queued).toBe(2);
    const reason = new Error('caller left');
    controller.abort(reason);
    expect(policy.queued).toBe(1); // synchronously
    expect(await b).toEqual({ ok: false, error: reason });
    expect(abortListeners(controller.signal)).toBe(0);
    expect(clock.pendingTimers).toBe(1); // only c's
    gates.get('a')!.resolve('A');
    await flushMicrotasks();
    expect(started).toEqual(['a', 'c']);
    gates.get('c')!.resolve('C');
    await Promise.all([a, c]);
    expect(of('bulkhead.rejected')).toEqual([]); // an abort is not a rejection
    expect(of('call').map((e) => [e.key, e.outcome])).toContainEqual(['b', 'failure']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a caller that already aborted is neither queued nor rejected', async () => {
    const { policy, call, gates, of } = setup({ limit: 1, queue: 0 });
    const a = call('a');
    const reason = new Error('gone');
    const b = await call('b', AbortSignal.abort(reason));
    expect(b).toEqual({ ok: false, error: reason });
    expect(policy.queued).toBe(0);
    expect(of('bulkhead.rejected')).toEqual([]);
    gates.get('a')!.resolve('A');
    await a;
  });

  it('releases the slot whether the call resolves, rejects, throws synchronously or is aborted', async () => {
    const { clock, policy, p } = setup({ limit: 1, queue: 0 });
    await expect(p.execute(async () => 'ok')).resolves.toBe('ok');
    await expect(p.execute(async () => Promise.reject(new Error('async')))).rejects.toThrow('async');
    await expect(
      p.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    const controller = new AbortController();
    const aborted = p.execute(
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      { signal: controller.signal },
    );
    await flushMicrotasks();
    expect(policy.active).toBe(1);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(policy.active).toBe(0);
    await expect(p.execute(() => 'still works')).resolves.toBe('still works');
    expect(clock.pendingTimers).toBe(0);
  });

  it('releases the slot even when an inner layer breaks the contract and throws', async () => {
    const clock = new TestClock();
    const runtime = fakeRuntime(clock);
    const b = bulkhead({ limit: 1, clock });
    const boom = new Error('layer threw');
    const sync = await b.execute(() => {
      throw boom;
    }, context(runtime));
    expect(sync).toEqual({ ok: false, error: boom });
    const rejected = await b.execute(() => Promise.reject(boom), context(runtime));
    expect(rejected).toEqual({ ok: false, error: boom });
    expect(b.active).toBe(0);
  });

  it('builds no event when nobody listens', async () => {
    const clock = new TestClock();
    const runtime = fakeRuntime(clock, false); // throws if emit is called
    const b = bulkhead({ limit: 1, queue: 1, queueTimeout: 10, clock });
    const gate = deferred<{ ok: true; value: unknown }>();
    const first = b.execute(() => gate.promise, context(runtime));
    const queued = b.execute(async () => ({ ok: true, value: 2 }), context(runtime));
    const full = await b.execute(async () => ({ ok: true, value: 3 }), context(runtime));
    expect(full).toMatchObject({ ok: false, error: { reason: 'queue_full' } });
    await clock.advance(10);
    expect(await queued).toMatchObject({ ok: false, error: { reason: 'queue_timeout' } });
    gate.resolve({ ok: true, value: 1 });
    expect(await first).toEqual({ ok: true, value: 1 });
  });

  describe('alone in a pipeline (the solo path: no frame)', () => {
    it('runs an unobserved call without options with no frame, with the same results', async () => {
      const policy = bulkhead({ limit: 2, queue: 0 });
      const p = new Registry().pipeline('solo', [policy]);
      const contexts: CallContext[] = [];
      const seen = (ctx: CallContext) => {
        contexts.push(ctx);
        expect(policy.active).toBe(1);
      };
      const run = noting(seen);
      await expectValuesPassThrough(p, run);
      const failure = new Error('async');
      await expect(p.execute(run(() => Promise.reject(failure)))).rejects.toBe(failure);
      const thrown = new Error('sync');
      await expect(
        p.execute(
          run(() => {
            throw thrown;
          }),
        ),
      ).rejects.toBe(thrown);
      expect(contexts.map(ranInFrame)).toEqual([false, false, false, false, false]);
      for (const ctx of contexts)
        expect(ctx).toEqual({ signal: expect.any(AbortSignal), attempt: 1, key: undefined });
      expect(contexts[0]!.signal.aborted).toBe(false);
      expect(contexts[0]).not.toBe(contexts[1]); // a context of its own for every call
      expect(policy.active).toBe(0);
    });

    it('names the pipeline on a ResilienceError the function throws, as the frame path does', async () => {
      const p = new Registry().pipeline('solo', [bulkhead({ limit: 1 })]);
      const framed = new Registry().pipeline('framed', [bulkhead({ limit: 1 })]);
      framed.on(() => {}); // observed: the frame path
      await expectPipelineNamedOnErrors([p, framed]);
    });

    it('takes the frame path when observed, given options, switched off, waiting or not alone', async () => {
      const registry = new Registry();
      const policy = bulkhead({ limit: 1, queue: 1 });
      const p = registry.pipeline('solo', [policy]);
      await expectFramePathUnlessPlain(registry, p);
      const inFrame = () => p.execute((ctx) => ranInFrame(ctx)) as Promise<boolean>;
      // All slots taken: the next call waits in the queue, through the frame path.
      const gate = deferred<void>();
      const holding = p.execute(() => gate.promise);
      const waiting = inFrame();
      expect(policy.queued).toBe(1);
      gate.resolve();
      await holding;
      expect(await waiting).toBe(true);
      const pair = new Registry().pipeline('pair', [
        bulkhead({ limit: 1 }),
        bulkhead({ limit: 1, name: 'b2' }),
      ]);
      expect(await pair.execute((ctx) => ranInFrame(ctx))).toBe(true);
    });

    it('a slot given back by a solo call admits the oldest waiter; a shrunk limit is honoured', async () => {
      const policy = bulkhead({ limit: 2, queue: 5 });
      const p = new Registry().pipeline('solo', [policy]);
      const gates = [deferred<string>(), deferred<string>()];
      const running = gates.map((gate) => p.execute(() => gate.promise));
      const order: string[] = [];
      const waiters = ['w1', 'w2'].map((id) =>
        p.execute(() => {
          order.push(id);
          return id;
        }),
      );
      expect([policy.active, policy.queued]).toEqual([2, 2]);
      policy.configure({ limit: 1 });
      gates[0]!.resolve('a');
      await running[0];
      // At the new limit (one still running): nobody is admitted yet.
      expect([policy.active, policy.queued]).toEqual([1, 2]);
      gates[1]!.resolve('b');
      await running[1];
      await Promise.all(waiters);
      expect(order).toEqual(['w1', 'w2']);
      expect([policy.active, policy.queued]).toEqual([0, 0]);
    });
  });

  describe('configure()', () => {
    it('growing the limit admits waiting calls at once, oldest first', async () => {
      const { policy, call, gates, started } = setup({ limit: 1, queue: 10 });
      const calls = ['a', 'b', 'c', 'd'].map((id) => call(id));
      await flushMicrotasks();
      policy.configure({ limit: 3 });
      expect(started).toEqual(['a', 'b', 'c']);
      expect(policy.snapshot()).toEqual({ active: 3, queued: 1, limit: 3, queue: 10 });
      for (const id of ['a', 'b', 'c', 'd']) gates.get(id)?.resolve(id);
      await flushMicrotasks();
      gates.get('d')!.resolve('d');
      expect((await Promise.all(calls)).every((o) => o.ok)).toBe(true);
    });

    it('shrinking the limit lets running calls finish and admits none until below the new limit', async () => {
      const { policy, call, gates, started } = setup({ limit: 3, queue: 10 });
      const calls = ['a', 'b', 'c', 'd'].map((id) => call(id));
      await flushMicrotasks();
      policy.configure({ limit: 1 });
      expect(policy.snapshot()).toMatchObject({ active: 3, queued: 1, limit: 1 });
      gates.get('a')!.resolve('a');
      gates.get('b')!.resolve('b');
      await flushMicrotasks();
      expect(started).toEqual(['a', 'b', 'c']);
      expect(policy.active).toBe(1);
      gates.get('c')!.resolve('c');
      await flushMicrotasks();
      expect(started).toEqual(['a', 'b', 'c', 'd']);
      gates.get('d')!.resolve('d');
      expect((await Promise.all(calls)).every((o) => o.ok)).toBe(true);
    });

    it('shrinking the queue keeps the calls already waiting and rejects new ones until there is room', async () => {
      const { policy, call, gates } = setup({ limit: 1, queue: 3 });
      const calls = ['a', 'b', 'c', 'd'].map((id) => call(id));
      await flushMicrotasks();
      policy.configure({ queue: 1 });
      expect(policy.queued).toBe(3);
      expect(await call('e')).toMatchObject({ ok: false, error: { reason: 'queue_full' } });
      for (const id of ['a', 'b', 'c', 'd']) {
        gates.get(id)!.resolve(id);
        await flushMicrotasks();
      }
      expect((await Promise.all(calls)).every((o) => o.ok)).toBe(true);
    });

    it('a new queueTimeout applies to calls that queue afterwards', async () => {
      const { clock, policy, call, gates } = setup({ limit: 1, queue: 5 });
      const a = call('a');
      const b = call('b');
      policy.configure({ queueTimeout: 50 });
      const c = call('c');
      await clock.advance(50);
      expect(await c).toMatchObject({ ok: false, error: { reason: 'queue_timeout' } });
      expect(await peek(b)).toBeUndefined();
      gates.get('a')!.resolve('a');
      await flushMicrotasks();
      gates.get('b')!.resolve('b');
      expect(await b).toEqual({ ok: true, value: 'b' });
      await a;
      expect(policy.queueTimeout).toBe(50);
    });

    it('validates everything before changing anything', () => {
      const b = bulkhead({ limit: 2, queue: 1 });
      expect(() => b.configure({ limit: 5, queue: -1 })).toThrow(/queue must be an integer >= 0/);
      expect(b.snapshot()).toMatchObject({ limit: 2, queue: 1 });
      expect(() => b.configure({ name: 'x' } as never)).toThrow(/unknown option "name"/);
    });
  });

  it('validates options with messages that name the option, the value and the range', () => {
    expect(() => bulkhead({ limit: 0 })).toThrow(/bulkhead: limit must be an integer >= 1, got 0/);
    expect(() => bulkhead({ limit: 1.5 })).toThrow(/limit must be an integer >= 1, got 1.5/);
    expect(() => bulkhead({ limit: Number.NaN })).toThrow(/limit must be a number, got NaN/);
    expect(() => bulkhead({ limit: Number.POSITIVE_INFINITY })).toThrow(
      /limit must be an integer >= 1, got Infinity/,
    );
    expect(() => bulkhead({ limit: '5' as never })).toThrow(/limit must be a number, got "5"/);
    expect(() => bulkhead({ queue: -1 })).toThrow(/queue must be an integer >= 0 \(or Infinity\), got -1/);
    expect(bulkhead({ queue: Number.POSITIVE_INFINITY }).queue).toBe(Number.POSITIVE_INFINITY);
    expect(() => bulkhead({ queueTimeout: 0 })).toThrow(
      /queueTimeout \(ms\) must be a number >= 1 \(or Infinity\), got 0/,
    );
    expect(() => bulkhead({ queueTimeout: -5 })).toThrow(/queueTimeout/);
    expect(() => bulkhead({ limit: 1, qeue: 2 } as never)).toThrow(/unknown option "qeue"/);
    expect(() => bulkhead(null as never)).toThrow(/options must be an object/);
    expect(() => bulkhead(0)).toThrow(/limit must be an integer >= 1, got 0/);
    expect(() => bulkhead({ name: 'bad name' })).toThrow(/name must be/);
  });

  it('1,000 concurrent callers never exceed the limit or the queue', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const policy: BulkheadPolicy = bulkhead({ limit: 10, queue: 500, queueTimeout: 10_000, clock });
    const p = registry.pipeline('many', [policy], { clock });
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const calls = Array.from({ length: 1_000 }, (_, i) =>
      p
        .execute(async () => {
          order.push(i);
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 10 + (i % 7)));
          running--;
          return i;
        })
        .then(
          () => 'ok',
          (e: BulkheadRejectedError) => e.reason,
        ),
    );
    await flushMicrotasks();
    expect(policy.snapshot()).toMatchObject({ active: 10, queued: 500 });
    await clock.runAll();
    const results = await Promise.all(calls);
    expect(maxRunning).toBe(10);
    expect(results.filter((r) => r === 'ok')).toHaveLength(510);
    expect(results.filter((r) => r === 'queue_full')).toHaveLength(490);
    expect(order).toEqual([...order].sort((a, b) => a - b)); // started in arrival order
    expect(policy.snapshot()).toMatchObject({ active: 0, queued: 0 });
    expect(clock.pendingTimers).toBe(0);
  });
});
