import { describe, expect, it } from 'vitest';
import {
  ATTR_ERROR_TYPE,
  ATTR_PIPELINE,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_FAILURE_RATIO,
  METRIC_CIRCUIT_STATE,
  METRIC_RETRY_CALLS,
  METRICS,
  type MetricDefinition,
  prometheusNames,
  promLabel,
  promNameRegex,
  promSelector,
} from './constants.js';

/** Prometheus anchors `=~` at both ends (RE2); JS RegExp has the same `(?:…)?` syntax. */
const anchored = (regex: string) => new RegExp(`^(?:${regex})$`);

describe('metric definitions', () => {
  it('has unique names in the rampart namespace, with OTel units and no _total', () => {
    const names = METRICS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const m of METRICS) {
      expect(m.name).toMatch(/^rampart\.[a-z_.]+$/);
      expect(m.name).not.toMatch(/_total$/);
      expect(m.description.length).toBeGreaterThan(10);
      if (m.kind === 'histogram') expect(m.unit).toBe('s');
      if (m.kind === 'counter') expect(m.unit).toMatch(/^\{[a-z_]+\}$/);
      expect(m.attributes).not.toContain(ATTR_PIPELINE);
    }
  });
});

describe('prometheusNames', () => {
  it('adds no unit suffix on the direct path and _seconds through a collector', () => {
    expect(prometheusNames(METRIC_CALL_DURATION)).toEqual({
      direct: 'rampart_call_duration',
      collector: 'rampart_call_duration_seconds',
    });
  });

  it('appends _total to counters on both paths', () => {
    expect(prometheusNames(METRIC_RETRY_CALLS)).toEqual({
      direct: 'rampart_retry_calls_total',
      collector: 'rampart_retry_calls_total',
    });
  });

  it('drops {annotation} units and does not repeat _ratio', () => {
    expect(prometheusNames(METRIC_CIRCUIT_STATE).collector).toBe('rampart_circuit_state');
    expect(prometheusNames(METRIC_CIRCUIT_FAILURE_RATIO).collector).toBe('rampart_circuit_failure_ratio');
  });

  it('follows the collector rules for units and suffixes it would add', () => {
    const m = (over: Partial<MetricDefinition>): MetricDefinition => ({
      name: 'x.y',
      kind: 'gauge',
      unit: '1',
      description: '',
      attributes: [],
      moves: '',
      ...over,
    });
    expect(prometheusNames(m({ unit: '1' })).collector).toBe('x_y_ratio');
    expect(prometheusNames(m({ unit: '1', kind: 'counter' })).collector).toBe('x_y_total');
    expect(prometheusNames(m({ unit: 'By' })).collector).toBe('x_y_bytes');
    expect(prometheusNames(m({ unit: 'By/s' })).collector).toBe('x_y_bytes_per_second');
    expect(prometheusNames(m({ name: 'x.seconds', unit: 's' })).collector).toBe('x_seconds');
    expect(prometheusNames(m({ name: 'x.total', kind: 'counter', unit: '{a}' }))).toEqual({
      direct: 'x_total',
      collector: 'x_total',
    });
  });

  it('gives every metric valid Prometheus names', () => {
    for (const m of METRICS) {
      const { direct, collector } = prometheusNames(m);
      expect(direct).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
      expect(collector).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
    }
  });
});

describe('promNameRegex / promSelector', () => {
  it('matches both paths and nothing else', () => {
    for (const m of METRICS) {
      const parts = m.kind === 'histogram' ? (['bucket', 'sum', 'count'] as const) : [undefined];
      for (const part of parts) {
        const re = anchored(promNameRegex(m, part));
        const suffix = part === undefined ? '' : `_${part}`;
        const { direct, collector } = prometheusNames(m);
        expect(re.test(direct + suffix)).toBe(true);
        expect(re.test(collector + suffix)).toBe(true);
        expect(re.test(`${direct}_x${suffix}`)).toBe(false);
        expect(re.test(`x${direct}${suffix}`)).toBe(false);
      }
    }
  });

  it('builds the selector from the issue', () => {
    expect(promSelector(METRIC_CALL_DURATION, 'bucket', 'rampart_pipeline=~"$pipeline"')).toBe(
      '{__name__=~"rampart_call_duration(?:_seconds)?_bucket",rampart_pipeline=~"$pipeline"}',
    );
    expect(promSelector(METRIC_CALL_DURATION, 'count')).toBe(
      '{__name__=~"rampart_call_duration(?:_seconds)?_count"}',
    );
  });

  it('uses the plain name when both paths agree', () => {
    expect(promSelector(METRIC_RETRY_CALLS)).toBe('rampart_retry_calls_total');
    expect(promSelector(METRIC_RETRY_CALLS, undefined, ['a="1"', ' ', 'b=~"x|y"'])).toBe(
      'rampart_retry_calls_total{a="1",b=~"x|y"}',
    );
  });

  it('refuses a histogram without a part, and a part on anything else', () => {
    expect(() => promNameRegex(METRIC_CALL_DURATION)).toThrow(/histogram; pass part/);
    expect(() => promNameRegex(METRIC_RETRY_CALLS, 'bucket')).toThrow(/only to histograms/);
  });

  it('turns attribute names into label names', () => {
    expect(promLabel(ATTR_PIPELINE)).toBe('rampart_pipeline');
    expect(promLabel(ATTR_ERROR_TYPE)).toBe('error_type');
    expect(promLabel('service.instance.id')).toBe('service_instance_id');
  });
});
