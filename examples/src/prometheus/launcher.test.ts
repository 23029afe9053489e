import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, findRuleFiles, launchPrometheus, prometheusConfig } from './launcher.js';

const scratch = mkdtempSync(join(tmpdir(), 'rampart-launcher-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const RULES = `groups:
  - name: demo
    rules:
      - alert: DemoAlwaysFiring
        expr: vector(1)
`;

describe('findOnPath', () => {
  it('finds an executable on PATH and skips what is not executable', () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'not-exec'), '');
    writeFileSync(join(bin, 'tool'), '#!/bin/sh\n');
    chmodSync(join(bin, 'tool'), 0o755);
    expect(findOnPath('tool', `/nonexistent:${bin}`)).toBe(join(bin, 'tool'));
    expect(findOnPath('not-exec', bin)).toBeUndefined();
    expect(findOnPath('prometheus-that-is-not-there', bin)).toBeUndefined();
  });
});

describe('findRuleFiles', () => {
  it('collects YAML rule files (with groups:) recursively and ignores the rest', () => {
    const dir = join(scratch, 'generated');
    mkdirSync(join(dir, 'rules'), { recursive: true });
    writeFileSync(join(dir, 'rules', 'alerts.yml'), RULES);
    writeFileSync(join(dir, 'recording.yaml'), RULES);
    writeFileSync(join(dir, 'dashboard.json'), '{}');
    writeFileSync(join(dir, 'other.yml'), 'scrape_configs: []\n');
    expect(findRuleFiles(dir)).toEqual([join(dir, 'recording.yaml'), join(dir, 'rules', 'alerts.yml')]);
    expect(findRuleFiles(join(scratch, 'missing'))).toEqual([]);
    expect(findRuleFiles(undefined)).toEqual([]);
  });
});

const promtool = findOnPath('promtool');
const prometheus = findOnPath('prometheus');

describe('prometheusConfig', () => {
  it('scrapes the demo and loads the rules', () => {
    const config = prometheusConfig({
      target: '127.0.0.1:9464',
      ruleFiles: ['/x/a.yml'],
      scrapeInterval: '2s',
    });
    expect(config).toContain('scrape_interval: 2s');
    expect(config).toContain('- "/x/a.yml"');
    expect(config).toContain('targets: ["127.0.0.1:9464"]');
    expect(config).toContain('job_name: "rampart-demo"');
  });

  it.skipIf(promtool === undefined)('is accepted by promtool check config, rules included', () => {
    const rules = join(scratch, 'check-rules.yml');
    writeFileSync(rules, RULES);
    const file = join(scratch, 'prometheus.yml');
    writeFileSync(file, prometheusConfig({ target: '127.0.0.1:9464', ruleFiles: [rules] }));
    const out = execFileSync(promtool!, ['check', 'config', file], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS/);
  });
});

describe.skipIf(prometheus === undefined)('launchPrometheus', () => {
  it('starts a real Prometheus on loopback, loads the rules, and stops it leaving nothing behind', async () => {
    const rules = join(scratch, 'launch-rules.yml');
    writeFileSync(rules, RULES);
    const running = await launchPrometheus({
      binary: prometheus!,
      port: 0,
      target: '127.0.0.1:9',
      ruleFiles: [rules],
      scrapeInterval: '1s',
    });
    try {
      expect(existsSync(join(running.dir, 'prometheus.yml'))).toBe(true);
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const groups = (await (await fetch(`${running.url}/api/v1/rules`)).json()) as {
        data: { groups: { name: string }[] };
      };
      expect(groups.data.groups.map((g) => g.name)).toEqual(['demo']);
    } finally {
      await running.stop();
    }
    await expect(fetch(`${running.url}/-/ready`)).rejects.toThrow();
    expect(existsSync(running.dir)).toBe(false);
  }, 60_000);

  it('reports a Prometheus that cannot start, with its own words', async () => {
    const broken = join(scratch, 'broken-rules.yml');
    writeFileSync(broken, RULES.replace('vector(1)', 'vector(1'));
    const error = await launchPrometheus({
      binary: prometheus!,
      port: 0,
      target: '127.0.0.1:9',
      ruleFiles: [broken],
    }).then(
      // Started after all (it should not have): stop it, and fail below.
      async (running) => {
        await running.stop();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/prometheus exited \(code \d+\) before it was ready/);
    expect(error?.message).toMatch(/broken-rules\.yml/);
  }, 60_000);
});

it('leaves the scratch folder usable', () => {
  expect(existsSync(scratch)).toBe(true);
});
