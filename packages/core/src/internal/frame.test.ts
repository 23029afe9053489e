import { afterEach, describe, expect, it } from 'vitest';
import { bulkhead } from '../bulkhead/bulkhead.js';
import { circuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import { BrokenCircuitError } from '../errors.js';
import type { RampartEvent } from '../events/types.js';
import { fallback } from '../fallback/fallback.js';
import { Registry } from '../pipeline/registry.js';
import { retry } from '../retry/retry.js';
import { TestClock } from '../testing/index.js';
import { timeout } from '../timeout/timeout.js';
import type { AnyPolicy, CallContext, Next, Outcome, PolicyContext } from '../types.js';
import { type Frame, STAGE, type Stage } from './frame.js';

/** A policy that is not a stage: it runs the inner layers through `next`, as a user's own would. */
function recorder(name: string, log: string[], wrapCtx = (ctx: PolicyContext) => ctx): AnyPolicy {
  return {
    kind: 'chaos',
    name,
    snapshot: () => ({}),
    configure: () => {},
    async execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
      log.push(`${name} in`);
      const outcome = await next(wrapCtx(ctx));
      log.push(`${name} out`);
      return outcome;
    },
  };
}

/** A stage policy that logs its steps, and can be told to throw in either. */
function stage(name: string, log: string[], faults: { enter?: Error; exit?: Error } = {}): AnyPolicy {
  const s: Stage = {
    marks: 0,
    enter: () => {
      log.push(`${name} enter`);
      if (faults.enter) throw faults.enter;
      return undefined;
    },
    exit: (_frame: Frame, outcome: Outcome<unknown>) => {
      log.push(`${name} exit ${outcome.ok ? 'ok' : 'failed'}`);
      if (faults.exit) throw faults.exit;
      return outcome;
    },
  };
  return {
    kind: 'chaos',
    name,
    [STAGE]: s,
    snapshot: () => ({}),
    configure: () => {},
    execute: () => Promise.reject(new Error('a pipeline runs a stage policy through its stage')),
  } as AnyPolicy;
}

describe('frames: policies as stages around one await', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  afterEach(() => {
    const seen = unhandled.splice(0);
    expect(seen).toEqual([]);
  });

  it('runs enters outermost first and exits innermost first, through stages and other policies alike', async () => {
    const log: string[] = [];
    const p = new Registry().pipeline('p', [
      stage('a', log),
      recorder('b', log),
      stage('c', log),
      stage('d', log),
      recorder('e', log),
    ]);
    await expect(
      p.execute(() => {
        log.push('fn');
        return 'value';
      }),
    ).resolves.toBe('value');
    expect(log).toEqual([
      'a enter',
      'b in',
      'c enter',
      'd enter',
      'e in',
      'fn',
      'e out',
      'd exit ok',
      'c exit ok',
      'b out',
      'a exit ok',
    ]);
  });

  it('a stage that throws fails the call at its own layer; the layers outside it see the failure', async () => {
    const log: string[] = [];
    const enterFault = new Error('enter broke');
    const p = new Registry().pipeline('p', [
      stage('a', log),
      stage('b', log, { enter: enterFault }),
      stage('c', log),
    ]);
    await expect(p.execute(() => log.push('fn'))).rejects.toBe(enterFault);
    expect(log).toEqual(['a enter', 'b enter', 'a exit failed']);

    log.length = 0;
    const exitFault = new Error('exit broke');
    const q = new Registry().pipeline('q', [stage('a', log), stage('b', log, { exit: exitFault })]);
    await expect(q.execute(() => 'value')).rejects.toBe(exitFault);
    expect(log).toEqual(['a enter', 'b enter', 'b exit ok', 'a exit failed']);
  });

  it('a policy that is not a stage may spread the context it gets, inside a timeout too', async () => {
    const clock = new TestClock();
    const log: string[] = [];
    const respread = recorder('spread', log, (ctx) => ({ ...ctx, attempt: ctx.attempt + 1 }));
    const p = new Registry().pipeline('p', [timeout({ after: 100, clock }), respread], { clock });
    let seen: CallContext | undefined;
    const call = p.execute((ctx) => {
      seen = ctx;
      return new Promise(() => {});
    });
    await clock.advance(0);
    expect(seen?.attempt).toBe(2);
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.signal.aborted).toBe(false);
    await clock.advance(100);
    await expect(call).rejects.toThrow('timed out');
    expect(seen?.signal.aborted).toBe(true);
  });

  it('the function inside a timeout gets a context whose spread keeps the signal', async () => {
    const clock = new TestClock();
    const p = new Registry().pipeline('p', [timeout({ after: 50, clock })], { clock });
    let spread: Partial<PolicyContext> & Record<string, unknown> = {};
    const call = p.execute((ctx) => {
      spread = { ...(ctx as PolicyContext) };
      return new Promise(() => {});
    });
    expect(Object.keys(spread)).toEqual(expect.arrayContaining(['signal', 'attempt', 'key', 'call']));
    await clock.advance(50);
    await expect(call).rejects.toThrow('timed out');
    expect(spread.signal?.aborted).toBe(true);
  });

  it('a signal nobody read is made already aborted, with the timeout as reason, when read late', async () => {
    const clock = new TestClock();
    const p = new Registry().pipeline('p', [timeout({ after: 10, strategy: 'cooperative', clock })], {
      clock,
    });
    let late: AbortSignal | undefined;
    let finish!: () => void;
    const call = p.execute(
      (ctx) =>
        new Promise<void>((resolve) => {
          finish = () => {
            late = ctx.signal;
            resolve();
          };
        }),
    );
    await clock.advance(10);
    finish();
    await expect(call).resolves.toBeUndefined();
    expect(late?.aborted).toBe(true);
    expect(late?.reason).toMatchObject({ name: 'TimeoutError', timeout: 10 });
  });

  it('the kill switch skips every stage', async () => {
    const log: string[] = [];
    const p = new Registry().pipeline('p', [stage('a', log), recorder('b', log)], { enabled: false });
    await expect(p.execute(() => 'direct')).resolves.toBe('direct');
    expect(log).toEqual([]);
  });

  it('a call that ends before any await (an open circuit) rejects without an unhandled rejection', async () => {
    const breaker = circuitBreaker();
    const p = new Registry().pipeline('p', [fallback({ value: 'fb', handles: () => false }), breaker]);
    breaker.isolate();
    const handled = p.execute(() => 'never').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 0)); // let Node look for unhandled rejections
    expect(await handled).toBeInstanceOf(BrokenCircuitError);
  });

  it('a synchronous value and a synchronous throw of the function both go through the exits', async () => {
    const log: string[] = [];
    const p = new Registry().pipeline('p', [stage('a', log)]);
    await expect(p.execute(() => 7)).resolves.toBe(7);
    const boom = new Error('sync');
    await expect(
      p.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(log).toEqual(['a enter', 'a exit ok', 'a enter', 'a exit failed']);
  });

  it('a retry runs its further attempts through the stages inside it, each with its attempt number', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const events: RampartEvent[] = [];
    registry.on((e) => events.push(e));
    const limit = bulkhead({ limit: 1, clock });
    const p = registry.pipeline('p', [retry({ maxAttempts: 3, clock, random: () => 0 }), limit], { clock });
    const attempts: number[] = [];
    const call = p.execute((ctx) => {
      attempts.push(ctx.attempt);
      expect(limit.active).toBe(1);
      return ctx.attempt < 3 ? Promise.reject(new Error('again')) : 'third';
    });
    await clock.runAll();
    await expect(call).resolves.toBe('third');
    expect(attempts).toEqual([1, 2, 3]);
    expect(limit.active).toBe(0);
    expect(events.filter((e) => e.type === 'bulkhead.acquired')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'call', outcome: 'success' });
  });

  it('an async fallback fn answers after the function settled', async () => {
    const p = new Registry().pipeline('p', [
      fallback({ fn: async (error) => `fallback for ${(error as Error).message}` }),
    ]);
    await expect(p.execute(() => Promise.reject(new Error('down')))).resolves.toBe('fallback for down');
  });
});
