/**
 * The convict side: rampart's formats registered as convict formats, and the convict schema
 * for a list of pipelines. convict maps each variable to its place in the schema, coerces
 * the strings through our formats and holds defaults, the profile layer (`load`) and the
 * environment layer in one config object.
 */
import convict from 'convict';
import { type Constraint, checkValue, type FormatName, parseValue, type SettingValue } from './formats.js';
import {
  CONFIG_FILE_VAR,
  ENABLED_VAR,
  PROFILE_VAR,
  pipelineEnabledName,
  pipelinePrefix,
  STRICT_VAR,
  variableName,
} from './names.js';
import { setPath } from './paths.js';
import { PROFILES } from './profiles.js';
import { SETTINGS, type Setting, settingId } from './settings.js';

const FORMAT_NAMES: readonly FormatName[] = ['duration', 'ratio', 'integer', 'number', 'boolean', 'enum'];

/** The convict format name of one of our formats. */
export const convictFormat = (format: FormatName): string => `rampart-${format}`;

// Registered once per process (convict formats are global). The constraint of each schema
// item travels on the item itself (`rampart`), which convict hands to `validate`.
for (const format of FORMAT_NAMES) {
  convict.addFormat({
    name: convictFormat(format),
    validate: (value: unknown, schema: convict.SchemaObj) => checkValue(schema.rampart as Constraint, value),
    // Never throws: an unparseable string stays a string and `validate` reports it, so every
    // bad variable is collected instead of the first one ending the import.
    coerce: (value: string) => parseValue(format, value),
  });
}

/** Where a variable lands. */
export type VariableTarget =
  | {
      readonly kind: 'setting';
      readonly variable: string;
      readonly path: string;
      readonly setting: Setting;
      readonly pipeline: string | undefined;
    }
  | { readonly kind: 'enabled'; readonly variable: string; readonly path: string; readonly pipeline: string }
  | {
      readonly kind: 'meta';
      readonly variable: string;
      readonly path: string;
      readonly constraint: Constraint;
      readonly description: string;
    }
  | { readonly kind: 'file'; readonly variable: string; readonly description: string };

export const META_TARGETS: readonly VariableTarget[] = [
  {
    kind: 'meta',
    variable: ENABLED_VAR,
    path: 'enabled',
    constraint: { format: 'boolean' },
    description:
      'Kill switch: false passes every call straight through every pipeline (calls are still counted).',
  },
  {
    kind: 'meta',
    variable: STRICT_VAR,
    path: 'strict',
    constraint: { format: 'boolean' },
    description: 'true turns unknown RAMPART_* variables from warnings into errors.',
  },
  {
    kind: 'meta',
    variable: PROFILE_VAR,
    path: 'profile',
    constraint: { format: 'enum', values: PROFILES },
    description: 'A preset of defaults (development: fewer retries, shorter waits). Defaults to NODE_ENV.',
  },
];

export interface SchemaPlan {
  readonly targets: ReadonlyMap<string, VariableTarget>;
  readonly schema: convict.Schema<unknown>;
}

/**
 * The convict schema and the variable index for `pipelines`. Global settings default to
 * the core defaults; per-pipeline settings default to null, which means "inherit".
 * Throws when a pipeline's variables would collide with other variables.
 */
export function planSchema(
  pipelines: readonly string[],
  defaults: { readonly strict: boolean; readonly profile: string | null },
): SchemaPlan {
  const targets = new Map<string, VariableTarget>();
  const add = (target: VariableTarget) => {
    const existing = targets.get(target.variable);
    if (existing !== undefined) {
      const owner = (t: VariableTarget) =>
        (t.kind === 'setting' || t.kind === 'enabled') && t.pipeline !== undefined
          ? `pipeline "${t.pipeline}"`
          : 'a global setting';
      throw new TypeError(
        `loadConfig: ${target.variable} would belong both to ${owner(existing)} and to ${owner(target)}; rename the pipeline`,
      );
    }
    targets.set(target.variable, target);
  };

  const schema: Record<string, unknown> = {};
  const leaf = (
    format: FormatName,
    constraint: Constraint,
    value: SettingValue | null,
    env: string,
    doc: string,
  ) => ({
    format: convictFormat(format),
    default: value,
    nullable: value === null,
    env,
    doc,
    rampart: constraint,
  });
  const put = (path: string, node: unknown) => setPath(schema, path, node);

  for (const target of META_TARGETS) {
    if (target.kind !== 'meta') continue;
    add(target);
    const value =
      target.path === 'enabled' ? true : target.path === 'strict' ? defaults.strict : defaults.profile;
    put(
      target.path,
      leaf(target.constraint.format, target.constraint, value, target.variable, target.description),
    );
  }
  for (const setting of SETTINGS) {
    const variable = variableName(setting);
    const path = `global.${settingId(setting)}`;
    add({ kind: 'setting', variable, path, setting, pipeline: undefined });
    put(path, leaf(setting.format, setting, setting.default, variable, setting.description));
  }
  for (const pipeline of pipelines) {
    // Keyed by the variable prefix: unique (checked) and free of the dots convict splits paths on.
    const base = `pipelines.${pipelinePrefix(pipeline)}`;
    const enabled = pipelineEnabledName(pipeline);
    add({ kind: 'enabled', variable: enabled, path: `${base}.enabled`, pipeline });
    put(
      `${base}.enabled`,
      leaf('boolean', { format: 'boolean' }, null, enabled, `false turns pipeline ${pipeline} off.`),
    );
    for (const setting of SETTINGS) {
      if (!setting.perPipeline) continue;
      const variable = variableName(setting, pipeline);
      const path = `${base}.${settingId(setting)}`;
      add({ kind: 'setting', variable, path, setting, pipeline });
      put(path, leaf(setting.format, setting, null, variable, setting.description));
    }
  }
  // The file variable is read before convict runs (it decides what convict reads), but it
  // is a known name all the same.
  targets.set(CONFIG_FILE_VAR, {
    kind: 'file',
    variable: CONFIG_FILE_VAR,
    description: 'An env file read on top of the environment, and watched for changes by watchConfig.',
  });
  return { targets, schema: schema as convict.Schema<unknown> };
}

/** Builds the convict config over `vars` (the merged environment and file). */
export function createConvict(
  plan: SchemaPlan,
  vars: Readonly<Record<string, string>>,
): convict.Config<unknown> {
  // `args: []` keeps convict away from process.argv: only the variables count.
  return convict(plan.schema, { env: vars, args: [] });
}
