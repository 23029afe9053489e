import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoff } from '../backoff/index.js';
import { BrokenCircuitError, IsolatedCircuitError } from '../errors.js';
import type { RampartEvent } from '../events/types.js';
import { Registry } from '../pipeline/registry.js';
import { TestClock } from '../testing/index.js';
import { breakers } from './breakers/index.js';
import { circuitBreaker } from './circuit-breaker.js';
import type { BreakerSpec } from './options.js';
import {
  type ModelCall,
  type ModelConfig,
  ReferenceModel,
  type Verdict,
} from './testing-fixtures/reference-model.js';

class DependencyError extends Error {}
class Ignored extends Error {}

type Settlement = 'success' | 'bad_result' | 'failure' | 'ignored' | 'abort';

type Action =
  /** `bare`: calls made without options (unobserved, a closed untimed breaker runs them with no frame). */
  | { readonly type: 'start'; readonly count: number; readonly bare: boolean }
  | { readonly type: 'settle'; readonly pick: number | 'newest'; readonly how: Settlement }
  | { readonly type: 'settleAll'; readonly how: Settlement }
  | { readonly type: 'advance'; readonly ms: number }
  | { readonly type: 'check' }
  | { readonly type: 'isolate' }
  | { readonly type: 'reset' }
  | { readonly type: 'configure'; readonly config: ModelConfig; readonly keepShape: boolean };

const ratio = fc.integer({ min: 1, max: 20 }).map((n) => n / 20);
const slowCall = fc.record({
  slowCallDuration: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 40 })),
  slowCallRatio: ratio,
});

const consecutiveArb = fc.integer({ min: 1, max: 5 }).map((n) => breakers.consecutive(n));
const countArb = fc
  .record({
    size: fc.integer({ min: 1, max: 8 }),
    failureRatio: ratio,
    minimumCalls: fc.nat(),
    slow: slowCall,
  })
  .map(({ size, failureRatio, minimumCalls, slow }) =>
    breakers.count({ size, failureRatio, minimumCalls: 1 + (minimumCalls % size), ...slow }),
  );
const samplingArb = fc
  .record({
    window: fc.integer({ min: 1, max: 200 }),
    buckets: fc.integer({ min: 1, max: 10 }),
    failureRatio: ratio,
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    slow: slowCall,
  })
  .map(({ window, buckets, failureRatio, minimumCalls, slow }) =>
    // Any number of buckets up to the window, so bucket boundaries fall between ms too.
    breakers.sampling({ window, buckets: Math.min(buckets, window), failureRatio, minimumCalls, ...slow }),
  );

const openForArb = fc.oneof(
  fc.integer({ min: 1, max: 120 }),
  fc
    .record({
      initial: fc.integer({ min: 1, max: 50 }),
      factor: fc.integer({ min: 1, max: 3 }),
      extra: fc.nat(150),
    })
    .map(({ initial, factor, extra }) =>
      backoff.exponential({ initial, factor, max: initial + extra, jitter: 'none' }),
    ),
  fc
    .record({ initial: fc.integer({ min: 1, max: 50 }), step: fc.nat(40), extra: fc.nat(150) })
    .map(({ initial, step, extra }) =>
      backoff.linear({ initial, step, max: initial + extra, jitter: 'none' }),
    ),
);

const configArb = (breaker: fc.Arbitrary<BreakerSpec>) =>
  fc.record({
    breaker,
    openFor: openForArb,
    probes: fc.integer({ min: 1, max: 4 }),
    successes: fc.integer({ min: 1, max: 3 }),
    maxWait: fc.integer({ min: 1, max: 100 }),
    listening: fc.boolean(),
  });

// Weights: mostly calls and time; isolation and reset rare enough that a run spends most
// of its life in the automatic states.
const settlementArb = fc.constantFrom<Settlement>(
  'success',
  'success',
  'success',
  'failure',
  'failure',
  'failure',
  'bad_result',
  'ignored',
  'abort',
);
const actionArb = (breaker: fc.Arbitrary<BreakerSpec>): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 30,
      arbitrary: fc.record({
        type: fc.constant('start' as const),
        count: fc.constant(1),
        bare: fc.boolean(),
      }),
    },
    // A burst of concurrent callers in the same instant.
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant('start' as const),
        count: fc.integer({ min: 2, max: 30 }),
        bare: fc.boolean(),
      }),
    },
    {
      weight: 35,
      arbitrary: fc.record({
        type: fc.constant('settle' as const),
        // The newest call is often a probe; any other may be one still running from an older state.
        pick: fc.oneof(fc.constant('newest' as const), fc.nat()),
        how: settlementArb,
      }),
    },
    { weight: 3, arbitrary: fc.record({ type: fc.constant('settleAll' as const), how: settlementArb }) },
    {
      weight: 20,
      arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60 }) }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }),
    },
    { weight: 8, arbitrary: fc.constant({ type: 'check' as const }) },
    { weight: 1, arbitrary: fc.constant({ type: 'isolate' as const }) },
    { weight: 2, arbitrary: fc.constant({ type: 'reset' as const }) },
    // New thresholds at run time: often the same window shape (the window must be kept), sometimes not.
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('configure' as const),
        config: configArb(breaker),
        keepShape: fc.boolean(),
      }),
    },
  );

interface RealCall {
  readonly model: ModelCall;
  readonly controller: AbortController;
  readonly result: Promise<{ ok: boolean; value: unknown }>;
  resolve(value: string): void;
  reject(error: unknown): void;
}

const verdictOf: Record<Settlement, Verdict> = {
  success: 'success',
  bad_result: 'failure',
  failure: 'failure',
  ignored: 'ignored',
  abort: 'ignored',
};
const errorTypeOf: Record<Settlement, string> = {
  success: '',
  bad_result: 'result',
  failure: 'DependencyError',
  ignored: '',
  abort: '',
};

/**
 * Deep equality for plain data (Object.is on leaves, so Infinity, NaN and -0 count), far
 * cheaper than `expect` for the hundreds of thousands of checks of a property run.
 */
function same(actual: unknown, expected: unknown): boolean {
  if (Object.is(actual, expected)) return true;
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return false;
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
  for (const key of keys) if (!same(a[key], e[key])) return false;
  return true;
}

/** Fails with both sides shown (through `expect`, only once they differ). */
function check(actual: unknown, expected: unknown): void {
  if (!same(actual, expected)) expect(actual).toEqual(expected);
}

/**
 * How many calls ran with no frame (the breaker's solo path) and in one, over a property's
 * runs: both paths must agree with the model, so both must have been taken.
 */
const paths = { solo: 0, framed: 0 };

/** Runs one random scenario against the breaker and the model; any divergence fails the property. */
async function scenario(
  config: ModelConfig & { listening: boolean },
  actions: readonly Action[],
): Promise<void> {
  const clock = new TestClock();
  const registry = new Registry();
  const breaker = circuitBreaker({
    clock,
    breaker: config.breaker,
    openFor: config.openFor,
    halfOpen: { probes: config.probes, successes: config.successes, maxWait: config.maxWait },
    handles: (e) => !(e instanceof Ignored),
    handlesResult: (r) => r === 'bad',
  });
  const p = registry.pipeline('prop', [breaker], { clock });
  const events: RampartEvent[] = [];
  if (config.listening) registry.on((e) => events.push(e));
  const model = new ReferenceModel(config);
  const running: RealCall[] = [];
  let invoked = 0;

  const compare = () => check(breaker.snapshot(), model.snapshot());

  const settle = async (index: number, how: Settlement) => {
    const [call] = running.splice(index, 1);
    let error: unknown;
    if (how === 'success' || how === 'bad_result') call!.resolve(how === 'success' ? 'ok' : 'bad');
    else if (how === 'abort') {
      call!.controller.abort();
      error = call!.controller.signal.reason;
      call!.reject(error);
    } else {
      error = how === 'failure' ? new DependencyError() : new Ignored();
      call!.reject(error);
    }
    const { ok, value } = await call!.result;
    // The breaker hands every outcome through unchanged.
    check(
      { ok, value },
      error === undefined
        ? { ok: true, value: how === 'success' ? 'ok' : 'bad' }
        : { ok: false, value: error },
    );
    model.settle(call!.model, verdictOf[how], errorTypeOf[how]);
  };

  for (const action of actions) {
    switch (action.type) {
      case 'start': {
        const rejected: {
          result: Promise<{ ok: boolean; value: unknown }>;
          expected: ReturnType<ReferenceModel['start']>;
        }[] = [];
        for (let i = 0; i < action.count; i++) {
          const controller = new AbortController();
          let resolve!: (value: string) => void;
          let reject!: (error: unknown) => void;
          const before = invoked;
          const result = p
            .execute(
              (ctx) =>
                new Promise<string>((res, rej) => {
                  invoked++;
                  // A frame is the context itself; a solo call gets a plain one.
                  if ('call' in ctx) paths.framed++;
                  else paths.solo++;
                  resolve = res;
                  reject = rej;
                }),
              // A bare call cannot be aborted by its caller: an 'abort' settlement then is
              // the function failing with an AbortError of its own, which is ignored alike.
              action.bare ? undefined : { signal: controller.signal },
            )
            .then(
              (value) => ({ ok: true, value }),
              (error: unknown) => ({ ok: false, value: error }),
            );
          const expected = model.start();
          check(invoked - before, expected.admitted ? 1 : 0);
          if (expected.admitted) running.push({ model: expected.call, controller, result, resolve, reject });
          else rejected.push({ result, expected });
        }
        for (const { result, expected } of rejected) {
          const { ok, value } = await result;
          if (expected.admitted) throw new Error('unreachable');
          const type = expected.isolated ? IsolatedCircuitError : BrokenCircuitError;
          check(
            { ok, rightType: value instanceof type, retryAfter: (value as BrokenCircuitError).retryAfter },
            { ok: false, rightType: true, retryAfter: expected.retryAfter },
          );
        }
        break;
      }
      case 'settle':
        if (running.length === 0) break;
        await settle(
          action.pick === 'newest' ? running.length - 1 : action.pick % running.length,
          action.how,
        );
        break;
      case 'settleAll':
        while (running.length > 0) await settle(0, action.how);
        break;
      case 'advance':
        await clock.advance(action.ms);
        model.advanceTo(clock.now());
        break;
      case 'check':
        compare();
        break;
      case 'isolate':
        breaker.isolate();
        model.isolate();
        break;
      case 'reset':
        breaker.reset();
        model.reset();
        break;
      case 'configure': {
        const current = model.config.breaker;
        const next = action.config.breaker;
        // Half the time, the same time window with other thresholds: its calls must be kept.
        const c =
          action.keepShape && current.kind === 'sampling' && next.kind === 'sampling'
            ? {
                ...action.config,
                breaker: { ...next, window: current.window, buckets: current.buckets },
              }
            : action.config;
        breaker.configure({
          breaker: c.breaker,
          openFor: c.openFor,
          halfOpen: { probes: c.probes, successes: c.successes, maxWait: c.maxWait },
        });
        model.configure(c);
        break;
      }
    }
  }
  compare();
  expect(breaker.toJSON()).toEqual({
    state: model.state,
    openedAt: model.openedAt,
    reopenCount: model.reopenCount,
  });
  if (config.listening) {
    const transitions = events.flatMap((e) =>
      e.type === 'circuit.transition' ? [`${e.from}>${e.to}:${e.reason}`] : [],
    );
    const results = events.flatMap((e) =>
      e.type === 'circuit.call' ? [e.result + (e.slow ? '(slow)' : '')] : [],
    );
    expect(transitions).toEqual(model.transitions);
    expect(results).toEqual(model.callResults);
  }
  // Lazy transitions and probe deadlines never need a timer.
  expect(clock.pendingTimers).toBe(0);
  for (const call of running) call.resolve('ok');
}

const actionsArb = (breaker: fc.Arbitrary<BreakerSpec>) =>
  fc.array(actionArb(breaker), { minLength: 20, maxLength: 120, size: 'medium' });
const RUNS = 1_500;
/** Each property takes a few seconds; a loaded 2-core CI machine may take several times that. */
const TIMEOUT = 60_000;

describe('circuitBreaker against a reference model (fast-check)', { timeout: TIMEOUT }, () => {
  const property = async (breaker: fc.Arbitrary<BreakerSpec>, solo: 'some' | 'none') => {
    paths.solo = 0;
    paths.framed = 0;
    await fc.assert(fc.asyncProperty(configArb(breaker), actionsArb(breaker), scenario), { numRuns: RUNS });
    expect(paths.framed).toBeGreaterThan(0);
    // A sampling breaker measures time, so its calls always run in a frame.
    if (solo === 'some') expect(paths.solo).toBeGreaterThan(0);
    else expect(paths.solo).toBe(0);
  };

  it('consecutive breaker: zero divergence', () => property(consecutiveArb, 'some'));
  it('count breaker: zero divergence', () => property(countArb, 'some'));
  it('sampling breaker: zero divergence', () => property(samplingArb, 'none'));
});
