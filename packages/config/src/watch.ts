import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import {
  type AnyPolicy,
  bulkhead,
  chaos,
  circuitBreaker,
  defaultRegistry,
  hedge,
  type Pipeline,
  type PolicyKind,
  type Registry,
  type RetryBudget,
  rateLimit,
  retry,
  retryBudget,
  type Subscription,
  timeout,
} from '@rampart/core';
import { formatIssue } from './errors.js';
import { type LoadConfigOptions, loadConfig } from './load.js';
import { configuredBudgets } from './pipeline.js';
import type { PipelineConfig, PolicySection, RampartConfig } from './types.js';

/** One change applied to a live policy (or a pipeline's switch, or a budget). */
export interface AppliedChange {
  readonly pipeline: string;
  /** The policy kind (`circuit_breaker`), `budget`, or `pipeline` for the enabled switch. */
  readonly target: PolicyKind | 'budget' | 'pipeline';
  /** The policy's name (the kind unless named otherwise). */
  readonly name: string;
  /** What was handed to `configure()` (only the options that changed). */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface ConfigChange<P extends string = string> {
  readonly config: RampartConfig<P>;
  readonly previous: RampartConfig<P>;
  readonly applied: readonly AppliedChange[];
}

export type ReloadResult<P extends string = string> =
  | { readonly ok: true; readonly change: ConfigChange<P> }
  | { readonly ok: false; readonly error: unknown };

export interface WatchConfigOptions<P extends string = string> extends LoadConfigOptions<P> {
  /** Where to find the live pipelines, by name. @defaultValue the default registry */
  readonly registry?: Registry;
  /** Budgets to keep tuned to each pipeline's `budget` settings, by pipeline name. */
  readonly budgets?: Readonly<Partial<Record<P, RetryBudget>>>;
  /** Called after a reload was applied (also when nothing changed). */
  readonly onChange?: (change: ConfigChange<P>) => void;
  /**
   * Called when a reload was rejected (the running values stay).
   * @defaultValue one `console.error` with every problem
   */
  readonly onError?: (error: unknown) => void;
  /**
   * The process signal that triggers a reload; `null` for none. Listening replaces the
   * default action of the signal (for SIGHUP: ending the process). @defaultValue 'SIGHUP'
   */
  readonly signal?: NodeJS.Signals | null;
  /** Quiet time after the last file event before reloading (ms): editors write in bursts. @defaultValue 100 */
  readonly debounce?: number;
}

/** A running watch: dispose it to remove the file watcher and the signal listener. */
export interface ConfigWatcher<P extends string = string> extends Subscription {
  /** The configuration in force. */
  readonly current: RampartConfig<P>;
  /** The file watched, if any. */
  readonly file: string | undefined;
  /** Re-reads the environment and the file now and applies what changed. */
  reload(): ReloadResult<P>;
}

const KIND_OF: Readonly<Record<Exclude<PolicySection, 'budget'>, PolicyKind>> = {
  retry: 'retry',
  breaker: 'circuit_breaker',
  timeout: 'timeout',
  bulkhead: 'bulkhead',
  rateLimit: 'rate_limit',
  hedge: 'hedge',
  fallback: 'fallback',
  chaos: 'chaos',
};

/**
 * The factories, used to check a whole new section before any live policy changes: a
 * reload is applied entirely or not at all.
 */
const DRY_RUN: Readonly<Record<PolicySection, (settings: PipelineConfig) => unknown>> = {
  retry: (s) => retry(s.retry),
  breaker: (s) => circuitBreaker(s.breaker),
  timeout: (s) => timeout(s.timeout),
  bulkhead: (s) => bulkhead(s.bulkhead),
  rateLimit: (s) => rateLimit(s.rateLimit),
  hedge: (s) => hedge(s.hedge),
  budget: (s) => retryBudget(s.budget),
  // The fallback's form is code's; its config is one duration, checked by loadConfig.
  fallback: () => undefined,
  chaos: (s) => chaos({ ...s.chaos, fault: () => undefined }),
};

/**
 * Loads the configuration, then keeps live policies in step with it: when the env file
 * (`file`, default `RAMPART_CONFIG_FILE`) changes, or on SIGHUP, it reads everything again
 * and hands each changed value to `policy.configure()` of the pipelines in the registry
 * (found by name, their policies by kind). Policies keep their state (a breaker stays
 * open). A new configuration with any problem is rejected whole: the running values stay
 * and `onError` gets the `ConfigError` listing every problem.
 *
 * Throws a `ConfigError` at once when the first load fails (as `loadConfig` does).
 *
 * @example
 * const config = loadConfig({ pipelines: ['payments'] });
 * pipelineFromConfig('payments', config, { shape: ['breaker', 'retry', 'timeout'] });
 * const watcher = watchConfig({ pipelines: ['payments'], onChange: (c) => log(c.applied) });
 * process.on('SIGTERM', () => watcher.dispose());
 */
export function watchConfig<const P extends string>(options: WatchConfigOptions<P>): ConfigWatcher<P> {
  const {
    registry = defaultRegistry,
    budgets = {},
    onChange,
    onError = reportReloadError,
    signal = 'SIGHUP',
    debounce = 100,
    ...loadOptions
  } = options;
  if (typeof debounce !== 'number' || !(debounce >= 0) || !Number.isFinite(debounce)) {
    throw new TypeError(`watchConfig: debounce must be a number of ms >= 0, got ${String(debounce)}`);
  }
  for (const [name, fn] of Object.entries({ onChange, onError })) {
    if (fn !== undefined && typeof fn !== 'function')
      throw new TypeError(`watchConfig: ${name} must be a function`);
  }
  const load = () => loadConfig<P>({ ...loadOptions, env: loadOptions.env ?? process.env });
  let current = load();
  const file = current.file === undefined ? undefined : resolve(current.file);

  const reload = (): ReloadResult<P> => {
    const previous = current;
    let next: RampartConfig<P>;
    let applied: AppliedChange[];
    try {
      next = load();
      applied = apply(previous, next, registry, budgets as Partial<Record<string, RetryBudget>>);
    } catch (error) {
      onError(error);
      return { ok: false, error };
    }
    current = next;
    const change: ConfigChange<P> = { config: next, previous, applied };
    onChange?.(change);
    return { ok: true, change };
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload();
    }, debounce);
    // A pending reload never keeps the process alive.
    timer.unref?.();
  };

  // Watch the directory, not the file: editors and config-map updates replace the file
  // (a new inode), which ends a watch on the file itself.
  let watcher: FSWatcher | undefined;
  if (file !== undefined) {
    const name = basename(file);
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name || changed.toString() === name) schedule();
    });
    watcher.on('error', (error) => onError(error));
  }
  const onSignal = () => reload();
  if (signal !== null) process.on(signal, onSignal);

  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    if (timer !== undefined) clearTimeout(timer);
    watcher?.close();
    if (signal !== null) process.off(signal, onSignal);
  };
  return {
    get current() {
      return current;
    },
    file,
    reload,
    dispose,
    [Symbol.dispose]: dispose,
  };
}

/** The default `onError`: one message with every problem, on stderr. */
function reportReloadError(error: unknown): void {
  const issues = (error as { issues?: readonly Parameters<typeof formatIssue>[0][] }).issues;
  const detail = Array.isArray(issues)
    ? issues.map((i) => `  - ${formatIssue(i)}`).join('\n')
    : String(error);
  console.error(`rampart: configuration reload rejected, the running values stay:\n${detail}`);
}

interface Step {
  readonly change: AppliedChange;
  readonly run: () => void;
  readonly undo: () => void;
}

/**
 * Works out every change, checks every changed section with its factory, then applies
 * them; if a live policy still refuses its change, the ones already applied are undone.
 */
function apply<P extends string>(
  previous: RampartConfig<P>,
  next: RampartConfig<P>,
  registry: Registry,
  budgets: Partial<Record<string, RetryBudget>>,
): AppliedChange[] {
  const steps: Step[] = [];
  for (const name of Object.keys(next.pipelines) as P[]) {
    const before = previous.pipelines[name];
    const after = next.pipelines[name];
    const live = registry.get(name);
    for (const section of Object.keys(DRY_RUN) as PolicySection[]) {
      const changed = changedKeys(before[section], after[section]);
      if (changed.length === 0) continue;
      DRY_RUN[section](after);
      if (live === undefined) continue;
      const options = pick(after[section], changed);
      const undo = pick(before[section], changed);
      if (section === 'budget') {
        const budget = budgets[name] ?? configuredBudgets.get(live);
        if (budget !== undefined) steps.push(step(name, 'budget', 'budget', budget, options, undo));
        continue;
      }
      for (const policy of policiesOf(live, KIND_OF[section], section)) {
        steps.push(step(name, policy.kind, policy.name, policy, options, liveValues(policy, undo)));
      }
    }
    if (live !== undefined && live.enabled !== after.enabled) {
      const was = live.enabled;
      steps.push({
        change: { pipeline: name, target: 'pipeline', name, options: { enabled: after.enabled } },
        run: () => {
          live.enabled = after.enabled;
        },
        undo: () => {
          live.enabled = was;
        },
      });
    }
  }
  const done: Step[] = [];
  try {
    for (const s of steps) {
      s.run();
      done.push(s);
    }
  } catch (error) {
    const undoErrors: unknown[] = [];
    for (const s of done.reverse()) {
      try {
        s.undo();
      } catch (undoError) {
        undoErrors.push(undoError);
      }
    }
    if (undoErrors.length > 0) {
      throw new AggregateError(
        [error, ...undoErrors],
        'configuration reload failed and could not be fully undone',
      );
    }
    throw error;
  }
  return steps.map((s) => s.change);
}

function step(
  pipeline: string,
  target: AppliedChange['target'],
  name: string,
  policy: { configure(options: never): void },
  options: Record<string, unknown>,
  undo: Record<string, unknown>,
): Step {
  const configure = policy.configure.bind(policy) as (options: Record<string, unknown>) => void;
  return {
    change: { pipeline, target, name, options },
    run: () => configure(options),
    undo: () => configure(undo),
  };
}

/** The live policies a section applies to; a fallback only when it serves the last good result. */
function policiesOf(live: Pipeline, kind: PolicyKind, section: PolicySection): AnyPolicy[] {
  return live.policies.filter(
    (p) =>
      p.kind === kind &&
      (section !== 'fallback' || (p.snapshot() as { source?: unknown } | undefined)?.source === 'last_good'),
  );
}

/**
 * What to restore if a later step fails: the policy's own values where its snapshot shows
 * them (it may have been built with values of its own), else the previous config's.
 */
function liveValues(policy: AnyPolicy, fallback: Record<string, unknown>): Record<string, unknown> {
  const snapshot = policy.snapshot() as Record<string, unknown> | undefined;
  if (typeof snapshot !== 'object' || snapshot === null) return fallback;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fallback)) {
    const live = snapshot[key];
    // A chaos snapshot shows "no latency" as 0, which configure() takes as null.
    if (policy.kind === 'chaos' && key === 'latency' && live === 0) out[key] = null;
    else out[key] = live !== undefined && typeof live === typeof value ? live : value;
  }
  return out;
}

/** The top-level options whose values differ (deeply; Infinity-safe). */
function changedKeys(before: object, after: object): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter(
    (k) => !sameValue((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]),
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return changedKeys(a, b).length === 0;
}

/**
 * The options to hand to `configure()`. An option absent from the new config (chaos
 * latency back to none) becomes `null`, which `configure()` reads as "remove".
 */
function pick(object: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = (object as Record<string, unknown>)[key];
    out[key] = value === undefined ? null : value;
  }
  return out;
}
