import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/index.js';
import { BrokenCircuitError, IsolatedCircuitError } from '../errors.js';
import type { CircuitTransitionEvent, EventOf, RampartEvent } from '../events/types.js';
import {
  expectFramePathUnlessPlain,
  expectPipelineNamedOnErrors,
  expectValuesPassThrough,
  noting,
  ranInFrame,
} from '../internal/testing-fixtures/solo-path.js';
import { Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import type { CallContext } from '../types.js';
import { breakers } from './breakers/index.js';
import { type CircuitBreakerPolicy, circuitBreaker } from './circuit-breaker.js';
import { CIRCUIT_BREAKER_DEFAULTS, type CircuitBreakerOptions } from './options.js';

class DependencyError extends Error {}
class NotFound extends Error {}

function setup(options: Partial<CircuitBreakerOptions> = {}, start = 0) {
  const clock = new TestClock(start);
  const registry = new Registry();
  const breaker = circuitBreaker({ clock, ...options });
  const p = registry.pipeline('cb', [breaker], { clock });
  const events: RampartEvent[] = [];
  registry.on((e) => events.push(e));
  let calls = 0;
  const succeed = () =>
    p.execute(async () => {
      calls++;
      return 'ok';
    });
  const fail = (error: unknown = new DependencyError('down')) =>
    p
      .execute(async () => {
        calls++;
        throw error;
      })
      .catch((e: unknown) => e);
  /** A call that settles when told to, after running as long as the test advances the clock. */
  const pending = () => {
    let settle!: (error?: unknown) => void;
    const result = p
      .execute(
        () =>
          new Promise<string>((resolve, reject) => {
            calls++;
            settle = (error) => (error === undefined ? resolve('ok') : reject(error));
          }),
      )
      .catch((e: unknown) => e);
    return { result, settle: (error?: unknown) => settle(error) };
  };
  const transitions = () =>
    events
      .filter((e): e is CircuitTransitionEvent => e.type === 'circuit.transition')
      .map((e) => `${e.from}>${e.to}:${e.reason}`);
  const results = () =>
    events
      .filter((e): e is EventOf<'circuit.call'> => e.type === 'circuit.call')
      .map((e) => e.result + (e.slow ? '(slow)' : ''));
  return {
    clock,
    breaker,
    p,
    events,
    succeed,
    fail,
    pending,
    transitions,
    results,
    calls: () => calls,
  };
}

async function trip(t: ReturnType<typeof setup>, failures: number) {
  for (let i = 0; i < failures; i++) await t.fail();
}

describe('circuitBreaker', () => {
  it('pins its defaults', () => {
    expect(CIRCUIT_BREAKER_DEFAULTS).toEqual({
      breakerKind: 'consecutive',
      threshold: 5,
      size: 100,
      window: 60_000,
      buckets: 10,
      failureRatio: 0.5,
      minimumCalls: 20,
      slowCallDuration: Number.POSITIVE_INFINITY,
      slowCallRatio: 1,
      openFor: 30_000,
      halfOpen: { probes: 1, successes: 1, maxWait: 30_000 },
    });
    const t = setup();
    expect(t.breaker.name).toBe('circuit_breaker');
    expect(t.breaker.kind).toBe('circuit_breaker');
  });

  it('opens after the breaker trips and then rejects at once without calling the function', async () => {
    const t = setup({ breaker: breakers.consecutive(3), openFor: 10_000 });
    await t.succeed();
    await trip(t, 2);
    expect(t.breaker.state).toBe('closed');
    await t.fail();
    expect(t.breaker.state).toBe('open');
    expect(t.transitions()).toEqual(['closed>open:failure_threshold']);
    const before = t.calls();
    await t.clock.advance(4_000);
    const rejection = await t.fail();
    expect(rejection).toBeInstanceOf(BrokenCircuitError);
    expect(rejection).toMatchObject({
      retryAfter: 6_000,
      rejection: true,
      pipeline: 'cb',
      message: 'circuit is open',
    });
    expect(t.calls()).toBe(before);
    expect(t.results()).toEqual(['success', 'failure', 'failure', 'failure', 'rejected']);
    const rejected = t.events.find((e) => e.type === 'circuit.call' && e.result === 'rejected');
    expect(rejected).toMatchObject({
      duration: 0,
      slow: false,
      error: rejection,
      policyName: 'circuit_breaker',
    });
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('goes half-open lazily when openFor is over, with an event even when no call looks', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000 });
    await t.fail();
    await t.clock.advance(999);
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 0, retryAfter: 1 });
    await t.clock.advance(1);
    // Nothing ran in between: no timer exists; reading the state performs the transition.
    expect(t.transitions()).toEqual(['closed>open:failure_threshold']);
    expect(t.breaker.snapshot()).toMatchObject({
      state: 'half_open',
      openedAt: 0,
      halfOpenAt: 1_000,
      retryAfter: 0,
    });
    expect(t.transitions()).toEqual(['closed>open:failure_threshold', 'open>half_open:open_elapsed']);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('a probe that succeeds closes the circuit and clears the counts', async () => {
    const t = setup({ breaker: breakers.consecutive(2), openFor: 1_000 });
    await trip(t, 2);
    await t.clock.advance(5_000); // long after: the half-open time is when it was due
    expect(await t.succeed()).toBe('ok');
    expect(t.transitions()).toEqual([
      'closed>open:failure_threshold',
      'open>half_open:open_elapsed',
      'half_open>closed:probe_succeeded',
    ]);
    expect(t.breaker.snapshot()).toMatchObject({
      state: 'closed',
      failures: 0,
      successes: 0,
      openedAt: undefined,
      halfOpenAt: undefined,
      retryAfter: 0,
    });
    await t.fail(); // one failure: not enough to re-open
    expect(t.breaker.state).toBe('closed');
  });

  it('a probe that fails re-opens the circuit for another openFor', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000 });
    await t.fail();
    await t.clock.advance(1_500);
    expect(await t.fail()).toBeInstanceOf(DependencyError);
    expect(t.transitions().slice(1)).toEqual(['open>half_open:open_elapsed', 'half_open>open:probe_failed']);
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 1_500, retryAfter: 1_000 });
  });

  it('needs halfOpen.successes successful probes to close', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 100, halfOpen: { successes: 3 } });
    await t.fail();
    await t.clock.advance(100);
    await t.succeed();
    await t.succeed();
    expect(t.breaker.state).toBe('half_open');
    await t.succeed();
    expect(t.breaker.state).toBe('closed');
  });

  it('half-open admits exactly `probes` of 1,000 concurrent callers', async () => {
    const t = setup({
      breaker: breakers.consecutive(1),
      openFor: 100,
      halfOpen: { probes: 3, maxWait: 5_000 },
    });
    await t.fail();
    await t.clock.advance(100);
    const before = t.calls();
    const callers = Array.from({ length: 1_000 }, () => t.pending());
    expect(t.calls() - before).toBe(3);
    await t.clock.advance(1_000);
    const rejected = callers.slice(3).map((c) => c.result);
    const errors = await Promise.all(rejected);
    expect(errors.every((e) => e instanceof BrokenCircuitError)).toBe(true);
    expect(errors[0]).toMatchObject({
      message: 'circuit is half-open and every probe slot is taken',
      retryAfter: 5_000, // until the probes' maxWait deadline, measured when they were turned away
    });
    expect(t.breaker.snapshot().retryAfter).toBe(4_000);
    // Two probes succeed: a slot frees, yet closing needs just one success (the default).
    callers[0]!.settle();
    await callers[0]!.result;
    expect(t.breaker.state).toBe('closed');
    // The other probes finish under another state: reported, not counted.
    callers[1]!.settle(new DependencyError('late'));
    callers[2]!.settle();
    await Promise.all([callers[1]!.result, callers[2]!.result]);
    expect(t.breaker.state).toBe('closed');
    expect(t.breaker.snapshot().failures).toBe(0);
  });

  it('an ignored probe frees its slot without deciding anything', async () => {
    const t = setup({
      breaker: breakers.consecutive(1),
      openFor: 100,
      handles: (e) => !(e instanceof NotFound),
    });
    await t.fail();
    await t.clock.advance(100);
    expect(await t.fail(new NotFound())).toBeInstanceOf(NotFound);
    expect(t.breaker.state).toBe('half_open');
    const probe = t.pending();
    expect(await t.fail()).toBeInstanceOf(BrokenCircuitError);
    probe.settle();
    await probe.result;
    expect(t.breaker.state).toBe('closed');
  });

  it('a probe that hangs past halfOpen.maxWait re-opens the circuit without any timer', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000, halfOpen: { maxWait: 2_000 } });
    await t.fail();
    await t.clock.advance(1_000);
    const hung = t.pending();
    expect(t.clock.pendingTimers).toBe(0);
    await t.clock.advance(1_999);
    expect(t.breaker.state).toBe('half_open');
    await t.clock.advance(1);
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 3_000, retryAfter: 1_000 });
    expect(t.transitions().slice(-1)).toEqual(['half_open>open:probe_timed_out']);
    // Its success, when it finally comes, belongs to a past half-open period.
    hung.settle();
    expect(await hung.result).toBe('ok');
    expect(t.breaker.state).toBe('open');
    await t.clock.advance(1_000);
    expect(await t.succeed()).toBe('ok');
    expect(t.breaker.state).toBe('closed');
  });

  it('the probe timeout takes effect at its due time even when first seen much later', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000, halfOpen: { maxWait: 500 } });
    await t.fail();
    await t.clock.advance(1_000);
    t.pending();
    await t.clock.advance(10_000); // nobody looked: open at 1_500, half-open again at 2_500
    expect(t.breaker.snapshot()).toMatchObject({ state: 'half_open', openedAt: 1_500, halfOpenAt: 2_500 });
    expect(t.transitions()).toEqual([
      'closed>open:failure_threshold',
      'open>half_open:open_elapsed',
      'half_open>open:probe_timed_out',
      'open>half_open:open_elapsed',
    ]);
  });

  it('a backoff openFor grows with each re-opening from half-open and starts over once closed', async () => {
    const t = setup({
      breaker: breakers.consecutive(1),
      openFor: backoff.exponential({ initial: 1_000, factor: 2, max: 5_000, jitter: 'none' }),
    });
    const openPeriods: number[] = [];
    await t.fail();
    openPeriods.push(t.breaker.snapshot().retryAfter);
    for (let i = 0; i < 4; i++) {
      await t.clock.advance(t.breaker.snapshot().retryAfter);
      await t.fail(); // the probe fails
      openPeriods.push(t.breaker.snapshot().retryAfter);
    }
    expect(openPeriods).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(t.breaker.toJSON().reopenCount).toBe(4);
    await t.clock.advance(5_000);
    await t.succeed();
    expect(t.breaker.toJSON()).toEqual({ state: 'closed', openedAt: undefined, reopenCount: 0 });
    await t.fail();
    expect(t.breaker.snapshot().retryAfter).toBe(1_000);
  });

  it('a jittered backoff openFor uses the injected random source', async () => {
    const t = setup({
      breaker: breakers.consecutive(1),
      openFor: backoff.exponential({ initial: 1_000, max: 8_000, jitter: 'equal' }),
      random: () => 0.5,
    });
    await t.fail();
    expect(t.breaker.snapshot().retryAfter).toBe(750);
  });

  it('isolate() rejects every call until reset(), with events even before any call', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000 }, 50);
    t.breaker.isolate();
    t.breaker.isolate(); // already isolated: no second transition
    expect(t.transitions()).toEqual(['closed>isolated:isolated']);
    const rejection = await t.fail();
    expect(rejection).toBeInstanceOf(IsolatedCircuitError);
    expect((rejection as IsolatedCircuitError).retryAfter).toBe(Number.POSITIVE_INFINITY);
    await t.clock.advance(1_000_000);
    expect(t.breaker.snapshot()).toMatchObject({
      state: 'isolated',
      openedAt: 50,
      retryAfter: Number.POSITIVE_INFINITY,
    });
    expect(t.calls()).toBe(0);
    t.breaker.reset();
    expect(t.breaker.state).toBe('closed');
    expect(await t.succeed()).toBe('ok');
    expect(t.transitions()).toEqual(['closed>isolated:isolated', 'isolated>closed:reset']);
  });

  it('reset() closes an open circuit, clears counts and the backoff, and is quiet when already closed', async () => {
    const t = setup({
      breaker: breakers.consecutive(3),
      openFor: backoff.constant(1_000, { jitter: 'none' }),
    });
    await trip(t, 2);
    expect(t.breaker.snapshot().failures).toBe(2);
    t.breaker.reset();
    expect(t.breaker.snapshot().failures).toBe(0);
    expect(t.transitions()).toEqual([]);
    await trip(t, 3);
    t.breaker.reset();
    expect(t.transitions()).toEqual(['closed>open:failure_threshold', 'open>closed:reset']);
    expect(t.breaker.toJSON()).toEqual({ state: 'closed', openedAt: undefined, reopenCount: 0 });
  });

  it('a call that started before the circuit changed state is reported but not counted', async () => {
    const t = setup({ breaker: breakers.consecutive(2), openFor: 1_000 });
    const slow = t.pending();
    await trip(t, 2); // opens while `slow` still runs
    slow.settle(new DependencyError('late'));
    await slow.result;
    expect(t.results()).toEqual(['failure', 'failure', 'failure']);
    await t.clock.advance(1_000);
    await t.succeed();
    expect(t.breaker.state).toBe('closed');
    // A call from before a reset() does not count against the fresh counts either.
    const before = t.pending();
    t.breaker.reset();
    await t.fail();
    before.settle(new DependencyError('late'));
    await before.result;
    expect(t.breaker.snapshot().failures).toBe(1);
  });

  it('handles picks the failures; other errors pass through uncounted', async () => {
    const t = setup({ breaker: breakers.consecutive(2), handles: (e) => e instanceof DependencyError });
    expect(await t.fail(new NotFound('no'))).toBeInstanceOf(NotFound);
    expect(await t.fail(new NotFound('no'))).toBeInstanceOf(NotFound);
    expect(t.breaker.state).toBe('closed');
    expect(t.results()).toEqual(['ignored', 'ignored']);
    await t.fail();
    expect(t.breaker.snapshot()).toMatchObject({
      failures: 1,
      lastError: { type: 'DependencyError', at: 0 },
    });
  });

  it("never counts the caller's own abort, even when handles accepts every error", async () => {
    const t = setup({ breaker: breakers.consecutive(1), handles: () => true });
    const controller = new AbortController();
    const call = t.p
      .execute(
        ({ signal }) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    controller.abort();
    expect((await call) as Error).toMatchObject({ name: 'AbortError' });
    expect(t.breaker.state).toBe('closed');
    expect(t.results()).toEqual(['ignored']);
  });

  it('handlesResult counts results as failures and still returns them', async () => {
    const t = setup({
      breaker: breakers.consecutive(2),
      handlesResult: (r) => (r as { status: number }).status >= 500,
    });
    const call = () => t.p.execute(async () => ({ status: 503 }));
    expect(await call()).toEqual({ status: 503 });
    await call();
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', lastError: { type: 'result' } });
    expect(t.events.find((e) => e.type === 'circuit.call')).toMatchObject({
      result: 'failure',
      error: undefined,
    });
  });

  it('a predicate that throws fails the call with its error and counts nothing', async () => {
    const bug = new TypeError('predicate bug');
    const t = setup({
      breaker: breakers.consecutive(1),
      handles: () => {
        throw bug;
      },
    });
    expect(await t.fail()).toBe(bug);
    expect(t.breaker.state).toBe('closed');
    expect(t.results()).toEqual(['ignored']);
  });

  it('counts slow calls on window breakers and trips on the slow-call ratio', async () => {
    const t = setup({
      breaker: breakers.count({ size: 4, minimumCalls: 4, slowCallDuration: 100, slowCallRatio: 0.5 }),
    });
    const timed = async (ms: number) => {
      const c = t.pending();
      await t.clock.advance(ms);
      c.settle();
      return c.result;
    };
    await timed(100); // exactly the limit: not slow
    await timed(101);
    await timed(10);
    expect(t.breaker.snapshot()).toMatchObject({ state: 'closed', slowCallRatio: 1 / 3, failureRatio: 0 });
    await timed(500);
    expect(t.breaker.state).toBe('open');
    expect(t.transitions()).toEqual(['closed>open:slow_call_threshold']);
    expect(t.results()).toEqual(['success', 'success(slow)', 'success', 'success(slow)']);
  });

  it('sampling breaker: opens on the ratio of the calls of the last window', async () => {
    const t = setup({
      breaker: breakers.sampling({ window: 1_000, buckets: 10, failureRatio: 0.5, minimumCalls: 4 }),
    });
    await t.fail();
    await t.fail();
    await t.clock.advance(1_000); // both failures leave the window
    await t.succeed();
    await t.fail();
    await t.succeed();
    expect(t.breaker.snapshot()).toMatchObject({ state: 'closed', failures: 1, successes: 2 });
    await t.fail();
    expect(t.breaker.state).toBe('open');
  });

  it('consecutive breakers report failures / threshold as their failure ratio', async () => {
    const t = setup({ breaker: breakers.consecutive(4) });
    await trip(t, 3);
    expect(t.breaker.snapshot()).toMatchObject({ failures: 3, failureRatio: 0.75, slowCallRatio: 0 });
  });

  it('lastError names the class, or the name an error sets', async () => {
    const t = setup({ breaker: breakers.consecutive(10) });
    await t.fail(new DependencyError());
    expect(t.breaker.snapshot().lastError?.type).toBe('DependencyError');
    await t.fail(new DOMException('x', 'TimeoutError'));
    expect(t.breaker.snapshot().lastError?.type).toBe('TimeoutError');
    await t.clock.advance(7);
    await t.fail('a string');
    expect(t.breaker.snapshot().lastError).toEqual({ type: 'string', at: 7 });
  });

  it('rejections carry no stack trace and leave Error.stackTraceLimit as it was', async () => {
    const t = setup({ breaker: breakers.consecutive(1) });
    await t.fail();
    const limit = Error.stackTraceLimit;
    const rejection = (await t.fail()) as Error;
    expect(rejection.stack).toBe('BrokenCircuitError: circuit is open');
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('toJSON() and initialState restore an open circuit for the rest of its open period', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 10_000 }, 1_700_000_000_000);
    await t.fail();
    await t.clock.advance(3_000);
    const saved = JSON.parse(JSON.stringify(t.breaker));
    expect(saved).toEqual({ state: 'open', openedAt: 1_700_000_000_000, reopenCount: 0 });
    const restarted = setup({ openFor: 10_000, initialState: saved }, 1_700_000_004_000);
    expect(restarted.breaker.snapshot()).toMatchObject({ state: 'open', retryAfter: 6_000 });
    expect(await restarted.fail()).toBeInstanceOf(BrokenCircuitError);
    expect(restarted.calls()).toBe(0);
  });

  it('restores half-open as open, isolated as isolated, closed as closed; keeps the backoff step', async () => {
    const openFor = backoff.exponential({ initial: 1_000, max: 60_000, jitter: 'none' });
    const halfOpen = setup(
      { openFor, initialState: { state: 'half_open', openedAt: 500, reopenCount: 2 } },
      1_000,
    );
    expect(halfOpen.breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 500, retryAfter: 3_500 });
    expect(halfOpen.breaker.toJSON()).toEqual({ state: 'open', openedAt: 500, reopenCount: 2 });
    const isolated = setup({ initialState: { state: 'isolated', openedAt: 10, reopenCount: 0 } }, 20);
    expect(await isolated.fail()).toBeInstanceOf(IsolatedCircuitError);
    expect(isolated.breaker.toJSON()).toEqual({ state: 'isolated', openedAt: 10, reopenCount: 0 });
    const closed = setup({ initialState: { state: 'closed', reopenCount: 0 } });
    expect(closed.breaker.state).toBe('closed');
    // A saved time in the future (clock skew) is read as now, so it cannot block for longer than openFor.
    const skewed = setup(
      { openFor: 1_000, initialState: { state: 'open', openedAt: 1e15, reopenCount: 0 } },
      0,
    );
    expect(skewed.breaker.snapshot()).toMatchObject({ openedAt: 0, retryAfter: 1_000 });
    // Without a time, it opens now.
    const untimed = setup({ openFor: 1_000, initialState: { state: 'open', reopenCount: 0 } }, 42);
    expect(untimed.breaker.snapshot()).toMatchObject({ openedAt: 42, retryAfter: 1_000 });
  });

  it('configure() changes thresholds live, keeping the state and the window', async () => {
    const t = setup({
      breaker: breakers.count({ size: 10, minimumCalls: 4, failureRatio: 0.9 }),
      openFor: 1_000,
    });
    await t.fail();
    await t.fail();
    await t.succeed();
    t.breaker.configure({ breaker: breakers.count({ size: 10, minimumCalls: 4, failureRatio: 0.5 }) });
    expect(t.breaker.snapshot()).toMatchObject({ failures: 2, successes: 1 });
    await t.succeed(); // 2 of 4 failed: trips at the new ratio on the next recorded call
    expect(t.breaker.state).toBe('open');
    t.breaker.configure({ openFor: 5_000, halfOpen: { probes: 2 } });
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', retryAfter: 1_000 }); // this open period keeps its length
    await t.clock.advance(1_000);
    const probes = [t.pending(), t.pending(), t.pending()];
    expect(t.calls()).toBe(6);
    expect(await probes[2]!.result).toBeInstanceOf(BrokenCircuitError);
    probes[0]!.settle(new DependencyError());
    await probes[0]!.result;
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', retryAfter: 5_000 });
    t.breaker.configure({ breaker: breakers.consecutive(1) }); // another kind: a new, empty window
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', failures: 0 });
  });

  it('configure() checks everything before changing anything', async () => {
    const t = setup({ breaker: breakers.consecutive(2), openFor: 1_000 });
    await t.fail();
    expect(() => t.breaker.configure({ breaker: breakers.consecutive(1), halfOpen: { probes: 0 } })).toThrow(
      /circuitBreaker: halfOpen.probes must be an integer >= 1, got 0/,
    );
    expect(() => t.breaker.configure({ threshold: 3 } as never)).toThrow(/unknown option "threshold"/);
    expect(() => t.breaker.configure({ initialState: { state: 'open' } } as never)).toThrow(
      /unknown option "initialState"/,
    );
    expect(t.breaker.snapshot().failures).toBe(1);
    await t.fail();
    expect(t.breaker.state).toBe('open'); // still the old threshold of 2... which two failures reach
    t.breaker.configure({ handlesResult: (r) => r === 'ok' });
    t.breaker.reset();
    await t.succeed();
    await t.succeed();
    expect(t.breaker.state).toBe('open');
    t.breaker.configure({ handlesResult: undefined });
    t.breaker.reset();
    await t.succeed();
    await t.succeed();
    expect(t.breaker.state).toBe('closed');
  });

  it('opens at the current time when a success trips a breaker that nobody listens to', async () => {
    const clock = new TestClock(5_000);
    const breaker = circuitBreaker({
      clock,
      breaker: breakers.count({ size: 2, minimumCalls: 2, failureRatio: 0.5 }),
      openFor: 1_000,
    });
    const p = new Registry().pipeline('quiet', [breaker], { clock }); // no listener: no call is timed
    await p.execute(async () => Promise.reject(new DependencyError())).catch(() => {});
    await clock.advance(10);
    await p.execute(async () => 'ok');
    expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 5_010, retryAfter: 1_000 });
  });

  it('configure() cannot rescue a probe that has already timed out under the old maxWait', async () => {
    const t = setup({ breaker: breakers.consecutive(1), openFor: 1_000, halfOpen: { maxWait: 100 } });
    await t.fail();
    await t.clock.advance(1_000);
    t.pending();
    await t.clock.advance(150); // timed out at 1_100, not yet looked at
    t.breaker.configure({ halfOpen: { maxWait: 10_000 } });
    expect(t.breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 1_100, retryAfter: 950 });
  });

  it('a call already running when configure() turns slow-call tracking on is not judged slow', async () => {
    const t = setup({ breaker: breakers.count({ size: 2, minimumCalls: 1 }) });
    const running = t.pending();
    t.breaker.configure({
      breaker: breakers.count({ size: 2, minimumCalls: 1, slowCallDuration: 10, slowCallRatio: 0.5 }),
    });
    await t.clock.advance(50);
    running.settle();
    await running.result;
    expect(t.breaker.snapshot()).toMatchObject({ state: 'closed', slowCallRatio: 0 });
    const timed = t.pending();
    await t.clock.advance(50);
    timed.settle();
    await timed.result;
    expect(t.breaker.state).toBe('open');
    expect(t.transitions()).toEqual(['closed>open:slow_call_threshold']);
  });

  it('validates every option at construction with the option, the value and what is allowed', () => {
    const bad = (options: unknown) => () => circuitBreaker(options as Partial<CircuitBreakerOptions>);
    expect(bad({ openFor: 0 })).toThrow('circuitBreaker: openFor (ms) must be a number >= 1, got 0');
    expect(bad({ openFor: Number.POSITIVE_INFINITY })).toThrow(
      /openFor \(ms\) must be a number >= 1, got Infinity/,
    );
    expect(bad({ openFor: { kind: 'exponential', initial: 100, max: 10 } })).toThrow(
      /circuitBreaker: openFor.max \(ms\) must be >= openFor.initial/,
    );
    expect(bad({ openFor: '30s' })).toThrow(/openFor must be a backoff/);
    expect(bad({ breaker: { kind: 'count', size: 10, minimumCalls: 50 } })).toThrow(
      /circuitBreaker: breaker.minimumCalls must be an integer from 1 to 10, got 50/,
    );
    expect(bad({ breaker: 5 })).toThrow(
      /circuitBreaker: breaker must be a breaker \(breakers.consecutive\(n\), .* got 5/,
    );
    expect(bad({ halfOpen: { probes: 1.5 } })).toThrow(/halfOpen.probes must be an integer >= 1, got 1.5/);
    expect(bad({ halfOpen: { successes: 0 } })).toThrow(/halfOpen.successes must be an integer >= 1, got 0/);
    expect(bad({ halfOpen: { maxWait: Number.POSITIVE_INFINITY } })).toThrow(
      /halfOpen.maxWait \(ms\) must be a number >= 1, got Infinity/,
    );
    expect(bad({ halfOpen: { probe: 2 } })).toThrow(
      /halfOpen: unknown option "probe"; known options are probes/,
    );
    expect(bad({ handles: true })).toThrow(/circuitBreaker: handles must be a function, got true/);
    expect(bad({ handlesResult: 'no' })).toThrow(/handlesResult must be a function, got "no"/);
    expect(bad({ random: 1 })).toThrow(/random must be a function, got 1/);
    expect(bad({ name: 'has space' })).toThrow(/circuitBreaker: name must be/);
    expect(bad({ treshold: 5 })).toThrow(/unknown option "treshold"/);
    expect(bad({ initialState: { state: 'ajar' } })).toThrow(
      /initialState.state must be one of "closed", "open", "half_open", "isolated", got "ajar"/,
    );
    expect(bad({ initialState: { state: 'open', openedAt: 'yesterday' } })).toThrow(
      /initialState.openedAt \(ms\) must be a number, got "yesterday"/,
    );
    expect(bad({ initialState: { state: 'open', reopenCount: -1 } })).toThrow(
      /initialState.reopenCount must be an integer >= 0, got -1/,
    );
    expect(bad({ initialState: { state: 'open', since: 1 } })).toThrow(
      /initialState: unknown option "since"/,
    );
  });

  describe('alone in a pipeline (the solo path: no frame)', () => {
    it('runs an unobserved call without options with no frame, with the same results and counts', async () => {
      const clock = new TestClock(1_000);
      const breaker = circuitBreaker({ clock, breaker: breakers.consecutive(5), openFor: 500 });
      const p = new Registry().pipeline('solo', [breaker], { clock });
      const contexts: CallContext[] = [];
      const run = noting((ctx) => contexts.push(ctx));
      await expectValuesPassThrough(p, run);
      expect(breaker.snapshot()).toMatchObject({ failures: 0, successes: 3 });
      const failure = new DependencyError('async');
      await expect(p.execute(run(() => Promise.reject(failure)))).rejects.toBe(failure);
      const thrown = new DependencyError('sync');
      const sync = run(() => {
        throw thrown;
      });
      await expect(p.execute(sync)).rejects.toBe(thrown);
      expect(breaker.snapshot()).toMatchObject({
        state: 'closed',
        failures: 2,
        successes: 0,
        lastError: { type: 'DependencyError', at: 1_000 },
      });
      expect(contexts.map(ranInFrame)).toEqual([false, false, false, false, false]);
      for (const ctx of contexts)
        expect(ctx).toEqual({ signal: expect.any(AbortSignal), attempt: 1, key: undefined });
      expect(contexts[0]!.signal.aborted).toBe(false);
      expect(contexts[0]).not.toBe(contexts[1]); // a context of its own for every call
      // Three more failures open the circuit at the time of the last; an open circuit's
      // rejection takes the frame path and names the pipeline.
      await clock.advance(20);
      for (let i = 0; i < 3; i++) await expect(p.execute(sync)).rejects.toBe(thrown);
      expect(breaker.snapshot()).toMatchObject({ state: 'open', openedAt: 1_020, retryAfter: 500 });
      const rejected = p.execute(run(() => 'never'));
      await expect(rejected).rejects.toBeInstanceOf(BrokenCircuitError);
      await expect(rejected).rejects.toMatchObject({ pipeline: 'solo', retryAfter: 500 });
      expect(contexts).toHaveLength(8);
    });

    it('names the pipeline on a ResilienceError the function throws, as the frame path does', async () => {
      const p = new Registry().pipeline('solo', [circuitBreaker()]);
      const framed = new Registry().pipeline('framed', [circuitBreaker()]);
      framed.on(() => {}); // observed: the frame path
      await expectPipelineNamedOnErrors([p, framed]);
    });

    it('takes the frame path when observed, given options, switched off, not closed, timed or not alone', async () => {
      const clock = new TestClock();
      const registry = new Registry();
      const breaker = circuitBreaker({ clock, breaker: breakers.consecutive(1), openFor: 100 });
      const p = registry.pipeline('solo', [breaker], { clock });
      await expectFramePathUnlessPlain(registry, p);
      const inFrame = () => p.execute((ctx) => ranInFrame(ctx)) as Promise<boolean>;
      // Half-open: the probe runs in a frame, and closes the circuit.
      await p.execute(() => Promise.reject(new DependencyError())).catch(() => {});
      await clock.advance(100);
      expect(breaker.state).toBe('half_open');
      expect(await inFrame()).toBe(true);
      expect(breaker.state).toBe('closed');
      expect(await inFrame()).toBe(false);
      // Calls that must be timed (a time window, slow calls) run in a frame.
      const timed = (spec: CircuitBreakerOptions['breaker']) =>
        new Registry()
          .pipeline('timed', [circuitBreaker({ clock, breaker: spec })], { clock })
          .execute((ctx) => ranInFrame(ctx));
      expect(await timed(breakers.sampling({ window: 1_000 }))).toBe(true);
      expect(await timed(breakers.count({ size: 5, slowCallDuration: 10 }))).toBe(true);
      expect(await timed(breakers.count({ size: 5 }))).toBe(false);
      breaker.configure({ breaker: breakers.count({ size: 5, slowCallDuration: 10 }) });
      expect(await inFrame()).toBe(true);
      const pair = new Registry().pipeline('pair', [circuitBreaker(), circuitBreaker({ name: 'b2' })]);
      expect(await pair.execute((ctx) => ranInFrame(ctx))).toBe(true);
    });

    it('a solo call that outlives a state change is not counted, and one seen by a new listener is reported', async () => {
      const clock = new TestClock();
      const registry = new Registry();
      const breaker = circuitBreaker({ clock, breaker: breakers.consecutive(2), openFor: 100 });
      const p = registry.pipeline('solo', [breaker], { clock });
      let fail!: (error: unknown) => void;
      const before = p
        .execute((ctx) => {
          expect(ranInFrame(ctx)).toBe(false);
          return new Promise((_, reject) => {
            fail = reject;
          });
        })
        .catch((e: unknown) => e);
      breaker.reset(); // a new generation while it runs
      await p.execute(() => Promise.reject(new DependencyError())).catch(() => {});
      const events: RampartEvent[] = [];
      registry.on((e) => events.push(e));
      await clock.advance(30);
      fail(new DependencyError('late'));
      expect(await before).toBeInstanceOf(DependencyError);
      // Counted: only the call made after reset(). Reported untimed, as the frame path
      // reports a call that nobody watched when it began.
      expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 1 });
      expect(events).toEqual([
        expect.objectContaining({ type: 'circuit.call', result: 'failure', duration: 0, time: 30 }),
      ]);
    });

    it('a predicate or an open period that throws fails the call with its error, as in a frame', async () => {
      const bug = new TypeError('predicate bug');
      const broken = new Error('random broke');
      for (const observed of [false, true]) {
        const registry = new Registry();
        if (observed) registry.on(() => {});
        const predicate = circuitBreaker({
          breaker: breakers.consecutive(1),
          handlesResult: () => {
            throw bug;
          },
        });
        const p = registry.pipeline('predicate', [predicate]);
        await expect(p.execute(async () => 'ok')).rejects.toBe(bug);
        expect(predicate.snapshot()).toMatchObject({ state: 'closed', failures: 0, successes: 0 });
        const jittered = circuitBreaker({
          breaker: breakers.consecutive(1),
          openFor: backoff.exponential({ initial: 10, max: 100, jitter: 'full' }),
          random: () => {
            throw broken;
          },
        });
        const q = registry.pipeline('jittered', [jittered]);
        await expect(q.execute(() => Promise.reject(new DependencyError()))).rejects.toBe(broken);
      }
    });
  });

  it('works in a pipeline of other policies and names itself in events', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const a: CircuitBreakerPolicy = circuitBreaker({
      clock,
      name: 'outer',
      breaker: breakers.consecutive(1),
    });
    const b = circuitBreaker({ clock, name: 'inner', breaker: breakers.consecutive(5) });
    const p = registry.pipeline('two', [a, b], { clock });
    const events: RampartEvent[] = [];
    registry.on((e) => events.push(e));
    await p.execute(async () => Promise.reject(new DependencyError())).catch(() => {});
    expect(events.filter((e) => e.type === 'circuit.call').map((e) => e.policyName)).toEqual([
      'inner',
      'outer',
    ]);
    expect(a.state).toBe('open');
    expect(b.state).toBe('closed');
    expect(p.snapshot().policies.map((x) => (x.state as { state: string }).state)).toEqual([
      'open',
      'closed',
    ]);
  });
});
