import { validateName } from '@rampart/core';
import { SECTION_ENV, type Setting } from './settings.js';

/** Every variable rampart reads starts with this. */
export const PREFIX = 'RAMPART_';

/** The kill switch: `false` passes every call straight through. */
export const ENABLED_VAR = 'RAMPART_ENABLED';
/** `true` turns unknown `RAMPART_*` variables from warnings into errors. */
export const STRICT_VAR = 'RAMPART_STRICT';
/** Selects a preset of defaults. */
export const PROFILE_VAR = 'RAMPART_PROFILE';
/** An env file read on top of the environment (and watched by `watchConfig`). */
export const CONFIG_FILE_VAR = 'RAMPART_CONFIG_FILE';

/** The variables that are not policy settings. */
export const META_VARS: readonly string[] = [ENABLED_VAR, STRICT_VAR, PROFILE_VAR, CONFIG_FILE_VAR];

/**
 * The `<PIPELINE>` part of a pipeline's variables: upper-cased, every character that is not
 * a letter or digit replaced by `_` (`payments-eu` → `PAYMENTS_EU`).
 */
export function pipelinePrefix(pipeline: string): string {
  return pipeline.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** `RAMPART_RETRY_MAX_ATTEMPTS`, or `RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS` for a pipeline. */
export function variableName(setting: Pick<Setting, 'section' | 'option'>, pipeline?: string): string {
  const scope = pipeline === undefined ? '' : `${pipelinePrefix(pipeline)}_`;
  return `${PREFIX}${scope}${SECTION_ENV[setting.section]}_${setting.option}`;
}

/** `RAMPART_PAYMENTS_ENABLED`. */
export function pipelineEnabledName(pipeline: string): string {
  return `${PREFIX}${pipelinePrefix(pipeline)}_ENABLED`;
}

/**
 * Checks the pipeline names given to `loadConfig`: valid pipeline names, no duplicates, and
 * no two names that map to the same variables (`pay-ments` and `pay.ments` both give
 * `PAY_MENTS`, so `RAMPART_PAY_MENTS_*` could not tell them apart).
 */
export function checkPipelineNames(pipelines: unknown): readonly string[] {
  if (!Array.isArray(pipelines)) {
    throw new TypeError(`loadConfig: pipelines must be an array of pipeline names, got ${typeof pipelines}`);
  }
  const byPrefix = new Map<string, string>();
  for (const name of pipelines) {
    validateName(name, 'loadConfig: pipeline name');
    const prefix = pipelinePrefix(name as string);
    const other = byPrefix.get(prefix);
    if (other === name) throw new TypeError(`loadConfig: pipeline "${name}" is listed twice`);
    if (other !== undefined) {
      throw new TypeError(
        `loadConfig: pipelines "${other}" and "${name}" both map to RAMPART_${prefix}_*; rename one so their variables differ`,
      );
    }
    byPrefix.set(prefix, name as string);
  }
  return pipelines as string[];
}
