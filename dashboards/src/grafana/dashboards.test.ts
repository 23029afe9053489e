import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CIRCUIT_STATES,
  HEALTH_STATUSES,
  METRICS,
  type MetricDefinition,
  promNameRegex,
} from '@rampart/otel';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dashboardModels } from '../files.js';
import { LABEL } from '../promql/labels.js';
import { promtool } from '../testing-fixtures/binaries.js';
import { allPanels, panelQueries, substituteVariables, variableQueries } from './model.js';
import { DATASOURCE } from './panels.js';
import { CIRCUIT_STATE_STYLES, HEALTH_STATUS_STYLES } from './states.js';

const models = dashboardModels().map((d) => d.model);

/** Values a Grafana would substitute, for syntax checks. */
const VARIABLES = {
  datasource: 'prometheus',
  job: '.*',
  instance: '.*',
  pipeline: '.*',
  failure_threshold: '0.5',
  slow_threshold: '1',
  __rate_interval: '1m',
  __range: '1h',
};

/** Every regex/name by which a dashboard may select a metric: both paths, every histogram part. */
function knownSelectors(): Map<string, MetricDefinition> {
  const known = new Map<string, MetricDefinition>();
  for (const metric of METRICS) {
    const parts = metric.kind === 'histogram' ? (['bucket', 'sum', 'count'] as const) : [undefined];
    for (const part of parts) known.set(promNameRegex(metric, part), metric);
  }
  return known;
}

/** The metrics an expression selects; throws on a selector that matches no emitted metric. */
function selectedMetrics(expr: string): MetricDefinition[] {
  const known = knownSelectors();
  const found: MetricDefinition[] = [];
  let rest = expr.replace(/\{__name__=~"([^"]+)"/g, (_whole, regex: string) => {
    const metric = known.get(regex);
    if (metric === undefined) throw new Error(`selector __name__=~"${regex}" matches no rampart metric`);
    found.push(metric);
    return '{';
  });
  rest = rest.replace(/\b(rampart_[a-zA-Z0-9_]+)\{/g, (_whole, name: string) => {
    const metric = known.get(name);
    if (metric === undefined) throw new Error(`metric ${name} is not emitted by @rampart/otel`);
    found.push(metric);
    return '{';
  });
  // What is left may name labels only; any other rampart_ identifier is a hand-typed metric.
  const labels = new Set<string>(Object.values(LABEL));
  for (const token of rest.match(/\brampart_[a-zA-Z0-9_]+/g) ?? []) {
    if (!labels.has(token)) throw new Error(`"${token}" is neither a known selector nor a label: ${expr}`);
  }
  return found;
}

describe.each(models.map((m) => [m.title, m] as const))('dashboard %s', (_title, model: Dashboard) => {
  const panels = allPanels(model);

  it('has the Grafana model shape', () => {
    expect(model.uid).toMatch(/^rampart-[a-z-]+$/);
    expect(model.title).toMatch(/^rampart \/ /);
    expect(model.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(model.tags).toContain('rampart');
    expect(model.time).toEqual({ from: 'now-1h', to: 'now' });
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.id, panel.title).toBeTypeOf('number');
      expect(panel.title, 'a panel without title').toBeTruthy();
      expect(panel.datasource, panel.title).toEqual(DATASOURCE);
      expect(panel.gridPos, panel.title).toBeDefined();
      const targets = (panel.targets ?? []) as unknown as {
        refId: string;
        expr: string;
        datasource: unknown;
      }[];
      expect(targets.length, panel.title).toBeGreaterThan(0);
      expect(new Set(targets.map((t) => t.refId)).size, `${panel.title}: duplicate refIds`).toBe(
        targets.length,
      );
      for (const target of targets) {
        expect(target.refId, panel.title).toMatch(/^[A-Z]$/);
        expect(target.datasource, panel.title).toEqual(DATASOURCE);
      }
    }
    const ids = (model.panels ?? []).flatMap((p) => [
      p.id,
      ...('panels' in p ? p.panels.map((q) => q.id) : []),
    ]);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Map<string, string>();
    for (const panel of (model.panels ?? []).filter(
      (p) => p.type !== 'row' || !('collapsed' in p) || !p.collapsed,
    )) {
      const { x, y, w, h } = panel.gridPos ?? { x: -1, y: -1, w: 0, h: 0 };
      expect(x, panel.title).toBeGreaterThanOrEqual(0);
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const key = `${cx},${cy}`;
          expect(cells.get(key), `${panel.title} overlaps ${cells.get(key)}`).toBeUndefined();
          cells.set(key, panel.title ?? '');
        }
      }
    }
  });

  it('has the datasource, service, instance and pipeline variables', () => {
    const names = (model.templating.list ?? []).map((v) => v.name);
    expect(names.slice(0, 4)).toEqual(['datasource', 'job', 'instance', 'pipeline']);
    const datasource = model.templating.list?.[0];
    expect(datasource?.type).toBe('datasource');
    expect(datasource?.query).toBe('prometheus');
    for (const variable of variableQueries(model)) {
      expect(selectedMetrics(variable.selector).length, variable.name).toBe(1);
    }
  });

  it('describes every panel, saying what healthy looks like, and sets units', () => {
    for (const panel of panels) {
      expect(panel.description, panel.title).toMatch(/Healthy/);
      if (panel.type === 'timeseries' || panel.type === 'stat') {
        expect(panel.fieldConfig?.defaults.unit, `${panel.title} has no unit`).toBeTruthy();
      }
    }
  });

  it('names and colours every circuit and health state', () => {
    for (const panel of panels.filter((p) => p.type === 'state-timeline')) {
      const mappings = panel.fieldConfig?.defaults.mappings ?? [];
      const options = (mappings[0]?.options ?? {}) as Record<string, { text: string; color: string }>;
      const texts = Object.values(options).map((o) => o.text);
      const expected = panel.title?.startsWith('Health') ? HEALTH_STATUSES : CIRCUIT_STATES;
      expect([...texts].sort(), panel.title).toEqual([...expected].sort());
      for (const option of Object.values(options)) expect(option.color, panel.title).toBeTruthy();
    }
  });

  it('queries only metrics that @rampart/otel emits, through selectors that match both name paths', () => {
    for (const query of panelQueries(model)) {
      if (query.expr.startsWith('vector(')) continue;
      expect(selectedMetrics(query.expr).length, `${query.panel}: ${query.expr}`).toBeGreaterThan(0);
    }
  });

  it('filters every selector by service and instance and aggregates across instances', () => {
    for (const query of panelQueries(model)) {
      if (query.expr.startsWith('vector(')) continue;
      const selectors = query.expr.match(/\{[^}]*\}/g) ?? [];
      for (const selector of selectors) {
        expect(selector, query.panel).toContain(`${LABEL.job}=~"$job"`);
        expect(selector, query.panel).toContain(`${LABEL.instance}=~"$instance"`);
      }
      const groupings = [...query.expr.matchAll(/\bby \(([^)]*)\)/g)].map((m) => m[1] ?? '');
      expect(groupings.length, `${query.panel} does not aggregate: ${query.expr}`).toBeGreaterThan(0);
      const perInstance = groupings.some((g) => g.split(/,\s*/).includes(LABEL.instance));
      expect(perInstance, `${query.panel}: only "by instance" panels keep the instance label`).toBe(
        /by instance/i.test(query.panel),
      );
    }
  });
});

describe('the dashboards together', () => {
  it('show every metric rampart emits somewhere', () => {
    const shown = new Set(
      models.flatMap((m) =>
        panelQueries(m).flatMap((q) => (q.expr.startsWith('vector(') ? [] : selectedMetrics(q.expr))),
      ),
    );
    const missing = METRICS.filter((m) => !shown.has(m)).map((m) => m.name);
    expect(missing, 'metrics no panel shows').toEqual([]);
  });

  it('style every state @rampart/otel defines, from best to worst', () => {
    expect(CIRCUIT_STATE_STYLES.map((s) => s.state).sort()).toEqual([...CIRCUIT_STATES].sort());
    expect(HEALTH_STATUS_STYLES.map((s) => s.state)).toEqual([...HEALTH_STATUSES]);
  });

  it('have distinct uids and cover the issue’s panels', () => {
    expect(new Set(models.map((m) => m.uid)).size).toBe(models.length);
    const titles = models.flatMap((m) => allPanels(m).map((p: Panel) => p.title));
    for (const title of [
      'Call rate',
      'Error ratio',
      'Latency p50 / p95 / p99',
      'Circuit state',
      'Open circuits now',
      'Retry rate',
      'Retry ratio',
      'Timeouts',
      'Bulkhead saturation',
      'Rate-limit rejections',
      'Fallbacks',
      'Hedges',
      'Health status',
      'Failure ratio vs threshold',
      'Slow-call ratio vs threshold',
      'Transitions',
      'Attempts by attempt number',
      'Bulkhead queue wait',
      'Fallbacks by error type',
      'Retry budget',
    ]) {
      expect(titles).toContain(title);
    }
  });

  describe('PromQL syntax (promtool check rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-dashboards-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('parses every panel query and variable selector, variables substituted', () => {
      // promtool has no offline query parser, but it parses the expression of every rule.
      const queries = models.flatMap((m) => [
        ...panelQueries(m).map((q) => ({ name: `${m.title} / ${q.panel} / ${q.refId}`, expr: q.expr })),
        ...variableQueries(m).map((v) => ({ name: `${m.title} / variable ${v.name}`, expr: v.selector })),
      ]);
      const rules = queries.map((q, i) => ({
        record: `rampart_panel_query_${i}`,
        expr: substituteVariables(q.expr, VARIABLES),
      }));
      writeFileSync(join(dir, 'queries.yml'), stringify({ groups: [{ name: 'panels', rules }] }));
      const result = promtool(['check', 'rules', 'queries.yml'], dir);
      const failing = /rampart_panel_query_(\d+)/.exec(result.output);
      const culprit = failing === null ? '' : ` (${queries[Number(failing[1])]?.name})`;
      expect(result.status, `${result.output}${culprit}`).toBe(0);
      expect(result.output).toContain(`${queries.length} rules found`);
    });
  });
});
