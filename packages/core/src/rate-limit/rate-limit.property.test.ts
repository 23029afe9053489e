import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abortListeners } from '../bulkhead/testing-fixtures/calls.js';
import { RateLimitedError } from '../errors.js';
import { Registry } from '../pipeline/registry.js';
import { flushMicrotasks, TestClock } from '../testing/index.js';
import { rateLimit } from './rate-limit.js';

/**
 * The token bucket driven by random arrivals, aborts and time steps. Whatever happens:
 * tokens stay within [0, burst]; calls admitted by any moment never exceed
 * burst + rate x elapsed / interval; waiters are served in arrival order, each within its
 * maxWait; a call is rejected only when its token really is further away than maxWait; one
 * timer at most, and none (nor any abort listener) once nobody waits.
 */

type Op =
  | { kind: 'call'; withSignal: boolean }
  | { kind: 'abort'; index: number }
  | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('call' as const), withSignal: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), index: fc.nat(30) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  },
);

const settingsArb = fc.record({
  rate: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.1, max: 20, noNaN: true })),
  interval: fc.integer({ min: 1, max: 2_000 }),
  burst: fc.integer({ min: 1, max: 8 }),
  maxWait: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 3_000 }),
    fc.constant(Number.POSITIVE_INFINITY),
  ),
});

/** Tolerance for floating-point token arithmetic and the 1 ms minimum timer delay. */
const SLACK_TOKENS = 1e-6;
const SLACK_MS = 1;

describe('rateLimit (property-based)', () => {
  it('keeps tokens in [0, burst], never admits more than the bucket allows, serves waiters FIFO', async () => {
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.array(opArb, { maxLength: 60 }), async (settings, ops) => {
        const clock = new TestClock();
        const policy = rateLimit({ ...settings, clock });
        const p = new Registry().pipeline('prop', [policy], { clock });
        const { rate, interval, burst, maxWait } = settings;
        const admittedAt: number[] = [];
        const admittedIds: number[] = [];
        const queuedIds: number[] = [];
        const controllers: (AbortController | undefined)[] = [];
        const done = new Set<number>();
        const aborted = new Set<number>();
        // Checks made inside callbacks are collected here, so that a failure fails the property.
        const problems: string[] = [];

        const bound = (t: number) => burst + (rate * t) / interval + SLACK_TOKENS;
        const check = () => {
          const s = policy.snapshot();
          expect(s.tokens).toBeGreaterThanOrEqual(0);
          expect(s.tokens).toBeLessThanOrEqual(burst);
          expect(admittedAt.length).toBeLessThanOrEqual(bound(clock.now()));
          expect(clock.pendingTimers).toBe(s.waiting > 0 ? 1 : 0);
          expect(problems).toEqual([]);
        };

        for (const op of ops) {
          if (op.kind === 'call') {
            const id = controllers.length;
            const controller = op.withSignal ? new AbortController() : undefined;
            controllers.push(controller);
            const since = clock.now();
            const waitingBefore = policy.snapshot().waiting;
            const tokensBefore = policy.snapshot().tokens;
            p.execute(
              () => {
                admittedAt.push(clock.now());
                admittedIds.push(id);
                // A waiter is served within its maxWait (plus the 1 ms timer resolution).
                if (clock.now() - since > maxWait + SLACK_MS)
                  problems.push(`${id} waited ${clock.now() - since}`);
                return id;
              },
              controller ? { signal: controller.signal } : {},
            ).then(
              () => done.add(id),
              (error: unknown) => {
                done.add(id);
                if (error instanceof RateLimitedError) {
                  // Rejected only when its token really was further away than maxWait: at the
                  // rate, but no faster than `burst` a millisecond (one wake-up a ms at most).
                  const expected = (waitingBefore + 1 - tokensBefore) / Math.min(rate / interval, burst);
                  if (!(error.retryAfter > maxWait) || Math.abs(error.retryAfter - expected) > 1e-6) {
                    problems.push(`${id} rejected with retryAfter ${error.retryAfter}, expected ${expected}`);
                  }
                } else if (controller !== undefined && error === controller.signal.reason) {
                  aborted.add(id);
                } else {
                  problems.push(`${id} failed with ${String(error)}`);
                }
              },
            );
            await flushMicrotasks();
            if (!done.has(id) && !admittedIds.includes(id)) queuedIds.push(id);
          } else if (op.kind === 'abort') {
            const live = controllers.flatMap((c, id) => (c && !done.has(id) ? [c] : []));
            live[op.index % Math.max(1, live.length)]?.abort(new Error('abort'));
            await flushMicrotasks();
          } else {
            await clock.advance(op.ms);
          }
          check();
        }

        // Everything that waits is eventually served, in arrival order, and leaves nothing behind.
        await clock.runAll();
        await flushMicrotasks();
        check();
        expect(done.size).toBe(controllers.length);
        const served = queuedIds.filter((id) => !aborted.has(id));
        expect(admittedIds.filter((id) => queuedIds.includes(id))).toEqual(served);
        expect(clock.pendingTimers).toBe(0);
        for (const c of controllers) if (c) expect(abortListeners(c.signal)).toBe(0);
      }),
      { numRuns: 1_500 },
    );
  });

  it('under sustained demand admits exactly what a reference bucket allows, no more and no less', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 10, max: 1_000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 30 }),
        async (rate, interval, burst, steps) => {
          const clock = new TestClock();
          const policy = rateLimit({ rate, interval, burst, clock });
          const p = new Registry().pipeline('demand', [policy], { clock });
          let admitted = 0;
          /** Asks until rejected; returns how many got through. */
          const offer = async () => {
            for (let round = 0; ; round++) {
              const ok = await p.execute(() => true).catch(() => false);
              if (!ok) return round;
              admitted++;
            }
          };
          // The reference bucket: earn, cap at burst, spend whole tokens.
          let model = burst;
          const spend = (n: number) => {
            expect(n).toBe(Math.floor(model + SLACK_TOKENS));
            model -= n;
          };
          spend(await offer());
          for (const ms of steps) {
            await clock.advance(ms);
            model = Math.min(burst, model + (rate * ms) / interval);
            expect(policy.snapshot().tokens).toBeCloseTo(model, 6);
            spend(await offer());
            expect(admitted).toBeLessThanOrEqual(burst + (rate * clock.now()) / interval + SLACK_TOKENS);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
