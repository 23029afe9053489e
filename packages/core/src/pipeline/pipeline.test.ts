import { describe, expect, it, vi } from 'vitest';
import type { RampartEvent } from '../events/types.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import type { CallContext } from '../types.js';
import { pipeline, Registry } from './registry.js';

describe('pipeline', () => {
  it('passes signal, attempt 1 and key to the function and returns its value', async () => {
    const p = pipeline('p', [], { registry: null });
    const seen = await p.execute(
      (ctx) => ({ attempt: ctx.attempt, key: ctx.key, aborted: ctx.signal.aborted }),
      {
        key: 'op',
      },
    );
    expect(seen).toEqual({ attempt: 1, key: 'op', aborted: false });
  });

  it('rethrows the original error, including non-Error values and synchronous throws', async () => {
    const p = pipeline('p', [], { registry: null });
    await expect(p.execute(() => Promise.reject('text'))).rejects.toBe('text');
    await expect(p.execute(() => Promise.reject(undefined))).rejects.toBeUndefined();
    const boom = new Error('boom');
    await expect(
      p.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('wrap() passes arguments then the call context', async () => {
    const p = pipeline('p', [], { registry: null });
    const add = p.wrap(async (a: number, b: number, ctx: CallContext) => a + b + ctx.attempt);
    await expect(add(1, 2)).resolves.toBe(4);
  });

  it('emits call and attempt events only when somebody listens', async () => {
    const clock = new TestClock(1000);
    const registry = new Registry();
    const p = registry.pipeline('p', [], { clock });
    await p.execute(() => 1); // nobody listens: nothing to observe, nothing built
    const events: RampartEvent[] = [];
    const sub = registry.on((e) => events.push(e));
    await p.execute(() => 1, { key: 'k' });
    sub.dispose();
    await p.execute(() => 1);
    expect(events.map((e) => e.type)).toEqual(['attempt', 'call']);
    expect(events[1]).toMatchObject({
      pipeline: 'p',
      policy: 'pipeline',
      key: 'k',
      outcome: 'success',
      time: 1000,
    });
  });

  it('listening follows listeners and sinks as they come and go, on the pipeline and its registry', () => {
    const registry = new Registry();
    const early = registry.pipeline('early', []);
    const alone = pipeline('alone', [], { registry: null });
    expect([early.listening, registry.listening, alone.listening]).toEqual([false, false, false]);
    const onRegistry = registry.on(() => {});
    const late = registry.pipeline('late', []);
    expect([early.listening, late.listening, registry.listening]).toEqual([true, true, true]);
    registry.remove('early'); // a removed pipeline still reports to the registry it was made in
    expect(early.listening).toBe(true);
    onRegistry.dispose();
    expect([early.listening, late.listening, registry.listening]).toEqual([false, false, false]);
    const nop = () => {};
    const sink = registry.attachSink({
      event: nop,
      call: nop,
      attempt: nop,
      retryDone: nop,
      circuitCall: nop,
      bulkheadAcquired: nop,
    });
    expect([late.listening, registry.listening]).toEqual([true, true]);
    sink.dispose();
    const own = alone.on(() => {});
    expect([alone.listening, late.listening]).toEqual([true, false]);
    own.dispose();
    expect(alone.listening).toBe(false);
  });

  it('a throwing listener never breaks the call and is reported', async () => {
    const onListenerError = vi.fn();
    const registry = new Registry({ onListenerError });
    const p = registry.pipeline('p', []);
    const failure = new Error('listener bug');
    registry.on(() => {
      throw failure;
    });
    const other = vi.fn();
    p.on(other);
    await expect(p.execute(() => 'ok')).resolves.toBe('ok');
    expect(onListenerError).toHaveBeenCalledWith(failure, expect.objectContaining({ type: 'attempt' }));
    expect(other).toHaveBeenCalledTimes(2);
  });

  it('classifies rejections apart from failures', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('p', [timeout({ after: 10, clock })], { clock });
    const outcomes: string[] = [];
    registry.on((e) => e.type === 'call' && outcomes.push(e.outcome));
    const call = p.execute(() => new Promise(() => {}));
    await clock.advance(10);
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError', pipeline: 'p', policy: 'timeout' });
    expect(outcomes).toEqual(['failure']);
  });

  it('does not call the function when the caller already aborted', async () => {
    const p = pipeline('p', [], { registry: null });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const fn = vi.fn();
    await expect(p.execute(fn, { signal: controller.signal })).rejects.toThrow('gone');
    expect(fn).not.toHaveBeenCalled();
  });

  it('the kill switch skips every policy but still counts calls', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('p', [timeout({ after: 1, clock })], { clock, enabled: false });
    const events: string[] = [];
    registry.on((e) => events.push(e.type));
    const call = p.execute(async () => {
      await clock.advance(5);
      return 'slow but allowed';
    });
    await expect(call).resolves.toBe('slow but allowed');
    expect(events).toEqual(['attempt', 'call']);
  });

  it('validates its name and policies', () => {
    expect(() => pipeline('', [], { registry: null })).toThrow(/pipeline name/);
    expect(() => pipeline('bad name', [], { registry: null })).toThrow(/pipeline name/);
    expect(() => pipeline('p', [{} as never], { registry: null })).toThrow(/policies\[0\] is not a policy/);
    expect(() => pipeline('p', [timeout(1), timeout(2)], { registry: null })).toThrow(
      /two policies are named "timeout"/,
    );
  });
});

describe('registry', () => {
  it('registers, looks up, lists and refuses duplicates unless replaced on purpose', () => {
    const registry = new Registry();
    const a = registry.pipeline('a', []);
    expect(registry.get('a')).toBe(a);
    expect(() => registry.pipeline('a', [])).toThrow(/already registered.*replace: true/);
    const a2 = registry.pipeline('a', [], { replace: true });
    expect(registry.get('a')).toBe(a2);
    registry.pipeline('b', []);
    expect(registry.list().map((p) => p.name)).toEqual(['a', 'b']);
    expect(registry.remove('b')).toBe(true);
    expect(registry.has('b')).toBe(false);
  });

  it('watch() reports pipelines added later, and replays existing ones on request', () => {
    const registry = new Registry();
    registry.pipeline('early', []);
    const seen: string[] = [];
    const sub = registry.watch((c) => seen.push(`${c.type}:${c.pipeline.name}`), { replay: true });
    registry.pipeline('late', []);
    registry.remove('early');
    sub.dispose();
    registry.pipeline('unseen', []);
    expect(seen).toEqual(['added:early', 'added:late', 'removed:early']);
  });

  it('snapshot() gives every policy state by pipeline', () => {
    const registry = new Registry();
    registry.pipeline('a', [timeout(50)]);
    expect(registry.snapshot()).toEqual({
      pipelines: {
        a: {
          name: 'a',
          enabled: true,
          policies: [{ kind: 'timeout', name: 'timeout', state: { after: 50, strategy: 'aggressive' } }],
        },
      },
      health: {},
    });
  });
});
