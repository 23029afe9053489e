/**
 * Soak: 100,000 calls (RAMPART_SOAK_CALLS=1000000 for the full million) through two fully
 * instrumented pipelines, with seeded failures, hangs that honour or ignore their signal,
 * slow calls and caller aborts, in concurrent batches on a TestClock. Afterwards nothing is
 * left behind, and every metric equals what the workload itself counted.
 */
import type { CircuitState, RampartEvent } from '@rampart/core';
import {
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type RateLimitPolicy,
  Registry,
  type RetrySnapshot,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import {
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_STATE,
  ATTR_CIRCUIT_TO,
  ATTR_PIPELINE,
  ATTR_POLICY,
  CIRCUIT_STATES,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_BULKHEAD_QUEUED,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_FALLBACK_USES,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RATELIMIT_TOKENS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
  type MetricDefinition,
} from '@rampart/otel';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  activeResources,
  drainEventLoop,
  heapAfterGc,
  resourcesAddedSince,
  watchUnhandledRejections,
} from '../support/leaks.js';
import { type Collected, metricsHarness } from '../support/metrics.js';
import { SeededRandom, seedFrom } from '../support/random.js';
import { Tally } from './tally.js';
import { type PipelineName, SoakWorkload, soakPipelines } from './workload.js';

const DEFAULT_CALLS = 100_000;
const CALLS = callsFromEnv();
const SEED = seedFrom('RAMPART_SOAK_SEED', 0x5eed);
/** Calls started together (over 50 ms of clock time) before the clock runs them to the end. */
const BATCH = 200;
/** The clock moves in steps of this many ms (timers still fire at their exact times). */
const STEP = 10;
/** A batch that needs more clock time than this is stuck: fail with a message, not a test timeout. */
const MAX_BATCH_MS = 60_000;
/** Heap checkpoints: after the warm-up (the first fifth of the calls), then every fifth. */
const CHECKPOINTS = 5;
/**
 * Allowed heap growth from the first checkpoint to the last. A leak of one small object per
 * call (a listener, a closure, a map entry: ≥ 40 bytes) over the 80,000 calls after warm-up
 * is ≥ 3.2 MB; what varies between two full collections of a steady heap is far smaller.
 */
const HEAP_TOLERANCE = 2 * 1024 * 1024;
const PIPELINES: readonly PipelineName[] = ['checkout', 'search'];

function callsFromEnv(): number {
  const text = process.env.RAMPART_SOAK_CALLS;
  if (text === undefined || text === '') return DEFAULT_CALLS;
  const calls = Number(text);
  if (!Number.isSafeInteger(calls) || calls < 10_000) {
    throw new RangeError(`RAMPART_SOAK_CALLS must be an integer >= 10000, got ${JSON.stringify(text)}`);
  }
  return calls;
}

/** Counts of raw events, per pipeline, for what the workload cannot see by itself. */
class EventCounts {
  readonly transitions = new Map<string, number>();
  readonly queuedAcquisitions = new Map<string, number>();
  /** Timeouts elapsed, per pipeline and policy (calls in flight share one timer per policy). */
  readonly timeouts = new Map<string, number>();
  readonly listener = (event: RampartEvent): void => {
    if (event.type === 'timeout') {
      const key = `${event.pipeline}|${event.policyName}`;
      this.timeouts.set(key, (this.timeouts.get(key) ?? 0) + 1);
    } else if (event.type === 'circuit.transition') {
      const key = `${event.pipeline}|${event.policyName}|${event.from}|${event.to}`;
      this.transitions.set(key, (this.transitions.get(key) ?? 0) + 1);
    } else if (event.type === 'bulkhead.acquired' && event.queuedFor > 0) {
      this.queuedAcquisitions.set(event.pipeline, (this.queuedAcquisitions.get(event.pipeline) ?? 0) + 1);
    }
  };
}

const sorted = (map: ReadonlyMap<string, number>) =>
  Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : 1)));
const series = (m: Collected, metric: MetricDefinition) => sorted(m.series(metric.name, metric.attributes));

/** Moves the clock until `done()`; throws when that takes more than `limitMs` of clock time. */
async function runUntil(clock: TestClock, done: () => boolean, limitMs: number, what: string): Promise<void> {
  const deadline = clock.now() + limitMs;
  while (!done()) {
    if (clock.now() >= deadline) throw new Error(`soak: ${what} after ${limitMs} ms of clock time`);
    await clock.advance(STEP);
  }
  // A last full turn of the event loop: nothing may still be queued behind the clock.
  await drainEventLoop();
}

describe(`soak: ${CALLS.toLocaleString('en')} calls through the instrumented full pipeline (seed ${SEED})`, () => {
  it('settles every call, leaves nothing behind, keeps the heap flat and reconciles every metric', {
    timeout: Math.max(120_000, (CALLS / DEFAULT_CALLS) * 120_000),
  }, async () => {
    const wallStart = performance.now();
    const unhandled = watchUnhandledRejections();
    // Released on every path (the body releases it too, to check what it saw): a failing run
    // must not leave its listener on the process for the tests after it.
    onTestFinished(() => {
      unhandled.stop();
    });
    const resourcesBefore = activeResources();
    const listenerErrors: unknown[] = [];
    const instrumentationErrors: string[] = [];

    const clock = new TestClock();
    const random = new SeededRandom(SEED);
    const registry = new Registry({ onListenerError: (error) => listenerErrors.push(error) });
    const pipelines = soakPipelines(registry, clock);
    const events = new EventCounts();
    const eventSubscription = registry.on(events.listener);
    const metrics = metricsHarness(registry, {
      onError: (error, context) => instrumentationErrors.push(`${context}: ${String(error)}`),
    });
    const workload = new SoakWorkload(clock, random, pipelines);

    const batches = Math.ceil(CALLS / BATCH);
    const every = Math.floor(batches / CHECKPOINTS);
    const heap: { calls: number; bytes: number }[] = [];
    for (let b = 0; b < batches; b++) {
      workload.startBatch(b, Math.min(BATCH, CALLS - b * BATCH));
      await runUntil(clock, () => workload.unsettled === 0, MAX_BATCH_MS, `batch ${b} has unsettled calls`);
      if ((b + 1) % every === 0 || b === batches - 1) {
        // Checkpoints compare like with like: no work running, no timer set.
        await runUntil(
          clock,
          () => workload.running === 0 && clock.pendingTimers === 0,
          MAX_BATCH_MS,
          'work or timers remain',
        );
        if (heap.length < CHECKPOINTS)
          heap.push({ calls: Math.min((b + 1) * BATCH, CALLS), bytes: heapAfterGc() });
      }
    }
    const wallMs = performance.now() - wallStart;
    const m = await metrics.collect();
    const t = workload.tally;

    // ---- every call settled; nothing left behind -------------------------------------------
    expect(Tally.total(t.started)).toBe(CALLS);
    expect(Tally.total(t.calls)).toBe(CALLS);
    expect(workload.unsettled).toBe(0);
    expect(workload.running).toBe(0);
    expect(workload.unexpected).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    for (const p of PIPELINES) {
      const pipeline = pipelines[p];
      const bulkhead = pipeline.policy<BulkheadPolicy>('bulkhead')!;
      expect({ active: bulkhead.active, queued: bulkhead.queued }).toEqual({ active: 0, queued: 0 });
      expect((pipeline.policy('retry')!.snapshot() as RetrySnapshot).waiting).toBe(0);
    }
    expect(pipelines.checkout.policy<RateLimitPolicy>('rate_limit')!.snapshot().waiting).toBe(0);
    // Every caller's signal and every signal the function got was checked once its user was done.
    expect(workload.signalsChecked).toBeGreaterThan(CALLS);
    expect(workload.leakedListeners).toBe(0);
    expect(listenerErrors).toEqual([]);
    expect(instrumentationErrors).toEqual([]);

    // ---- every metric reconciles with the workload's own tally ------------------------------
    expect.soft(series(m, METRIC_CALL_DURATION)).toEqual(sorted(t.calls));
    expect.soft(series(m, METRIC_ATTEMPT_DURATION)).toEqual(sorted(t.attempts));
    expect.soft(series(m, METRIC_RETRY_ATTEMPTS)).toEqual(sorted(t.retries));
    expect.soft(series(m, METRIC_RETRY_CALLS)).toEqual(sorted(t.retryCalls));
    expect.soft(series(m, METRIC_CIRCUIT_CALLS)).toEqual(sorted(t.circuitCalls));
    expect.soft(series(m, METRIC_BULKHEAD_REJECTIONS)).toEqual(sorted(t.bulkheadRejections));
    expect.soft(series(m, METRIC_RATELIMIT_REJECTIONS)).toEqual(sorted(t.rateLimitRejections));
    expect.soft(series(m, METRIC_FALLBACK_USES)).toEqual(sorted(t.fallbacks));
    // Timeouts: what the callers' work saw, and what the timeout policies reported.
    expect.soft(series(m, METRIC_TIMEOUT_TIMEOUTS)).toEqual(sorted(t.timeouts));
    expect.soft(sorted(t.timeouts)).toEqual(sorted(events.timeouts));
    for (const p of PIPELINES) {
      const where = { [ATTR_PIPELINE]: p };
      // Durations: by the test clock, exactly what the callers and the function measured.
      expect.soft(m.sum(METRIC_CALL_DURATION.name, where)).toBeCloseTo(t.callMs.get(p)! / 1000, 6);
      expect.soft(m.sum(METRIC_ATTEMPT_DURATION.name, where)).toBeCloseTo(t.attemptMs.get(p)! / 1000, 6);
      expect(m.total(METRIC_BULKHEAD_QUEUE_DURATION.name, where)).toBe(events.queuedAcquisitions.get(p) ?? 0);
    }
    expect.soft(series(m, METRIC_CIRCUIT_TRANSITIONS)).toEqual(sorted(events.transitions));

    // ---- live state: gauges say what the policies say ---------------------------------------
    for (const p of PIPELINES) {
      const policyWhere = (policy: string) => ({ [ATTR_PIPELINE]: p, [ATTR_POLICY]: policy });
      expect(m.total(METRIC_BULKHEAD_ACTIVE.name, policyWhere('bulkhead'))).toBe(0);
      expect(m.total(METRIC_BULKHEAD_QUEUED.name, policyWhere('bulkhead'))).toBe(0);
      const bulkhead = pipelines[p].policy<BulkheadPolicy>('bulkhead')!;
      expect(m.total(METRIC_BULKHEAD_LIMIT.name, policyWhere('bulkhead'))).toBe(bulkhead.limit);
      const breaker = pipelines[p].policy<CircuitBreakerPolicy>('circuit_breaker')!;
      const state = breaker.state;
      for (const s of CIRCUIT_STATES) {
        expect(
          m.total(METRIC_CIRCUIT_STATE.name, { ...policyWhere('circuit_breaker'), [ATTR_CIRCUIT_STATE]: s }),
        ).toBe(s === state ? 1 : 0);
      }
      // The transitions form one path from closed to the current state: into every state as
      // often as out of it, except one more out of closed and one more into where it is now.
      for (const s of CIRCUIT_STATES) {
        const into = m.total(METRIC_CIRCUIT_TRANSITIONS.name, { [ATTR_PIPELINE]: p, [ATTR_CIRCUIT_TO]: s });
        const outOf = m.total(METRIC_CIRCUIT_TRANSITIONS.name, {
          [ATTR_PIPELINE]: p,
          [ATTR_CIRCUIT_FROM]: s,
        });
        expect(into - outOf, `${p}: transitions into ${s} minus out of it`).toBe(
          (s === state ? 1 : 0) - (s === ('closed' as CircuitState) ? 1 : 0),
        );
      }
    }
    const limiter = pipelines.checkout.policy<RateLimitPolicy>('rate_limit')!;
    expect(m.total(METRIC_RATELIMIT_TOKENS.name, { [ATTR_PIPELINE]: 'checkout' })).toBe(
      limiter.snapshot().tokens,
    );

    // ---- the workload exercised what it claims to ---------------------------------------------
    for (const outcome of ['success', 'failure', 'rejected', 'fallback']) {
      expect(
        Tally.total(t.calls, `checkout|${outcome}|`),
        `checkout calls with outcome ${outcome}`,
      ).toBeGreaterThan(CALLS / 1_000);
    }
    for (const p of PIPELINES) {
      expect(t.timeouts.get(`${p}|timeout`), `${p}: timeouts`).toBeGreaterThan(CALLS / 1_000);
      expect(Tally.total(t.retries, `${p}|`), `${p}: retries`).toBeGreaterThan(CALLS / 1_000);
      expect(
        m.total(METRIC_CIRCUIT_TRANSITIONS.name, { [ATTR_PIPELINE]: p, [ATTR_CIRCUIT_TO]: 'half_open' }),
      ).toBeGreaterThan(2);
      expect(
        t.circuitCalls.get(`${p}|circuit_breaker|rejected|BrokenCircuitError`),
        `${p}: open-circuit rejections`,
      ).toBeGreaterThan(0);
    }
    expect(t.bulkheadRejections.get('checkout|bulkhead|queue_full'), 'queue_full').toBeGreaterThan(0);
    expect(t.bulkheadRejections.get('checkout|bulkhead|queue_timeout'), 'queue_timeout').toBeGreaterThan(0);
    expect(t.bulkheadRejections.get('search|bulkhead|queue_full'), 'search queue_full').toBeGreaterThan(0);
    expect(Tally.total(t.rateLimitRejections), 'rate limit rejections').toBeGreaterThan(0);
    expect(Tally.total(t.calls, 'checkout|failure|AbortError'), 'caller aborts').toBeGreaterThan(0);

    // ---- heap flat after warm-up -------------------------------------------------------------
    expect(heap.length).toBe(CHECKPOINTS);
    const growth = heap[heap.length - 1]!.bytes - heap[0]!.bytes;
    expect(growth, `heap checkpoints ${JSON.stringify(heap)}`).toBeLessThan(HEAP_TOLERANCE);

    // ---- no unhandled rejection, no resource left --------------------------------------------
    eventSubscription.dispose();
    await metrics.close();
    await drainEventLoop();
    expect(unhandled.stop()).toEqual([]);
    // The test runner's own handles come and go; ours would stay. Give its a few turns to go.
    for (let turn = 0; turn < 20 && resourcesAddedSince(resourcesBefore).length > 0; turn++)
      await drainEventLoop();
    expect(resourcesAddedSince(resourcesBefore)).toEqual([]);

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.info(
      `soak: ${CALLS} calls (seed ${SEED}) in ${(wallMs / 1000).toFixed(1)} s wall, ${(clock.now() / 1000).toFixed(0)} s of clock time; ` +
        `heap after GC at ${heap.map((h) => `${h.calls}: ${mb(h.bytes)} MB`).join(', ')}; growth ${(growth / 1024).toFixed(0)} KiB; ` +
        `outcomes ${JSON.stringify(outcomeTotals(t))}; attempts ${Tally.total(t.attempts)}; retries ${Tally.total(t.retries)}; ` +
        `timeouts ${Tally.total(t.timeouts)}; transitions ${Tally.total(events.transitions)}; signals checked ${workload.signalsChecked}`,
    );
  });
});

function outcomeTotals(t: Tally): Record<string, number> {
  const out: Record<string, number> = {};
  for (const outcome of ['success', 'failure', 'rejected', 'fallback']) {
    out[outcome] = PIPELINES.reduce((a, p) => a + Tally.total(t.calls, `${p}|${outcome}|`), 0);
  }
  return out;
}
