import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_BULKHEAD_QUEUED,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_FAILURE_RATIO,
  METRIC_CIRCUIT_SLOW_CALL_RATIO,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_FALLBACK_USES,
  METRIC_HEDGE_ATTEMPTS,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RATELIMIT_TOKENS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_BUDGET_REJECTIONS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
} from '@rampart/otel';
import { by, LABEL, SERVICE_PIPELINE, SERVICE_PIPELINE_POLICY } from '../promql/labels.js';
import {
  orZero,
  quantile,
  ratio,
  type Scope,
  select,
  sumGauge,
  sumIncrease,
  sumRate,
} from '../promql/query.js';
import { RULE_DEFAULTS } from '../rules/options.js';
import { buildDashboard } from './layout.js';
import { circuitStateCode, errorRatio, FLEET_SCOPE, PIPELINE_UID } from './overview.js';
import { heatmapPanel, stateTimelinePanel, tablePanel, timeseriesPanel } from './panels.js';
import { CIRCUIT_STATE_STYLES, stateMappings } from './states.js';
import {
  datasourceVariable,
  instanceVariable,
  numberVariable,
  pipelineVariable,
  serviceVariable,
} from './variables.js';

/** Default of the failure-ratio threshold line: rampart's default `failureRatio`. */
const DEFAULT_FAILURE_THRESHOLD = 0.5;
/** Default of the slow-call threshold line: rampart's default `slowCallRatio`. */
const DEFAULT_SLOW_THRESHOLD = 1;

const GOOD = { value: null, color: 'green' } as const;
const POLICY = `{{${LABEL.policy}}}`;
const INSTANCE = `{{${LABEL.instance}}}`;

/**
 * The drill-down for one pipeline of one service: why its circuit opened, how retries
 * are spread over attempts, where calls wait, what the fallbacks are hiding.
 */
export function pipelineDashboard(): Dashboard {
  const s: Scope = FLEET_SCOPE;
  const perPolicy = SERVICE_PIPELINE_POLICY;
  return buildDashboard({
    uid: PIPELINE_UID,
    title: 'rampart / Pipeline',
    description:
      'One pipeline of one service in detail: circuit breaker ratios against their thresholds, transitions, ' +
      'attempt distribution, retry budget, bulkhead queueing, fallbacks by error type, and a per-instance view.',
    variables: [
      datasourceVariable(),
      serviceVariable({ multi: false }),
      instanceVariable(),
      pipelineVariable({ multi: false }),
      numberVariable(
        'failure_threshold',
        'Failure threshold',
        DEFAULT_FAILURE_THRESHOLD,
        "The breaker's failureRatio, drawn as a line (rampart does not export thresholds; set it to your configuration).",
      ),
      numberVariable(
        'slow_threshold',
        'Slow-call threshold',
        DEFAULT_SLOW_THRESHOLD,
        "The breaker's slowCallRatio, drawn as a line.",
      ),
    ],
    rows: [
      {
        title: 'Calls',
        panels: [
          timeseriesPanel({
            title: 'Calls by outcome',
            description:
              'Calls per second by how they ended: success, failure, rejected (fail-fast by a breaker, bulkhead ' +
              'or rate limiter) and fallback. Healthy: almost all success.',
            queries: [
              {
                expr: sumRate(s, METRIC_CALL_DURATION, [LABEL.outcome], { part: 'count' }),
                legend: `{{${LABEL.outcome}}}`,
              },
            ],
            unit: 'reqps',
            min: 0,
            stacked: true,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Latency p50 / p95 / p99',
            description:
              'Call duration percentiles as callers see them, across the selected instances. Healthy: flat and ' +
              'well below the timeout.',
            queries: [0.5, 0.95, 0.99].map((q) => ({
              expr: quantile(q, s, METRIC_CALL_DURATION, SERVICE_PIPELINE),
              legend: `p${q * 100}`,
            })),
            unit: 's',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Failures by error type',
            description:
              'Failed and rejected calls per second by error type. Healthy: none. The type tells a broken ' +
              'dependency (5xx, connection errors) from protection kicking in (BrokenCircuitError, BulkheadRejectedError).',
            queries: [
              {
                expr: sumRate(s, METRIC_CALL_DURATION, [LABEL.errorType], {
                  part: 'count',
                  where: [`${LABEL.outcome}=~"failure|rejected"`],
                }),
                legend: `{{${LABEL.errorType}}}`,
              },
            ],
            unit: 'reqps',
            min: 0,
            stacked: true,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Circuit breaker',
        panels: [
          stateTimelinePanel({
            title: 'Circuit state by instance',
            description:
              'Each instance keeps its own breaker. Healthy: green (closed). Red: open, calls fail fast; yellow: ' +
              'half-open, probing; purple: isolated by an operator.',
            queries: [
              {
                expr: circuitStateCode(s, [LABEL.policy, LABEL.instance]),
                legend: `${POLICY} · ${INSTANCE}`,
              },
            ],
            mappings: stateMappings(CIRCUIT_STATE_STYLES),
            thresholds: [GOOD],
            w: 24,
            h: 6,
          }),
          timeseriesPanel({
            title: 'Failure ratio vs threshold',
            description:
              'Failure ratio each breaker sees (worst instance), against the failure threshold (dashed, from the ' +
              'variable above). Consecutive breakers report failures / threshold, so they trip at 1. Healthy: far below the line.',
            queries: [
              {
                expr: `max ${by(...perPolicy)} (${select(s, METRIC_CIRCUIT_FAILURE_RATIO)})`,
                legend: POLICY,
              },
              { expr: 'vector($failure_threshold)', legend: 'threshold' },
            ],
            unit: 'percentunit',
            min: 0,
            w: 6,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Slow-call ratio vs threshold',
            description:
              'Share of calls slower than slowCallDuration in the breaker window (worst instance), against the ' +
              'slow-call threshold. Healthy: far below the line; near it, the dependency is slowing down.',
            queries: [
              {
                expr: `max ${by(...perPolicy)} (${select(s, METRIC_CIRCUIT_SLOW_CALL_RATIO)})`,
                legend: POLICY,
              },
              { expr: 'vector($slow_threshold)', legend: 'threshold' },
            ],
            unit: 'percentunit',
            min: 0,
            w: 6,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Transitions',
            description:
              'Circuit state changes per interval, summed over instances. Healthy: none. A repeating ' +
              'closed → open → half_open → closed cycle is flapping.',
            queries: [
              {
                expr: sumIncrease(s, METRIC_CIRCUIT_TRANSITIONS, [LABEL.circuitFrom, LABEL.circuitTo]),
                legend: `{{${LABEL.circuitFrom}}} → {{${LABEL.circuitTo}}}`,
              },
            ],
            unit: 'short',
            min: 0,
            bars: true,
            w: 6,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Breaker calls by result',
            description:
              'How the breaker counted calls: success, failure, ignored (errors it does not handle) and rejected ' +
              '(while open). Healthy: success, with few failures and no rejections.',
            queries: [
              {
                expr: sumRate(s, METRIC_CIRCUIT_CALLS, [LABEL.circuitResult]),
                legend: `{{${LABEL.circuitResult}}}`,
              },
            ],
            unit: 'reqps',
            min: 0,
            stacked: true,
            w: 6,
            h: 8,
          }),
        ],
      },
      {
        title: 'Retries',
        panels: [
          timeseriesPanel({
            title: 'Attempts by attempt number',
            description:
              'Invocations of the protected function per second by attempt number (1 is the first try, 2 the ' +
              'first retry, 4+ the rest). Healthy: nearly everything at 1; a thick 2/3 band is a dependency failing transiently.',
            queries: [
              {
                expr: sumRate(s, METRIC_ATTEMPT_DURATION, [LABEL.attempt], { part: 'count' }),
                legend: `attempt {{${LABEL.attempt}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            stacked: true,
            bars: true,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Retry outcomes',
            description:
              'Calls through the retry policy by result. Healthy: success_without_retry. success_with_retry means ' +
              'retries are saving calls; failure_with_retry means they are only adding load.',
            queries: [
              {
                expr: sumRate(s, METRIC_RETRY_CALLS, [LABEL.retryResult]),
                legend: `{{${LABEL.retryResult}}}`,
              },
            ],
            unit: 'reqps',
            min: 0,
            stacked: true,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Retries by error type',
            description:
              'Retries per second by the error that caused them. Healthy: few, and of transient kinds.',
            queries: [
              {
                expr: sumRate(s, METRIC_RETRY_ATTEMPTS, [LABEL.errorType]),
                legend: `{{${LABEL.errorType}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            stacked: true,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Retry budget',
            description:
              'Left axis: retries and hedges per call, the extra load on the dependency. Right: retries and hedges ' +
              'per second the budget refused. Healthy: extra load well under the budget ratio and no refusals.',
            queries: [
              {
                expr: ratio(
                  `(\n  ${orZero(sumRate(s, METRIC_RETRY_ATTEMPTS, SERVICE_PIPELINE), sumRate(s, METRIC_CALL_DURATION, SERVICE_PIPELINE, { part: 'count' }))}\n+\n  ${orZero(sumRate(s, METRIC_HEDGE_ATTEMPTS, SERVICE_PIPELINE), sumRate(s, METRIC_CALL_DURATION, SERVICE_PIPELINE, { part: 'count' }))}\n)`,
                  sumRate(s, METRIC_CALL_DURATION, SERVICE_PIPELINE, { part: 'count' }),
                ),
                legend: 'extra load (retries + hedges per call)',
              },
              {
                expr: sumRate(s, METRIC_RETRY_BUDGET_REJECTIONS, [LABEL.policy]),
                legend: `refused by the budget · ${POLICY}`,
              },
            ],
            unit: 'percentunit',
            min: 0,
            w: 12,
            h: 8,
          }).overrideByQuery('B', [
            { id: 'unit', value: 'ops' },
            { id: 'custom.axisPlacement', value: 'right' },
            { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
          ]),
          timeseriesPanel({
            title: 'Timeouts',
            description:
              'Timeouts per second, per timeout policy. Healthy: 0. Compare with the latency panel: p99 pinned at ' +
              'the timeout means the budget is too tight or the dependency too slow.',
            queries: [{ expr: sumRate(s, METRIC_TIMEOUT_TIMEOUTS, [LABEL.policy]), legend: POLICY }],
            unit: 'ops',
            min: 0,
            w: 12,
            h: 8,
          }),
        ],
      },
      {
        title: 'Bulkhead and rate limiter',
        panels: [
          heatmapPanel({
            title: 'Bulkhead queue wait',
            description:
              'How long calls waited for a bulkhead slot, as a heatmap of the histogram buckets (darker: more ' +
              'calls). Healthy: everything in the lowest bucket (no wait); a band moving up means the bulkhead is too small or the dependency too slow.',
            queries: [
              {
                expr: sumIncrease(s, METRIC_BULKHEAD_QUEUE_DURATION, ['le'], { part: 'bucket' }),
                legend: '{{le}}',
                format: 'heatmap',
              },
            ],
            unit: 's',
            w: 12,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Bulkhead occupancy',
            description:
              'Calls running and waiting in the bulkhead against its limit, summed over instances. Healthy: active ' +
              'well under the limit and nothing queued.',
            queries: [
              { expr: sumGauge(s, METRIC_BULKHEAD_ACTIVE, [LABEL.policy]), legend: `active · ${POLICY}` },
              { expr: sumGauge(s, METRIC_BULKHEAD_QUEUED, [LABEL.policy]), legend: `queued · ${POLICY}` },
              { expr: sumGauge(s, METRIC_BULKHEAD_LIMIT, [LABEL.policy]), legend: `limit · ${POLICY}` },
            ],
            unit: 'short',
            min: 0,
            w: 12,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Bulkhead rejections by reason',
            description:
              'Calls turned away per second: queue_full (no room to wait) or queue_timeout (waited too long). Healthy: 0.',
            queries: [
              {
                expr: sumRate(s, METRIC_BULKHEAD_REJECTIONS, [LABEL.policy, LABEL.bulkheadReason]),
                legend: `${POLICY} · {{${LABEL.bulkheadReason}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Rate limiter tokens',
            description:
              'Tokens left in each rate limiter bucket, summed over instances. Healthy: above 0; at 0 every new ' +
              'call waits or is rejected.',
            queries: [{ expr: sumGauge(s, METRIC_RATELIMIT_TOKENS, [LABEL.policy]), legend: POLICY }],
            unit: 'short',
            min: 0,
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Rate-limit rejections',
            description:
              'Calls the rate limiter turned away per second. Healthy: 0 unless the limit is meant to bite.',
            queries: [{ expr: sumRate(s, METRIC_RATELIMIT_REJECTIONS, [LABEL.policy]), legend: POLICY }],
            unit: 'ops',
            min: 0,
            w: 8,
            h: 8,
          }),
        ],
      },
      {
        title: 'Fallback and hedging',
        panels: [
          tablePanel({
            title: 'Fallbacks by error type',
            description:
              'Fallback answers over the selected time range, by the error they replaced and where the answer ' +
              'came from. Healthy: empty. BrokenCircuitError rows are the breaker at work; others are the dependency failing.',
            queries: [
              {
                expr: `sort_desc(${sumIncrease(s, METRIC_FALLBACK_USES, [LABEL.policy, LABEL.fallbackSource, LABEL.errorType], { window: '$__range' })})`,
                legend: `{{${LABEL.errorType}}}`,
                instant: true,
                format: 'table',
              },
            ],
            unit: 'short',
            decimals: 0,
            w: 12,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Fallback rate',
            description: 'Calls answered by a fallback per second, by source. Healthy: 0.',
            queries: [
              {
                expr: sumRate(s, METRIC_FALLBACK_USES, [LABEL.fallbackSource]),
                legend: `{{${LABEL.fallbackSource}}}`,
              },
            ],
            unit: 'ops',
            min: 0,
            w: 6,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Hedged attempts',
            description:
              'Hedged attempts started per second. Healthy: a few percent of calls; many hedges mean the hedge ' +
              'delay is below the usual latency.',
            queries: [{ expr: sumRate(s, METRIC_HEDGE_ATTEMPTS, [LABEL.policy]), legend: POLICY }],
            unit: 'ops',
            min: 0,
            w: 6,
            h: 8,
          }),
        ],
      },
      {
        title: 'Per instance',
        collapsed: true,
        panels: [
          timeseriesPanel({
            title: 'Calls by instance',
            description: 'Calls per second on each instance. Healthy: an even spread.',
            queries: [
              {
                expr: sumRate(s, METRIC_CALL_DURATION, [LABEL.instance], { part: 'count' }),
                legend: INSTANCE,
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
              'Failed or rejected share of calls on each instance. Healthy: near 0 % everywhere; one instance ' +
              'alone in trouble is a local problem.',
            queries: [{ expr: errorRatio(s, [LABEL.instance]), legend: INSTANCE }],
            unit: 'percentunit',
            min: 0,
            thresholds: [GOOD, { value: RULE_DEFAULTS.errorRatio, color: 'red' }],
            w: 8,
            h: 8,
          }),
          timeseriesPanel({
            title: 'Failure ratio by instance',
            description:
              'The failure ratio each instance’s breaker sees. Healthy: all far below the threshold.',
            queries: [
              {
                expr: `max ${by(LABEL.instance, LABEL.policy)} (${select(s, METRIC_CIRCUIT_FAILURE_RATIO)})`,
                legend: `${INSTANCE} · ${POLICY}`,
              },
            ],
            unit: 'percentunit',
            min: 0,
            w: 8,
            h: 8,
          }),
        ],
      },
    ],
  });
}
