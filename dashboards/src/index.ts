/**
 * @rampart/dashboards: Grafana dashboards and Prometheus recording/alert rules for rampart,
 * generated from `@rampart/otel`'s metric constants so that they query exactly what the
 * code emits, on both metric-name paths (direct exporter and OpenTelemetry Collector).
 */
export { dashboardModels, type GeneratedFile, generatedFiles, RULES_FILE } from './files.js';
export { DASHBOARD_TAG } from './grafana/layout.js';
export {
  type PanelQuery,
  panelQueries,
  substituteVariables,
  type VariableQuery,
  variableQueries,
} from './grafana/model.js';
export { FLEET_SCOPE, OVERVIEW_UID, overviewDashboard, PIPELINE_UID } from './grafana/overview.js';
export { pipelineDashboard } from './grafana/pipeline.js';
export { CIRCUIT_STATE_STYLES, HEALTH_STATUS_STYLES } from './grafana/states.js';
export {
  type PanelData,
  type PreviewOptions,
  type PreviewSeries,
  renderDashboardSvg,
  type TimeMark,
  type TimeRange,
} from './preview/svg.js';
export { LABEL } from './promql/labels.js';
export type { Scope } from './promql/query.js';
export type { AlertDefinition, AnnotationContext, Severity } from './rules/alerts.js';
export {
  ALERTING_GROUP,
  RECORDING_GROUP,
  type RuleSet,
  ruleFile,
  ruleFileYaml,
  ruleSet,
  runbookUrl,
} from './rules/groups.js';
export {
  ALERT_KEYS,
  type AlertKey,
  RULE_DEFAULTS,
  type RuleOptions,
  type RuleOverrides,
} from './rules/options.js';
export { METRIC_PATHS, type MetricPath, promtoolTestYaml } from './rules/promtool.js';
export { type RecordingRule, recordNames } from './rules/recording.js';
