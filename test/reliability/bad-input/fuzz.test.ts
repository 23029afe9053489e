/**
 * Fuzz: random option objects (plausible numbers, NaN, ±Infinity, -0, huge values, strings,
 * booleans, null, arrays, objects, functions that answer nonsense or throw, unknown keys,
 * broken nested specs and clocks) thrown at every factory. Each either builds a policy, or
 * throws a TypeError/RangeError whose message names an option. What it built then runs a few
 * calls on a TestClock: every call settles, with an answer or an error that the function, the
 * options' own functions, the caller or a policy made (never a TypeError from inside rampart),
 * and no timer is left behind.
 */
import {
  type AnyPolicy,
  backoff,
  backoffDelay,
  breakers,
  bulkhead,
  type Clock,
  chaos,
  circuitBreaker,
  failClosed,
  failOpen,
  fallback,
  health,
  hedge,
  type Pipeline,
  Registry,
  ResilienceError,
  rateLimit,
  retry,
  retryBudget,
  settle,
  type TimerHandle,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The breaker's own list of options (exported by its module, not by the package).
import { KNOWN_OPTIONS as CIRCUIT_BREAKER_KEYS } from '../../../packages/core/src/circuit-breaker/settings.js';
import { type MetricsHarness, metricsHarness } from '../support/metrics.js';
import { SeededRandom } from '../support/random.js';

/** Thrown by the fuzzed functions and the protected function: expected at call time. */
class FuzzError extends Error {
  constructor() {
    super('thrown by a fuzzed function');
    this.name = 'FuzzError';
  }
}

/** What the fuzzed functions return: any of these may legitimately come out of a call. */
const JUNK_RESULTS: readonly unknown[] = [Number.NaN, 'x', undefined, null, true, false, -1, 2, 0.5, 1e308];
/**
 * Functions for options that are functions. None returns a rejected promise: a predicate's
 * result is read as a boolean, so an async predicate's rejection would go unhandled by
 * design (see `awaitedFunction` for options whose result is awaited).
 */
const junkFunctions: readonly ((...args: unknown[]) => unknown)[] = [
  ...JUNK_RESULTS.map((value) => () => value),
  () => {
    throw new FuzzError();
  },
  () => Promise.resolve('later'),
];

/** Stands for "the run's TestClock" in generated options (a clock is made per run). */
const TEST_CLOCK = Symbol('the test clock');

const nastyNumber = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -1e-9,
);
const plausibleNumber = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.double({ min: 0, max: 1, noNaN: true }),
);
const words = fc.constantFrom(
  '',
  'aggressive',
  'cooperative',
  'consecutive',
  'count',
  'sampling',
  'constant',
  'linear',
  'exponential',
  'fibonacci',
  'none',
  'full',
  'equal',
  'decorrelated',
  'closed',
  'open',
  'half_open',
  'isolated',
  'ok name',
  'valid_name',
  '5',
);
const junkFunction = fc.constantFrom(...junkFunctions);
/** For options whose result is awaited (fallback fn, chaos result, health run, settle calls). */
const awaitedFunction = fc.oneof(
  junkFunction,
  fc.constant(() => Promise.reject(new FuzzError())),
);
const clockValue = fc.oneof(
  { weight: 6, arbitrary: fc.constant<unknown>(TEST_CLOCK) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, 5, null, 'clock', { now: () => 0 }, []) },
);
const scalar = fc.oneof(
  { weight: 5, arbitrary: plausibleNumber },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: words },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, [], {}, [1, 2]) },
  { weight: 1, arbitrary: junkFunction },
);

/** Mostly a plausible value of the right kind, sometimes anything at all. */
const maybe = (good: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: scalar });
const num = maybe(plausibleNumber);
const count = maybe(fc.integer({ min: 1, max: 50 }));
const ratio = maybe(fc.double({ min: 0.01, max: 1, noNaN: true }));
const fn = maybe(junkFunction);
const awaited = maybe(awaitedFunction);
const oneOf = (...values: string[]) => maybe(fc.constantFrom(...values));

/** An options object with any subset of `shape`'s keys, sometimes an unknown key, sometimes not an object at all. */
function optionsOf(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc.record(shape, { requiredKeys: [] });
  return fc.oneof(
    { weight: 12, arbitrary: record },
    { weight: 1, arbitrary: record.map((o) => ({ ...o, bogus: 1 })) },
    { weight: 1, arbitrary: scalar },
  );
}

/** Builds a record arbitrary: each key from `BY_KEY` unless `overrides` says otherwise. */
const keys = (names: readonly string[], overrides: Record<string, fc.Arbitrary<unknown>> = {}) =>
  Object.fromEntries(names.map((name) => [name, overrides[name] ?? BY_KEY[name] ?? scalar]));

// The keys of the nested option objects.
const BACKOFF_KEYS = ['kind', 'initial', 'factor', 'max', 'jitter'];
const CONSECUTIVE_KEYS = ['kind', 'threshold'];
const COUNT_KEYS = ['kind', 'size', 'failureRatio', 'minimumCalls', 'slowCallDuration', 'slowCallRatio'];
const SAMPLING_KEYS = [
  'kind',
  'window',
  'buckets',
  'failureRatio',
  'minimumCalls',
  'slowCallDuration',
  'slowCallRatio',
];
const HALF_OPEN_KEYS = ['probes', 'successes', 'maxWait'];
const PERSISTED_KEYS = ['state', 'openedAt', 'reopenCount'];
const LAST_GOOD_KEYS = ['ttl', 'mark'];
const CHECK_KEYS = ['name', 'run', 'critical', 'timeout', 'interval'];
/** The keys an option's nested object may have, by the option. */
const NESTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  backoff: BACKOFF_KEYS,
  openFor: BACKOFF_KEYS,
  breaker: [...new Set([...CONSECUTIVE_KEYS, ...COUNT_KEYS, ...SAMPLING_KEYS])],
  halfOpen: HALF_OPEN_KEYS,
  initialState: PERSISTED_KEYS,
  lastGood: LAST_GOOD_KEYS,
  checks: CHECK_KEYS,
};

const backoffSpec: fc.Arbitrary<unknown> = fc.constant(null).chain(() =>
  optionsOf(
    keys(BACKOFF_KEYS, {
      kind: oneOf('constant', 'linear', 'exponential', 'fibonacci'),
    }),
  ),
);
const breakerSpec: fc.Arbitrary<unknown> = fc
  .constant(null)
  .chain(() =>
    fc.oneof(
      optionsOf(keys(CONSECUTIVE_KEYS, { kind: oneOf('consecutive') })),
      optionsOf(keys(COUNT_KEYS, { kind: oneOf('count') })),
      optionsOf(keys(SAMPLING_KEYS, { kind: oneOf('sampling') })),
    ),
  );

/** The arbitrary of every option name, wherever it appears. */
const BY_KEY: Record<string, fc.Arbitrary<unknown>> = {
  // common
  name: maybe(fc.constantFrom(undefined, 'valid_name', 'p.1')),
  clock: clockValue,
  random: fn,
  // timeout, bulkhead
  after: num,
  strategy: oneOf('aggressive', 'cooperative'),
  limit: count,
  queue: maybe(fc.integer({ min: 0, max: 50 })),
  queueTimeout: num,
  // retry
  maxAttempts: maybe(fc.integer({ min: 1, max: 5 })),
  backoff: maybe(backoffSpec),
  retryOn: fn,
  retryOnResult: fn,
  maxDelay: num,
  budget: maybe(fc.constant('a budget')),
  // circuit breaker
  breaker: maybe(breakerSpec),
  openFor: maybe(fc.oneof(fc.integer({ min: 1, max: 300 }), backoffSpec)),
  halfOpen: maybe(
    fc
      .constant(null)
      .chain(() => optionsOf(keys(HALF_OPEN_KEYS, { maxWait: maybe(fc.integer({ min: 1, max: 300 })) }))),
  ),
  handles: fn,
  handlesResult: fn,
  initialState: maybe(fc.constant(null).chain(() => optionsOf(keys(PERSISTED_KEYS)))),
  state: oneOf('closed', 'open', 'half_open', 'isolated'),
  openedAt: num,
  reopenCount: maybe(fc.integer({ min: 0, max: 5 })),
  probes: count,
  successes: count,
  // breaker specs
  threshold: count,
  size: count,
  window: maybe(fc.integer({ min: 10, max: 10_000 })),
  buckets: maybe(fc.integer({ min: 1, max: 10 })),
  failureRatio: ratio,
  minimumCalls: count,
  slowCallDuration: num,
  slowCallRatio: ratio,
  // rate limit
  rate: maybe(fc.integer({ min: 1, max: 20 })),
  interval: maybe(fc.integer({ min: 1, max: 100 })),
  burst: count,
  maxWait: num,
  // fallback
  value: scalar,
  fn: awaited,
  lastGood: maybe(fc.constant(null).chain(() => optionsOf(keys(LAST_GOOD_KEYS)))),
  ttl: num,
  mark: fn,
  // hedge, chaos
  delay: num,
  maxHedges: maybe(fc.integer({ min: 0, max: 3 })),
  enabled: maybe(fc.boolean()),
  fault: fn,
  latency: num,
  result: awaited,
  // retry budget
  ratio,
  minPerSecond: num,
  // health, settle
  checks: maybe(
    fc
      .array(
        fc.tuple(
          fc.nat(9),
          fc.constant(null).chain(() =>
            optionsOf(
              keys(
                CHECK_KEYS.filter((key) => key !== 'name'),
                {
                  timeout: maybe(fc.integer({ min: 1, max: 300 })),
                },
              ),
            ),
          ),
        ),
        { minLength: 1, maxLength: 3 },
      )
      // Distinct names mostly; sometimes none, which must be refused.
      .map((checks) =>
        checks.map(([n, check], i) =>
          n > 0 && typeof check === 'object' && check !== null ? { name: `check${i}`, ...check } : check,
        ),
      ),
  ),
  run: awaited,
  critical: maybe(fc.boolean()),
  timeout: num,
  history: count,
  signal: maybe(fc.constant('a signal')),
  // backoff
  initial: num,
  factor: maybe(fc.double({ min: 1, max: 5, noNaN: true })),
  max: maybe(fc.integer({ min: 300, max: 100_000 })),
  jitter: oneOf('none', 'full', 'equal', 'decorrelated'),
  step: num,
};

/** What a target builds, and how to run something through it. */
interface Target {
  readonly options: fc.Arbitrary<unknown>;
  /**
   * The option names a rejection of this target may mention: its own keys, the keys of its
   * nested objects, its positional arguments, `options` (for a value that is no options
   * object) and `bogus` (the unknown key the fuzz adds).
   */
  readonly names: readonly string[];
  /** Builds from options (with TEST_CLOCK replaced): throws, or returns something to exercise. */
  build(options: unknown, run: Run): unknown;
  exercise(built: unknown, run: Run): Promise<void>;
}

/** `names` for a target with these top-level option keys (and these positional arguments). */
const namesOf = (optionKeys: readonly string[], ...positional: string[]): readonly string[] => [
  ...new Set([
    'options',
    'bogus',
    ...optionKeys,
    ...optionKeys.flatMap((key) => NESTED_KEYS[key] ?? []),
    ...positional,
  ]),
];

/** Runs calls through a policy in a fresh pipeline. */
const asPolicy = (built: unknown, run: Run) => run.calls(run.pipeline([built as AnyPolicy]));

/** Options with a real retry budget where the generator put the word 'a budget'. */
const withBudget = (o: unknown, run: Run): unknown =>
  typeof o === 'object' && o !== null && (o as { budget?: unknown }).budget === 'a budget'
    ? { ...o, budget: retryBudget({ clock: run.hostClock }) }
    : o;

/**
 * Options with the run's seeded random where the generator gave none (no options at all
 * being no `random` either): a policy left to default to Math.random would make a failing
 * run impossible to replay.
 */
const withRandom = (o: unknown, run: Run): unknown => {
  if (o === undefined) return { random: run.random };
  // Only a plain options object: an array or a function stays the nonsense it is.
  if (typeof o !== 'object' || o === null || Array.isArray(o) || !isPlain(o)) return o;
  return (o as { random?: unknown }).random === undefined ? { ...o, random: run.random } : o;
};

const TIMEOUT_KEYS = ['after', 'strategy', 'name', 'clock'];
const BULKHEAD_KEYS = ['limit', 'queue', 'queueTimeout', 'name', 'clock'];
// retry's own list (KNOWN in packages/core/src/retry/retry.ts) is not exported: restated here.
const RETRY_KEYS = [
  'maxAttempts',
  'backoff',
  'retryOn',
  'retryOnResult',
  'maxDelay',
  'budget',
  'name',
  'clock',
  'random',
];
const RATE_LIMIT_KEYS = ['rate', 'interval', 'burst', 'maxWait', 'name', 'clock'];
const FALLBACK_KEYS = ['value', 'fn', 'lastGood', 'handles', 'name', 'clock'];
const FAIL_OPEN_KEYS = ['handles', 'name', 'clock'];
const HEDGE_KEYS = ['delay', 'maxHedges', 'handles', 'budget', 'name', 'clock'];
const CHAOS_KEYS = ['rate', 'enabled', 'fault', 'latency', 'result', 'name', 'clock', 'random'];
const RETRY_BUDGET_KEYS = ['ratio', 'window', 'minPerSecond', 'buckets', 'clock'];
const CONSTANT_BACKOFF_KEYS = ['jitter', 'max'];
const BACKOFF_OPTION_KEYS = ['initial', 'step', 'factor', 'max', 'jitter'];
const HEALTH_KEYS = ['name', 'checks', 'critical', 'timeout', 'interval', 'history', 'clock'];
const SETTLE_KEYS = ['timeout', 'signal', 'clock'];

const TARGETS: Readonly<Record<string, Target>> = {
  timeout: {
    options: fc.oneof(num, optionsOf(keys(TIMEOUT_KEYS))),
    names: namesOf(TIMEOUT_KEYS),
    build: (o) => timeout(o as never),
    exercise: asPolicy,
  },
  bulkhead: {
    options: fc.oneof(count, optionsOf(keys(BULKHEAD_KEYS))),
    names: namesOf(BULKHEAD_KEYS),
    build: (o) => bulkhead(o as never),
    exercise: asPolicy,
  },
  retry: {
    options: optionsOf(keys(RETRY_KEYS)),
    names: namesOf(RETRY_KEYS),
    build: (o, run) => retry(withRandom(withBudget(o, run), run) as never),
    exercise: asPolicy,
  },
  circuitBreaker: {
    options: optionsOf(keys(CIRCUIT_BREAKER_KEYS)),
    names: namesOf(CIRCUIT_BREAKER_KEYS),
    build: (o, run) => circuitBreaker(withRandom(o, run) as never),
    exercise: asPolicy,
  },
  rateLimit: {
    options: optionsOf(keys(RATE_LIMIT_KEYS)),
    names: namesOf(RATE_LIMIT_KEYS),
    build: (o) => rateLimit(o as never),
    exercise: asPolicy,
  },
  fallback: {
    options: fc.oneof(
      optionsOf(keys(['value', 'handles', 'name', 'clock'])),
      optionsOf(keys(['fn', 'handles', 'name', 'clock'])),
      optionsOf(keys(['lastGood', 'handles', 'name', 'clock'])),
      optionsOf(keys(FALLBACK_KEYS)),
    ),
    names: namesOf(FALLBACK_KEYS),
    build: (o) => fallback(o as never),
    exercise: asPolicy,
  },
  failOpenClosed: {
    options: fc.tuple(fc.boolean(), optionsOf(keys(FAIL_OPEN_KEYS))),
    names: namesOf(FAIL_OPEN_KEYS),
    build: (o) => {
      const [open, options] = o as [boolean, unknown];
      return open ? failOpen(options as never) : failClosed(options as never);
    },
    exercise: asPolicy,
  },
  hedge: {
    options: optionsOf(keys(HEDGE_KEYS)),
    names: namesOf(HEDGE_KEYS),
    build: (o, run) => hedge(withBudget(o, run) as never),
    exercise: asPolicy,
  },
  chaos: {
    options: optionsOf(keys(CHAOS_KEYS, { rate: ratio })),
    names: namesOf(CHAOS_KEYS),
    build: (o, run) => chaos(withRandom(o, run) as never),
    exercise: asPolicy,
  },
  retryBudget: {
    options: optionsOf(keys(RETRY_BUDGET_KEYS)),
    names: namesOf(RETRY_BUDGET_KEYS),
    build: (o) => retryBudget(o as never),
    exercise: (budget, run) =>
      run.calls(
        run.pipeline([
          retry({
            budget: budget as never,
            backoff: backoff.constant(1),
            clock: run.hostClock,
            random: run.random,
          }),
          hedge({ budget: budget as never, delay: 1, clock: run.hostClock }),
        ]),
      ),
  },
  backoff: {
    options: fc.oneof(
      fc.tuple(fc.constant('constant'), num, optionsOf(keys(CONSTANT_BACKOFF_KEYS))),
      fc.tuple(fc.constantFrom('linear', 'exponential', 'fibonacci'), optionsOf(keys(BACKOFF_OPTION_KEYS))),
    ),
    // backoff.constant(delay, options) calls its first argument "the delay".
    names: namesOf([...CONSTANT_BACKOFF_KEYS, ...BACKOFF_OPTION_KEYS], 'delay'),
    build: (o) => {
      const [kind, a, b] = o as [string, unknown, unknown];
      if (kind === 'constant') return backoff.constant(a as never, b as never);
      return (backoff as unknown as Record<string, (o: unknown) => unknown>)[kind]!(a);
    },
    exercise: async (spec, run) => {
      const s = spec as Parameters<typeof backoffDelay>[0];
      let previous: number | undefined;
      for (let n = 1; n <= 40; n++) {
        const delay = backoffDelay(s, n, previous, run.random);
        expect(
          Number.isFinite(delay) && delay >= 0 && delay <= s.max,
          `delay ${delay} before retry ${n}`,
        ).toBe(true);
        previous = delay;
      }
      await run.calls(
        run.pipeline([retry({ backoff: s, maxAttempts: 3, clock: run.hostClock, random: run.random })]),
      );
    },
  },
  breakers: {
    options: fc.oneof(
      fc.tuple(fc.constant('consecutive'), count),
      fc.tuple(fc.constantFrom('count', 'sampling'), breakerSpec),
    ),
    // breakers.consecutive(threshold) takes its one option as an argument.
    names: namesOf(NESTED_KEYS.breaker!),
    build: (o) => {
      const [kind, a] = o as [string, unknown];
      const spec =
        typeof a === 'object' && a !== null
          ? Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'kind'))
          : a;
      return (breakers as unknown as Record<string, (o: unknown) => unknown>)[kind]!(
        kind === 'consecutive' ? a : spec,
      );
    },
    exercise: (spec, run) =>
      run.calls(
        run.pipeline([
          circuitBreaker({ breaker: spec as never, openFor: 10, clock: run.hostClock, random: run.random }),
        ]),
      ),
  },
  health: {
    options: optionsOf(
      keys(HEALTH_KEYS, {
        name: maybe(fc.constantFrom(undefined, 'deps')),
      }),
    ),
    names: namesOf(HEALTH_KEYS),
    // Unregistered: a registry would refuse two monitors of one name across runs.
    build: (o) =>
      health(typeof o === 'object' && o !== null ? ({ ...o, registry: null } as never) : (o as never)),
    exercise: async (monitor, run) => {
      const m = monitor as ReturnType<typeof health>;
      const report = m.status();
      await run.until(() => run.done(report));
      m.start();
      await run.clock.advance(1_000);
      m.dispose();
      await run.until(() => run.clock.pendingTimers === 0);
    },
  },
  settle: {
    options: fc.tuple(
      maybe(fc.dictionary(fc.constantFrom('a', 'b', 'c'), awaited, { maxKeys: 3 })),
      optionsOf(keys(SETTLE_KEYS)),
    ),
    // settle(calls, options) takes the calls as its first argument.
    names: namesOf(SETTLE_KEYS, 'calls'),
    build: (o) => {
      const [calls, options] = o as [unknown, Record<string, unknown>];
      if (typeof options === 'object' && options !== null && options.signal === 'a signal')
        return settle(calls as never, { ...options, signal: AbortSignal.abort() } as never);
      return settle(calls as never, options as never);
    },
    exercise: async (promise, run) => {
      await run.until(() => run.done(promise as Promise<unknown>));
    },
  },
};

/** The calls every built policy must survive, and the driver that runs them to the end. */
class Run {
  readonly clock = new TestClock();
  /** What the policies get: the same time, with host timer semantics. */
  readonly hostClock = new HostLikeClock(this.clock);
  readonly registry: Registry;
  /** A random source seeded by the fuzz (for jitter and for policies given no `random`). */
  readonly random: () => number;
  readonly #settled = new WeakMap<Promise<unknown>, { settled: boolean }>();
  readonly #abortReasons = new Set<unknown>();

  constructor(registry: Registry, seed: number) {
    this.registry = registry;
    this.random = new SeededRandom(seed).next;
  }

  pipeline(policies: AnyPolicy[]): Pipeline {
    return this.registry.pipeline('fuzz', policies, { clock: this.clock, replace: true });
  }

  /** Whether `promise` has settled (it is tracked from the first time it is asked about). */
  done(promise: Promise<unknown>): boolean {
    let state = this.#settled.get(promise);
    if (state === undefined) {
      const tracked = { settled: false };
      const mark = () => {
        tracked.settled = true;
      };
      promise.then(mark, mark);
      this.#settled.set(promise, tracked);
      state = tracked;
    }
    return state.settled;
  }

  /** Moves the clock until `ready()`: 10 s of clock time at most, then the run is stuck. */
  async until(ready: () => boolean): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (ready()) return;
      await this.clock.advance(50);
    }
    if (!ready())
      throw new Error(`stuck: not done after 10 s of clock time (${this.clock.pendingTimers} timers set)`);
  }

  /** A handful of calls: a value, a late failure, a synchronous throw, a non-Error, a hang cut by the caller. */
  async calls(p: Pipeline): Promise<void> {
    const clock = this.clock;
    const behaviours: ((ctx: { signal: AbortSignal }) => unknown)[] = [
      () => 'value',
      () =>
        new Promise((_, reject) => {
          clock.setTimeout(() => reject(new FuzzError()), 1);
        }),
      () => {
        throw new FuzzError();
      },
      () => Promise.reject('a string'),
      ({ signal }) =>
        new Promise((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    ];
    const outcomes: { error?: unknown; settled: boolean }[] = [];
    const timers: TimerHandle[] = [];
    for (const behaviour of behaviours) {
      const controller = new AbortController();
      // Every caller gives up after 5 s, so that even a policy that waits forever lets go.
      const timer = clock.setTimeout(() => {
        controller.abort();
        this.#abortReasons.add(controller.signal.reason);
      }, 5_000);
      timers.push(timer);
      const outcome: { error?: unknown; settled: boolean } = { settled: false };
      outcomes.push(outcome);
      p.execute(behaviour, { signal: controller.signal }).then(
        () => {
          outcome.settled = true;
        },
        (error: unknown) => {
          outcome.error = error;
          outcome.settled = true;
        },
      );
    }
    await this.until(() => outcomes.every((o) => o.settled));
    for (const timer of timers) clock.clearTimeout(timer);
    for (const { error } of outcomes) {
      if (error === undefined) continue;
      const expected =
        error instanceof FuzzError ||
        error instanceof ResilienceError ||
        error === 'a string' ||
        this.#abortReasons.has(error) ||
        (error instanceof DOMException && error.name === 'AbortError') ||
        JUNK_RESULTS.includes(error) ||
        (typeof error === 'number' && Number.isNaN(error));
      expect(expected, `a call failed with something nobody threw: ${String(error)}`).toBe(true);
    }
    // Nothing outlives the calls: every policy timer was cleared or fired.
    await this.until(() => clock.pendingTimers === 0);
  }
}

/** A plain object (fast-check makes records without a prototype). */
const isPlain = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * The run's TestClock as the host's timers behave: a delay under 1 ms (or NaN) waits 1 ms, as
 * Node and browsers make it. Without this, a periodic or retry delay of a hair above 0 would
 * keep a TestClock at one instant forever, where real timers move on.
 */
class HostLikeClock implements Clock {
  readonly #inner: TestClock;
  constructor(inner: TestClock) {
    this.#inner = inner;
  }
  now(): number {
    return this.#inner.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    // Not Math.max: NaN must become 1 too.
    // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 1) is NaN.
    return this.#inner.setTimeout(fn, ms >= 1 ? ms : 1);
  }
  clearTimeout(handle: TimerHandle): void {
    this.#inner.clearTimeout(handle);
  }
}

/** Replaces TEST_CLOCK (at any depth of plain objects and arrays) with the run's clock. */
function withClock(value: unknown, clock: Clock): unknown {
  if (value === TEST_CLOCK) return clock;
  if (Array.isArray(value)) return value.map((v) => withClock(v, clock));
  if (typeof value === 'object' && value !== null && isPlain(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withClock(v, clock)]));
  }
  return value;
}

/**
 * The part of a rejection's message that must name an option: without the `<where>: ` prefix
 * every message starts with (`timeout: after (ms) must be…`; the factory's name is no option)
 * and without the `, got <value>` that shows the value given (a generated word there is no
 * option either).
 */
function optionPart(message: string): string {
  return message.replace(/^[A-Za-z][\w.]*: /, '').replace(/, got [\s\S]*$/, '');
}

/** Whether `text` has `name` as a word of its own (`max` is not in `maxAttempts`). */
const mentions = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text);

const RUNS = 1_000;

describe('fuzz: random options at every factory (fast-check, seeded)', { timeout: 120_000 }, () => {
  // What the error handlers receive is collected and checked after each target: rampart
  // swallows what they throw, so an assertion inside one could never fail a test.
  const listenerErrors: string[] = [];
  const registry = new Registry({ onListenerError: (error) => listenerErrors.push(String(error)) });
  const instrumentationErrors: string[] = [];
  let metrics: MetricsHarness;

  beforeAll(() => {
    // Events of every accepted policy go through the real metrics adapter too.
    metrics = metricsHarness(registry, {
      onError: (error, context) => instrumentationErrors.push(`${context}: ${String(error)}`),
    });
  });
  afterAll(async () => {
    await metrics.close();
  });

  for (const [name, target] of Object.entries(TARGETS)) {
    it(`${name}: a valid policy, or a TypeError/RangeError naming an option; never a failure at call time`, async () => {
      let accepted = 0;
      let rejected = 0;
      await fc.assert(
        // The seed drives every random choice a run makes (jitter, chaos, half-open picks).
        fc.asyncProperty(target.options, fc.integer({ min: 0, max: 0xffff_ffff }), async (raw, seed) => {
          const run = new Run(registry, seed);
          const options = withClock(raw, run.hostClock);
          let built: unknown;
          try {
            built = target.build(options, run);
          } catch (error) {
            rejected++;
            expect(
              error instanceof TypeError || error instanceof RangeError,
              `${name} threw ${String(error)}`,
            ).toBe(true);
            const message = (error as Error).message;
            expect(message.length).toBeGreaterThan(0);
            const part = optionPart(message);
            expect(
              target.names.some((n) => mentions(part, n)),
              `${name}: the message names none of its options (${target.names.join(', ')}): ${message}`,
            ).toBe(true);
            return;
          }
          accepted++;
          await target.exercise(built, run);
        }),
        { numRuns: RUNS, seed: 0xf022 + name.length },
      );
      // Both sides were exercised: the fuzz is neither all-valid nor all-garbage.
      expect(accepted, `${name}: options accepted`).toBeGreaterThan(RUNS / 50);
      expect(rejected, `${name}: options rejected`).toBeGreaterThan(RUNS / 50);
      expect(listenerErrors).toEqual([]);
      expect(instrumentationErrors).toEqual([]);
      await metrics.collect(); // throws when a metric callback failed on what the policies reported
    });
  }
});
