import { type Clock, systemClock, type TimerHandle } from '../clock.js';
import { BulkheadRejectedError, type BulkheadRejectReason, namePipeline } from '../errors.js';
import { type Frame, PENDING, runStage, STAGE, type Stage } from '../internal/frame.js';
import { NEVER_ABORTED } from '../internal/signals.js';
import { runSolo, SOLO, type Solo, type SoloRunner } from '../internal/solo.js';
import { checkDuration, checkName, checkNumber, checkObject } from '../internal/validate.js';
import { type WaitNode, WaitQueue } from '../internal/wait-queue.js';
import type { Next, Outcome, Policy, PolicyContext } from '../types.js';
import { BULKHEAD_DEFAULTS, type BulkheadOptions, type BulkheadSettings } from './options.js';

const WHERE = 'bulkhead';
const KNOWN = ['limit', 'queue', 'queueTimeout', 'name', 'clock'] as const;
const SETTINGS = ['limit', 'queue', 'queueTimeout'] as const;

/** Live state of a bulkhead (the OpenTelemetry adapter reads it for its gauges). */
export interface BulkheadSnapshot {
  /** Calls running now. Can exceed `limit` for a while after `configure()` shrank it. */
  readonly active: number;
  /** Calls waiting for a slot. Can exceed `queue` for a while after `configure()` shrank it. */
  readonly queued: number;
  readonly limit: number;
  readonly queue: number;
}

export interface BulkheadPolicy extends Policy<'bulkhead', BulkheadSnapshot, BulkheadSettings> {
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting for a slot. */
  readonly queued: number;
  /** Calls allowed to run at once. */
  readonly limit: number;
  /** Calls allowed to wait. */
  readonly queue: number;
  /** Longest wait in the queue (ms). */
  readonly queueTimeout: number;
}

/** A call waiting for a slot: its frame goes on inwards when admitted, or stops here. */
interface Waiter extends WaitNode<Waiter> {
  readonly frame: Frame;
  /** The bulkhead's index in the frame's row. */
  readonly at: number;
  /** When it joined the queue (policy clock, ms). */
  readonly since: number;
  timer: TimerHandle | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Limits how many calls run at once (`limit`) and how many may wait for a slot (`queue`),
 * in arrival order. A waiting call leaves the queue as soon as its caller aborts or its
 * `queueTimeout` elapses; a turned-away call fails with `BulkheadRejectedError`. A slot is
 * released however the call ends.
 *
 * @example
 * bulkhead(10)
 * bulkhead({ limit: 10, queue: 100, queueTimeout: 5_000 })
 */
export function bulkhead(options: number | Partial<BulkheadOptions> = {}): BulkheadPolicy {
  const opts = typeof options === 'number' ? { limit: options } : checkObject(WHERE, options, KNOWN);
  return new Bulkhead(opts as Partial<BulkheadOptions>);
}

const checkLimit = (value: unknown) => checkNumber(WHERE, 'limit', value, { min: 1, integer: true });
const checkQueue = (value: unknown) =>
  checkNumber(WHERE, 'queue', value, { min: 0, integer: true, allowInfinity: true });
const checkQueueTimeout = (value: unknown) =>
  checkDuration(WHERE, 'queueTimeout', value, { min: 1, allowInfinity: true });

class Bulkhead implements BulkheadPolicy, Stage, Solo {
  readonly kind = 'bulkhead' as const;
  readonly name: string;
  readonly marks = 0;
  readonly #clock: Clock;
  #limit: number;
  #queue: number;
  #queueTimeout: number;
  #active = 0;
  /** Invariant: non-empty only while every slot is taken (`#active >= #limit`). */
  readonly #waiting = new WaitQueue<Waiter>();

  constructor(options: Partial<BulkheadOptions>) {
    this.name = checkName(WHERE, options.name, 'bulkhead');
    this.#clock = options.clock ?? systemClock;
    this.#limit = checkLimit(options.limit ?? BULKHEAD_DEFAULTS.limit);
    this.#queue = checkQueue(options.queue ?? BULKHEAD_DEFAULTS.queue);
    this.#queueTimeout = checkQueueTimeout(options.queueTimeout ?? BULKHEAD_DEFAULTS.queueTimeout);
  }

  get [STAGE](): Stage {
    return this;
  }

  get [SOLO](): Solo {
    return this;
  }

  get active(): number {
    return this.#active;
  }
  get queued(): number {
    return this.#waiting.size;
  }
  get limit(): number {
    return this.#limit;
  }
  get queue(): number {
    return this.#queue;
  }
  get queueTimeout(): number {
    return this.#queueTimeout;
  }

  snapshot(): BulkheadSnapshot {
    return { active: this.#active, queued: this.#waiting.size, limit: this.#limit, queue: this.#queue };
  }

  /**
   * Growing `limit` admits waiting calls at once; shrinking it lets running calls finish and
   * admits no more until `active` is below the new limit. Shrinking `queue` keeps the calls
   * already waiting (new ones are rejected until the queue is below the new size). A new
   * `queueTimeout` applies to calls that join the queue afterwards.
   */
  configure(options: Partial<BulkheadSettings>): void {
    checkObject(WHERE, options, SETTINGS);
    // Validate everything before changing anything: a bad update leaves the policy as it was.
    const limit = options.limit === undefined ? this.#limit : checkLimit(options.limit);
    const queue = options.queue === undefined ? this.#queue : checkQueue(options.queue);
    const queueTimeout =
      options.queueTimeout === undefined ? this.#queueTimeout : checkQueueTimeout(options.queueTimeout);
    this.#limit = limit;
    this.#queue = queue;
    this.#queueTimeout = queueTimeout;
    this.#admit();
  }

  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>> {
    return runStage(this, next, ctx);
  }

  /** Takes a free slot, or queues the call, or turns it away. */
  enter(frame: Frame, at: number): Outcome<unknown> | undefined | typeof PENDING {
    // A caller that already gave up takes no slot, does not queue and is not a rejection.
    if (frame.aborted) return { ok: false, error: frame.abortError() };
    if (this.#active < this.#limit && this.#waiting.size === 0) {
      this.#active++;
      if (frame.call.pipeline.listening) this.#emitAcquired(frame, 0, frame.now(frame.call.pipeline.clock));
      return undefined;
    }
    if (this.#waiting.size >= this.#queue) {
      if (frame.call.pipeline.listening) this.#emitRejected(frame, 'queue_full', 0);
      const detail =
        this.#queue === 0
          ? `all ${this.#limit} slots are taken and queueing is off (queue = 0)`
          : `all ${this.#limit} slots are taken and the queue of ${this.#queue} is full`;
      return { ok: false, error: new BulkheadRejectedError('queue_full', detail) };
    }
    this.#enqueue(frame, at);
    return PENDING;
  }

  /** The call that held a slot has ended, however it ended: the slot goes to the next in line. */
  exit(_frame: Frame, outcome: Outcome<unknown>): Outcome<unknown> {
    this.#release();
    return outcome;
  }

  /**
   * Calls of a pipeline that holds this bulkhead alone, unobserved and without options (see
   * internal/solo.ts): with a slot free and nobody waiting, a call takes the slot and runs the
   * function with no frame, giving the slot back in one reaction to its promise (made once per
   * pipeline, like the runner). Otherwise (a wait, a rejection) the call takes the frame path,
   * which queues and reports.
   */
  runnerFor(pipeline: { readonly name: string }): SoloRunner {
    const name = pipeline.name;
    const releaseWithValue = (value: unknown): unknown => {
      this.#release();
      return value;
    };
    const releaseWithError = (error: unknown): never => {
      this.#release();
      throw namePipeline(error, name);
    };
    return (fn) => {
      if (this.#active >= this.#limit || this.#waiting.size !== 0) return undefined;
      this.#active++;
      return runSolo(fn, releaseWithValue, releaseWithError);
    };
  }

  #release(): void {
    this.#active--;
    // The queue is empty whenever a slot was free, which is the common case.
    if (this.#waiting.size !== 0) this.#admit();
  }

  #enqueue(frame: Frame, at: number): void {
    const waiter: Waiter = {
      prev: undefined,
      next: undefined,
      queued: false,
      frame,
      at,
      since: this.#clock.now(),
      timer: undefined,
      onAbort: undefined,
    };
    this.#waiting.push(waiter);
    if (this.#queueTimeout !== Number.POSITIVE_INFINITY) {
      waiter.timer = this.#clock.setTimeout(() => this.#expire(waiter), this.#queueTimeout);
    }
    const signal = frame.signal;
    if (signal !== NEVER_ABORTED) {
      waiter.onAbort = () => this.#abandon(waiter);
      signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    if (frame.call.pipeline.listening) this.#emitQueued(frame, this.#waiting.size);
  }

  /** Fills free slots from the head of the queue, oldest first. */
  #admit(): void {
    while (this.#active < this.#limit) {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) return;
      this.#detach(waiter);
      this.#active++;
      const frame = waiter.frame;
      const pipeline = frame.call.pipeline;
      if (pipeline.listening) {
        // The wait is measured on the bulkhead's clock, the event stamped with the pipeline's:
        // one reading when they are the same clock (they are unless one was given its own).
        const now = this.#clock.now();
        this.#emitAcquired(
          frame,
          now - waiter.since,
          pipeline.clock === this.#clock ? now : pipeline.clock.now(),
        );
      }
      frame.proceed(waiter.at);
    }
  }

  /** The waiter's queueTimeout elapsed. */
  #expire(waiter: Waiter): void {
    waiter.timer = undefined;
    if (!this.#waiting.remove(waiter)) return;
    this.#detach(waiter);
    const waited = this.#clock.now() - waiter.since;
    if (waiter.frame.call.pipeline.listening) this.#emitRejected(waiter.frame, 'queue_timeout', waited);
    const detail = `no slot freed within the queue timeout (waited ${waited} ms)`;
    waiter.frame.stop(waiter.at, { ok: false, error: new BulkheadRejectedError('queue_timeout', detail) });
  }

  /** The waiter's caller aborted: it leaves the queue at once. */
  #abandon(waiter: Waiter): void {
    if (!this.#waiting.remove(waiter)) return;
    this.#detach(waiter);
    waiter.frame.stop(waiter.at, { ok: false, error: waiter.frame.abortError() });
  }

  /** Clears the waiter's timer and abort listener, whichever way it leaves the queue. */
  #detach(waiter: Waiter): void {
    if (waiter.timer !== undefined) {
      this.#clock.clearTimeout(waiter.timer);
      waiter.timer = undefined;
    }
    if (waiter.onAbort !== undefined) {
      waiter.frame.signal.removeEventListener('abort', waiter.onAbort);
      waiter.onAbort = undefined;
    }
  }

  #emitAcquired(ctx: PolicyContext, queuedFor: number, time: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.reportBulkheadAcquired(this.name, ctx.key, time, queuedFor);
  }

  #emitQueued(ctx: PolicyContext, queued: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.emit({
      type: 'bulkhead.queued',
      pipeline: pipeline.name,
      policy: 'bulkhead',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      queued,
    });
  }

  #emitRejected(ctx: PolicyContext, reason: BulkheadRejectReason, queuedFor: number): void {
    const pipeline = ctx.call.pipeline;
    pipeline.emit({
      type: 'bulkhead.rejected',
      pipeline: pipeline.name,
      policy: 'bulkhead',
      policyName: this.name,
      key: ctx.key,
      time: pipeline.clock.now(),
      reason,
      queuedFor,
    });
  }
}
