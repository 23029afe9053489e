import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LABEL } from '../promql/labels.js';
import { promtool } from '../testing-fixtures/binaries.js';
import { ALERTING_GROUP, RECORDING_GROUP, ruleFile, ruleFileYaml, ruleSet, runbookUrl } from './groups.js';
import { ALERT_KEYS, RULE_DEFAULTS, type RuleOverrides, resolveRuleOptions } from './options.js';
import { formatG4, METRIC_PATHS, promtoolTestYaml } from './promtool.js';

const RUNBOOKS = fileURLToPath(new URL('../../../docs/runbooks/', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'rampart-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a rule set and its promtool tests for both paths into a fresh folder. */
function writeRules(
  name: string,
  overrides: RuleOverrides = {},
  testsFrom: RuleOverrides = overrides,
): string {
  const folder = join(dir, name);
  mkdirSync(join(folder, 'tests'), { recursive: true });
  writeFileSync(join(folder, 'rules.yml'), ruleFileYaml(ruleSet(overrides)));
  for (const path of METRIC_PATHS) {
    writeFileSync(
      join(folder, 'tests', `${path}.test.yml`),
      promtoolTestYaml(ruleSet(testsFrom), path, '../rules.yml'),
    );
  }
  return folder;
}

describe('rule options', () => {
  it('default to the shipped values and merge for: durations key by key', () => {
    const options = resolveRuleOptions({ for: { circuitOpen: '10m' } });
    expect(options.for.circuitOpen).toBe('10m');
    expect(options.for.errorRatio).toBe(RULE_DEFAULTS.for.errorRatio);
    expect(options.window).toBe('5m');
  });

  it.each([
    [
      { window: '5 minutes' },
      /window must be a Prometheus duration such as "30s", "5m" or "1h30m", got "5 minutes"/,
    ],
    [{ errorRatio: 0 }, /errorRatio must be a number > 0 and <= 1, got 0/],
    [{ errorRatio: 1.5 }, /errorRatio must be a number > 0 and <= 1, got 1.5/],
    [{ retryRatio: Number.NaN }, /retryRatio must be a number > 0, got NaN/],
    [{ minCallRate: -1 }, /minCallRate must be a number >= 0, got -1/],
    [{ for: { circuitOpen: 'soon' } }, /for.circuitOpen must be a Prometheus duration/],
    [
      { runbookBaseUrl: 'docs/runbooks/' },
      /runbookBaseUrl must be an http\(s\) URL without a trailing slash/,
    ],
  ] as [RuleOverrides, RegExp][])('refuses %j', (overrides, message) => {
    expect(() => resolveRuleOptions(overrides)).toThrow(message);
  });

  it('refuses unknown options and alerts, naming the known ones', () => {
    expect(() => resolveRuleOptions({ windw: '5m' } as RuleOverrides)).toThrow(
      /unknown option "windw"; known options: window/,
    );
    expect(() => resolveRuleOptions({ for: { circuitOpne: '1m' } } as RuleOverrides)).toThrow(
      /unknown alert "for.circuitOpne"; known alerts: circuitOpen/,
    );
  });
});

describe('the rule set', () => {
  const set = ruleSet();
  const file = ruleFile(set);

  it('has one recording and one alerting group, every alert of the issue in it', () => {
    expect(file.groups.map((g) => g.name)).toEqual([RECORDING_GROUP, ALERTING_GROUP]);
    expect(set.alerts.map((a) => a.key).sort()).toEqual([...ALERT_KEYS].sort());
    expect(new Set(set.alerts.map((a) => a.name)).size).toBe(set.alerts.length);
    expect(new Set(set.recording.map((r) => r.record)).size).toBe(set.recording.length);
  });

  it('aggregates per service and pipeline, never per instance', () => {
    for (const rule of set.recording) {
      const groupings = [...rule.expr.matchAll(/\bby \(([^)]*)\)/g)].map((m) => m[1] ?? '');
      expect(groupings.length, rule.record).toBeGreaterThan(0);
      for (const g of groupings) {
        expect(g.split(/,\s*/), rule.record).toContain(LABEL.job);
        expect(g.split(/,\s*/), rule.record).not.toContain(LABEL.instance);
      }
    }
    for (const alert of set.alerts) {
      expect(alert.expr, alert.name).not.toMatch(new RegExp(`\\b${LABEL.instance}\\b`));
      expect(alert.labels, alert.name).toContain(LABEL.job);
      expect(alert.labels, alert.name).toContain(LABEL.pipeline);
      expect(alert.labels, alert.name).not.toContain(LABEL.instance);
    }
  });

  it('gives every alert a severity, summary, description and a runbook that exists', () => {
    for (const rule of file.groups[1]?.rules ?? []) {
      const alert = rule as {
        alert: string;
        labels: { severity: string };
        annotations: Record<string, string>;
      };
      expect(['critical', 'warning']).toContain(alert.labels.severity);
      expect(alert.annotations.summary?.length, alert.alert).toBeGreaterThan(10);
      expect(alert.annotations.description?.length, alert.alert).toBeGreaterThan(40);
      expect(alert.annotations.runbook_url).toBe(runbookUrl(set.options, { name: alert.alert }));
      const runbook = join(RUNBOOKS, `${alert.alert}.md`);
      expect(existsSync(runbook), `docs/runbooks/${alert.alert}.md is missing`).toBe(true);
      const text = readFileSync(runbook, 'utf8');
      for (const section of ['## What it means', '## What to check', '## What to do']) {
        expect(text, `${alert.alert}.md lacks "${section}"`).toContain(section);
      }
    }
  });

  it('round-trips through YAML', () => {
    expect(parse(ruleFileYaml(set))).toEqual(file);
  });
});

describe('promtool', () => {
  it('accepts the rules file (promtool check rules)', () => {
    const folder = writeRules('defaults');
    const result = promtool(['check', 'rules', 'rules.yml'], folder);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(
      `SUCCESS: ${ruleSet().recording.length + ruleSet().alerts.length} rules found`,
    );
  });

  it.each(METRIC_PATHS)('passes the unit tests with %s-path metric names (promtool test rules)', (path) => {
    const folder = writeRules(`unit-${path}`);
    const result = promtool(['test', 'rules', `tests/${path}.test.yml`], folder);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('fails the unit tests when a threshold no longer matches what they expect', () => {
    // Rules with a 50 % error threshold, tests still expecting an alert at 10 % errors.
    const folder = writeRules('mutated', { errorRatio: 0.5 }, {});
    const result = promtool(['test', 'rules', 'tests/direct.test.yml'], folder);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('RampartErrorRatioHigh');
    expect(result.output).toContain('errors on two instances add up to a high error ratio');
  });

  it('fails the unit tests when series carry the other path’s names and the rules could not match them', () => {
    // Sanity check of the harness itself: a test file whose series no rule selects must fail.
    const folder = writeRules('names');
    const text = readFileSync(join(folder, 'tests', 'collector.test.yml'), 'utf8').replaceAll(
      'rampart_call_duration_seconds_count',
      'rampart_call_duration_milliseconds_count',
    );
    writeFileSync(join(folder, 'tests', 'collector.test.yml'), text);
    const result = promtool(['test', 'rules', 'tests/collector.test.yml'], folder);
    expect(result.status).not.toBe(0);
  });
});

describe('formatG4 (Go %.4g, as the annotations render values)', () => {
  it.each([
    [10, '10'],
    [0.1 * 100, '10'],
    [1, '1'],
    [0.1, '0.1'],
    [12.3456, '12.35'],
    [0, '0'],
    [2 / 3, '0.6667'],
  ])('%d → %s', (value, text) => {
    expect(formatG4(value)).toBe(text);
  });

  it('refuses values Go would print with an exponent', () => {
    expect(() => formatG4(12345)).toThrow(/needs an exponent/);
    expect(() => formatG4(0.00001)).toThrow(/needs an exponent/);
  });
});
