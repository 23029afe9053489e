/**
 * The one place that names every metric and attribute rampart emits. The instrumentation,
 * the dashboards, the alert rules and the metrics reference (docs/metrics.md) all import
 * from here, so a dashboard cannot query a metric that the code does not emit.
 *
 * Names follow OpenTelemetry conventions: `rampart.` namespace, UCUM units (`s` for
 * durations, `{annotation}` for counts), no `_total` in the OTel name (Prometheus exporters
 * add it to counters).
 */

// ---- attributes -------------------------------------------------------------------------

/** Pipeline name; on every series. */
export const ATTR_PIPELINE = 'rampart.pipeline';
/** Policy name within the pipeline (defaults to its kind), on per-policy series. */
export const ATTR_POLICY = 'rampart.policy';
/** How a call ended: success, failure, rejected, fallback (attempts: success, failure). */
export const ATTR_OUTCOME = 'rampart.outcome';
/** The error's class name or HTTP status class (`5xx`), bounded per instrument, else `_OTHER`. */
export const ATTR_ERROR_TYPE = 'error.type';
/** Attempt number: 1, 2, 3, or 4+. */
export const ATTR_ATTEMPT = 'rampart.attempt';
/** success_without_retry, success_with_retry, failure_without_retry, failure_with_retry. */
export const ATTR_RETRY_RESULT = 'rampart.retry.result';
/** closed, open, half_open, isolated. */
export const ATTR_CIRCUIT_STATE = 'rampart.circuit.state';
export const ATTR_CIRCUIT_FROM = 'rampart.circuit.from';
export const ATTR_CIRCUIT_TO = 'rampart.circuit.to';
/** success, failure, ignored, rejected. */
export const ATTR_CIRCUIT_RESULT = 'rampart.circuit.result';
/** queue_full, queue_timeout. */
export const ATTR_BULKHEAD_REASON = 'rampart.bulkhead.reason';
/** value, fn, last_good. */
export const ATTR_FALLBACK_SOURCE = 'rampart.fallback.source';
/** fault, latency, result. */
export const ATTR_CHAOS_INJECTED = 'rampart.chaos.injected';
/** Health check name. */
export const ATTR_HEALTH_CHECK = 'rampart.health.check';
/** "true" / "false". */
export const ATTR_HEALTH_CRITICAL = 'rampart.health.critical';
/** healthy, degraded, unhealthy (one series per status, 1 for the current one). */
export const ATTR_HEALTH_STATUS = 'rampart.health.status';

// ---- attribute values ---------------------------------------------------------------------

export const CALL_OUTCOMES = ['success', 'failure', 'rejected', 'fallback'] as const;
export const ATTEMPT_OUTCOMES = ['success', 'failure'] as const;
export const RETRY_RESULTS = [
  'success_without_retry',
  'success_with_retry',
  'failure_without_retry',
  'failure_with_retry',
] as const;
export const CIRCUIT_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;
export const CIRCUIT_RESULTS = ['success', 'failure', 'ignored', 'rejected'] as const;
export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
/** The value of `error.type` once an instrument has seen its maximum of distinct types. */
export const ERROR_TYPE_OTHER = '_OTHER';

// ---- instruments ----------------------------------------------------------------------------

export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  /** OpenTelemetry instrument name. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit. */
  readonly unit: string;
  readonly description: string;
  /** Attributes besides `rampart.pipeline` (always present). */
  readonly attributes: readonly string[];
  /** When the value moves: for the metrics reference. */
  readonly moves: string;
}

const metric = <const M extends MetricDefinition>(m: M): M => m;

export const METRIC_CALL_DURATION = metric({
  name: 'rampart.call.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of calls through a pipeline, from the caller in to the caller out.',
  attributes: [ATTR_OUTCOME, ATTR_ERROR_TYPE],
  moves: 'once per call, when it settles',
});

export const METRIC_ATTEMPT_DURATION = metric({
  name: 'rampart.attempt.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of each invocation of the protected function.',
  attributes: [ATTR_ATTEMPT, ATTR_OUTCOME, ATTR_ERROR_TYPE],
  moves: 'once per attempt (first call, retries, hedges)',
});

export const METRIC_RETRY_ATTEMPTS = metric({
  name: 'rampart.retry.attempts',
  kind: 'counter',
  unit: '{attempt}',
  description: 'Retries scheduled after a failed attempt.',
  attributes: [ATTR_POLICY, ATTR_ERROR_TYPE],
  moves: 'once per retry',
});

export const METRIC_RETRY_CALLS = metric({
  name: 'rampart.retry.calls',
  kind: 'counter',
  unit: '{call}',
  description: 'Calls that passed through a retry policy, by whether and how they were retried.',
  attributes: [ATTR_POLICY, ATTR_RETRY_RESULT],
  moves: 'once per call through the retry policy',
});

export const METRIC_RETRY_BUDGET_REJECTIONS = metric({
  name: 'rampart.retry.budget.rejections',
  kind: 'counter',
  unit: '{attempt}',
  description: 'Retries and hedges skipped because the retry budget was spent.',
  attributes: [ATTR_POLICY],
  moves: 'once per skipped retry or hedge',
});

export const METRIC_CIRCUIT_STATE = metric({
  name: 'rampart.circuit.state',
  kind: 'gauge',
  unit: '{state}',
  description: 'Circuit state: 1 for the current state, 0 for the others.',
  attributes: [ATTR_POLICY, ATTR_CIRCUIT_STATE],
  moves: 'read at every collection',
});

export const METRIC_CIRCUIT_TRANSITIONS = metric({
  name: 'rampart.circuit.transitions',
  kind: 'counter',
  unit: '{transition}',
  description: 'Circuit state changes.',
  attributes: [ATTR_POLICY, ATTR_CIRCUIT_FROM, ATTR_CIRCUIT_TO],
  moves: 'once per state change',
});

export const METRIC_CIRCUIT_CALLS = metric({
  name: 'rampart.circuit.calls',
  kind: 'counter',
  unit: '{call}',
  description: 'Calls met by a circuit breaker, by how the breaker counted them.',
  attributes: [ATTR_POLICY, ATTR_CIRCUIT_RESULT, ATTR_ERROR_TYPE],
  moves: 'once per call through the breaker',
});

export const METRIC_CIRCUIT_FAILURE_RATIO = metric({
  name: 'rampart.circuit.failure_ratio',
  kind: 'gauge',
  unit: '1',
  description:
    'Failure ratio the breaker currently sees (window breakers; consecutive: failures / threshold).',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_CIRCUIT_SLOW_CALL_RATIO = metric({
  name: 'rampart.circuit.slow_call_ratio',
  kind: 'gauge',
  unit: '1',
  description: 'Slow-call ratio the breaker currently sees (window breakers).',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_TIMEOUT_TIMEOUTS = metric({
  name: 'rampart.timeout.timeouts',
  kind: 'counter',
  unit: '{timeout}',
  description: 'Calls that ran past their timeout.',
  attributes: [ATTR_POLICY],
  moves: 'once per timeout',
});

export const METRIC_BULKHEAD_ACTIVE = metric({
  name: 'rampart.bulkhead.active',
  kind: 'gauge',
  unit: '{call}',
  description: 'Calls running inside the bulkhead.',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_BULKHEAD_QUEUED = metric({
  name: 'rampart.bulkhead.queued',
  kind: 'gauge',
  unit: '{call}',
  description: 'Calls waiting for a bulkhead slot.',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_BULKHEAD_LIMIT = metric({
  name: 'rampart.bulkhead.limit',
  kind: 'gauge',
  unit: '{call}',
  description: 'Concurrent calls the bulkhead allows.',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_BULKHEAD_REJECTIONS = metric({
  name: 'rampart.bulkhead.rejections',
  kind: 'counter',
  unit: '{call}',
  description: 'Calls the bulkhead turned away.',
  attributes: [ATTR_POLICY, ATTR_BULKHEAD_REASON],
  moves: 'once per rejection',
});

export const METRIC_BULKHEAD_QUEUE_DURATION = metric({
  name: 'rampart.bulkhead.queue.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Time calls waited for a bulkhead slot.',
  attributes: [ATTR_POLICY],
  moves: 'once per call that got a slot',
});

export const METRIC_RATELIMIT_REJECTIONS = metric({
  name: 'rampart.ratelimit.rejections',
  kind: 'counter',
  unit: '{call}',
  description: 'Calls the rate limiter turned away.',
  attributes: [ATTR_POLICY],
  moves: 'once per rejection',
});

export const METRIC_RATELIMIT_TOKENS = metric({
  name: 'rampart.ratelimit.tokens',
  kind: 'gauge',
  unit: '{token}',
  description: 'Tokens left in the bucket.',
  attributes: [ATTR_POLICY],
  moves: 'read at every collection',
});

export const METRIC_FALLBACK_USES = metric({
  name: 'rampart.fallback.uses',
  kind: 'counter',
  unit: '{call}',
  description: 'Calls answered by a fallback.',
  attributes: [ATTR_POLICY, ATTR_FALLBACK_SOURCE, ATTR_ERROR_TYPE],
  moves: 'once per fallback',
});

export const METRIC_HEDGE_ATTEMPTS = metric({
  name: 'rampart.hedge.attempts',
  kind: 'counter',
  unit: '{attempt}',
  description: 'Hedged attempts started.',
  attributes: [ATTR_POLICY],
  moves: 'once per hedged attempt',
});

export const METRIC_CHAOS_INJECTIONS = metric({
  name: 'rampart.chaos.injections',
  kind: 'counter',
  unit: '{injection}',
  description: 'Faults, delays and results injected by chaos policies.',
  attributes: [ATTR_POLICY, ATTR_CHAOS_INJECTED],
  moves: 'once per injection',
});

export const METRIC_HEALTH_STATUS = metric({
  name: 'rampart.health.status',
  kind: 'gauge',
  unit: '{status}',
  description: 'Overall health of a monitor: 1 for the current status, 0 for the others.',
  attributes: [ATTR_HEALTH_STATUS],
  moves: 'read at every collection',
});

export const METRIC_HEALTH_CHECK_UP = metric({
  name: 'rampart.health.check.up',
  kind: 'gauge',
  unit: '1',
  description: 'Whether a health check passed on its last run (1) or failed (0).',
  attributes: [ATTR_HEALTH_CHECK, ATTR_HEALTH_CRITICAL],
  moves: 'read at every collection',
});

export const METRIC_HEALTH_CHECK_DURATION = metric({
  name: 'rampart.health.check.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of health check runs.',
  attributes: [ATTR_HEALTH_CHECK, ATTR_HEALTH_CRITICAL, ATTR_OUTCOME],
  moves: 'once per check run',
});

/** Every instrument, for the metrics reference and the contract tests. */
export const METRICS: readonly MetricDefinition[] = [
  METRIC_CALL_DURATION,
  METRIC_ATTEMPT_DURATION,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_CALLS,
  METRIC_RETRY_BUDGET_REJECTIONS,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_FAILURE_RATIO,
  METRIC_CIRCUIT_SLOW_CALL_RATIO,
  METRIC_TIMEOUT_TIMEOUTS,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_QUEUED,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RATELIMIT_TOKENS,
  METRIC_FALLBACK_USES,
  METRIC_HEDGE_ATTEMPTS,
  METRIC_CHAOS_INJECTIONS,
  METRIC_HEALTH_STATUS,
  METRIC_HEALTH_CHECK_UP,
  METRIC_HEALTH_CHECK_DURATION,
];

/**
 * Histogram bucket boundaries in seconds: 1 ms to 60 s, dense where service calls live.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60,
];
