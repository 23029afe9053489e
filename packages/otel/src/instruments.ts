import {
  type Counter,
  type Histogram,
  type Meter,
  type MetricOptions,
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

/** Every synchronous instrument, recorded from events. */
export interface EventInstruments {
  readonly callDuration: Histogram;
  readonly attemptDuration: Histogram;
  readonly retryAttempts: Counter;
  readonly retryCalls: Counter;
  readonly retryBudgetRejections: Counter;
  readonly circuitTransitions: Counter;
  readonly circuitCalls: Counter;
  readonly timeouts: Counter;
  readonly bulkheadRejections: Counter;
  readonly bulkheadQueueDuration: Histogram;
  readonly rateLimitRejections: Counter;
  readonly fallbackUses: Counter;
  readonly hedgeAttempts: Counter;
  readonly chaosInjections: Counter;
  readonly healthCheckDuration: Histogram;
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
const counter = (meter: Meter, m: MetricDefinition) => meter.createCounter(m.name, options(m, ValueType.INT));
const gauge = (meter: Meter, m: MetricDefinition, valueType = ValueType.INT) =>
  meter.createObservableGauge(m.name, options(m, valueType));

export function createEventInstruments(meter: Meter): EventInstruments {
  return {
    callDuration: histogram(meter, METRIC_CALL_DURATION),
    attemptDuration: histogram(meter, METRIC_ATTEMPT_DURATION),
    retryAttempts: counter(meter, METRIC_RETRY_ATTEMPTS),
    retryCalls: counter(meter, METRIC_RETRY_CALLS),
    retryBudgetRejections: counter(meter, METRIC_RETRY_BUDGET_REJECTIONS),
    circuitTransitions: counter(meter, METRIC_CIRCUIT_TRANSITIONS),
    circuitCalls: counter(meter, METRIC_CIRCUIT_CALLS),
    timeouts: counter(meter, METRIC_TIMEOUT_TIMEOUTS),
    bulkheadRejections: counter(meter, METRIC_BULKHEAD_REJECTIONS),
    bulkheadQueueDuration: histogram(meter, METRIC_BULKHEAD_QUEUE_DURATION),
    rateLimitRejections: counter(meter, METRIC_RATELIMIT_REJECTIONS),
    fallbackUses: counter(meter, METRIC_FALLBACK_USES),
    hedgeAttempts: counter(meter, METRIC_HEDGE_ATTEMPTS),
    chaosInjections: counter(meter, METRIC_CHAOS_INJECTIONS),
    healthCheckDuration: histogram(meter, METRIC_HEALTH_CHECK_DURATION),
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
