/**
 * Fault isolation: what goes wrong around a call (a throwing event listener, a throwing or
 * lying observable callback, a failing exporter) or inside it (a function that throws
 * synchronously, returns a plain value, or rejects with something that is not an Error)
 * never breaks the call, the pipeline or the metrics of anything else.
 */
import { DiagLogLevel, diag } from '@opentelemetry/api';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  type AnyPolicy,
  attemptsOf,
  backoff,
  breakers,
  bulkhead,
  circuitBreaker,
  fallback,
  health,
  type Pipeline,
  Registry,
  rateLimit,
  retry,
  settle,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import {
  ATTR_CIRCUIT_RESULT,
  ATTR_ERROR_TYPE,
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  ATTR_POLICY,
  type Instrumentation,
  instrument,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_STATE,
  METRIC_RATELIMIT_TOKENS,
  METRIC_RETRY_ATTEMPTS,
} from '@rampart/otel';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { abortListeners, watchUnhandledRejections } from './support/leaks.js';
import { collect, metricsHarness } from './support/metrics.js';

/** breaker > retry (3) > timeout > bulkhead, on a test clock. */
function fullPipeline(registry: Registry, clock: TestClock, name = 'deps'): Pipeline {
  return registry.pipeline(
    name,
    [
      circuitBreaker({ breaker: breakers.consecutive(1_000), openFor: 1_000, clock }),
      retry({ maxAttempts: 3, backoff: backoff.constant(1, { jitter: 'none' }), clock }),
      timeout({ after: 1_000, clock }),
      bulkhead({ limit: 10, clock }),
    ],
    { clock },
  );
}

/**
 * `fullPipeline` on a fresh clock and registry, instrumented, with every unhandled rejection,
 * listener error and instrumentation error collected. Rampart swallows what its error handlers
 * throw, so an assertion there could never fail a test: `problems()` returns what they got,
 * for a test to check at its end. `close()` releases everything; call it in `finally`.
 */
function watchedPipeline() {
  const unhandled = watchUnhandledRejections();
  const listenerErrors: unknown[] = [];
  const instrumentationErrors: string[] = [];
  try {
    const clock = new TestClock();
    const registry = new Registry({ onListenerError: (error) => listenerErrors.push(error) });
    const p = fullPipeline(registry, clock);
    const h = metricsHarness(registry, {
      onError: (error, context) => instrumentationErrors.push(`${context}: ${String(error)}`),
    });
    return {
      clock,
      p,
      h,
      /** Everything that went wrong around the calls so far; each list is empty when nothing did. */
      problems: () => ({ unhandled: [...unhandled.stop()], listenerErrors, instrumentationErrors }),
      close: async () => {
        unhandled.stop();
        await h.close();
      },
    };
  } catch (error) {
    unhandled.stop();
    throw error;
  }
}

const NO_PROBLEMS = { unhandled: [], listenerErrors: [], instrumentationErrors: [] };

/** Runs `call` to the end on `clock` and returns how it settled. */
async function settled<T>(
  clock: TestClock,
  call: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const result = call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await clock.runAll();
  return result;
}

/** An error whose every property read throws: whatever looks at it must not break. */
function hostileError(): object {
  return new Proxy(new Error('hostile'), {
    get() {
      throw new Error('a getter of the thrown value threw');
    },
  });
}

describe('a throwing event listener', () => {
  it('never breaks a call, is reported for every event, and the metrics listener still sees everything', async () => {
    const clock = new TestClock();
    const reported: unknown[] = [];
    const registry = new Registry({ onListenerError: (error) => reported.push(error) });
    const p = fullPipeline(registry, clock);
    const boom = new Error('listener bug');
    // Subscribed before the metrics, on the pipeline and on the registry.
    p.on(() => {
      throw boom;
    });
    registry.on(() => {
      throw boom;
    });
    const instrumentationErrors: string[] = [];
    const h = metricsHarness(registry, {
      onError: (error, context) => instrumentationErrors.push(`${context}: ${String(error)}`),
    });
    try {
      let events = 0;
      registry.on(() => events++);
      for (let i = 0; i < 20; i++) {
        const outcome = await settled(
          clock,
          p.execute(() => (i % 4 === 0 ? Promise.reject(new Error('down')) : i)),
        );
        expect(outcome.ok).toBe(i % 4 !== 0);
      }
      // Every event reached both throwing listeners and was reported twice; none was lost.
      expect(events).toBeGreaterThan(20);
      expect(reported.length).toBe(2 * events);
      expect(reported.every((e) => e === boom)).toBe(true);
      const m = await h.collect();
      expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'success' })).toBe(15);
      expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBe(5);
      expect(m.total(METRIC_RETRY_ATTEMPTS.name)).toBe(10);
      expect(instrumentationErrors).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('an error handler that throws too is contained', async () => {
    const clock = new TestClock();
    const registry = new Registry({
      onListenerError: () => {
        throw new Error('the error handler is broken as well');
      },
    });
    const p = fullPipeline(registry, clock);
    registry.on(() => {
      throw new Error('listener bug');
    });
    const h = metricsHarness(registry);
    try {
      await expect(
        settled(
          clock,
          p.execute(() => 'fine'),
        ),
      ).resolves.toEqual({ ok: true, value: 'fine' });
      expect((await h.collect()).total(METRIC_CALL_DURATION.name)).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('a listener that unsubscribes itself or subscribes another while an event is delivered', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = fullPipeline(registry, clock);
    const seen: string[] = [];
    const self = registry.on((e) => {
      seen.push(`once:${e.type}`);
      self.dispose();
      registry.on((e2) => seen.push(`late:${e2.type}`));
    });
    await settled(
      clock,
      p.execute(() => 1),
    );
    expect(seen[0]).toMatch(/^once:/);
    expect(seen.filter((s) => s.startsWith('once:'))).toHaveLength(1);
    expect(seen.some((s) => s.startsWith('late:'))).toBe(true);
  });
});

/** A policy of `kind` whose `snapshot()` is `snapshot`: stands in for a broken or lying policy. */
function brokenState(
  kind: 'circuit_breaker' | 'bulkhead' | 'rate_limit',
  name: string,
  snapshot: () => unknown,
): AnyPolicy {
  return {
    kind,
    name,
    execute: (next, ctx) => next(ctx),
    snapshot,
    configure: () => {},
  };
}

describe('a throwing or lying observable callback', () => {
  it("a policy whose snapshot() throws loses its own gauges for that collection, nobody else's", async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const errors: string[] = [];
    let broken = true;
    const p = registry.pipeline(
      'mixed',
      [
        brokenState('circuit_breaker', 'flaky_state', () => {
          if (broken) throw new Error('snapshot failed');
          return { state: 'closed', failureRatio: 0, slowCallRatio: 0 };
        }),
        circuitBreaker({ breaker: breakers.consecutive(3), clock }),
        rateLimit({ rate: 10, interval: 1_000, clock }),
        bulkhead({ limit: 4, clock }),
      ],
      { clock },
    );
    const h = metricsHarness(registry, { onError: (_error, context) => errors.push(context) });
    try {
      await settled(
        clock,
        p.execute(() => 'ok'),
      );
      const m = await h.collect(); // throws if the SDK saw a callback fail
      expect(errors).toEqual(['reading the state of policy "flaky_state" in pipeline "mixed"']);
      const states = m.points(METRIC_CIRCUIT_STATE.name).map((pt) => pt.attributes[ATTR_POLICY]);
      expect(new Set(states)).toEqual(new Set(['circuit_breaker']));
      expect(m.total(METRIC_BULKHEAD_LIMIT.name)).toBe(4);
      expect(m.total(METRIC_RATELIMIT_TOKENS.name)).toBe(9);
      expect(m.total(METRIC_CALL_DURATION.name)).toBe(1);
      // Fixed: its gauges come back at the next collection.
      broken = false;
      const again = await h.collect();
      expect(
        new Set(again.points(METRIC_CIRCUIT_STATE.name).map((pt) => pt.attributes[ATTR_POLICY])),
      ).toEqual(new Set(['circuit_breaker', 'flaky_state']));
    } finally {
      await h.close();
    }
  });

  it('snapshots that answer nonsense (NaN, strings, null, undefined) make no data point and no error', async () => {
    const registry = new Registry();
    registry.pipeline('lies', [
      brokenState('circuit_breaker', 'cb', () => ({
        state: 42,
        failureRatio: Number.NaN,
        slowCallRatio: 'high',
      })),
      brokenState('bulkhead', 'bh', () => ({ active: Number.POSITIVE_INFINITY, queued: '3', limit: null })),
      brokenState('rate_limit', 'rl', () => null),
      brokenState('rate_limit', 'rl2', () => undefined),
    ]);
    const errors: unknown[] = [];
    const h = metricsHarness(registry, { onError: (error) => errors.push(error) });
    try {
      const m = await h.collect();
      expect(errors).toEqual([]);
      // An unknown state is not one of the four: each state reads 0.
      expect(m.points(METRIC_CIRCUIT_STATE.name).map((pt) => pt.value)).toEqual([0, 0, 0, 0]);
      expect(m.points(METRIC_BULKHEAD_ACTIVE.name)).toEqual([]);
      expect(m.points(METRIC_RATELIMIT_TOKENS.name)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('an onError handler that throws while a snapshot fails costs no other policy its gauges', async () => {
    const registry = new Registry();
    registry.pipeline('mixed', [
      brokenState('bulkhead', 'broken', () => {
        throw new Error('snapshot failed');
      }),
      bulkhead({ limit: 7 }),
    ]);
    const h = metricsHarness(registry, {
      onError: () => {
        throw new Error('the error handler is broken as well');
      },
    });
    try {
      const m = await h.collect();
      expect(m.total(METRIC_BULKHEAD_LIMIT.name, { [ATTR_POLICY]: 'bulkhead' })).toBe(7);
    } finally {
      await h.close();
    }
  });
});

/** An exporter that fails (or throws) while `failing` is set, and keeps what it was given otherwise. */
class FlakyExporter implements PushMetricExporter {
  failing: 'no' | 'result' | 'throw' = 'no';
  readonly exported: ResourceMetrics[] = [];
  attempts = 0;

  export(metrics: ResourceMetrics, resultCallback: (result: { code: number; error?: Error }) => void): void {
    this.attempts++;
    if (this.failing === 'throw') throw new Error('exporter threw');
    if (this.failing === 'result') {
      resultCallback({ code: 1 /* ExportResultCode.FAILED */, error: new Error('collector unreachable') });
      return;
    }
    this.exported.push(metrics);
    resultCallback({ code: 0 /* ExportResultCode.SUCCESS */ });
  }

  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** Calls counted in the last successful export, by outcome. */
function exportedCalls(exporter: FlakyExporter): number {
  const last = exporter.exported[exporter.exported.length - 1];
  if (last === undefined) return 0;
  let calls = 0;
  for (const scope of last.scopeMetrics)
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== METRIC_CALL_DURATION.name) continue;
      for (const dp of metric.dataPoints) calls += (dp.value as { count: number }).count;
    }
  return calls;
}

describe('a failing exporter', () => {
  afterEach(() => {
    vi.useRealTimers();
    diag.disable();
  });

  it('fails its exports (reported to OpenTelemetry), never a call; nothing is lost once it recovers', async () => {
    // The reader's own interval timer, driven by fake timers: no real waiting.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const logged: string[] = [];
    diag.setLogger(
      {
        error: (message: string) => logged.push(message),
        warn: () => {},
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      DiagLogLevel.ERROR,
    );
    const unhandled = watchUnhandledRejections();
    let provider: MeterProvider | undefined;
    let handle: Instrumentation | undefined;
    try {
      const clock = new TestClock();
      const registry = new Registry();
      const p = fullPipeline(registry, clock);
      const exporter = new FlakyExporter();
      const reader = new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: 10_000,
        exportTimeoutMillis: 1_000,
      });
      provider = new MeterProvider({ readers: [reader] });
      handle = instrument(registry, { meterProvider: provider });
      const run = async (n: number) => {
        for (let i = 0; i < n; i++)
          expect(
            (
              await settled(
                clock,
                p.execute(() => i),
              )
            ).ok,
          ).toBe(true);
      };
      await run(5);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(exportedCalls(exporter)).toBe(5);

      exporter.failing = 'result';
      await run(5);
      await vi.advanceTimersByTimeAsync(10_000);
      exporter.failing = 'throw';
      await run(5);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(exporter.attempts).toBe(3);
      expect(exportedCalls(exporter)).toBe(5); // nothing new got out
      expect(logged.length).toBeGreaterThanOrEqual(2);

      exporter.failing = 'no';
      await run(5);
      await vi.advanceTimersByTimeAsync(10_000);
      // Cumulative: the first export after the outage carries every call, including those made during it.
      expect(exportedCalls(exporter)).toBe(20);
      expect(unhandled.stop()).toEqual([]);
    } finally {
      unhandled.stop();
      handle?.dispose();
      await provider?.shutdown();
    }
  });
});

describe('a protected function that throws, returns a plain value, or rejects with a non-Error', () => {
  const thrownValues: readonly [string, () => unknown][] = [
    ['a string', () => 'database is down'],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a number', () => 503],
    ['false', () => false],
    ['a symbol', () => Symbol('down')],
    ['a bigint', () => 10n],
    ['a plain object', () => ({ code: 'ECONNRESET' })],
    ['an object without prototype', () => Object.create(null)],
    ['an array', () => ['down']],
    ['a frozen error', () => Object.freeze(new Error('frozen'))],
  ];

  for (const sync of [true, false]) {
    for (const [label, make] of thrownValues) {
      it(`${sync ? 'throws' : 'rejects with'} ${label}: the caller gets that value, every attempt and call is counted`, async () => {
        const { clock, p, h, problems, close } = watchedPipeline();
        try {
          const values: unknown[] = [];
          const outcome = await settled(
            clock,
            p.execute(() => {
              const value = make();
              values.push(value);
              if (sync) throw value;
              return Promise.reject(value);
            }),
          );
          expect(values).toHaveLength(3); // retried: the default retryOn retries any non-abort failure
          expect(outcome).toEqual({ ok: false, error: values[2] });
          if (!outcome.ok) expect(outcome.error).toBe(values[2]);
          const m = await h.collect();
          expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBe(1);
          expect(m.total(METRIC_ATTEMPT_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBe(3);
          expect(m.total(METRIC_RETRY_ATTEMPTS.name)).toBe(2);
          expect(m.total(METRIC_CIRCUIT_CALLS.name, { [ATTR_CIRCUIT_RESULT]: 'failure' })).toBe(1);
          // Never a message, never the value itself: a bounded type.
          for (const pt of m.points(METRIC_CALL_DURATION.name)) {
            expect(String(pt.attributes[ATTR_ERROR_TYPE])).toMatch(/^[A-Za-z0-9_$][A-Za-z0-9_$.:-]*$/);
          }
          expect(clock.pendingTimers).toBe(0);
          expect(problems()).toEqual(NO_PROBLEMS);
        } finally {
          await close();
        }
      });
    }
  }

  it('returns a plain value, undefined, a thenable, or a promise of a promise: the caller gets the value', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = fullPipeline(registry, clock);
    const h = metricsHarness(registry);
    try {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case is about.
      const thenable = { then: (resolve: (v: string) => void) => resolve('from a thenable') };
      const answers: [() => unknown, unknown][] = [
        [() => 42, 42],
        [() => undefined, undefined],
        [() => null, null],
        [() => thenable, 'from a thenable'],
        [() => Promise.resolve(Promise.resolve('nested')), 'nested'],
      ];
      for (const [fn, expected] of answers) {
        await expect(settled(clock, p.execute(fn))).resolves.toEqual({ ok: true, value: expected });
      }
      // A thenable whose then() throws is a failure like any other.
      const broken = {
        // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case is about.
        then: () => {
          throw new Error('then() threw');
        },
      };
      const outcome = await settled(
        clock,
        p.execute(() => broken),
      );
      expect(outcome.ok).toBe(false);
      const m = await h.collect();
      expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'success' })).toBe(answers.length);
      expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBe(1);
      expect(clock.pendingTimers).toBe(0);
    } finally {
      await h.close();
    }
  });

  it('a thrown value whose every getter throws: the call settles, is counted, leaves nothing behind', async () => {
    const { clock, p, h, problems, close } = watchedPipeline();
    try {
      const controller = new AbortController();
      const value = hostileError();
      const outcome = await settled(
        clock,
        p.execute(() => Promise.reject(value), { signal: controller.signal }),
      );
      // The retry reads Retry-After from a failure; a getter that throws there is the call's
      // failure from then on (documented), so the caller gets the value or what its getter threw.
      expect(outcome.ok).toBe(false);
      if (!outcome.ok && outcome.error !== value) {
        expect((outcome.error as Error).message).toBe('a getter of the thrown value threw');
      }
      expect(abortListeners(controller.signal)).toBe(0);
      expect(clock.pendingTimers).toBe(0);
      const m = await h.collect();
      expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_PIPELINE]: 'deps', [ATTR_OUTCOME]: 'failure' })).toBe(
        1,
      );
      expect(m.total(METRIC_ATTEMPT_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBeGreaterThanOrEqual(1);
      expect(m.total(METRIC_CIRCUIT_CALLS.name, { [ATTR_CIRCUIT_RESULT]: 'failure' })).toBe(1);
      expect(problems()).toEqual(NO_PROBLEMS);
    } finally {
      await close();
    }
  });

  it('without a retry, that very value reaches the caller, and a fallback still answers it', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const plain = registry.pipeline(
      'plain',
      [circuitBreaker({ clock }), timeout({ after: 1_000, clock }), bulkhead({ limit: 1, clock })],
      { clock },
    );
    const value = hostileError();
    const outcome = await settled(
      clock,
      plain.execute(() => Promise.reject(value)),
    );
    // Compared by identity: an equality check would read the value's throwing getters.
    expect(outcome.ok === false && outcome.error === value).toBe(true);
    const answered = registry.pipeline(
      'answered',
      [fallback({ value: 'cached' }), circuitBreaker({ clock })],
      { clock },
    );
    await expect(
      settled(
        clock,
        answered.execute(() => Promise.reject(hostileError())),
      ),
    ).resolves.toEqual({
      ok: true,
      value: 'cached',
    });
    expect(attemptsOf(value)).toBeUndefined();
  });

  it('settle and health checks take the same abuse', async () => {
    const clock = new TestClock();
    const result = await settle(
      {
        sync: () => {
          throw 'thrown string';
        },
        plain: () => 7,
        undef: () => Promise.reject(undefined),
        hostile: () => Promise.reject(hostileError()),
      },
      { clock },
    );
    expect(result.available).toEqual(['plain']);
    expect(result.failed).toEqual(['sync', 'undef', 'hostile']);
    expect(result.values).toEqual({ plain: 7 });

    const registry = new Registry();
    const monitor = health({
      name: 'abused',
      registry,
      clock,
      checks: [
        {
          name: 'sync',
          run: () => {
            throw null;
          },
        },
        { name: 'plain', run: () => 'up' },
        { name: 'undef', run: () => Promise.reject(undefined) },
        { name: 'hostile', run: () => Promise.reject(hostileError()) },
      ],
    });
    const report = await monitor.status();
    expect(Object.fromEntries(Object.entries(report.checks).map(([name, c]) => [name, c.ok]))).toEqual({
      sync: false,
      plain: true,
      undef: false,
      hostile: false,
    });
    expect(report.status).toBe('unhealthy');
    monitor.dispose();
  });
});

it('collect() helper reports SDK collection errors (so the tests above would see one)', async () => {
  const { CollectingReader } = await import('./support/metrics.js');
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  try {
    provider
      .getMeter('t')
      .createObservableGauge('g')
      .addCallback(() => {
        throw new Error('callback failed');
      });
    await expect(collect(reader)).rejects.toThrow('metric collection reported errors');
  } finally {
    await provider.shutdown();
  }
});
