import { LABEL, SERVICE_PIPELINE } from '../promql/labels.js';
import type { AlertKey, RuleOptions } from './options.js';
import { type RecordNames, recordNames, SERVICE_PIPELINE_CHECK } from './recording.js';

/** Fills an annotation: Prometheus template text in the rules, concrete text in unit tests. */
export interface AnnotationContext {
  /** The value of one of the alert's labels. */
  label(name: string): string;
  /** The alert's value, formatted as its `valueFormat` says. */
  readonly value: string;
}

export type Severity = 'critical' | 'warning';

/** One alert, written once for both the rules file and its tests. */
export interface AlertDefinition {
  readonly key: AlertKey;
  /** Prometheus alert name; also the runbook's file name (`docs/runbooks/<name>.md`). */
  readonly name: string;
  readonly severity: Severity;
  readonly expr: string;
  readonly for: string;
  /** The labels the alert carries besides `severity`: its aggregation. */
  readonly labels: readonly string[];
  /** How `{{ $value }}` is shown: a percentage of a ratio, or a plain number. */
  readonly valueFormat: 'percent' | 'number';
  readonly summary: (c: AnnotationContext) => string;
  readonly description: (c: AnnotationContext) => string;
}

const pct = (ratio: number): string => `${Number((ratio * 100).toPrecision(6))} %`;

/** "checkout / payments" in annotations. */
const where = (c: AnnotationContext): string => `${c.label(LABEL.job)} / ${c.label(LABEL.pipeline)}`;

const POLICY_LABELS = [...SERVICE_PIPELINE, LABEL.policy] as const;

/** `expr` only where the pipeline has enough traffic for a ratio to mean something. */
function withTraffic(expr: string, names: RecordNames, options: RuleOptions): string {
  if (options.minCallRate === 0) return expr;
  return `${expr}\nand on (${SERVICE_PIPELINE.join(', ')})\n  ${names.calls} >= ${options.minCallRate}`;
}

/**
 * The alerts. Each fires per service and pipeline (and policy where a pipeline may hold
 * several), never per instance: one bad pod is a dashboard matter, a service whose
 * dependency is cut off is a page. They read the recording rules, so they are written
 * once for both metric-name paths.
 */
export function alertDefinitions(options: RuleOptions): AlertDefinition[] {
  const n = recordNames(options);
  return [
    {
      key: 'circuitOpen',
      name: 'RampartCircuitOpen',
      severity: 'critical',
      expr: `${n.circuitOpenInstances} > 0`,
      for: options.for.circuitOpen,
      labels: POLICY_LABELS,
      valueFormat: 'number',
      summary: (c) => `Circuit open for ${options.for.circuitOpen} on ${where(c)}`,
      description: (c) =>
        `The circuit breaker ${c.label(LABEL.policy)} of pipeline ${c.label(LABEL.pipeline)} in ${c.label(LABEL.job)} ` +
        `has been open or half-open for more than ${options.for.circuitOpen} (${c.value} instance(s) now): ` +
        'calls to the dependency fail fast or get a fallback.',
    },
    {
      key: 'circuitFlapping',
      name: 'RampartCircuitFlapping',
      severity: 'warning',
      expr: `${n.circuitOpens} >= ${options.flappingOpens}`,
      for: options.for.circuitFlapping,
      labels: POLICY_LABELS,
      valueFormat: 'number',
      summary: (c) => `Circuit flapping on ${where(c)}`,
      description: (c) =>
        `The circuit breaker ${c.label(LABEL.policy)} of ${where(c)} went from closed to open ${c.value} times ` +
        `in ${options.flappingWindow} (alert at ${options.flappingOpens}): the dependency recovers and breaks again, ` +
        'or the breaker threshold is too tight.',
    },
    {
      key: 'errorRatio',
      name: 'RampartErrorRatioHigh',
      severity: 'critical',
      expr: withTraffic(`${n.errorRatio} > ${options.errorRatio}`, n, options),
      for: options.for.errorRatio,
      labels: SERVICE_PIPELINE,
      valueFormat: 'percent',
      summary: (c) => `${c.value} of calls failing on ${where(c)}`,
      description: (c) =>
        `${c.value} of calls through ${where(c)} failed or were rejected over ${options.window} ` +
        `(alert above ${pct(options.errorRatio)} for ${options.for.errorRatio}); callers see these errors.`,
    },
    {
      key: 'retryStorm',
      name: 'RampartRetryStorm',
      severity: 'warning',
      expr: withTraffic(`${n.retryRatio} > ${options.retryRatio}`, n, options),
      for: options.for.retryStorm,
      labels: POLICY_LABELS,
      valueFormat: 'percent',
      summary: (c) => `Retry storm on ${where(c)}`,
      description: (c) =>
        `The retry policy ${c.label(LABEL.policy)} of ${where(c)} adds ${c.value} extra calls on top of callers' traffic ` +
        `(alert above ${pct(options.retryRatio)} for ${options.for.retryStorm}): a struggling dependency is ` +
        'getting more load than callers send.',
    },
    {
      key: 'timeoutsRising',
      name: 'RampartTimeoutsRising',
      severity: 'warning',
      expr: withTraffic(`${n.timeoutRatio} > ${options.timeoutRatio}`, n, options),
      for: options.for.timeoutsRising,
      labels: SERVICE_PIPELINE,
      valueFormat: 'percent',
      summary: (c) => `Timeouts rising on ${where(c)}`,
      description: (c) =>
        `Timeouts reached ${c.value} of calls through ${where(c)} over ${options.window} ` +
        `(alert above ${pct(options.timeoutRatio)} for ${options.for.timeoutsRising}): the dependency is slow.`,
    },
    {
      key: 'bulkheadSaturated',
      name: 'RampartBulkheadSaturated',
      severity: 'warning',
      expr: `${n.bulkheadUtilization} >= ${options.bulkheadSaturation}`,
      for: options.for.bulkheadSaturated,
      labels: POLICY_LABELS,
      valueFormat: 'percent',
      summary: (c) => `Bulkhead saturated on ${where(c)}`,
      description: (c) =>
        `The bulkhead ${c.label(LABEL.policy)} of ${where(c)} has ${c.value} of its slots in use across the fleet ` +
        `(alert at ${pct(options.bulkheadSaturation)} for ${options.for.bulkheadSaturated}); ` +
        'new calls queue and soon get rejected.',
    },
    {
      key: 'bulkheadRejecting',
      name: 'RampartBulkheadRejecting',
      severity: 'warning',
      expr: withTraffic(`${n.bulkheadRejectionRatio} > ${options.bulkheadRejectionRatio}`, n, options),
      for: options.for.bulkheadRejecting,
      labels: POLICY_LABELS,
      valueFormat: 'percent',
      summary: (c) => `Bulkhead rejecting calls on ${where(c)}`,
      description: (c) =>
        `The bulkhead ${c.label(LABEL.policy)} of ${where(c)} turned away ${c.value} of calls over ${options.window} ` +
        `(alert above ${pct(options.bulkheadRejectionRatio)} for ${options.for.bulkheadRejecting}).`,
    },
    {
      key: 'fallbackRate',
      name: 'RampartFallbackRateHigh',
      severity: 'warning',
      expr: withTraffic(`${n.fallbackRatio} > ${options.fallbackRatio}`, n, options),
      for: options.for.fallbackRate,
      labels: SERVICE_PIPELINE,
      valueFormat: 'percent',
      summary: (c) => `${c.value} of calls answered by a fallback on ${where(c)}`,
      description: (c) =>
        `${c.value} of calls through ${where(c)} got a fallback answer instead of the dependency's ` +
        `(alert above ${pct(options.fallbackRatio)} for ${options.for.fallbackRate}): users see degraded results.`,
    },
    {
      key: 'criticalHealthCheck',
      name: 'RampartCriticalHealthCheckFailing',
      severity: 'critical',
      expr: `${n.criticalChecksFailing} > 0`,
      for: options.for.criticalHealthCheck,
      labels: SERVICE_PIPELINE_CHECK,
      valueFormat: 'number',
      summary: (c) => `Critical health check ${c.label(LABEL.healthCheck)} failing on ${c.label(LABEL.job)}`,
      description: (c) =>
        `The critical health check ${c.label(LABEL.healthCheck)} of monitor ${c.label(LABEL.pipeline)} in ` +
        `${c.label(LABEL.job)} has failed on ${c.value} instance(s) for more than ${options.for.criticalHealthCheck}.`,
    },
    {
      key: 'retryBudgetExhausted',
      name: 'RampartRetryBudgetExhausted',
      severity: 'warning',
      expr: `${n.budgetRejections} > ${options.budgetRejectionRate}`,
      for: options.for.retryBudgetExhausted,
      labels: POLICY_LABELS,
      valueFormat: 'number',
      summary: (c) => `Retry budget exhausted on ${where(c)}`,
      description: (c) =>
        `The retry budget of policy ${c.label(LABEL.policy)} of ${where(c)} is refusing ${c.value} retries or hedges per second ` +
        `(for ${options.for.retryBudgetExhausted}): failures now reach callers without a second try.`,
    },
  ];
}

/** Prometheus template text for the annotations of the rules file. */
export function templateContext(alert: AlertDefinition): AnnotationContext {
  return {
    label: (name) => `{{ $labels.${name} }}`,
    value:
      alert.valueFormat === 'percent' ? '{{ $value | humanizePercentage }}' : '{{ printf "%.4g" $value }}',
  };
}
