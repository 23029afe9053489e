import {
  type Histogram,
  type Meter,
  type MetricOptions,
  type ObservableCounter,
  type ObservableGauge,
  ValueType,
} from '@opentelemetry/api';
import {
  DURATION_BUCKETS_SECONDS,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_BULKHEAD_QUEUED,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CHAOS_INJECTIONS,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_FAILURE_RATIO,
  METRIC_CIRCUIT_SLOW_CALL_RATIO,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_FALLBACK_USES,
  METRIC_HEALTH_CHECK_DURATION,
  METRIC_HEALTH_CHECK_UP,
  METRIC_HEALTH_STATUS,
  METRIC_HEDGE_ATTEMPTS,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RATELIMIT_TOKENS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_BUDGET_REJECTIONS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
  type MetricDefinition,
} from './constants.js';

/** Histograms, recorded from events as they come. */
export interface HistogramInstruments {
  readonly callDuration: Histogram;
  readonly attemptDuration: Histogram;
  readonly bulkheadQueueDuration: Histogram;
  readonly healthCheckDuration: Histogram;
}

/**
 * Counters. Events add to totals kept in rampart's own series (a number increment on the
 * hot path, where the SDK would hash the attributes of every call); observable counters
 * report the totals at collection, so the exported values are exactly the same.
 */
export interface CounterInstruments {
  readonly retryAttempts: ObservableCounter;
  readonly retryCalls: ObservableCounter;
  readonly retryBudgetRejections: ObservableCounter;
  readonly circuitTransitions: ObservableCounter;
  readonly circuitCalls: ObservableCounter;
  readonly timeouts: ObservableCounter;
  readonly bulkheadRejections: ObservableCounter;
  readonly rateLimitRejections: ObservableCounter;
  readonly fallbackUses: ObservableCounter;
  readonly hedgeAttempts: ObservableCounter;
  readonly chaosInjections: ObservableCounter;
}

/** Every observable gauge, read at collection time. */
export interface GaugeInstruments {
  readonly circuitState: ObservableGauge;
  readonly circuitFailureRatio: ObservableGauge;
  readonly circuitSlowCallRatio: ObservableGauge;
  readonly bulkheadActive: ObservableGauge;
  readonly bulkheadQueued: ObservableGauge;
  readonly bulkheadLimit: ObservableGauge;
  readonly rateLimitTokens: ObservableGauge;
  readonly healthStatus: ObservableGauge;
  readonly healthCheckUp: ObservableGauge;
}

function options(m: MetricDefinition, valueType: ValueType): MetricOptions {
  const base: MetricOptions = { unit: m.unit, description: m.description, valueType };
  if (m.kind !== 'histogram') return base;
  // Advice, not a view: applies with any SDK that honours it (sdk-metrics >= 1.24), and a
  // user's own view still wins.
  return { ...base, advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] } };
}

const histogram = (meter: Meter, m: MetricDefinition) =>
  meter.createHistogram(m.name, options(m, ValueType.DOUBLE));
const counter = (meter: Meter, m: MetricDefinition) =>
  meter.createObservableCounter(m.name, options(m, ValueType.INT));
const gauge = (meter: Meter, m: MetricDefinition, valueType = ValueType.INT) =>
  meter.createObservableGauge(m.name, options(m, valueType));

/** The histograms, in the order of `HistogramInstruments`: call, attempt, queue, health check. */
export const HISTOGRAM_DEFINITIONS: readonly MetricDefinition[] = [
  METRIC_CALL_DURATION,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_HEALTH_CHECK_DURATION,
];

export function createHistogramInstruments(meter: Meter): HistogramInstruments {
  return {
    callDuration: histogram(meter, METRIC_CALL_DURATION),
    attemptDuration: histogram(meter, METRIC_ATTEMPT_DURATION),
    bulkheadQueueDuration: histogram(meter, METRIC_BULKHEAD_QUEUE_DURATION),
    healthCheckDuration: histogram(meter, METRIC_HEALTH_CHECK_DURATION),
  };
}

export function createCounterInstruments(meter: Meter): CounterInstruments {
  return {
    retryAttempts: counter(meter, METRIC_RETRY_ATTEMPTS),
    retryCalls: counter(meter, METRIC_RETRY_CALLS),
    retryBudgetRejections: counter(meter, METRIC_RETRY_BUDGET_REJECTIONS),
    circuitTransitions: counter(meter, METRIC_CIRCUIT_TRANSITIONS),
    circuitCalls: counter(meter, METRIC_CIRCUIT_CALLS),
    timeouts: counter(meter, METRIC_TIMEOUT_TIMEOUTS),
    bulkheadRejections: counter(meter, METRIC_BULKHEAD_REJECTIONS),
    rateLimitRejections: counter(meter, METRIC_RATELIMIT_REJECTIONS),
    fallbackUses: counter(meter, METRIC_FALLBACK_USES),
    hedgeAttempts: counter(meter, METRIC_HEDGE_ATTEMPTS),
    chaosInjections: counter(meter, METRIC_CHAOS_INJECTIONS),
  };
}

export function createGaugeInstruments(meter: Meter): GaugeInstruments {
  return {
    circuitState: gauge(meter, METRIC_CIRCUIT_STATE),
    circuitFailureRatio: gauge(meter, METRIC_CIRCUIT_FAILURE_RATIO, ValueType.DOUBLE),
    circuitSlowCallRatio: gauge(meter, METRIC_CIRCUIT_SLOW_CALL_RATIO, ValueType.DOUBLE),
    bulkheadActive: gauge(meter, METRIC_BULKHEAD_ACTIVE),
    bulkheadQueued: gauge(meter, METRIC_BULKHEAD_QUEUED),
    bulkheadLimit: gauge(meter, METRIC_BULKHEAD_LIMIT),
    // Tokens refill continuously: a fractional count is real information.
    rateLimitTokens: gauge(meter, METRIC_RATELIMIT_TOKENS, ValueType.DOUBLE),
    healthStatus: gauge(meter, METRIC_HEALTH_STATUS),
    healthCheckUp: gauge(meter, METRIC_HEALTH_CHECK_UP),
  };
}
