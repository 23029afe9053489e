import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import { chaos } from './chaos.js';
import { CHAOS_DEFAULTS, type ChaosOptions } from './options.js';

function setup(options: Partial<ChaosOptions>) {
  const clock = new TestClock();
  const registry = new Registry();
  const policy = chaos({ clock, ...options });
  const p = registry.pipeline('c', [policy], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  const fn = vi.fn(async () => 'real');
  return { clock, p, policy, events, fn };
}

const injected = (events: RampartEvent[]) => events.flatMap((e) => (e.type === 'chaos' ? [e.injected] : []));

/** A random source that returns the given values in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('chaos', () => {
  it('pins its defaults: off, rate 0', () => {
    expect(CHAOS_DEFAULTS).toEqual({ rate: 0, enabled: false });
  });

  it('disabled, it passes every call through without drawing a random number', async () => {
    const random = vi.fn(() => 0);
    const { p, events, fn } = setup({ rate: 1, fault: () => new Error('x'), random });
    await expect(p.execute(fn)).resolves.toBe('real');
    expect(random).not.toHaveBeenCalled();
    expect(injected(events)).toEqual([]);
  });

  it('injects a fault instead of calling, at the given rate', async () => {
    const { p, policy, events, fn } = setup({
      enabled: true,
      rate: 0.1,
      random: sequence(0.05, 0.5, 0.099, 0.1),
      fault: () => new Error('injected'),
    });
    const results = await Promise.allSettled([p.execute(fn), p.execute(fn), p.execute(fn), p.execute(fn)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toEqual(new Error('injected'));
    expect(fn).toHaveBeenCalledTimes(2);
    expect(injected(events)).toEqual(['fault', 'fault']);
    expect(events.find((e) => e.type === 'chaos')).toMatchObject({
      pipeline: 'c',
      policy: 'chaos',
      policyName: 'chaos',
      time: 0,
    });
    expect(policy.snapshot().injected).toEqual({ fault: 2, latency: 0, result: 0 });
  });

  it('a fault factory that throws injects what it threw; the factory gets the call context', async () => {
    const fault = vi.fn(() => {
      throw new RangeError('thrown');
    });
    const { p } = setup({ enabled: true, rate: 1, fault });
    await expect(p.execute(async () => 1, { key: 'op' })).rejects.toThrow(RangeError);
    expect(fault).toHaveBeenCalledWith(expect.objectContaining({ attempt: 1, key: 'op' }));
  });

  it('injects a result instead of calling', async () => {
    const { p, events, fn } = setup({ enabled: true, rate: 1, result: async () => 'fake' });
    await expect(p.execute(fn)).resolves.toBe('fake');
    expect(fn).not.toHaveBeenCalled();
    expect(injected(events)).toEqual(['result']);
  });

  it('injects latency through the clock, then runs the call', async () => {
    const { clock, p, events, fn } = setup({ enabled: true, rate: 1, latency: 300 });
    const call = p.execute(fn);
    await clock.advance(299);
    expect(fn).not.toHaveBeenCalled();
    await clock.advance(1);
    await expect(call).resolves.toBe('real');
    expect(injected(events)).toEqual(['latency']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('latency ends at once when the caller aborts, with no timer left', async () => {
    const { clock, p, fn } = setup({ enabled: true, rate: 1, latency: 300 });
    const controller = new AbortController();
    const call = p.execute(fn, { signal: controller.signal });
    await clock.advance(100);
    const reason = new Error('caller left');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
  });

  it('latency then fault: delays, then fails, and reports both', async () => {
    const { clock, p, events } = setup({ enabled: true, rate: 1, latency: 50, fault: () => 'slow failure' });
    const call = p.execute(async () => 1).catch((e: unknown) => e);
    await clock.advance(50);
    expect(await call).toBe('slow failure');
    expect(injected(events)).toEqual(['latency', 'fault']);
  });

  it('configure() switches it on and off at run time, keeping its counts', async () => {
    const { p, policy, fn } = setup({ rate: 1, fault: () => new Error('injected') });
    await expect(p.execute(fn)).resolves.toBe('real');
    policy.configure({ enabled: true });
    await expect(p.execute(fn)).rejects.toThrow('injected');
    policy.configure({ rate: 0 });
    await expect(p.execute(fn)).resolves.toBe('real');
    policy.configure({ rate: 1, fault: null, result: () => 'swapped' });
    await expect(p.execute(fn)).resolves.toBe('swapped');
    policy.configure({ enabled: false });
    await expect(p.execute(fn)).resolves.toBe('real');
    expect(policy.snapshot()).toEqual({
      enabled: false,
      rate: 1,
      latency: 0,
      fault: false,
      result: true,
      injected: { fault: 1, latency: 0, result: 1 },
    });
  });

  it('built from configuration with nothing to inject, it waits to be configured', async () => {
    const { clock, p, policy, fn } = setup({ enabled: false, rate: 1, latency: 0 });
    await expect(p.execute(fn)).resolves.toBe('real');
    policy.configure({ enabled: true, latency: 100 });
    const call = p.execute(fn);
    await clock.advance(100);
    await expect(call).resolves.toBe('real');
  });

  it('configure() rejects bad values whole', () => {
    const { policy } = setup({ rate: 0.5, latency: 10 });
    expect(() => policy.configure({ enabled: true, rate: 2 })).toThrow(
      /chaos: rate must be a number from 0 to 1, got 2/,
    );
    expect(() => policy.configure({ latency: null, enabled: true })).toThrow(
      /enabled with nothing to inject/,
    );
    expect(() => policy.configure({ fault: () => 1, result: () => 2 })).toThrow(/fault or result, not both/);
    expect(() => policy.configure({ enabled: 'yes' as never })).toThrow(
      /enabled must be true or false, got "yes"/,
    );
    expect(() => policy.configure({ random: Math.random } as never)).toThrow(/unknown option "random"/);
    expect(policy.snapshot()).toMatchObject({ enabled: false, rate: 0.5, latency: 10 });
  });

  it('validates options with messages that name them', () => {
    expect(() => chaos({ rate: -0.1, latency: 1 })).toThrow(
      /chaos: rate must be a number from 0 to 1, got -0.1/,
    );
    expect(() => chaos({ latency: -1 })).toThrow(/chaos: latency \(ms\) must be a number >= 0, got -1/);
    expect(() => chaos({ fault: new Error('x') as never })).toThrow(/chaos: fault must be a function/);
    expect(() => chaos({ enabled: true })).toThrow(
      /chaos: enabled with nothing to inject; give fault, latency \(ms > 0\) or result/,
    );
    expect(() => chaos({ fault: () => 1, result: () => 2 })).toThrow(/give fault or result, not both/);
    expect(() => chaos({ rates: 1 } as never)).toThrow(/unknown option "rates"/);
  });

  it('property: with rate r, exactly the calls whose draw is below r are injected', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (rate, draws) => {
          const { p, policy, fn } = setup({
            enabled: true,
            rate,
            random: sequence(...draws),
            fault: () => new Error('injected'),
          });
          const results = await Promise.allSettled(draws.map(() => p.execute(fn)));
          const expected = draws.filter((d) => d < rate).length;
          expect(results.filter((r) => r.status === 'rejected')).toHaveLength(expected);
          expect(fn).toHaveBeenCalledTimes(draws.length - expected);
          expect(policy.snapshot().injected.fault).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
