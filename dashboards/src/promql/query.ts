import { type HistogramSeries, type MetricDefinition, promSelector } from '@rampart/otel';
import { by } from './labels.js';

/**
 * Where a query looks and over which window: the dashboards use Grafana variables
 * (`job=~"$job"`, `$__rate_interval`), the rules use fixed windows and no filter.
 */
export interface Scope {
  /** PromQL label matchers added to every selector, e.g. `job=~"$job"`. */
  readonly matchers: readonly string[];
  /** Range of `rate()` and `increase()`, e.g. `$__rate_interval` or `5m`. */
  readonly window: string;
}

export interface SelectOptions {
  /** The histogram series (required for histograms). */
  readonly part?: HistogramSeries;
  /** More matchers, e.g. `rampart_outcome=~"failure|rejected"`. */
  readonly where?: readonly string[];
}

/** A selector matching `metric` on both Prometheus name paths, inside `scope`. */
export function select(scope: Scope, metric: MetricDefinition, options: SelectOptions = {}): string {
  return promSelector(metric, options.part, [...scope.matchers, ...(options.where ?? [])]);
}

/** `sum by (labels) (rate(metric[window]))`; with no labels, a plain `sum`. */
export function sumRate(
  scope: Scope,
  metric: MetricDefinition,
  labels: readonly string[],
  options: SelectOptions = {},
): string {
  return `${sumBy(labels)}(rate(${select(scope, metric, options)}[${scope.window}]))`;
}

/** `sum by (labels) (increase(metric[window]))`. */
export function sumIncrease(
  scope: Scope,
  metric: MetricDefinition,
  labels: readonly string[],
  options: SelectOptions & { readonly window?: string } = {},
): string {
  return `${sumBy(labels)}(increase(${select(scope, metric, options)}[${options.window ?? scope.window}]))`;
}

/** `sum by (labels) (metric)` of a gauge. */
export function sumGauge(
  scope: Scope,
  metric: MetricDefinition,
  labels: readonly string[],
  options: SelectOptions = {},
): string {
  return `${sumBy(labels)}(${select(scope, metric, options)})`;
}

/** The `q` quantile of a duration histogram, aggregated by `labels` (instances merged). */
export function quantile(
  q: number,
  scope: Scope,
  metric: MetricDefinition,
  labels: readonly string[],
  options: Omit<SelectOptions, 'part'> = {},
): string {
  return `histogram_quantile(${q}, ${sumRate(scope, metric, ['le', ...labels], { ...options, part: 'bucket' })})`;
}

/**
 * `numerator / denominator`, both already aggregated to the same labels. A zero
 * denominator gives NaN (no traffic), which Grafana draws as a gap and alerts ignore.
 * `matching` is a vector-matching clause such as `on (job) group_left`.
 */
export const ratio = (numerator: string, denominator: string, matching = ''): string =>
  `(\n${indent(numerator)}\n/${matching === '' ? '' : ` ${matching}`}\n${indent(denominator)}\n)`;

/**
 * `numerator`, or zero where it has no series but `fill` does: a counter that never moved
 * has no series at all (OpenTelemetry creates one on the first increment), and a healthy
 * service must read 0 %, not "no data". `fill` must carry the same labels.
 */
export const orZero = (numerator: string, fill: string): string =>
  `(\n${indent(numerator)}\nor\n${indent(`${fill} * 0`)}\n)`;

/** Indents every line of a sub-expression by two spaces, for readable multi-line PromQL. */
export const indent = (expr: string): string =>
  expr
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/**
 * Turns a one-hot state gauge (1 for the current state, 0 for the others; one series per
 * state) into one series whose value is the state's index in `states`, keeping the highest
 * index across the series merged by `labels`. Order `states` from best to worst: across a
 * fleet the panel then shows the worst state any instance is in.
 */
export function stateCode(
  scope: Scope,
  metric: MetricDefinition,
  stateLabel: string,
  states: readonly string[],
  labels: readonly string[],
): string {
  const parts = states.map(
    (state, index) => `(${select(scope, metric, { where: [`${stateLabel}="${state}"`] })} == 1) * ${index}`,
  );
  return `max ${by(...labels)} (\n${indent(parts.join('\nor\n'))}\n)`;
}

function sumBy(labels: readonly string[]): string {
  return labels.length === 0 ? 'sum ' : `sum ${by(...labels)} `;
}
