import {
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_FALLBACK_USES,
  METRIC_HEALTH_CHECK_UP,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_BUDGET_REJECTIONS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
} from '@rampart/otel';
import { by, LABEL, SERVICE_PIPELINE, SERVICE_PIPELINE_POLICY } from '../promql/labels.js';
import { orZero, quantile, ratio, type Scope, select, sumGauge, sumRate } from '../promql/query.js';
import type { RuleOptions } from './options.js';

/** A Prometheus recording rule, with a sentence for the docs. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** What the recorded series means (for docs/alerts.md and YAML comments). */
  readonly help: string;
}

/** Labels of the per-check health series. */
export const SERVICE_PIPELINE_CHECK = [LABEL.job, LABEL.pipeline, LABEL.healthCheck] as const;

/**
 * Names of the recorded series, following Prometheus' `level:metric:operations`
 * convention. The window is part of the name (`rate5m`), so rules generated with other
 * windows (the end-to-end test's) get other names and never mix with the shipped ones.
 */
export function recordNames(options: Pick<RuleOptions, 'window' | 'flappingWindow'>) {
  const w = options.window;
  return {
    calls: `job_pipeline:rampart_calls:rate${w}`,
    errorRatio: `job_pipeline:rampart_call_errors:ratio_rate${w}`,
    latencyP95: `job_pipeline:rampart_call_duration_seconds:p95_rate${w}`,
    latencyP99: `job_pipeline:rampart_call_duration_seconds:p99_rate${w}`,
    retries: `job_pipeline_policy:rampart_retries:rate${w}`,
    retryRatio: `job_pipeline_policy:rampart_retries_per_call:ratio_rate${w}`,
    circuitOpenInstances: 'job_pipeline_policy:rampart_circuit_open_instances:sum',
    circuitOpens: `job_pipeline_policy:rampart_circuit_opens:increase${options.flappingWindow}`,
    timeoutRatio: `job_pipeline:rampart_timeouts_per_call:ratio_rate${w}`,
    bulkheadUtilization: 'job_pipeline_policy:rampart_bulkhead_utilization:ratio',
    bulkheadRejectionRatio: `job_pipeline_policy:rampart_bulkhead_rejections_per_call:ratio_rate${w}`,
    fallbackRatio: `job_pipeline:rampart_fallbacks_per_call:ratio_rate${w}`,
    budgetRejections: `job_pipeline_policy:rampart_retry_budget_rejections:rate${w}`,
    criticalChecksFailing: 'job_pipeline_check:rampart_health_critical_checks_failing:sum',
  } as const;
}

export type RecordNames = ReturnType<typeof recordNames>;

/**
 * The recording rules: every series the alerts need, aggregated across instances per
 * service (`job`) and pipeline, and per policy where a pipeline can hold several.
 */
export function recordingRules(options: RuleOptions): RecordingRule[] {
  const scope: Scope = { matchers: [], window: options.window };
  const names = recordNames(options);
  const calls = sumRate(scope, METRIC_CALL_DURATION, SERVICE_PIPELINE, { part: 'count' });
  const failedCalls = sumRate(scope, METRIC_CALL_DURATION, SERVICE_PIPELINE, {
    part: 'count',
    where: [`${LABEL.outcome}=~"failure|rejected"`],
  });
  const retryCalls = sumRate(scope, METRIC_RETRY_CALLS, SERVICE_PIPELINE_POLICY);
  const criticalUp = select(scope, METRIC_HEALTH_CHECK_UP, { where: [`${LABEL.healthCritical}="true"`] });

  return [
    {
      record: names.calls,
      expr: calls,
      help: 'Calls per second through each pipeline, all instances summed.',
    },
    {
      record: names.errorRatio,
      expr: ratio(orZero(failedCalls, names.calls), names.calls),
      help: 'Share of calls that failed or were rejected (a fallback answer counts as served).',
    },
    {
      record: names.latencyP95,
      expr: quantile(0.95, scope, METRIC_CALL_DURATION, SERVICE_PIPELINE),
      help: '95th percentile of call duration in seconds, across instances.',
    },
    {
      record: names.latencyP99,
      expr: quantile(0.99, scope, METRIC_CALL_DURATION, SERVICE_PIPELINE),
      help: '99th percentile of call duration in seconds, across instances.',
    },
    {
      record: names.retries,
      expr: orZero(sumRate(scope, METRIC_RETRY_ATTEMPTS, SERVICE_PIPELINE_POLICY), retryCalls),
      help: 'Retries scheduled per second, per retry policy.',
    },
    {
      record: names.retryRatio,
      expr: ratio(names.retries, retryCalls),
      help: 'Retries per call through the retry policy: the extra load retries put on the dependency.',
    },
    {
      record: names.circuitOpenInstances,
      expr: sumGauge(scope, METRIC_CIRCUIT_STATE, SERVICE_PIPELINE_POLICY, {
        where: [`${LABEL.circuitState}=~"open|half_open"`],
      }),
      help: 'Instances whose circuit is open or half-open (isolated circuits are deliberate and not counted).',
    },
    {
      record: names.circuitOpens,
      expr: `sum ${by(...SERVICE_PIPELINE_POLICY)} (increase(${select(scope, METRIC_CIRCUIT_TRANSITIONS, {
        where: [`${LABEL.circuitFrom}="closed"`, `${LABEL.circuitTo}="open"`],
      })}[${options.flappingWindow}]))`,
      help: `Closed → open transitions in the last ${options.flappingWindow}, all instances summed.`,
    },
    {
      record: names.timeoutRatio,
      expr: ratio(
        orZero(sumRate(scope, METRIC_TIMEOUT_TIMEOUTS, SERVICE_PIPELINE), names.calls),
        names.calls,
      ),
      help: 'Timeouts per call (above 1 when retries time out again).',
    },
    {
      record: names.bulkheadUtilization,
      expr: ratio(
        sumGauge(scope, METRIC_BULKHEAD_ACTIVE, SERVICE_PIPELINE_POLICY),
        sumGauge(scope, METRIC_BULKHEAD_LIMIT, SERVICE_PIPELINE_POLICY),
      ),
      help: 'Bulkhead slots in use over slots available, across the fleet.',
    },
    {
      record: names.bulkheadRejectionRatio,
      expr: ratio(
        orZero(
          sumRate(scope, METRIC_BULKHEAD_REJECTIONS, SERVICE_PIPELINE_POLICY),
          sumGauge(scope, METRIC_BULKHEAD_LIMIT, SERVICE_PIPELINE_POLICY),
        ),
        names.calls,
        `on (${SERVICE_PIPELINE.join(', ')}) group_left`,
      ),
      help: 'Calls turned away by the bulkhead, per call through the pipeline.',
    },
    {
      record: names.fallbackRatio,
      expr: ratio(orZero(sumRate(scope, METRIC_FALLBACK_USES, SERVICE_PIPELINE), names.calls), names.calls),
      help: 'Calls answered by a fallback, per call.',
    },
    {
      record: names.budgetRejections,
      expr: orZero(
        sumRate(scope, METRIC_RETRY_BUDGET_REJECTIONS, SERVICE_PIPELINE_POLICY),
        sumRate(scope, METRIC_RETRY_CALLS, SERVICE_PIPELINE_POLICY),
      ),
      help: 'Retries and hedges per second that the retry budget refused.',
    },
    {
      record: names.criticalChecksFailing,
      expr: `sum ${by(...SERVICE_PIPELINE_CHECK)} (1 - ${criticalUp})`,
      help: 'Instances on which a critical health check failed its last run.',
    },
  ];
}
