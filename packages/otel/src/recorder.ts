import type { Attributes, BatchObservableResult, ObservableCounter } from '@opentelemetry/api';
import type { AttemptEvent, CallOutcome, CircuitCallEvent, RampartEvent } from '@rampart/core';
import {
  ATTEMPT_BUCKETS,
  ATTR_ATTEMPT,
  ATTR_BULKHEAD_REASON,
  ATTR_CHAOS_INJECTED,
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_RESULT,
  ATTR_CIRCUIT_TO,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_SOURCE,
  ATTR_HEALTH_CHECK,
  ATTR_HEALTH_CRITICAL,
  ATTR_OUTCOME,
  ATTR_POLICY,
  ATTR_RETRY_RESULT,
} from './constants.js';
import type { DurationRecorder } from './histogram-producer.js';
import type { CounterInstruments } from './instruments.js';
import { SeriesCache } from './series.js';
import type { SpanEvents } from './tracing.js';

const RETRY_RESULT = {
  success: ['success_without_retry', 'success_with_retry'],
  failure: ['failure_without_retry', 'failure_with_retry'],
} as const;

/** Where each histogram's durations go (SDK histograms, or rampart's own aggregation). */
export interface DurationRecorders {
  readonly callDuration: DurationRecorder;
  readonly attemptDuration: DurationRecorder;
  readonly bulkheadQueueDuration: DurationRecorder;
  readonly healthCheckDuration: DurationRecorder;
}

/**
 * Turns events into recordings. Every instrument has its cache of series; a recording is a
 * few map lookups, then one histogram recording (an SDK call, or rampart's own buckets) or
 * one addition for a counter.
 */
export class EventRecorder {
  readonly #h: DurationRecorders;
  readonly #spans: SpanEvents | undefined;
  // Histograms
  readonly #call: SeriesCache;
  readonly #attempt: SeriesCache;
  readonly #queue: SeriesCache;
  readonly #health: SeriesCache;
  // Counters
  readonly #retryAttempts: SeriesCache;
  readonly #retryCalls: SeriesCache;
  readonly #budget: SeriesCache;
  readonly #transitions: SeriesCache;
  readonly #circuitCalls: SeriesCache;
  readonly #timeouts: SeriesCache;
  readonly #bulkheadRejections: SeriesCache;
  readonly #rateLimitRejections: SeriesCache;
  readonly #fallbacks: SeriesCache;
  readonly #hedges: SeriesCache;
  readonly #chaos: SeriesCache;
  /** Each counter with the series it reports. */
  readonly #counters: readonly (readonly [ObservableCounter, SeriesCache])[];

  constructor(
    histograms: DurationRecorders,
    counters: CounterInstruments,
    base: Attributes,
    limit: number,
    spans: SpanEvents | undefined,
  ) {
    this.#h = histograms;
    this.#spans = spans;
    const cache = (...names: (string | undefined)[]) => new SeriesCache(base, names, limit);
    this.#call = cache(ATTR_OUTCOME, ATTR_ERROR_TYPE);
    this.#attempt = cache(ATTR_ATTEMPT, ATTR_OUTCOME, ATTR_ERROR_TYPE);
    this.#queue = cache(ATTR_POLICY);
    this.#health = cache(ATTR_HEALTH_CHECK, ATTR_HEALTH_CRITICAL, ATTR_OUTCOME);
    this.#retryAttempts = cache(ATTR_POLICY, ATTR_ERROR_TYPE);
    this.#retryCalls = cache(ATTR_POLICY, ATTR_RETRY_RESULT);
    this.#budget = cache(ATTR_POLICY);
    this.#transitions = cache(ATTR_POLICY, ATTR_CIRCUIT_FROM, ATTR_CIRCUIT_TO);
    this.#circuitCalls = cache(ATTR_POLICY, ATTR_CIRCUIT_RESULT, ATTR_ERROR_TYPE);
    this.#timeouts = cache(ATTR_POLICY);
    this.#bulkheadRejections = cache(ATTR_POLICY, ATTR_BULKHEAD_REASON);
    this.#rateLimitRejections = cache(ATTR_POLICY);
    this.#fallbacks = cache(ATTR_POLICY, ATTR_FALLBACK_SOURCE, ATTR_ERROR_TYPE);
    this.#hedges = cache(ATTR_POLICY);
    this.#chaos = cache(ATTR_POLICY, ATTR_CHAOS_INJECTED);
    this.#counters = [
      [counters.retryAttempts, this.#retryAttempts],
      [counters.retryCalls, this.#retryCalls],
      [counters.retryBudgetRejections, this.#budget],
      [counters.circuitTransitions, this.#transitions],
      [counters.circuitCalls, this.#circuitCalls],
      [counters.timeouts, this.#timeouts],
      [counters.bulkheadRejections, this.#bulkheadRejections],
      [counters.rateLimitRejections, this.#rateLimitRejections],
      [counters.fallbackUses, this.#fallbacks],
      [counters.hedgeAttempts, this.#hedges],
      [counters.chaosInjections, this.#chaos],
    ];
  }

  /** The batch observable callback of the counters: reports every total. */
  readonly observeCounters = (result: BatchObservableResult): void => {
    for (const [counter, cache] of this.#counters) {
      for (const series of cache.all) result.observe(counter, series.value, series.attributes);
    }
  };

  // The five per-call events, as a sink gets them from core: arguments, no event object.

  call(
    pipeline: string,
    _key: string | undefined,
    outcome: CallOutcome,
    duration: number,
    error: unknown,
  ): void {
    const c = this.#call;
    // A fallback answered: no error.type unless the event names the error it replaced
    // (`_RESULT`, "a result failed", would be a false label on every fallback).
    const series =
      outcome === 'success' || (outcome === 'fallback' && error === undefined)
        ? c.get(pipeline, outcome)
        : c.get(pipeline, outcome, c.errorType(pipeline, error));
    this.#h.callDuration.record(duration / 1000, series);
  }

  attempt(
    pipeline: string,
    _key: string | undefined,
    attempt: number,
    outcome: AttemptEvent['outcome'],
    duration: number,
    error: unknown,
  ): void {
    const c = this.#attempt;
    const bucket = ATTEMPT_BUCKETS[attempt > 3 ? 3 : attempt - 1] ?? ATTEMPT_BUCKETS[3];
    const series =
      outcome === 'success'
        ? c.get(pipeline, bucket, outcome)
        : c.get(pipeline, bucket, outcome, c.errorType(pipeline, error));
    this.#h.attemptDuration.record(duration / 1000, series);
  }

  retryDone(
    pipeline: string,
    policyName: string,
    _key: string | undefined,
    attempts: number,
    succeeded: boolean,
    _error: unknown,
  ): void {
    const result = RETRY_RESULT[succeeded ? 'success' : 'failure'][attempts > 1 ? 1 : 0];
    this.#retryCalls.get(pipeline, policyName, result).value++;
  }

  circuitCall(
    pipeline: string,
    policyName: string,
    _key: string | undefined,
    result: CircuitCallEvent['result'],
    _duration: number,
    _slow: boolean,
    error: unknown,
  ): void {
    const c = this.#circuitCalls;
    const series =
      result === 'success' || result === 'ignored'
        ? c.get(pipeline, policyName, result)
        : c.get(pipeline, policyName, result, c.errorType(pipeline, error));
    series.value++;
    if (result === 'rejected') this.#spans?.circuitRejected(pipeline, policyName, error);
  }

  bulkheadAcquired(pipeline: string, policyName: string, _key: string | undefined, queuedFor: number): void {
    // Only calls that waited: a free slot is the common case, and recording its zero
    // would cost a histogram update on every call and bury the waits under zeros.
    if (queuedFor > 0) {
      this.#h.bulkheadQueueDuration.record(queuedFor / 1000, this.#queue.get(pipeline, policyName));
    }
  }

  /** Every other event (and these five, when they come as objects). */
  record(e: RampartEvent): void {
    // Each case reads the fields of its own event type: a property read shared by every
    // type would see a dozen object shapes and go megamorphic (a hash lookup per read);
    // in a case it sees one shape and is a single load.
    switch (e.type) {
      case 'call':
        this.call(e.pipeline, e.key, e.outcome, e.duration, e.error);
        return;
      case 'attempt':
        this.attempt(e.pipeline, e.key, e.attempt, e.outcome, e.duration, e.error);
        return;
      case 'retry': {
        const p = e.pipeline;
        const c = this.#retryAttempts;
        c.get(p, e.policyName, c.errorType(p, e.error)).value++;
        this.#spans?.retry(e);
        return;
      }
      case 'retry.done':
        this.retryDone(e.pipeline, e.policyName, e.key, e.attempts, e.succeeded, e.error);
        return;
      case 'budget.exhausted':
        this.#budget.get(e.pipeline, e.policyName).value++;
        return;
      case 'circuit.transition':
        this.#transitions.get(e.pipeline, e.policyName, e.from, e.to).value++;
        return;
      case 'circuit.call':
        this.circuitCall(e.pipeline, e.policyName, e.key, e.result, e.duration, e.slow, e.error);
        return;
      case 'timeout':
        this.#timeouts.get(e.pipeline, e.policyName).value++;
        this.#spans?.timeout(e);
        return;
      case 'bulkhead.acquired':
        this.bulkheadAcquired(e.pipeline, e.policyName, e.key, e.queuedFor);
        return;
      case 'bulkhead.rejected':
        this.#bulkheadRejections.get(e.pipeline, e.policyName, e.reason).value++;
        return;
      case 'ratelimit.rejected':
        this.#rateLimitRejections.get(e.pipeline, e.policyName).value++;
        return;
      case 'fallback': {
        const p = e.pipeline;
        const c = this.#fallbacks;
        c.get(p, e.policyName, e.source, c.errorType(p, e.error)).value++;
        this.#spans?.fallback(e);
        return;
      }
      case 'hedge':
        this.#hedges.get(e.pipeline, e.policyName).value++;
        return;
      case 'chaos':
        this.#chaos.get(e.pipeline, e.policyName, e.injected).value++;
        return;
      case 'health.check':
        this.#h.healthCheckDuration.record(
          e.duration / 1000,
          this.#health.get(e.pipeline, e.check, e.critical ? 'true' : 'false', e.ok ? 'success' : 'failure'),
        );
        return;
      // Live state is read by the gauges; these events carry nothing a gauge misses.
      case 'bulkhead.queued':
      case 'ratelimit.acquired':
        return;
      default:
        return;
    }
  }
}
