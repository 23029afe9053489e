import {
  type HistogramSeries,
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
  type MetricDefinition,
} from '@rampart/otel';
import { LABEL } from '../promql/labels.js';
import type { AlertKey } from './options.js';
import type { RecordNames } from './recording.js';

/**
 * Unit-test scenarios for the rules: series in, alerts (and recorded values) out. They are
 * written once against metric definitions and rendered into one `promtool test rules`
 * file per metric-name path, so both paths are held to the same expectations.
 * Time is in minutes from the start of a scenario; every input series is sampled once a
 * minute for `SCENARIO_MINUTES`.
 */

export interface InputSeries {
  readonly metric: MetricDefinition;
  readonly part?: HistogramSeries;
  readonly labels: Readonly<Record<string, string>>;
  /** One value per minute, or a promtool expanding notation such as `0+10x40`. */
  readonly values: string;
}

export interface FiringAlert {
  /** The alert's aggregation labels (severity is added from the definition). */
  readonly labels: Readonly<Record<string, string>>;
  /** The alert's value, as `{{ $value }}` would see it. */
  readonly value: number;
}

export interface AlertExpectation {
  readonly alert: AlertKey;
  readonly atMinute: number;
  /** The alerts firing at that time (empty: none is firing, pending does not count). */
  readonly firing: readonly FiringAlert[];
}

export interface RecordExpectation {
  readonly record: keyof RecordNames;
  readonly atMinute: number;
  readonly samples: readonly { readonly labels: Readonly<Record<string, string>>; readonly value: number }[];
}

export interface Scenario {
  readonly name: string;
  readonly series: readonly InputSeries[];
  readonly alerts: readonly AlertExpectation[];
  readonly records?: readonly RecordExpectation[];
}

/** Minutes of input data per scenario. */
export const SCENARIO_MINUTES = 40;
/** When most expectations are checked: past every default `for:` plus its window. */
const LATE = 25;

const SERVICE = 'checkout';
const PIPELINE = 'payments';
const A = 'checkout-a:9464';
const B = 'checkout-b:9464';

const at = (instance: string, extra: Record<string, string> = {}) => ({
  [LABEL.job]: SERVICE,
  [LABEL.instance]: instance,
  [LABEL.pipeline]: PIPELINE,
  ...extra,
});
const fleet = (extra: Record<string, string> = {}) => ({
  [LABEL.job]: SERVICE,
  [LABEL.pipeline]: PIPELINE,
  ...extra,
});

/** A counter that grows by `perMinute` every minute. */
const grows = (perMinute: number) => `0+${perMinute}x${SCENARIO_MINUTES}`;
/** A gauge that holds `value`. */
const holds = (value: number) => `${value}x${SCENARIO_MINUTES}`;

const calls = (instance: string, outcome: string, perMinute: number): InputSeries => ({
  metric: METRIC_CALL_DURATION,
  part: 'count',
  labels: at(instance, { [LABEL.outcome]: outcome }),
  values: grows(perMinute),
});

/** One-hot circuit-state series of one instance's breaker, in `state`. */
const circuit = (instance: string, state: string, policy = 'circuit_breaker'): InputSeries[] =>
  ['closed', 'open', 'half_open', 'isolated'].map((s) => ({
    metric: METRIC_CIRCUIT_STATE,
    labels: at(instance, { [LABEL.policy]: policy, [LABEL.circuitState]: s }),
    values: holds(s === state ? 1 : 0),
  }));

const none = (alert: AlertKey, atMinute = LATE): AlertExpectation => ({ alert, atMinute, firing: [] });

const ALL_ALERTS: readonly AlertKey[] = [
  'circuitOpen',
  'circuitFlapping',
  'errorRatio',
  'retryStorm',
  'timeoutsRising',
  'bulkheadSaturated',
  'bulkheadRejecting',
  'fallbackRate',
  'criticalHealthCheck',
  'retryBudgetExhausted',
];

/** A fleet of two instances in good health, with a little of everything. */
const healthyFleet: InputSeries[] = [A, B].flatMap((instance) => [
  calls(instance, 'success', 600),
  calls(instance, 'failure', 1),
  {
    metric: METRIC_RETRY_CALLS,
    labels: at(instance, { [LABEL.policy]: 'retry', [LABEL.retryResult]: 'success_without_retry' }),
    values: grows(600),
  },
  {
    metric: METRIC_RETRY_ATTEMPTS,
    labels: at(instance, { [LABEL.policy]: 'retry', [LABEL.errorType]: 'TimeoutError' }),
    values: grows(1),
  },
  ...circuit(instance, 'closed'),
  { metric: METRIC_BULKHEAD_ACTIVE, labels: at(instance, { [LABEL.policy]: 'bulkhead' }), values: holds(2) },
  { metric: METRIC_BULKHEAD_LIMIT, labels: at(instance, { [LABEL.policy]: 'bulkhead' }), values: holds(10) },
  {
    metric: METRIC_HEALTH_CHECK_UP,
    labels: at(instance, { [LABEL.healthCheck]: 'database', [LABEL.healthCritical]: 'true' }),
    values: holds(1),
  },
]);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a healthy fleet: no alert fires, absent counters read as zero',
    series: healthyFleet,
    alerts: ALL_ALERTS.map((alert) => none(alert)),
    records: [
      { record: 'timeoutRatio', atMinute: LATE, samples: [{ labels: fleet(), value: 0 }] },
      {
        record: 'budgetRejections',
        atMinute: LATE,
        samples: [{ labels: fleet({ [LABEL.policy]: 'retry' }), value: 0 }],
      },
      {
        record: 'circuitOpenInstances',
        atMinute: LATE,
        samples: [{ labels: fleet({ [LABEL.policy]: 'circuit_breaker' }), value: 0 }],
      },
      {
        record: 'bulkheadUtilization',
        atMinute: LATE,
        samples: [{ labels: fleet({ [LABEL.policy]: 'bulkhead' }), value: 0.2 }],
      },
    ],
  },
  {
    name: 'a circuit open on one instance for longer than the for: duration',
    series: [
      calls(A, 'rejected', 60),
      calls(B, 'success', 60),
      ...circuit(A, 'open'),
      ...circuit(B, 'closed'),
    ],
    alerts: [
      none('circuitOpen', 4),
      {
        alert: 'circuitOpen',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.policy]: 'circuit_breaker' }), value: 1 }],
      },
    ],
    records: [
      {
        record: 'circuitOpenInstances',
        atMinute: 1,
        samples: [{ labels: fleet({ [LABEL.policy]: 'circuit_breaker' }), value: 1 }],
      },
    ],
  },
  {
    name: 'a circuit that keeps re-opening is flapping',
    series: [
      calls(A, 'success', 60),
      ...circuit(A, 'closed'),
      {
        metric: METRIC_CIRCUIT_TRANSITIONS,
        labels: at(A, {
          [LABEL.policy]: 'circuit_breaker',
          [LABEL.circuitFrom]: 'closed',
          [LABEL.circuitTo]: 'open',
        }),
        // One opening every four minutes: 0 0 0 0 1 1 1 1 2 …
        values: Array.from({ length: SCENARIO_MINUTES + 1 }, (_, minute) => Math.floor(minute / 4)).join(' '),
      },
    ],
    alerts: [
      {
        alert: 'circuitFlapping',
        // Not on a minute where the count steps: the alerting group may read the recorded
        // series of the previous evaluation (groups are evaluated independently).
        atMinute: 22,
        firing: [{ labels: fleet({ [LABEL.policy]: 'circuit_breaker' }), value: 4 }],
      },
    ],
  },
  {
    name: 'errors on two instances add up to a high error ratio for the service',
    series: [
      calls(A, 'success', 90),
      calls(A, 'failure', 10),
      calls(B, 'success', 90),
      calls(B, 'rejected', 10),
    ],
    alerts: [
      none('errorRatio', 4),
      { alert: 'errorRatio', atMinute: LATE, firing: [{ labels: fleet(), value: 0.1 }] },
    ],
    records: [{ record: 'errorRatio', atMinute: LATE, samples: [{ labels: fleet(), value: 0.1 }] }],
  },
  {
    name: 'ratio alerts stay quiet when there is too little traffic',
    series: [calls(A, 'success', 1), calls(A, 'failure', 1)],
    alerts: [none('errorRatio')],
  },
  {
    name: 'retries adding half again the traffic are a retry storm',
    series: [
      calls(A, 'success', 120),
      {
        metric: METRIC_RETRY_CALLS,
        labels: at(A, { [LABEL.policy]: 'retry', [LABEL.retryResult]: 'success_with_retry' }),
        values: grows(60),
      },
      {
        metric: METRIC_RETRY_CALLS,
        labels: at(A, { [LABEL.policy]: 'retry', [LABEL.retryResult]: 'success_without_retry' }),
        values: grows(60),
      },
      {
        metric: METRIC_RETRY_ATTEMPTS,
        labels: at(A, { [LABEL.policy]: 'retry', [LABEL.errorType]: 'TimeoutError' }),
        values: grows(60),
      },
    ],
    alerts: [
      {
        alert: 'retryStorm',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.policy]: 'retry' }), value: 0.5 }],
      },
    ],
  },
  {
    name: 'one call in ten timing out',
    series: [
      calls(A, 'success', 100),
      { metric: METRIC_TIMEOUT_TIMEOUTS, labels: at(A, { [LABEL.policy]: 'timeout' }), values: grows(10) },
    ],
    alerts: [{ alert: 'timeoutsRising', atMinute: LATE, firing: [{ labels: fleet(), value: 0.1 }] }],
  },
  {
    name: 'every bulkhead slot in use across the fleet',
    series: [A, B].flatMap((instance) => [
      calls(instance, 'success', 100),
      {
        metric: METRIC_BULKHEAD_ACTIVE,
        labels: at(instance, { [LABEL.policy]: 'bulkhead' }),
        values: holds(10),
      },
      {
        metric: METRIC_BULKHEAD_LIMIT,
        labels: at(instance, { [LABEL.policy]: 'bulkhead' }),
        values: holds(10),
      },
    ]),
    alerts: [
      none('bulkheadSaturated', 8),
      {
        alert: 'bulkheadSaturated',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.policy]: 'bulkhead' }), value: 1 }],
      },
    ],
  },
  {
    name: 'a bulkhead turning away one call in twenty',
    series: [
      calls(A, 'success', 95),
      calls(A, 'rejected', 5),
      { metric: METRIC_BULKHEAD_LIMIT, labels: at(A, { [LABEL.policy]: 'bulkhead' }), values: holds(10) },
      {
        metric: METRIC_BULKHEAD_REJECTIONS,
        labels: at(A, { [LABEL.policy]: 'bulkhead', [LABEL.bulkheadReason]: 'queue_full' }),
        values: grows(5),
      },
    ],
    alerts: [
      {
        alert: 'bulkheadRejecting',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.policy]: 'bulkhead' }), value: 0.05 }],
      },
    ],
  },
  {
    name: 'a fifth of calls answered by a fallback',
    series: [
      calls(A, 'success', 80),
      calls(A, 'fallback', 20),
      {
        metric: METRIC_FALLBACK_USES,
        labels: at(A, {
          [LABEL.policy]: 'fallback',
          [LABEL.fallbackSource]: 'value',
          [LABEL.errorType]: 'BrokenCircuitError',
        }),
        values: grows(20),
      },
    ],
    alerts: [{ alert: 'fallbackRate', atMinute: LATE, firing: [{ labels: fleet(), value: 0.2 }] }],
  },
  {
    name: 'a critical check failing on one instance pages; a non-critical one does not',
    series: [A, B].flatMap((instance) => [
      {
        metric: METRIC_HEALTH_CHECK_UP,
        labels: at(instance, { [LABEL.healthCheck]: 'database', [LABEL.healthCritical]: 'true' }),
        values: holds(instance === A ? 0 : 1),
      },
      {
        metric: METRIC_HEALTH_CHECK_UP,
        labels: at(instance, { [LABEL.healthCheck]: 'cache', [LABEL.healthCritical]: 'false' }),
        values: holds(0),
      },
    ]),
    alerts: [
      {
        alert: 'criticalHealthCheck',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.healthCheck]: 'database' }), value: 1 }],
      },
    ],
  },
  {
    name: 'a retry budget refusing retries',
    series: [
      calls(A, 'failure', 60),
      {
        metric: METRIC_RETRY_CALLS,
        labels: at(A, { [LABEL.policy]: 'retry', [LABEL.retryResult]: 'failure_without_retry' }),
        values: grows(60),
      },
      {
        metric: METRIC_RETRY_BUDGET_REJECTIONS,
        labels: at(A, { [LABEL.policy]: 'retry' }),
        values: grows(6),
      },
    ],
    alerts: [
      {
        alert: 'retryBudgetExhausted',
        atMinute: LATE,
        firing: [{ labels: fleet({ [LABEL.policy]: 'retry' }), value: 0.1 }],
      },
    ],
  },
];
