import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../errors.js';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import { TIMEOUT_DEFAULTS } from './options.js';
import { timeout } from './timeout.js';

const setup = (options: Parameters<typeof timeout>[0] extends infer O ? O : never) => {
  const clock = new TestClock();
  const registry = new Registry();
  const opts = typeof options === 'number' ? { after: options, clock } : { ...options, clock };
  const p = registry.pipeline('t', [timeout(opts)], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  return { clock, p, events };
};

describe('timeout', () => {
  it('pins its defaults', () => {
    expect(TIMEOUT_DEFAULTS).toEqual({ after: 10_000, strategy: 'aggressive' });
  });

  it('aggressive: rejects at once with TimeoutError and aborts the inner signal', async () => {
    const { clock, p, events } = setup({ after: 100 });
    let signal: AbortSignal | undefined;
    const call = p.execute((ctx) => {
      signal = ctx.signal;
      return new Promise(() => {}); // ignores its signal
    });
    await clock.advance(99);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    await expect(call).rejects.toBeInstanceOf(TimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(events.filter((e) => e.type === 'timeout')).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('cooperative: aborts the signal and waits for the call to settle', async () => {
    const { clock, p } = setup({ after: 100, strategy: 'cooperative' });
    let settledAt = -1;
    const call = p
      .execute(
        (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => {
              clock.setTimeout(() => reject(ctx.signal.reason), 50); // cleans up for 50 ms
            });
          }),
      )
      .catch((e: unknown) => {
        settledAt = clock.now();
        return e;
      });
    await clock.advance(100);
    expect(settledAt).toBe(-1);
    await clock.advance(50);
    expect(await call).toBeInstanceOf(TimeoutError);
    expect(settledAt).toBe(150);
  });

  it('clears its timer when the call settles first', async () => {
    const { clock, p } = setup(1_000);
    await expect(p.execute(async () => 'fast')).resolves.toBe('fast');
    await expect(p.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(clock.pendingTimers).toBe(0);
  });

  it('the caller aborting ends an aggressive timeout at once with the caller reason', async () => {
    const { clock, p } = setup({ after: 1_000 });
    const controller = new AbortController();
    const call = p.execute(() => new Promise(() => {}), { signal: controller.signal });
    controller.abort(new Error('caller left'));
    await expect(call).rejects.toThrow('caller left');
    expect(clock.pendingTimers).toBe(0);
  });

  it('validates options with messages that name them', () => {
    expect(() => timeout(-5)).toThrow(RangeError);
    expect(() => timeout(-5)).toThrow(/timeout: after \(ms\) must be a number >= 0, got -5/);
    expect(() => timeout(Number.NaN)).toThrow(/after \(ms\) must be a number, got NaN/);
    expect(() => timeout({ after: 10, strategy: 'eager' as never })).toThrow(
      /strategy must be one of "cooperative", "aggressive"/,
    );
    expect(() => timeout({ afer: 10 } as never)).toThrow(/unknown option "afer"/);
  });

  it('configure() changes the limit at run time and rejects bad values whole', () => {
    const t = timeout(100);
    t.configure({ after: 200 });
    expect(t.snapshot()).toEqual({ after: 200, strategy: 'aggressive' });
    expect(() => t.configure({ after: 300, strategy: 'nope' as never })).toThrow(/strategy/);
    expect(t.snapshot().after).toBe(200);
  });
});
