/**
 * 1,000+ concurrent callers through a bulkhead, a rate limiter and a half-open circuit
 * breaker, composed in one pipeline or shared by two, with retries, timeouts, hangs and
 * caller aborts around them: no limit is ever exceeded (property-based, many seeds).
 *
 * The policies' own property tests check each policy against a model with a handful of
 * calls; these check the limits where policies meet: calls turned around by an inner limiter
 * and retried through an outer one, waits aborted by a timeout outside, one limiter shared
 * by two pipelines and re-configured while a crowd is inside.
 */
import {
  backoff,
  breakers,
  bulkhead,
  circuitBreaker,
  type PolicyContext,
  type RampartEvent,
  Registry,
  rateLimit,
  retry,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../support/random.js';
import { Crowd, randomWork } from './crowd.js';
import { CircuitTracker, overAdmission, watchInner } from './observe.js';

/** Clock time a run may take before it counts as stuck. */
const RUN_LIMIT_MS = 600_000;

/** Watches a bulkhead from inside: calls in its slots never exceed its limit at admission. */
function bulkheadWatch(violations: string[], limit: () => number) {
  const state = { inside: 0, max: 0 };
  const hooks = {
    enter: () => {
      state.inside++;
      state.max = Math.max(state.max, state.inside);
      if (state.inside > limit())
        violations.push(`bulkhead admitted a call with ${state.inside} inside, limit ${limit()}`);
    },
    exit: () => {
      state.inside--;
    },
  };
  return { state, hooks };
}

/** Checks every `bulkhead.queued` event against the queue size in force. */
function queueWatch(violations: string[], queue: () => number) {
  return (event: RampartEvent) => {
    if (event.type === 'bulkhead.queued' && event.queued > queue()) {
      violations.push(`bulkhead queued a call as number ${event.queued}, queue ${queue()}`);
    }
  };
}

/** Counts probes per half-open period: never more at once than `probes`, never a call while open. */
function probeWatch(violations: string[], tracker: CircuitTracker, probes: number) {
  const active = new Map<number, number>();
  const state = { maxProbes: 0, probesStarted: 0 };
  const hooks = {
    enter: (_ctx: PolicyContext): number => {
      if (tracker.state === 'open' || tracker.state === 'isolated') {
        violations.push(`a call passed the breaker while it was ${tracker.state}`);
      }
      if (tracker.state !== 'half_open') return -1;
      const period = tracker.period;
      const n = (active.get(period) ?? 0) + 1;
      active.set(period, n);
      state.probesStarted++;
      state.maxProbes = Math.max(state.maxProbes, n);
      if (n > probes) violations.push(`${n} probes at once in half-open period ${period}, probes ${probes}`);
      return period;
    },
    exit: (period: number) => {
      if (period >= 0) active.set(period, active.get(period)! - 1);
    },
  };
  return { state, hooks };
}

const rateArb = fc.record({
  rate: fc.integer({ min: 1, max: 8 }),
  interval: fc.integer({ min: 1, max: 10 }),
  burst: fc.integer({ min: 1, max: 40 }),
  maxWait: fc.integer({ min: 0, max: 40 }),
});
const bulkheadArb = fc.record({
  limit: fc.integer({ min: 1, max: 25 }),
  queue: fc.integer({ min: 0, max: 60 }),
  queueTimeout: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 1, max: 80 })),
});
const halfOpenArb = fc.record({
  probes: fc.integer({ min: 1, max: 6 }),
  successes: fc.integer({ min: 1, max: 4 }),
  maxWait: fc.integer({ min: 5, max: 120 }),
});

describe('limits hold with 1,000+ concurrent callers (property-based)', { timeout: 120_000 }, () => {
  it('rate limiter > half-open breaker > retry > timeout > bulkhead, composed in one pipeline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.nat(),
          callers: fc.integer({ min: 1_000, max: 1_500 }),
          spread: fc.integer({ min: 0, max: 300 }),
          rate: rateArb,
          bulkhead: bulkheadArb,
          threshold: fc.integer({ min: 1, max: 6 }),
          openFor: fc.integer({ min: 5, max: 80 }),
          halfOpen: halfOpenArb,
          after: fc.integer({ min: 5, max: 150 }),
          strategy: fc.constantFrom('aggressive' as const, 'cooperative' as const),
          maxAttempts: fc.integer({ min: 1, max: 3 }),
          failRate: fc.double({ min: 0, max: 0.9, noNaN: true }),
          abortRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
        }),
        async (cfg) => {
          const clock = new TestClock();
          const random = new SeededRandom(cfg.seed);
          const registry = new Registry();
          const violations: string[] = [];
          const tracker = new CircuitTracker();
          registry.on(tracker.listener);
          const admissions: number[] = [];
          const limiter = rateLimit({ ...cfg.rate, clock });
          const breaker = circuitBreaker({
            breaker: breakers.consecutive(cfg.threshold),
            openFor: cfg.openFor,
            halfOpen: cfg.halfOpen,
            clock,
          });
          const slots = bulkhead({ ...cfg.bulkhead, clock });
          registry.on(queueWatch(violations, () => slots.queue));
          const inside = bulkheadWatch(violations, () => slots.limit);
          const probes = probeWatch(violations, tracker, cfg.halfOpen.probes);
          const p = registry.pipeline(
            'composed',
            [
              watchInner(limiter, { enter: () => admissions.push(clock.now()), exit: () => {} }),
              watchInner(breaker, probes.hooks),
              retry({
                maxAttempts: cfg.maxAttempts,
                backoff: backoff.constant(3, { jitter: 'none' }),
                clock,
              }),
              timeout({ after: cfg.after, strategy: cfg.strategy, clock }),
              watchInner(slots, inside.hooks),
            ],
            { clock },
          );
          const crowd = new Crowd(clock);
          for (let i = 0; i < cfg.callers; i++) {
            // Failures come in a burst in the middle third, so the breaker opens and half-opens.
            const at = random.int(0, cfg.spread);
            const failing = at > cfg.spread / 3 && at < (2 * cfg.spread) / 3;
            const work = randomWork(random, failing ? cfg.failRate : cfg.failRate / 4, 0.03);
            crowd.call(p, at, work, random.chance(cfg.abortRate) ? random.int(0, 100) : undefined);
          }
          await crowd.finish(RUN_LIMIT_MS);

          expect(violations).toEqual([]);
          expect(overAdmission(admissions, cfg.rate)).toBeUndefined();
          expect(crowd.settled).toBe(cfg.callers);
          expect(inside.state.inside).toBe(0);
          expect(inside.state.max).toBeLessThanOrEqual(cfg.bulkhead.limit);
          expect({ active: slots.active, queued: slots.queued }).toEqual({ active: 0, queued: 0 });
          expect(limiter.snapshot().waiting).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 30, seed: 0x10_c0de },
    );
  });

  it('one bulkhead and one rate limiter shared by two pipelines, re-configured under load', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.nat(),
          callers: fc.integer({ min: 1_000, max: 1_500 }),
          spread: fc.integer({ min: 0, max: 200 }),
          rate: rateArb,
          bulkhead: bulkheadArb,
          changes: fc.array(
            fc.record({
              at: fc.integer({ min: 0, max: 250 }),
              limit: fc.integer({ min: 1, max: 25 }),
              queue: fc.integer({ min: 0, max: 60 }),
            }),
            { maxLength: 6 },
          ),
          after: fc.integer({ min: 5, max: 150 }),
          abortRate: fc.double({ min: 0, max: 0.2, noNaN: true }),
        }),
        async (cfg) => {
          const clock = new TestClock();
          const random = new SeededRandom(cfg.seed);
          const registry = new Registry();
          const violations: string[] = [];
          const admissions: number[] = [];
          const limiter = watchInner(rateLimit({ ...cfg.rate, clock }), {
            enter: () => admissions.push(clock.now()),
            exit: () => {},
          });
          const slots = bulkhead({ ...cfg.bulkhead, clock });
          registry.on(queueWatch(violations, () => slots.queue));
          const inside = bulkheadWatch(violations, () => slots.limit);
          const shared = watchInner(slots, inside.hooks);
          // Two compositions around the same two policies: the limits are the policies', not a pipeline's.
          const orders = registry.pipeline(
            'orders',
            [
              limiter,
              retry({ maxAttempts: 2, backoff: backoff.constant(2, { jitter: 'none' }), clock }),
              timeout({ after: cfg.after, clock }),
              shared,
            ],
            { clock },
          );
          const reports = registry.pipeline(
            'reports',
            [timeout({ after: cfg.after, strategy: 'cooperative', clock }), shared, limiter],
            {
              clock,
            },
          );
          for (const change of cfg.changes) {
            clock.setTimeout(() => slots.configure({ limit: change.limit, queue: change.queue }), change.at);
          }
          const crowd = new Crowd(clock);
          for (let i = 0; i < cfg.callers; i++) {
            const work = randomWork(random, 0.2, 0.03);
            crowd.call(
              random.chance(0.5) ? orders : reports,
              random.int(0, cfg.spread),
              work,
              random.chance(cfg.abortRate) ? random.int(0, 100) : undefined,
            );
          }
          await crowd.finish(RUN_LIMIT_MS);

          expect(violations).toEqual([]);
          expect(overAdmission(admissions, cfg.rate)).toBeUndefined();
          expect(crowd.settled).toBe(cfg.callers);
          expect(inside.state.inside).toBe(0);
          expect({ active: slots.active, queued: slots.queued }).toEqual({ active: 0, queued: 0 });
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 30, seed: 0x5_4a2ed },
    );
  });

  it('a crowd at a half-open breaker: exactly `probes` calls get through at once, none while open', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.nat(),
          waves: fc.integer({ min: 2, max: 6 }),
          perWave: fc.integer({ min: 250, max: 500 }),
          gap: fc.integer({ min: 1, max: 150 }),
          threshold: fc.integer({ min: 1, max: 5 }),
          openFor: fc.integer({ min: 5, max: 100 }),
          halfOpen: halfOpenArb,
          after: fc.integer({ min: 5, max: 200 }),
          probeFailRate: fc.double({ min: 0, max: 1, noNaN: true }),
          bulkhead: bulkheadArb,
        }),
        async (cfg) => {
          const clock = new TestClock();
          const random = new SeededRandom(cfg.seed);
          const registry = new Registry();
          const violations: string[] = [];
          const tracker = new CircuitTracker();
          registry.on(tracker.listener);
          const breaker = circuitBreaker({
            breaker: breakers.consecutive(cfg.threshold),
            openFor: cfg.openFor,
            halfOpen: cfg.halfOpen,
            clock,
          });
          const probes = probeWatch(violations, tracker, cfg.halfOpen.probes);
          // Room for every probe: a probe the bulkhead turned away would count as a failed probe.
          const slots = bulkhead({
            ...cfg.bulkhead,
            limit: Math.max(cfg.bulkhead.limit, cfg.halfOpen.probes),
            clock,
          });
          const inside = bulkheadWatch(violations, () => slots.limit);
          const p = registry.pipeline(
            'crowded',
            [
              watchInner(breaker, probes.hooks),
              timeout({ after: cfg.after, clock }),
              watchInner(slots, inside.hooks),
            ],
            { clock },
          );
          const crowd = new Crowd(clock);
          // Open the circuit: `threshold` failures in a row.
          for (let i = 0; i < cfg.threshold; i++)
            crowd.call(p, 0, { ms: 0, fails: true, ignoresSignal: false, hangs: false });
          await clock.advance(1);
          expect(breaker.state).toBe('open');
          // The first wave arrives at once as the open period ends: a crowd at a half-open breaker.
          const opened = cfg.openFor + 1;
          let firstWaveProbes = -1;
          for (let w = 0; w < cfg.waves; w++) {
            const at = opened + w * cfg.gap;
            for (let i = 0; i < cfg.perWave; i++) {
              // Probes take at least 1 ms, so the whole first wave meets the busy probe slots.
              const work = { ...randomWork(random, cfg.probeFailRate, 0.1, 80), ms: random.int(1, 80) };
              crowd.call(p, at, work);
            }
            if (w === 0)
              clock.setTimeout(() => {
                // Sampled after the wave arrived, before any probe could end.
                firstWaveProbes = probes.state.maxProbes;
              }, at - clock.now());
          }
          await crowd.finish(RUN_LIMIT_MS);

          expect(violations).toEqual([]);
          expect(tracker.halfOpenPeriods).toBeGreaterThan(0);
          // Half-open admits exactly `probes` concurrent calls.
          expect(firstWaveProbes).toBe(Math.min(cfg.halfOpen.probes, cfg.perWave));
          expect(crowd.settled).toBe(crowd.started);
          expect({ active: slots.active, queued: slots.queued }).toEqual({ active: 0, queued: 0 });
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 40, seed: 0x4a1f_0e4 },
    );
  });
});
