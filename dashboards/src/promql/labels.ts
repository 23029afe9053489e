import {
  ATTR_ATTEMPT,
  ATTR_BULKHEAD_REASON,
  ATTR_CHAOS_INJECTED,
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_RESULT,
  ATTR_CIRCUIT_STATE,
  ATTR_CIRCUIT_TO,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_SOURCE,
  ATTR_HEALTH_CHECK,
  ATTR_HEALTH_CRITICAL,
  ATTR_HEALTH_STATUS,
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  ATTR_POLICY,
  ATTR_RETRY_RESULT,
  promLabel,
} from '@rampart/otel';

/**
 * Prometheus label names of the attributes the dashboards and rules group by. They come
 * from `@rampart/otel`'s constants through `promLabel`, never typed by hand, so a renamed
 * attribute breaks the build here instead of silently emptying a panel.
 */
export const LABEL = {
  /**
   * The service. On the direct path it is the scrape job's name (name the job after the
   * service); through a Collector, Prometheus' exporter sets it from `service.name`.
   */
  job: 'job',
  /** One process: the scrape target, or `service.instance.id` through a Collector. */
  instance: 'instance',
  pipeline: promLabel(ATTR_PIPELINE),
  policy: promLabel(ATTR_POLICY),
  outcome: promLabel(ATTR_OUTCOME),
  errorType: promLabel(ATTR_ERROR_TYPE),
  attempt: promLabel(ATTR_ATTEMPT),
  retryResult: promLabel(ATTR_RETRY_RESULT),
  circuitState: promLabel(ATTR_CIRCUIT_STATE),
  circuitFrom: promLabel(ATTR_CIRCUIT_FROM),
  circuitTo: promLabel(ATTR_CIRCUIT_TO),
  circuitResult: promLabel(ATTR_CIRCUIT_RESULT),
  bulkheadReason: promLabel(ATTR_BULKHEAD_REASON),
  fallbackSource: promLabel(ATTR_FALLBACK_SOURCE),
  chaosInjected: promLabel(ATTR_CHAOS_INJECTED),
  healthCheck: promLabel(ATTR_HEALTH_CHECK),
  healthCritical: promLabel(ATTR_HEALTH_CRITICAL),
  healthStatus: promLabel(ATTR_HEALTH_STATUS),
} as const;

/** `by (…)` clause for a list of labels. */
export const by = (...labels: readonly string[]): string => `by (${labels.join(', ')})`;

/** The fleet view: one series per service and pipeline, whatever the number of instances. */
export const SERVICE_PIPELINE = [LABEL.job, LABEL.pipeline] as const;
/** One series per policy of a pipeline of a service (a pipeline may hold two retries). */
export const SERVICE_PIPELINE_POLICY = [LABEL.job, LABEL.pipeline, LABEL.policy] as const;
