/**
 * @rampart/config: every rampart threshold tunable from RAMPART_* environment variables
 * (built on convict), with every bad variable reported at once, typo suggestions,
 * profiles, a kill switch, live reload and the `rampart env` command.
 */
export {
  ConfigError,
  type ConfigIssue,
  type ConfigWarning,
  formatIssue,
  type ValueSource,
} from './errors.js';
export {
  type Constraint,
  describeConstraint,
  type FormatName,
  parseBoolean,
  parseDuration,
  parseRatio,
  type SettingValue,
  showDuration,
} from './formats.js';
export { type ConfigInspection, inspectConfig, type LoadConfigOptions, loadConfig } from './load.js';
export {
  CONFIG_FILE_VAR,
  ENABLED_VAR,
  PROFILE_VAR,
  pipelineEnabledName,
  pipelinePrefix,
  STRICT_VAR,
  variableName,
} from './names.js';
export {
  LAYER_NAMES,
  type LayerCodeOptions,
  type LayerName,
  type PipelineFromConfigOptions,
  pipelineFromConfig,
} from './pipeline.js';
export { PROFILE_PRESETS, PROFILES, type Profile } from './profiles.js';
export { SECTION_ENV, SECTIONS, SETTINGS, type SectionId, type Setting } from './settings.js';
export type {
  ConfiguredBreaker,
  ConfiguredBudget,
  ConfiguredBulkhead,
  ConfiguredChaos,
  ConfiguredFallback,
  ConfiguredHealth,
  ConfiguredHedge,
  ConfiguredRateLimit,
  ConfiguredRetry,
  ConfiguredTimeout,
  PipelineConfig,
  PolicySection,
  RampartConfig,
  SettingReport,
} from './types.js';
export {
  type AppliedChange,
  type ConfigChange,
  type ConfigWatcher,
  type ReloadResult,
  type WatchConfigOptions,
  watchConfig,
} from './watch.js';
