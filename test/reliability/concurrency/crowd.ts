import type { CallContext, Pipeline, TimerHandle } from '@rampart/core';
import type { TestClock } from '@rampart/core/testing';
import { drainEventLoop } from '../support/leaks.js';
import type { SeededRandom } from '../support/random.js';

/** How one caller's dependency call behaves. */
export interface Work {
  /** Clock ms the work takes (ignored by `hang`). */
  readonly ms: number;
  readonly fails: boolean;
  /** Keeps going when its signal aborts (the work is abandoned, not cancelled). */
  readonly ignoresSignal: boolean;
  /** Never ends on its own (only an abort of an honoured signal ends it). */
  readonly hangs: boolean;
}

export class DependencyError extends Error {
  constructor() {
    super('dependency failed');
    this.name = 'DependencyError';
  }
}

/**
 * A crowd of callers on one `TestClock`: starts calls at chosen times, runs each call's work
 * with the behaviour it is given, and counts what is running, so a test can drive the clock
 * until every call has settled and every piece of work has ended.
 */
export class Crowd {
  readonly #clock: TestClock;
  started = 0;
  settled = 0;
  /** Work running now (inside the innermost layer). */
  running = 0;
  readonly outcomes = { ok: 0, failed: 0 };
  readonly errors = new Map<string, number>();

  constructor(clock: TestClock) {
    this.#clock = clock;
  }

  /** Starts a call to `pipeline` at clock time `at`, with `work`; `abortAfter` ms after it starts, its caller gives up. */
  call(pipeline: Pipeline, at: number, work: Work, abortAfter?: number, onStart?: () => void): void {
    this.started++;
    this.#clock.setTimeout(
      () => {
        onStart?.();
        const controller = abortAfter === undefined ? undefined : new AbortController();
        let abortTimer: TimerHandle;
        if (controller !== undefined)
          abortTimer = this.#clock.setTimeout(() => controller.abort(), abortAfter!);
        pipeline
          .execute((ctx) => this.#run(ctx, work), { signal: controller?.signal })
          .then(
            () => {
              this.outcomes.ok++;
              this.#settle(controller, abortTimer);
            },
            (error: unknown) => {
              this.outcomes.failed++;
              const name = (error as { name?: string }).name ?? String(error);
              this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
              this.#settle(controller, abortTimer);
            },
          );
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  #settle(controller: AbortController | undefined, abortTimer: TimerHandle): void {
    this.settled++;
    if (controller !== undefined && !controller.signal.aborted) this.#clock.clearTimeout(abortTimer);
  }

  #run(ctx: CallContext, work: Work): Promise<string> {
    this.running++;
    const { signal } = ctx;
    return new Promise<string>((resolve, reject) => {
      let timer: TimerHandle;
      let done = false;
      const end = (error: unknown) => {
        if (done) return;
        done = true;
        this.running--;
        if (!work.hangs) this.#clock.clearTimeout(timer);
        if (!work.ignoresSignal) signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve('ok');
        else reject(error);
      };
      const onAbort = () => end(signal.reason);
      if (!work.ignoresSignal) {
        if (signal.aborted) {
          end(signal.reason);
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
      }
      if (!work.hangs) {
        timer = this.#clock.setTimeout(() => end(work.fails ? new DependencyError() : undefined), work.ms);
      }
    });
  }

  /**
   * Moves the clock until every call has settled, every piece of work has ended and no timer is
   * left; throws when that takes longer than `limitMs` of clock time (a stuck call).
   */
  async finish(limitMs: number, step = 5): Promise<void> {
    const deadline = this.#clock.now() + limitMs;
    while (this.settled < this.started || this.running > 0 || this.#clock.pendingTimers > 0) {
      if (this.#clock.now() >= deadline) {
        throw new Error(
          `crowd: after ${limitMs} ms of clock time ${this.started - this.settled} calls are unsettled, ${this.running} still run, ${this.#clock.pendingTimers} timers are set`,
        );
      }
      await this.#clock.advance(step);
    }
    await drainEventLoop();
  }
}

/**
 * Random work: mostly short, some failing, some ignoring their signal, a share `hangRate`
 * hanging until aborted (give those a timeout or a caller that aborts).
 */
export function randomWork(random: SeededRandom, failRate: number, hangRate: number, maxMs = 60): Work {
  const hangs = random.chance(hangRate);
  return {
    ms: random.int(0, maxMs),
    fails: random.chance(failRate),
    // A hang that ignored its signal would never end: hangs always honour it.
    ignoresSignal: !hangs && random.chance(0.2),
    hangs,
  };
}
