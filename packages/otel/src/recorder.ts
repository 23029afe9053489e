import type { Attributes, BatchObservableResult, ObservableCounter } from '@opentelemetry/api';
import type { RampartEvent } from '@rampart/core';
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

  record(e: RampartEvent): void {
    const p = e.pipeline;
    switch (e.type) {
      case 'call': {
        const c = this.#call;
        // A fallback answered: no error.type unless the event names the error it replaced
        // (`_RESULT`, "a result failed", would be a false label on every fallback).
        const series =
          e.outcome === 'success' || (e.outcome === 'fallback' && e.error === undefined)
            ? c.get(p, e.outcome)
            : c.get(p, e.outcome, c.errorType(p, e.error));
        this.#h.callDuration.record(e.duration / 1000, series);
        return;
      }
      case 'attempt': {
        const c = this.#attempt;
        const bucket = ATTEMPT_BUCKETS[e.attempt > 3 ? 3 : e.attempt - 1] ?? ATTEMPT_BUCKETS[3];
        const series =
          e.outcome === 'success'
            ? c.get(p, bucket, e.outcome)
            : c.get(p, bucket, e.outcome, c.errorType(p, e.error));
        this.#h.attemptDuration.record(e.duration / 1000, series);
        return;
      }
      case 'retry': {
        const c = this.#retryAttempts;
        c.get(p, e.policyName, c.errorType(p, e.error)).value++;
        this.#spans?.retry(e);
        return;
      }
      case 'retry.done': {
        const result = RETRY_RESULT[e.succeeded ? 'success' : 'failure'][e.attempts > 1 ? 1 : 0];
        this.#retryCalls.get(p, e.policyName, result).value++;
        return;
      }
      case 'budget.exhausted':
        this.#budget.get(p, e.policyName).value++;
        return;
      case 'circuit.transition':
        this.#transitions.get(p, e.policyName, e.from, e.to).value++;
        return;
      case 'circuit.call': {
        const c = this.#circuitCalls;
        const series =
          e.result === 'success' || e.result === 'ignored'
            ? c.get(p, e.policyName, e.result)
            : c.get(p, e.policyName, e.result, c.errorType(p, e.error));
        series.value++;
        if (e.result === 'rejected') this.#spans?.circuitRejected(e);
        return;
      }
      case 'timeout':
        this.#timeouts.get(p, e.policyName).value++;
        this.#spans?.timeout(e);
        return;
      case 'bulkhead.acquired':
        // Only calls that waited: a free slot is the common case, and recording its zero
        // would cost a histogram update on every call and bury the waits under zeros.
        if (e.queuedFor > 0) {
          this.#h.bulkheadQueueDuration.record(e.queuedFor / 1000, this.#queue.get(p, e.policyName));
        }
        return;
      case 'bulkhead.rejected':
        this.#bulkheadRejections.get(p, e.policyName, e.reason).value++;
        return;
      case 'ratelimit.rejected':
        this.#rateLimitRejections.get(p, e.policyName).value++;
        return;
      case 'fallback': {
        const c = this.#fallbacks;
        c.get(p, e.policyName, e.source, c.errorType(p, e.error)).value++;
        this.#spans?.fallback(e);
        return;
      }
      case 'hedge':
        this.#hedges.get(p, e.policyName).value++;
        return;
      case 'chaos':
        this.#chaos.get(p, e.policyName, e.injected).value++;
        return;
      case 'health.check':
        this.#h.healthCheckDuration.record(
          e.duration / 1000,
          this.#health.get(p, e.check, e.critical ? 'true' : 'false', e.ok ? 'success' : 'failure'),
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
