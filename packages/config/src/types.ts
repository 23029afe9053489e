import type { BackoffSpec, BreakerSpec, TimeoutStrategy } from '@rampart/core';
import type { ConfigWarning, ValueSource } from './errors.js';
import type { SettingValue } from './formats.js';
import type { Profile } from './profiles.js';
import type { SectionId } from './settings.js';

/** Options for `retry()`. */
export interface ConfiguredRetry {
  readonly maxAttempts: number;
  readonly maxDelay: number;
  readonly backoff: BackoffSpec;
}

/** Options for `circuitBreaker()`. */
export interface ConfiguredBreaker {
  readonly breaker: BreakerSpec;
  readonly openFor: number;
  readonly halfOpen: {
    readonly probes: number;
    readonly successes: number;
    readonly maxWait: number;
  };
}

/** Options for `timeout()`. */
export interface ConfiguredTimeout {
  readonly after: number;
  readonly strategy: TimeoutStrategy;
}

/** Options for `bulkhead()`. */
export interface ConfiguredBulkhead {
  readonly limit: number;
  readonly queue: number;
  readonly queueTimeout: number;
}

/** Options for `rateLimit()`. */
export interface ConfiguredRateLimit {
  readonly rate: number;
  readonly interval: number;
  readonly burst: number;
  readonly maxWait: number;
}

/** Options for `hedge()` (its budget comes from `budget`). */
export interface ConfiguredHedge {
  readonly delay: number;
  readonly maxHedges: number;
}

/** Options for `retryBudget()`. */
export interface ConfiguredBudget {
  readonly ratio: number;
  readonly window: number;
  readonly minPerSecond: number;
  readonly buckets: number;
}

/** Options for `fallback()` with the last good result; a `value` or `fn` fallback is code's choice. */
export interface ConfiguredFallback {
  readonly lastGood: { readonly ttl: number };
}

/** Options for `chaos()` (the fault to inject is code's choice). */
export interface ConfiguredChaos {
  readonly enabled: boolean;
  readonly rate: number;
  /** Latency added to affected calls (ms); absent when none. */
  readonly latency?: number;
}

/** Defaults for every health check. */
export interface ConfiguredHealth {
  readonly critical: boolean;
  readonly timeout: number;
  readonly interval: number;
  readonly history: number;
}

/** Everything configured for one pipeline: one option object per policy, ready for its factory. */
export interface PipelineConfig {
  /** False when the kill switch (`RAMPART_ENABLED`) or `RAMPART_<PIPELINE>_ENABLED` is false. */
  readonly enabled: boolean;
  readonly retry: ConfiguredRetry;
  readonly breaker: ConfiguredBreaker;
  readonly timeout: ConfiguredTimeout;
  readonly bulkhead: ConfiguredBulkhead;
  readonly rateLimit: ConfiguredRateLimit;
  readonly hedge: ConfiguredHedge;
  readonly budget: ConfiguredBudget;
  readonly fallback: ConfiguredFallback;
  readonly chaos: ConfiguredChaos;
}

/** The policy sections of a pipeline's config. */
export type PolicySection = Exclude<SectionId, 'health'>;

/** One row of `rampart env`: a variable, its default, its value and where the value came from. */
export interface SettingReport {
  readonly variable: string;
  /** The pipeline this variable belongs to; undefined for global variables. */
  readonly pipeline: string | undefined;
  /** The section and key of a policy setting (`retry`, `backoff.initial`); undefined for the others. */
  readonly section: SectionId | undefined;
  readonly key: string | undefined;
  readonly description: string;
  /** What the variable accepts, in words. */
  readonly allowed: string;
  /** The default as it would be written (`30s`), before any profile; '' when there is none. */
  readonly defaultText: string;
  /** The value in force, as it would be written (the raw text when it is invalid). */
  readonly valueText: string;
  readonly source: ValueSource;
  /**
   * The variable that supplied the value when it is not this one: the global variable a
   * pipeline inherits, the variable a derived default follows (`BURST` follows `RATE`), or
   * `NODE_ENV` for the profile.
   */
  readonly from: string | undefined;
  readonly valid: boolean;
}

/** What `loadConfig` returns. */
export interface RampartConfig<P extends string = string> {
  /** False when the kill switch `RAMPART_ENABLED=false` is set. */
  readonly enabled: boolean;
  /** The profile in force, if any. */
  readonly profile: Profile | undefined;
  readonly strict: boolean;
  /** The env file that was read, if any. */
  readonly file: string | undefined;
  /** One entry per pipeline named in `pipelines`. */
  readonly pipelines: { readonly [K in P]: PipelineConfig };
  /** The global values (what a pipeline without overrides gets). */
  readonly defaults: Omit<PipelineConfig, 'enabled'>;
  readonly health: ConfiguredHealth;
  /** Unknown variables (with the nearest valid name) and variables that have no effect. */
  readonly warnings: readonly ConfigWarning[];
  /** Where each variable's value came from, by variable name. */
  readonly sources: Readonly<Record<string, ValueSource>>;
  /** Every variable with its default, value and source (what `rampart env` prints). */
  readonly settings: readonly SettingReport[];
}

export type { SettingValue };
