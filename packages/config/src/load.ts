import { readFileSync } from 'node:fs';
import { createConvict, META_TARGETS, planSchema, type VariableTarget } from './convict-schema.js';
import { parseEnvFile } from './env-file.js';
import { ConfigError, type ConfigIssue, type ConfigWarning, type ValueSource } from './errors.js';
import {
  type Constraint,
  checkValue,
  describeConstraint,
  FormatViolation,
  type SettingValue,
  showValue,
} from './formats.js';
import {
  CONFIG_FILE_VAR,
  checkPipelineNames,
  ENABLED_VAR,
  PREFIX,
  PROFILE_VAR,
  pipelineEnabledName,
  pipelinePrefix,
  STRICT_VAR,
  variableName,
} from './names.js';
import { setPath } from './paths.js';
import { PROFILE_PRESETS, PROFILES, type Profile, profileFromNodeEnv } from './profiles.js';
import { type OwnValue, Scope } from './resolve.js';
import { SECTION_ENV, SETTINGS, type Setting, settingId } from './settings.js';
import { nearest } from './suggest.js';
import type { PipelineConfig, RampartConfig, SettingReport } from './types.js';

/** Options of `loadConfig`. */
export interface LoadConfigOptions<P extends string = string> {
  /** The pipelines to configure; each gets its `RAMPART_<PIPELINE>_*` variables. */
  readonly pipelines: readonly P[];
  /** The variables to read. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * An env file read on top of `env` (its values win over the environment's); `null` reads
   * none. @defaultValue the file named by RAMPART_CONFIG_FILE, if any
   */
  readonly file?: string | null | undefined;
  /** The profile when RAMPART_PROFILE is not set. @defaultValue from NODE_ENV (development, production), else none */
  readonly profile?: Profile | undefined;
  /** Unknown RAMPART_* variables are errors, when RAMPART_STRICT is not set. @defaultValue false */
  readonly strict?: boolean | undefined;
}

/** Everything `loadConfig` found, without throwing: what `rampart env` prints. */
export interface ConfigInspection<P extends string = string> {
  /** The configuration, or undefined when there are issues. */
  readonly config: RampartConfig<P> | undefined;
  readonly issues: readonly ConfigIssue[];
  readonly warnings: readonly ConfigWarning[];
  readonly settings: readonly SettingReport[];
}

/** A variable as given, with where it came from. */
interface RawValue {
  readonly text: string;
  readonly source: 'env' | 'file';
  /** `env`, or `file <path>:<line>`. */
  readonly where: string;
}

const BOOLEAN: Constraint = { format: 'boolean' };

/**
 * Reads rampart's variables (and the env file, if any) into option objects for the core
 * factories. Throws one `ConfigError` listing every bad variable; unknown `RAMPART_*`
 * variables come back as `warnings` (errors with `RAMPART_STRICT=true`).
 *
 * @example
 * const config = loadConfig({ pipelines: ['payments', 'search'] });
 * const payments = pipeline('payments', [
 *   circuitBreaker(config.pipelines.payments.breaker),
 *   retry(config.pipelines.payments.retry),
 *   timeout(config.pipelines.payments.timeout),
 * ], { enabled: config.pipelines.payments.enabled });
 */
export function loadConfig<const P extends string>(options: LoadConfigOptions<P>): RampartConfig<P> {
  const inspection = inspectConfig(options);
  if (inspection.config === undefined) throw new ConfigError(inspection.issues);
  return inspection.config;
}

/** Like `loadConfig`, but returns the issues instead of throwing (for tools and the CLI). */
export function inspectConfig<const P extends string>(options: LoadConfigOptions<P>): ConfigInspection<P> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('loadConfig: options must be an object like { pipelines: ["payments"] }');
  }
  const pipelines = checkPipelineNames(options.pipelines);
  if (options.profile !== undefined && !PROFILES.includes(options.profile)) {
    throw new TypeError(
      `loadConfig: profile must be one of ${PROFILES.join(', ')}, got ${String(options.profile)}`,
    );
  }
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw new TypeError(`loadConfig: strict must be true or false, got ${String(options.strict)}`);
  }
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const warnings: ConfigWarning[] = [];

  // 1. The raw variables: the environment, then the file on top.
  const raw = new Map<string, RawValue>();
  for (const [name, text] of Object.entries(env)) {
    // An empty value counts as unset (templated deployments often render `NAME=`).
    if (name.startsWith(PREFIX) && text !== undefined && text.trim() !== '') {
      raw.set(name, { text, source: 'env', where: 'env' });
    }
  }
  const envFile = nonEmpty(env[CONFIG_FILE_VAR]);
  const file = options.file === null ? undefined : (nonEmpty(options.file ?? undefined) ?? envFile);
  if (file !== undefined) readEnvFile(file, raw, issues, warnings);

  // 2. convict: schema, defaults, then the variables over them.
  const codeProfile = options.profile ?? profileFromNodeEnv(env.NODE_ENV);
  const plan = planSchema(pipelines, { strict: options.strict ?? false, profile: codeProfile ?? null });
  const vars: Record<string, string> = {};
  for (const [name, value] of raw)
    if (plan.targets.has(name) && name !== CONFIG_FILE_VAR) vars[name] = value.text;
  const conf = createConvict(plan, vars);

  // 3. Every variable checked, every problem collected.
  const invalid = new Set<string>();
  for (const target of plan.targets.values()) {
    if (target.kind === 'file') continue;
    const value = conf.get(target.path as never) as unknown;
    if (value === null) continue; // a pipeline setting left to inherit
    try {
      checkValue(constraintOf(target), value);
    } catch (error) {
      if (!(error instanceof FormatViolation)) throw error;
      invalid.add(target.variable);
      const given = raw.get(target.variable);
      issues.push({
        variable: target.variable,
        value: given?.text ?? String(value),
        allowed: error.allowed,
        source: given?.where ?? 'default',
      });
    }
  }
  const strictValue = conf.get('strict' as never) as unknown;
  const strict = typeof strictValue === 'boolean' ? strictValue : (options.strict ?? false);
  const profileValue = conf.get('profile' as never) as unknown;
  const profile = invalid.has(PROFILE_VAR) ? undefined : ((profileValue as Profile | null) ?? undefined);

  // 4. The profile layer: under the variables, over the defaults (convict re-applies the
  //    environment after `load`).
  const preset = profile === undefined ? {} : PROFILE_PRESETS[profile];
  if (Object.keys(preset).length > 0) {
    const layer: Record<string, unknown> = {};
    for (const [id, value] of Object.entries(preset)) setPath(layer, `global.${id}`, value);
    conf.load(layer);
  }

  // 5. Unknown variables, with the nearest valid name.
  const known = [...plan.targets.keys()];
  for (const [name, given] of raw) {
    if (plan.targets.has(name)) continue;
    const suggestion = nearest(name, known)!;
    const hint = undeclaredPipelineHint(name, pipelines);
    if (strict) {
      issues.push({
        variable: name,
        value: given.text,
        allowed: `a known rampart variable (RAMPART_STRICT is on)${hint}; did you mean ${suggestion}?`,
        source: given.where,
      });
    } else {
      warnings.push({
        variable: name,
        value: given.text,
        message: `unknown variable${hint}; did you mean ${suggestion}?`,
        suggestion,
      });
    }
  }

  // 6. Scopes: global, then each pipeline inheriting from it.
  const ownValue = (variable: string, path: string): OwnValue => {
    const given = raw.get(variable);
    if (given === undefined) return undefined;
    return {
      value: conf.get(path as never) as SettingValue,
      source: given.source,
      supplier: variable,
      text: given.text,
      where: given.where,
      valid: !invalid.has(variable),
    };
  };
  const global = new Scope(undefined, (setting) => {
    const variable = variableName(setting);
    const fromVariable = ownValue(variable, `global.${settingId(setting)}`);
    if (fromVariable !== undefined) return fromVariable;
    const id = settingId(setting);
    const inPreset = Object.hasOwn(preset, id);
    return {
      value: inPreset ? preset[id]! : setting.default,
      source: inPreset ? 'profile' : 'default',
      supplier: undefined,
      text: undefined,
      where: undefined,
      valid: true,
    };
  });
  const scopes = new Map<string, Scope>();
  for (const pipeline of pipelines) {
    const base = `pipelines.${pipelinePrefix(pipeline)}`;
    scopes.set(
      pipeline,
      new Scope(
        pipeline,
        (setting) => ownValue(variableName(setting, pipeline), `${base}.${settingId(setting)}`),
        global,
      ),
    );
  }
  for (const scope of [global, ...scopes.values()]) {
    for (const issue of scope.crossCheck()) {
      if (!issues.some((i) => i.variable === issue.variable && i.allowed === issue.allowed))
        issues.push(issue);
    }
  }
  warnings.push(...noEffectWarnings(raw, [global, ...scopes.values()]));

  // 7. The report of every variable, and the config when nothing is wrong.
  const enabledValue = conf.get('enabled' as never) as unknown;
  const enabled = enabledValue !== false;
  const pipelineEnabled = (pipeline: string) =>
    enabled && conf.get(`pipelines.${pipelinePrefix(pipeline)}.enabled` as never) !== false;
  const settings = report({
    raw,
    conf: (path) => conf.get(path as never) as unknown,
    invalid,
    global,
    scopes,
    strictDefault: options.strict ?? false,
    profile,
    profileFromCode: options.profile,
    nodeEnvProfile: profileFromNodeEnv(env.NODE_ENV),
    file,
    fileFromCode: options.file !== undefined && options.file !== null,
  });
  if (issues.length > 0) return { config: undefined, issues, warnings, settings };

  // convict's own check of the whole instance against the schema; ours above is stricter,
  // so this only fails on a bug in the schema itself.
  conf.validate({ allowed: 'strict' });

  const configs: Record<string, PipelineConfig> = {};
  for (const [pipeline, scope] of scopes) {
    configs[pipeline] = { enabled: pipelineEnabled(pipeline), ...scope.build() };
  }
  const sources: Record<string, ValueSource> = {};
  for (const row of settings) sources[row.variable] = row.source;
  const config: RampartConfig<P> = {
    enabled,
    profile,
    strict,
    file,
    pipelines: configs as RampartConfig<P>['pipelines'],
    defaults: global.build(),
    health: global.buildHealth(),
    warnings,
    sources,
    settings,
  };
  return { config, issues, warnings, settings };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function constraintOf(target: VariableTarget): Constraint {
  if (target.kind === 'setting') return target.setting;
  if (target.kind === 'meta') return target.constraint;
  return BOOLEAN;
}

/** Reads the env file into `raw` (its values win), or records why it could not be read. */
function readEnvFile(
  file: string,
  raw: Map<string, RawValue>,
  issues: ConfigIssue[],
  warnings: ConfigWarning[],
): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    issues.push({ variable: CONFIG_FILE_VAR, value: file, allowed: `a readable env file (${reason})` });
    return;
  }
  const parsed = parseEnvFile(text, file);
  issues.push(...parsed.issues);
  for (const [name, entry] of parsed.entries) {
    if (!name.startsWith(PREFIX) || entry.value.trim() === '') continue;
    if (name === CONFIG_FILE_VAR) {
      warnings.push({
        variable: name,
        value: entry.value,
        message: `ignored in an env file (${file}:${entry.line}): name the file in the environment or in code`,
      });
      continue;
    }
    raw.set(name, { text: entry.value, source: 'file', where: `file ${file}:${entry.line}` });
  }
}

/**
 * For `RAMPART_ORDERS_RETRY_MAX_ATTEMPTS` when no pipeline maps to ORDERS: says so, and
 * which prefixes the declared pipelines have.
 */
function undeclaredPipelineHint(name: string, pipelines: readonly string[]): string {
  const suffixes = [
    'ENABLED',
    ...SETTINGS.filter((s) => s.perPipeline).map((s) => `${SECTION_ENV[s.section]}_${s.option}`),
  ];
  const suffix = suffixes
    .filter((s) => name.endsWith(`_${s}`) && name.length > PREFIX.length + s.length + 1)
    .sort((a, b) => b.length - a.length)[0];
  if (suffix === undefined) return '';
  const prefix = name.slice(PREFIX.length, -(suffix.length + 1));
  const declared =
    pipelines.length === 0
      ? 'no pipelines are declared'
      : `declared: ${pipelines.map((p) => `${p} → ${pipelinePrefix(p)}`).join(', ')}`;
  return ` (no declared pipeline maps to ${prefix}; ${declared})`;
}

/**
 * Variables that are set but change nothing: `RAMPART_BREAKER_SIZE` when no scope that
 * reads it uses a count breaker, `RAMPART_RETRY_BACKOFF_FACTOR` with a constant backoff.
 */
function noEffectWarnings(raw: ReadonlyMap<string, RawValue>, scopes: readonly Scope[]): ConfigWarning[] {
  const used = new Set<string>();
  const relevant = new Map<string, Setting>();
  for (const scope of scopes) {
    for (const setting of SETTINGS) {
      if (setting.onlyFor === undefined || (!setting.perPipeline && scope.pipeline !== undefined)) continue;
      const value = scope.get(settingId(setting));
      if (value.supplier === undefined) continue;
      relevant.set(value.supplier, setting);
      if (scope.applies(setting)) used.add(value.supplier);
    }
  }
  const warnings: ConfigWarning[] = [];
  for (const [variable, setting] of relevant) {
    if (used.has(variable)) continue;
    const variant = setting.section === 'breaker' ? 'breakers' : 'backoffs';
    warnings.push({
      variable,
      value: raw.get(variable)?.text ?? '',
      message: `has no effect: it applies only to ${setting.onlyFor!.join(' and ')} ${variant}, and no pipeline reading it uses one`,
    });
  }
  return warnings;
}

interface ReportInput {
  readonly raw: ReadonlyMap<string, RawValue>;
  readonly conf: (path: string) => unknown;
  readonly invalid: ReadonlySet<string>;
  readonly global: Scope;
  readonly scopes: ReadonlyMap<string, Scope>;
  readonly strictDefault: boolean;
  readonly profile: Profile | undefined;
  readonly profileFromCode: Profile | undefined;
  readonly nodeEnvProfile: Profile | undefined;
  readonly file: string | undefined;
  readonly fileFromCode: boolean;
}

function report(input: ReportInput): SettingReport[] {
  const rows: SettingReport[] = [];
  const { raw, invalid } = input;
  const metaRow = (target: VariableTarget & { kind: 'meta' }, defaultText: string): SettingReport => {
    const given = raw.get(target.variable);
    const value = input.conf(target.path);
    let source: ValueSource = given?.source ?? 'default';
    let from: string | undefined;
    if (target.variable === PROFILE_VAR && given === undefined && input.profileFromCode === undefined) {
      if (input.nodeEnvProfile !== undefined) {
        source = 'env';
        from = 'NODE_ENV';
      }
    }
    return {
      variable: target.variable,
      pipeline: undefined,
      section: undefined,
      key: undefined,
      description: target.description,
      allowed: describeConstraint(target.constraint),
      defaultText,
      valueText: invalid.has(target.variable) ? given!.text : value === null ? '' : String(value),
      source,
      from,
      valid: !invalid.has(target.variable),
    };
  };
  for (const target of META_TARGETS) {
    if (target.kind !== 'meta') continue;
    const defaultText =
      target.variable === ENABLED_VAR
        ? 'true'
        : target.variable === STRICT_VAR
          ? String(input.strictDefault)
          : '';
    rows.push(metaRow(target, defaultText));
  }
  const fileGiven = raw.get(CONFIG_FILE_VAR);
  rows.push({
    variable: CONFIG_FILE_VAR,
    pipeline: undefined,
    section: undefined,
    key: undefined,
    description: 'An env file read on top of the environment, and watched for changes by watchConfig.',
    allowed: 'a path to an env file (NAME=value lines)',
    defaultText: '',
    valueText: input.file ?? '',
    source: input.fileFromCode || fileGiven === undefined ? 'default' : 'env',
    from: undefined,
    valid: true,
  });

  const settingRow = (scope: Scope, setting: Setting): SettingReport => {
    const id = settingId(setting);
    const variable = variableName(setting, scope.pipeline);
    const value = scope.get(id);
    const followed = value.derivedFrom === undefined ? undefined : scope.supplier(value.derivedFrom);
    const from = followed ?? (value.supplier !== variable ? value.supplier : undefined);
    return {
      variable,
      pipeline: scope.pipeline,
      section: setting.section,
      key: setting.key,
      description: setting.description,
      allowed: describeConstraint(setting),
      defaultText: showValue(setting.format, setting.default),
      valueText: value.valid ? showValue(setting.format, value.value) : (value.text ?? String(value.value)),
      source: value.source,
      from,
      valid: value.valid,
    };
  };
  for (const setting of SETTINGS) rows.push(settingRow(input.global, setting));
  for (const [pipeline, scope] of input.scopes) {
    const variable = pipelineEnabledName(pipeline);
    const given = raw.get(variable);
    const own = input.conf(`pipelines.${pipelinePrefix(pipeline)}.enabled`);
    // The kill switch overrides a pipeline's own switch: show the value in force.
    const killed = input.conf('enabled') === false;
    const killer = raw.get(ENABLED_VAR);
    rows.push({
      variable,
      pipeline,
      section: undefined,
      key: undefined,
      description: `false turns pipeline ${pipeline} off (its calls pass straight through).`,
      allowed: 'true or false',
      defaultText: 'true',
      valueText: invalid.has(variable) ? given!.text : killed ? 'false' : String(own ?? true),
      source: killed ? (killer?.source ?? 'default') : (given?.source ?? 'default'),
      from: killed ? ENABLED_VAR : undefined,
      valid: !invalid.has(variable),
    });
    for (const setting of SETTINGS) if (setting.perPipeline) rows.push(settingRow(scope, setting));
  }
  return rows;
}
