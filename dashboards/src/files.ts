import { overviewDashboard } from './grafana/overview.js';
import { pipelineDashboard } from './grafana/pipeline.js';
import { ruleFileYaml, ruleSet } from './rules/groups.js';
import type { RuleOverrides } from './rules/options.js';
import { METRIC_PATHS, promtoolTestYaml } from './rules/promtool.js';

/** One generated file, relative to `dashboards/generated/`. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** Where the rules file sits in the generated folder (Prometheus configs load it from here). */
export const RULES_FILE = 'prometheus/rampart-rules.yml';

/** The dashboards, by the file they are written to. */
export function dashboardModels() {
  return [
    { path: 'grafana/rampart-overview.json', model: overviewDashboard() },
    { path: 'grafana/rampart-pipeline.json', model: pipelineDashboard() },
  ] as const;
}

/**
 * Every generated file: the Grafana dashboards, the Prometheus rules and their promtool
 * unit tests (one per metric-name path). The build writes them; a test compares them with
 * the committed copies. `env` may set `RAMPART_RUNBOOK_BASE_URL`.
 */
export function generatedFiles(env: Readonly<Record<string, string | undefined>> = {}): GeneratedFile[] {
  const overrides: RuleOverrides =
    env.RAMPART_RUNBOOK_BASE_URL === undefined ? {} : { runbookBaseUrl: env.RAMPART_RUNBOOK_BASE_URL };
  const set = ruleSet(overrides);
  return [
    ...dashboardModels().map(({ path, model }) => ({ path, content: `${JSON.stringify(model, null, 2)}\n` })),
    { path: RULES_FILE, content: ruleFileYaml(set) },
    ...METRIC_PATHS.map((metricPath) => ({
      path: `prometheus/tests/${metricPath}.test.yml`,
      content: promtoolTestYaml(set, metricPath, '../rampart-rules.yml'),
    })),
  ];
}
