import {
  ATTR_PIPELINE,
  ATTRIBUTES,
  type AttributeDefinition,
  DEFAULT_ERROR_TYPE_LIMIT,
  DURATION_BUCKETS_SECONDS,
  METER_NAME,
  METRICS,
  type MetricDefinition,
  prometheusNames,
  promLabel,
  promSelector,
  SPAN_ATTR_TIMEOUT_AFTER,
  SPAN_EVENT_CIRCUIT_REJECTED,
  SPAN_EVENT_FALLBACK,
  SPAN_EVENT_RETRY,
  SPAN_EVENT_TIMEOUT,
} from '../constants.js';

/** Where the generated reference lives, from the repository root. */
export const METRICS_REFERENCE_PATH = 'docs/metrics.md';

const code = (s: string) => `\`${s}\``;
const KIND_LABEL: Record<MetricDefinition['kind'], string> = {
  counter: 'counter',
  histogram: 'histogram',
  gauge: 'observable gauge',
};

function seriesNames(m: MetricDefinition, base: string): string {
  if (m.kind !== 'histogram') return code(base);
  return ['bucket', 'sum', 'count'].map((s) => code(`${base}_${s}`)).join(', ');
}

function attributeLine(name: string, byName: ReadonlyMap<string, AttributeDefinition>): string {
  const values = byName.get(name)?.values;
  const head = `${code(name)} (${code(promLabel(name))})`;
  return values === undefined ? head : `${head}: ${values.map(code).join(', ')}`;
}

function metricSection(m: MetricDefinition, byName: ReadonlyMap<string, AttributeDefinition>): string {
  const { direct, collector } = prometheusNames(m);
  const part = m.kind === 'histogram' ? 'bucket' : undefined;
  const attrs = [ATTR_PIPELINE, ...m.attributes].map((a) => `- ${attributeLine(a, byName)}`).join('\n');
  return [
    `### ${code(m.name)}`,
    '',
    m.description,
    '',
    '| | |',
    '|---|---|',
    `| Type | ${KIND_LABEL[m.kind]} |`,
    `| Unit | ${code(m.unit)} |`,
    `| Prometheus, direct (\`@rampart/otel/prometheus\`) | ${seriesNames(m, direct)} |`,
    `| Prometheus, through a Collector or OTLP receiver | ${seriesNames(m, collector)} |`,
    `| Selector for both paths | ${code(promSelector(m, part))} |`,
    `| Moves | ${m.moves} |`,
    '',
    'Attributes:',
    '',
    attrs,
  ].join('\n');
}

/**
 * The metrics reference (docs/metrics.md), generated from the constants module so that it
 * cannot drift from what the code emits. A test fails when the committed file differs.
 */
export function renderMetricsReference(): string {
  const byName = new Map(ATTRIBUTES.map((a) => [a.name, a]));
  const summary = METRICS.map((m) => {
    const { direct, collector } = prometheusNames(m);
    const other = collector === direct ? 'same' : code(collector);
    return `| [${code(m.name)}](#${anchor(m.name)}) | ${KIND_LABEL[m.kind]} | ${code(m.unit)} | ${code(direct)} | ${other} |`;
  });
  const attributes = ATTRIBUTES.map((a) => {
    const values = a.values === undefined ? '' : a.values.map(code).join(', ');
    return `| ${code(a.name)} | ${code(promLabel(a.name))} | ${values} | ${a.description} |`;
  });
  return `${[
    '<!-- Generated from packages/otel/src/constants.ts by packages/otel/src/docs/metrics-reference.ts. Do not edit: run `pnpm --filter @rampart/otel docs:metrics`. -->',
    // Formatters would realign the tables and make the committed file differ from this output.
    '<!-- prettier-ignore-start -->',
    '',
    '# Metrics reference',
    '',
    `Every instrument that \`@rampart/otel\` records, with its OpenTelemetry name, its Prometheus names, its type, unit and attributes, and when it moves. The instruments belong to the meter ${code(METER_NAME)} (label ${code('otel_scope_name')} in Prometheus). How to turn them on: [observability.md](observability.md).`,
    '',
    '## Prometheus names: two paths',
    '',
    'The same instrument gets a different Prometheus name depending on how it reaches Prometheus:',
    '',
    '- **direct**: the JavaScript Prometheus exporter behind `@rampart/otel/prometheus` (`startPrometheus`, `prometheusHandler`) turns dots into underscores and adds `_total` to counters, but adds **no unit suffix**: `rampart.call.duration` → `rampart_call_duration_bucket`.',
    "- **through a Collector**: an OpenTelemetry Collector's `prometheus` / `prometheusremotewrite` exporter, and Prometheus' own OTLP receiver (default translation `UnderscoreEscapingWithSuffixes`), also add the unit (`_seconds` for `s`; `{annotation}` units such as `{call}` add nothing; `_ratio` for gauges in unit `1`): `rampart_call_duration_seconds_bucket`.",
    '',
    'Only the histograms (unit `s`) differ. Shipped dashboards and alerts select with a regular expression on `__name__` that matches both, e.g. `{__name__=~"rampart_call_duration(?:_seconds)?_bucket"}`; code can build the same selectors with `promSelector(METRIC_CALL_DURATION, \'bucket\', matchers)` from `@rampart/otel`. Do not send the same service both ways into one Prometheus: the series would be counted twice.',
    '',
    'Attributes become labels with dots replaced by underscores on both paths (`rampart.pipeline` → `rampart_pipeline`). The service identity is a resource, not a label on each series: scrape it directly and Prometheus adds `job` and `instance` from the scrape (and `target_info` carries `service_name`, `service_instance_id`); through a Collector, `job` is `service.namespace/service.name` and `instance` is `service.instance.id`. Dashboards aggregate by `job` and `rampart_pipeline`, and drill down by `instance`.',
    '',
    '## Instruments',
    '',
    '| OpenTelemetry name | type | unit | Prometheus (direct) | Prometheus (Collector) |',
    '|---|---|---|---|---|',
    ...summary,
    '',
    ...METRICS.flatMap((m) => [metricSection(m, byName), '']),
    '## Attributes',
    '',
    '| attribute | label | values | meaning |',
    '|---|---|---|---|',
    ...attributes,
    '',
    `Cardinality: every attribute is a closed set, a name chosen in code (pipeline, policy, health check), or \`error.type\`, which is capped at ${DEFAULT_ERROR_TYPE_LIMIT} distinct values per instrument and pipeline (\`errorTypeLimit\`), then \`_OTHER\`. The operation key given to \`execute\` is not an attribute.`,
    '',
    '## Histogram buckets',
    '',
    `Every duration histogram is in seconds with these bucket boundaries (sent as advice on SDK instruments, and as a view by \`@rampart/otel/prometheus\` with \`histograms: 'sdk'\`; with \`histograms: 'producer'\`, its default, rampart aggregates into them itself): ${DURATION_BUCKETS_SECONDS.map(String).join(', ')}.`,
    '',
    '## Span events (`tracing: true`)',
    '',
    'When tracing is on and a span is active, these events are added to it (attributes: `rampart.pipeline`, `rampart.policy` and those listed):',
    '',
    `- ${code(SPAN_EVENT_RETRY)}: a retry was scheduled; ${code('rampart.attempt')} (the attempt that failed, a number), ${code('error.type')}.`,
    `- ${code(SPAN_EVENT_CIRCUIT_REJECTED)}: an open circuit turned the call away; ${code('error.type')}.`,
    `- ${code(SPAN_EVENT_TIMEOUT)}: the call ran past its timeout; ${code(SPAN_ATTR_TIMEOUT_AFTER)} (seconds).`,
    `- ${code(SPAN_EVENT_FALLBACK)}: a fallback answered; ${code('rampart.fallback.source')}, ${code('error.type')}.`,
    '',
    '<!-- prettier-ignore-end -->',
  ].join('\n')}\n`;
}

/** GitHub's heading anchor for a code-formatted metric name. */
function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_ -]/g, '');
}
