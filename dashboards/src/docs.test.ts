import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dashboardModels } from './files.js';
import { allPanels } from './grafana/model.js';
import { ruleSet } from './rules/groups.js';
import { RULE_DEFAULTS } from './rules/options.js';

const doc = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../docs/${name}`, import.meta.url)), 'utf8');

describe('docs/dashboards.md', () => {
  const text = doc('dashboards.md');

  it('describes every panel of every dashboard', () => {
    for (const { model } of dashboardModels()) {
      expect(text).toContain(model.title);
      for (const panel of allPanels(model))
        expect(text, `${model.title}: ${panel.title}`).toContain(panel.title);
    }
  });

  it('shows the previews drawn by the end-to-end test', () => {
    for (const { model } of dashboardModels()) expect(text).toContain(`images/${model.uid}.svg`);
  });
});

describe('docs/alerts.md', () => {
  const text = doc('alerts.md');
  const set = ruleSet();

  it('lists every alert with its runbook and every recording rule', () => {
    for (const alert of set.alerts) {
      expect(text).toContain(`\`${alert.name}\``);
      expect(text).toContain(`runbooks/${alert.name}.md`);
    }
    for (const rule of set.recording) expect(text).toContain(`\`${rule.record}\``);
  });

  it('documents every option with its default', () => {
    for (const [option, value] of Object.entries(RULE_DEFAULTS)) {
      if (option === 'for') continue;
      const cell = typeof value === 'number' ? String(value) : `\`${value}\``;
      expect(text, option).toContain(`| \`${option}\` | ${cell} |`);
    }
  });
});
