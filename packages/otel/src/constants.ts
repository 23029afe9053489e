/**
 * The one place that names every metric and attribute rampart emits. The instrumentation,
 * the dashboards, the alert rules and the metrics reference (docs/metrics.md) all import
 * from here, so a dashboard cannot query a metric that the code does not emit.
 *
 * Names follow OpenTelemetry conventions: `rampart.` namespace, UCUM units (`s` for
 * durations, `{annotation}` for counts), no `_total` in the OTel name (Prometheus exporters
 * add it to counters).
 *
 * Exports:
 * - attributes `ATTR_*` and their value lists (`CALL_OUTCOMES`, `CIRCUIT_STATES`, …);
 * - instruments `METRIC_*` (`MetricDefinition`: name, kind, unit, description, attributes,
 *   moves), all of them in `METRICS`; histogram buckets `DURATION_BUCKETS_SECONDS`;
 * - Prometheus naming: `prometheusNames(metric)` → `{ direct, collector }` (the JS exporter
 *   vs an OpenTelemetry Collector / Prometheus OTLP receiver), `promLabel(attr)`,
 *   `promNameRegex(metric, part?)` and `promSelector(metric, part?, matchers?)`, which
 *   match the metric on both paths.
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
/** Values of `rampart.attempt`: attempts past the third share one bucket. */
export const ATTEMPT_BUCKETS = ['1', '2', '3', '4+'] as const;
export const BULKHEAD_REASONS = ['queue_full', 'queue_timeout'] as const;
export const FALLBACK_SOURCES = ['value', 'fn', 'last_good'] as const;
export const CHAOS_INJECTIONS = ['fault', 'latency', 'result'] as const;
export const BOOLEAN_VALUES = ['true', 'false'] as const;
/** The value of `error.type` once an instrument has seen its maximum of distinct types. */
export const ERROR_TYPE_OTHER = '_OTHER';
/** The value of `error.type` when a result, not an error, failed a call (`retryOnResult`). */
export const ERROR_TYPE_RESULT = '_RESULT';
/** Default cap on distinct `error.type` values per instrument and pipeline. */
export const DEFAULT_ERROR_TYPE_LIMIT = 50;
/** Name of the meter (instrumentation scope) rampart records with; `otel_scope_name` in Prometheus. */
export const METER_NAME = '@rampart/otel';

// ---- span events (tracing: true) ---------------------------------------------------------------

/** A retry was scheduled (attributes: pipeline, policy, `rampart.attempt` = the failed attempt, `error.type`). */
export const SPAN_EVENT_RETRY = 'rampart.retry';
/** An open circuit turned the call away. */
export const SPAN_EVENT_CIRCUIT_REJECTED = 'rampart.circuit.rejected';
/** The call ran past its timeout. */
export const SPAN_EVENT_TIMEOUT = 'rampart.timeout';
/** A fallback answered the call (attributes include `rampart.fallback.source`, `error.type`). */
export const SPAN_EVENT_FALLBACK = 'rampart.fallback';
/** On `rampart.timeout` span events: the timeout that elapsed, in seconds. */
export const SPAN_ATTR_TIMEOUT_AFTER = 'rampart.timeout.after';
/** Every span event name, for the reference docs. */
export const SPAN_EVENTS = [
  SPAN_EVENT_RETRY,
  SPAN_EVENT_CIRCUIT_REJECTED,
  SPAN_EVENT_TIMEOUT,
  SPAN_EVENT_FALLBACK,
] as const;

/** One attribute: its name, what it means, and its values when they are a fixed set. */
export interface AttributeDefinition {
  readonly name: string;
  readonly description: string;
  /** Every value it takes, when that is a closed set (for dashboards' variables and docs). */
  readonly values?: readonly string[];
}

/** Every attribute rampart puts on its series, for the metrics reference. */
export const ATTRIBUTES: readonly AttributeDefinition[] = [
  {
    name: ATTR_PIPELINE,
    description: 'Pipeline name (for health series: the health monitor name). On every series.',
  },
  {
    name: ATTR_POLICY,
    description: 'Policy name within the pipeline (defaults to its kind: `retry`, `circuit_breaker`, …).',
  },
  {
    name: ATTR_OUTCOME,
    description:
      'How a call ended (`rampart.call.duration`), or an attempt or health check (`success`, `failure` only). `rejected`: an open circuit, full bulkhead or rate limit turned the call away; `fallback`: a fallback answered.',
    values: CALL_OUTCOMES,
  },
  {
    name: ATTR_ERROR_TYPE,
    description:
      'On failures only: the HTTP status class (`4xx`, `5xx`) when the error carries a numeric `status`/`statusCode`, else the error class name (`TimeoutError`, `BrokenCircuitError`, `TypeError`, …); `_RESULT` when a result, not an error, failed; `_OTHER` past the cap of distinct values (50 per instrument and pipeline) or for a name that is not identifier-like. Never a message, URL or user data.',
  },
  { name: ATTR_ATTEMPT, description: 'Attempt number, bucketed.', values: ATTEMPT_BUCKETS },
  {
    name: ATTR_RETRY_RESULT,
    description: 'Whether a call through a retry policy succeeded, and whether it needed a retry.',
    values: RETRY_RESULTS,
  },
  {
    name: ATTR_CIRCUIT_STATE,
    description: 'Circuit state; `rampart.circuit.state` has one series per state.',
    values: CIRCUIT_STATES,
  },
  { name: ATTR_CIRCUIT_FROM, description: 'State before a transition.', values: CIRCUIT_STATES },
  { name: ATTR_CIRCUIT_TO, description: 'State after a transition.', values: CIRCUIT_STATES },
  {
    name: ATTR_CIRCUIT_RESULT,
    description:
      'How the breaker counted a call: `ignored` (not handled by the breaker), `rejected` (the circuit was open).',
    values: CIRCUIT_RESULTS,
  },
  {
    name: ATTR_BULKHEAD_REASON,
    description: 'Why the bulkhead turned a call away.',
    values: BULKHEAD_REASONS,
  },
  {
    name: ATTR_FALLBACK_SOURCE,
    description: 'What answered: a fixed value, a function, or the last good result.',
    values: FALLBACK_SOURCES,
  },
  { name: ATTR_CHAOS_INJECTED, description: 'What a chaos policy injected.', values: CHAOS_INJECTIONS },
  { name: ATTR_HEALTH_CHECK, description: 'Health check name.' },
  {
    name: ATTR_HEALTH_CRITICAL,
    description: 'Whether a failing check makes the monitor `unhealthy` (else `degraded`).',
    values: BOOLEAN_VALUES,
  },
  {
    name: ATTR_HEALTH_STATUS,
    description: 'Overall health; `rampart.health.status` has one series per status.',
    values: HEALTH_STATUSES,
  },
];

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
  description: 'Time calls waited in the bulkhead queue before they got a slot.',
  attributes: [ATTR_POLICY],
  moves:
    'once per call that waited in the queue and then got a slot (calls that found a free slot are not recorded)',
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
  // `{check}`, not `1`: a Collector appends `_ratio` to gauges in unit 1, and this is a
  // 0/1 flag (summing it counts passing checks), not a ratio.
  unit: '{check}',
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

// ---- Prometheus names ------------------------------------------------------------------------
//
// One OTel instrument gets a different Prometheus name depending on the path it takes:
//
// - direct: the JavaScript `@opentelemetry/exporter-prometheus` (what `startPrometheus`
//   serves) replaces characters outside `[a-zA-Z0-9_]` with `_`, collapses repeated `_`,
//   and appends `_total` to monotonic counters. It appends no unit suffix.
// - collector: an OpenTelemetry Collector's `prometheus`/`prometheusremotewrite` exporter
//   and Prometheus' own OTLP receiver (translation strategy `UnderscoreEscapingWithSuffixes`,
//   the default) also append the unit (`_seconds` for `s`; `{annotation}` units add
//   nothing) and `_ratio` to gauges in unit `1`, then `_total` to counters.
//
// Dashboards and alerts select with `{__name__=~"…"}` so that one query works on both.

/** How one instrument is named in Prometheus on each path. */
export interface PrometheusNames {
  /** Through the JavaScript Prometheus exporter (`@rampart/otel/prometheus`). */
  readonly direct: string;
  /** Through an OpenTelemetry Collector or Prometheus' OTLP receiver (unit suffixes added). */
  readonly collector: string;
}

/** The series of a histogram: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
export type HistogramSeries = 'bucket' | 'sum' | 'count';

/** Matchers for `promSelector`: raw PromQL matchers such as `'rampart_pipeline=~"$pipeline"'`. */
export type PromMatchers = string | readonly string[];

/** UCUM → Prometheus unit words, as in prometheus/otlptranslator (the Collector's table). */
const PROMETHEUS_UNITS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};
const PROMETHEUS_PER_UNITS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** Prometheus label name of an attribute (`rampart.pipeline` → `rampart_pipeline`), on both paths. */
export function promLabel(attribute: string): string {
  const label = attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(label) ? `_${label}` : label;
}

/** Name on the direct path: mirrors PrometheusSerializer of exporter-prometheus 0.2xx. */
function directName(metric: MetricDefinition): string {
  let name = metric.name.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (metric.kind === 'counter' && !name.endsWith('_total')) name += '_total';
  return name;
}

/** Turns a UCUM unit part into name tokens, dropping `{annotations}` and invalid characters. */
function unitWord(unit: string, table: Readonly<Record<string, string>>): string {
  const trimmed = unit.trim();
  if (trimmed === '' || /[{}]/.test(trimmed)) return '';
  const word = table[trimmed] ?? trimmed;
  return word.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/** Name through a Collector / OTLP receiver: mirrors otlptranslator's `normalizeName`. */
function collectorName(metric: MetricDefinition): string {
  let tokens = metric.name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const [main = '', per] = metric.unit.split('/', 2);
  const mainWord = unitWord(main, PROMETHEUS_UNITS);
  const perWord = per === undefined ? '' : unitWord(per, PROMETHEUS_PER_UNITS);
  if (mainWord !== '' && !tokens.includes(mainWord)) tokens.push(mainWord);
  if (perWord !== '' && !tokens.includes(perWord)) tokens.push('per', perWord);
  if (metric.kind === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.kind === 'gauge')
    tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const name = tokens.join('_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The Prometheus name of `metric` on the direct path and through a Collector. */
export function prometheusNames(metric: MetricDefinition): PrometheusNames {
  return { direct: directName(metric), collector: collectorName(metric) };
}

/**
 * A regular expression (RE2, which Prometheus anchors at both ends) that matches the
 * metric's name on both paths, e.g. `rampart_call_duration(?:_seconds)?_bucket`. `part`
 * picks a histogram's series and is required for histograms (a histogram has no series
 * under its bare name), refused for counters and gauges.
 */
export function promNameRegex(metric: MetricDefinition, part?: HistogramSeries): string {
  if (metric.kind === 'histogram' && part === undefined) {
    throw new TypeError(`promNameRegex: ${metric.name} is a histogram; pass part 'bucket', 'sum' or 'count'`);
  }
  if (metric.kind !== 'histogram' && part !== undefined) {
    throw new TypeError(
      `promNameRegex: part "${part}" applies only to histograms; ${metric.name} is a ${metric.kind}`,
    );
  }
  const { direct, collector } = prometheusNames(metric);
  const suffix = part === undefined ? '' : `_${part}`;
  if (direct === collector) return `${direct}${suffix}`;
  // Every name we build ends with the same tail on both paths after an optional unit
  // word, e.g. rampart_call_duration[_seconds]; fall back to an alternation otherwise.
  if (collector.startsWith(direct) && metric.kind === 'histogram') {
    return `${direct}(?:${collector.slice(direct.length)})?${suffix}`;
  }
  const directBase = metric.kind === 'counter' ? direct.replace(/_total$/, '') : direct;
  const collectorBase = metric.kind === 'counter' ? collector.replace(/_total$/, '') : collector;
  if (collectorBase.startsWith(directBase)) {
    const tail = metric.kind === 'counter' ? '_total' : '';
    return `${directBase}(?:${collectorBase.slice(directBase.length)})?${tail}${suffix}`;
  }
  return `(?:${direct}|${collector})${suffix}`;
}

/**
 * A PromQL instant-vector selector that matches `metric` on both paths:
 * `promSelector(METRIC_CALL_DURATION, 'bucket', 'rampart_pipeline=~"$pipeline"')` →
 * `{__name__=~"rampart_call_duration(?:_seconds)?_bucket",rampart_pipeline=~"$pipeline"}`.
 * When both paths give the same name it is the plain form, `rampart_retry_calls_total{…}`.
 * Matchers are PromQL label matchers written as text (Grafana variables welcome).
 */
export function promSelector(
  metric: MetricDefinition,
  part?: HistogramSeries,
  matchers: PromMatchers = [],
): string {
  const extra: string[] = [];
  for (const m of typeof matchers === 'string' ? [matchers] : matchers) {
    if (m.trim() !== '') extra.push(m.trim());
  }
  const { direct, collector } = prometheusNames(metric);
  const regex = promNameRegex(metric, part);
  if (direct === collector) return extra.length === 0 ? regex : `${regex}{${extra.join(',')}}`;
  return `{${[`__name__=~"${regex}"`, ...extra].join(',')}}`;
}
