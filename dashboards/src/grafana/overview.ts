import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CHAOS_INJECTIONS,
  METRIC_CIRCUIT_STATE,
  METRIC_FALLBACK_USES,
  METRIC_HEALTH_CHECK_DURATION,
  METRIC_HEALTH_CHECK_UP,
  METRIC_HEALTH_STATUS,
  METRIC_HEDGE_ATTEMPTS,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
} from '@rampart/otel';
import { LABEL, SERVICE_PIPELINE, SERVICE_PIPELINE_POLICY } from '../promql/labels.js';
import {
  orZero,
  quantile,
  ratio,
  type Scope,
  select,
  stateCode,
  sumGauge,
  sumRate,
} from '../promql/query.js';
import { RULE_DEFAULTS } from '../rules/options.js';
import { buildDashboard } from './layout.js';
import { type PanelLink, stateTimelinePanel, statPanel, tablePanel, timeseriesPanel } from './panels.js';
import { CIRCUIT_STATE_STYLES, HEALTH_STATUS_STYLES, stateMappings } from './states.js';
import { datasourceVariable, instanceVariable, pipelineVariable, serviceVariable } from './variables.js';

export const OVERVIEW_UID = 'rampart-overview';
export const PIPELINE_UID = 'rampart-pipeline';

/** Every panel looks at the selected services, instances and pipelines. */
export const FLEET_SCOPE: Scope = {
  matchers: [`${LABEL.job}=~"$job"`, `${LABEL.instance}=~"$instance"`, `${LABEL.pipeline}=~"$pipeline"`],
  window: '$__rate_interval',
};

/**
 * Health monitors are not pipelines (their `rampart_pipeline` is the monitor's name), so
 * the pipeline variable does not filter them.
 */
const HEALTH_SCOPE: Scope = {
  matchers: [`${LABEL.job}=~"$job"`, `${LABEL.instance}=~"$instance"`],
  window: '$__rate_interval',
};

const SP = `{{${LABEL.job}}} · {{${LABEL.pipeline}}}`;
const SPP = `${SP} · {{${LABEL.policy}}}`;

/** From any series of a pipeline to its drill-down, keeping data source and time range. */
export const DRILL_DOWN: PanelLink = {
  title: `Open the \${__field.labels.${LABEL.pipeline}} pipeline`,
  url:
    `/d/${PIPELINE_UID}/rampart-pipeline?var-datasource=\${datasource}` +
    `&var-job=\${__field.labels.${LABEL.job}}&var-pipeline=\${__field.labels.${LABEL.pipeline}}` +
    `&\${__url_time_range}`,
};

const GOOD = { value: null, color: 'green' } as const;

/** Calls through the pipelines in scope, by `labels`. */
const calls = (scope: Scope, labels: readonly string[], where: readonly string[] = []) =>
  sumRate(scope, METRIC_CALL_DURATION, labels, { part: 'count', where });

/** Share of calls that failed or were rejected; 0 (not "no data") when none did. */
export function errorRatio(scope: Scope, labels: readonly string[]): string {
  const failed = calls(scope, labels, [`${LABEL.outcome}=~"failure|rejected"`]);
  const all = calls(scope, labels);
  return ratio(orZero(failed, all), all);
}

/** The circuit state of each breaker, worst instance first (see `stateCode`). */
export const circuitStateCode = (scope: Scope, labels: readonly string[]) =>
  stateCode(
    scope,
    METRIC_CIRCUIT_STATE,
    LABEL.circuitState,
    CIRCUIT_STATE_STYLES.map((s) => s.state),
    labels,
  );

export function overviewDashboard(): Dashboard {
  const s = FLEET_SCOPE;
  return buildDashboard({
    uid: OVERVIEW_UID,
    title: 'rampart / Overview',
    description:
      'Every protected dependency of every service at a glance: traffic, errors, latency, circuits, retries, ' +
      'timeouts, load shedding, fallbacks, hedges and health. Instances are summed; pick instances to drill down.',
    variables: [
      datasourceVariable(),
      serviceVariable({ multi: true }),
      instanceVariable(),
      pipelineVariable({ multi: true }),
    ],
    rows: [
      {
        title: 'Calls',
        panels: [
          timeseriesPanel({
            title: 'Call rate',
            description:
              'Calls per second through each pipeline, all selected instances summed. Healthy: steady and in ' +
              'line with the traffic you expect; a sudden drop means callers stopped calling or fail before the pipeline.',
            queries: [{ expr: calls(s, SERVICE_PIPELINE), legend: SP }],
            unit: 'reqps',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Error ratio',
            description:
              'Share of calls that failed or were rejected (a fallback answer counts as served). Healthy: near 0 %. ' +
              `The dashed red line is the alert threshold (${RULE_DEFAULTS.errorRatio * 100} %).`,
            queries: [{ expr: errorRatio(s, SERVICE_PIPELINE), legend: SP }],
            unit: 'percentunit',
            min: 0,
            thresholds: [
              GOOD,
              { value: RULE_DEFAULTS.errorRatio / 5, color: 'orange' },
              { value: RULE_DEFAULTS.errorRatio, color: 'red' },
            ],
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Latency p50 / p95 / p99',
            description:
              'Call duration percentiles as callers see them (retries, waits and fallbacks included), across ' +
              'instances. Healthy: flat, with p99 well under the pipeline timeout; p99 at the timeout means calls are timing out.',
            queries: [0.5, 0.95, 0.99].map((q) => ({
              expr: quantile(q, s, METRIC_CALL_DURATION, SERVICE_PIPELINE),
              legend: `p${q * 100} ${SP}`,
            })),
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
        ],
      },
      {
        title: 'Circuit breakers',
        panels: [
          stateTimelinePanel({
            title: 'Circuit state',
            description:
              'State of each circuit breaker over time; with several instances, the worst one. Healthy: green ' +
              '(closed) all along. Red (open) rejects calls at once; yellow (half-open) is probing; purple (isolated) ' +
              'was forced open by an operator.',
            queries: [{ expr: circuitStateCode(s, SERVICE_PIPELINE_POLICY), legend: SPP }],
            mappings: stateMappings(CIRCUIT_STATE_STYLES),
            thresholds: [GOOD],
            w: 16,
            h: 8,
            links: [DRILL_DOWN],
          }),
          statPanel({
            title: 'Open circuits now',
            description:
              'Circuit breakers not closed on at least one instance, per service. Healthy: 0. More than 0 for ' +
              `${RULE_DEFAULTS.for.circuitOpen} pages (RampartCircuitOpen).`,
            queries: [
              {
                expr: `sum by (${LABEL.job}) (max by (${SERVICE_PIPELINE_POLICY.join(', ')}) (${select(
                  s,
                  METRIC_CIRCUIT_STATE,
                  {
                    where: [`${LABEL.circuitState}!="closed"`],
                  },
                )}))`,
                legend: `{{${LABEL.job}}}`,
              },
            ],
            unit: 'none',
            decimals: 0,
            thresholds: [GOOD, { value: 1, color: 'red' }],
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Retries and timeouts',
        panels: [
          timeseriesPanel({
            title: 'Retry rate',
            description:
              'Retries scheduled per second, all instances summed. Healthy: a small fraction of the call rate; ' +
              'a climb shows a dependency failing transiently.',
            queries: [{ expr: sumRate(s, METRIC_RETRY_ATTEMPTS, SERVICE_PIPELINE), legend: SP }],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Retry ratio',
            description:
              'Retries per call through the retry policies: the extra load retries put on the dependency. ' +
              `Healthy: a few percent. Above ${RULE_DEFAULTS.retryRatio * 100} % (dashed line) is a retry storm.`,
            queries: [
              {
                expr: ratio(
                  orZero(
                    sumRate(s, METRIC_RETRY_ATTEMPTS, SERVICE_PIPELINE),
                    sumRate(s, METRIC_RETRY_CALLS, SERVICE_PIPELINE),
                  ),
                  sumRate(s, METRIC_RETRY_CALLS, SERVICE_PIPELINE),
                ),
                legend: SP,
              },
            ],
            unit: 'percentunit',
            min: 0,
            thresholds: [GOOD, { value: RULE_DEFAULTS.retryRatio, color: 'red' }],
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Timeouts',
            description:
              'Calls or attempts that ran past their timeout, per second. Healthy: 0 or close to it; timeouts ' +
              'mean the dependency is slower than the budget you gave it.',
            queries: [{ expr: sumRate(s, METRIC_TIMEOUT_TIMEOUTS, SERVICE_PIPELINE), legend: SP }],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
        ],
      },
      {
        title: 'Load shedding',
        panels: [
          timeseriesPanel({
            title: 'Bulkhead saturation',
            description:
              'Bulkhead slots in use over slots available, summed over instances. Healthy: well under 80 %. ' +
              `At ${RULE_DEFAULTS.bulkheadSaturation * 100} % and above calls start to queue and then get rejected.`,
            queries: [
              {
                expr: ratio(
                  sumGauge(s, METRIC_BULKHEAD_ACTIVE, SERVICE_PIPELINE_POLICY),
                  sumGauge(s, METRIC_BULKHEAD_LIMIT, SERVICE_PIPELINE_POLICY),
                ),
                legend: SPP,
              },
            ],
            unit: 'percentunit',
            min: 0,
            max: 1,
            thresholds: [
              GOOD,
              { value: 0.8, color: 'orange' },
              { value: RULE_DEFAULTS.bulkheadSaturation, color: 'red' },
            ],
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Bulkhead rejections',
            description:
              'Calls the bulkheads turned away per second, by reason (queue full, queue timeout). Healthy: 0; ' +
              'rejections mean more concurrent calls than the dependency was given room for.',
            queries: [
              {
                expr: sumRate(s, METRIC_BULKHEAD_REJECTIONS, [...SERVICE_PIPELINE, LABEL.bulkheadReason]),
                legend: `${SP} · {{${LABEL.bulkheadReason}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Rate-limit rejections',
            description:
              'Calls the rate limiters turned away per second. Healthy: 0, or a small steady number when ' +
              'the limit protects a paid or quota-bound API on purpose.',
            queries: [{ expr: sumRate(s, METRIC_RATELIMIT_REJECTIONS, SERVICE_PIPELINE), legend: SP }],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
        ],
      },
      {
        title: 'Fallbacks, hedges and chaos',
        panels: [
          timeseriesPanel({
            title: 'Fallbacks',
            description:
              'Calls answered by a fallback per second, by source (value, function, last good). Healthy: 0; ' +
              'every fallback is a user seeing a degraded answer.',
            queries: [
              {
                expr: sumRate(s, METRIC_FALLBACK_USES, [...SERVICE_PIPELINE, LABEL.fallbackSource]),
                legend: `${SP} · {{${LABEL.fallbackSource}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Hedges',
            description:
              'Hedged attempts started per second (a second request sent because the first was slow). Healthy: ' +
              'a few percent of the call rate; more means the dependency is often slower than the hedge delay.',
            queries: [{ expr: sumRate(s, METRIC_HEDGE_ATTEMPTS, SERVICE_PIPELINE), legend: SP }],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
          timeseriesPanel({
            title: 'Chaos injections',
            description:
              'Faults, delays and results injected by chaos policies per second, by kind. Healthy: 0 in ' +
              'production; in a chaos experiment, the rate you configured.',
            queries: [
              {
                expr: sumRate(s, METRIC_CHAOS_INJECTIONS, [...SERVICE_PIPELINE, LABEL.chaosInjected]),
                legend: `${SP} · {{${LABEL.chaosInjected}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
            links: [DRILL_DOWN],
          }),
        ],
      },
      {
        title: 'Health',
        panels: [
          stateTimelinePanel({
            title: 'Health status',
            description:
              'Overall status of each health monitor, worst instance. Healthy: green. Orange (degraded): a ' +
              'non-critical check fails; red (unhealthy): a critical check fails.',
            queries: [
              {
                expr: stateCode(
                  HEALTH_SCOPE,
                  METRIC_HEALTH_STATUS,
                  LABEL.healthStatus,
                  HEALTH_STATUS_STYLES.map((st) => st.state),
                  SERVICE_PIPELINE,
                ),
                legend: SP,
              },
            ],
            mappings: stateMappings(HEALTH_STATUS_STYLES),
            thresholds: [GOOD],
            w: 8,
            h: 8,
          }),
          tablePanel({
            title: 'Failing health checks',
            description:
              'Instances on which each health check failed its last run, most first. Healthy: 0 everywhere. A ' +
              'critical check failing pages (RampartCriticalHealthCheckFailing).',
            queries: [
              {
                expr: `sort_desc(sum by (${LABEL.job}, ${LABEL.pipeline}, ${LABEL.healthCheck}, ${LABEL.healthCritical}) (1 - ${select(
                  HEALTH_SCOPE,
                  METRIC_HEALTH_CHECK_UP,
                )}))`,
                legend: `{{${LABEL.healthCheck}}}`,
                instant: true,
                format: 'table',
              },
            ],
            unit: 'none',
            decimals: 0,
            thresholds: [GOOD, { value: 1, color: 'red' }],
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Health check duration p95',
            description:
              "How long health checks take (95th percentile across instances). Healthy: far below each check's " +
              'timeout; a check that creeps up is an early sign of the dependency slowing down.',
            queries: [
              {
                expr: quantile(0.95, HEALTH_SCOPE, METRIC_HEALTH_CHECK_DURATION, [
                  ...SERVICE_PIPELINE,
                  LABEL.healthCheck,
                ]),
                legend: `${SP} · {{${LABEL.healthCheck}}}`,
              },
            ],
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Per instance',
        collapsed: true,
        panels: [
          timeseriesPanel({
            title: 'Call rate by instance',
            description:
              'Calls per second on each instance. Healthy: instances of a service share the load evenly; one ' +
              'far from the others is worth a look at the load balancer.',
            queries: [
              {
                expr: calls(s, [...SERVICE_PIPELINE, LABEL.instance]),
                legend: `${SP} · {{${LABEL.instance}}}`,
              },
            ],
            unit: 'reqps',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Error ratio by instance',
            description:
              'Share of failed or rejected calls on each instance. Healthy: near 0 % everywhere; one instance ' +
              'alone in trouble points at that instance (its network, its pool), not the dependency.',
            queries: [
              {
                expr: errorRatio(s, [...SERVICE_PIPELINE, LABEL.instance]),
                legend: `${SP} · {{${LABEL.instance}}}`,
              },
            ],
            unit: 'percentunit',
            min: 0,
            thresholds: [GOOD, { value: RULE_DEFAULTS.errorRatio, color: 'red' }],
            w: 8,
            h: 8,
          }),
          stateTimelinePanel({
            title: 'Circuit state by instance',
            description:
              'Each instance keeps its own breakers (a breaker opens where the failures are seen). Healthy: all ' +
              'green. One instance red while the others are green: a local problem on that instance.',
            queries: [
              {
                expr: circuitStateCode(s, [...SERVICE_PIPELINE_POLICY, LABEL.instance]),
                legend: `${SPP} · {{${LABEL.instance}}}`,
              },
            ],
            mappings: stateMappings(CIRCUIT_STATE_STYLES),
            thresholds: [GOOD],
            w: 8,
            h: 8,
          }),
        ],
      },
    ],
  });
}
