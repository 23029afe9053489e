/**
 * From the layered values to option objects: each scope (the global one, then one per
 * pipeline) resolves every setting with the precedence per-pipeline variable > global
 * variable > profile > default, derives the defaults that follow another option, checks the
 * rules that span two options, and builds the plain option objects for the core factories.
 */
import type { BackoffKind, BreakerSpec, Jitter, TimeoutStrategy } from '@rampart/core';
import type { ConfigIssue, ValueSource } from './errors.js';
import { type SettingValue, showValue } from './formats.js';
import { variableName } from './names.js';
import { SETTING_BY_ID, SETTINGS, type Setting, settingId } from './settings.js';
import type { ConfiguredHealth, PipelineConfig } from './types.js';

/** One setting's value in one scope, and where it came from. */
export interface Resolved {
  readonly value: SettingValue;
  readonly source: ValueSource;
  /** The variable whose text gave the value (env or file source); undefined for defaults and profiles. */
  readonly supplier: string | undefined;
  /** The text given, when a variable supplied the value. */
  readonly text: string | undefined;
  /** Where the text came from (`env`, `file path:line`), for issues. */
  readonly where: string | undefined;
  /** False when the value is a bad variable's (already reported). */
  readonly valid: boolean;
  /** For a default that follows another option (`BURST` follows `RATE`): that option's id. */
  readonly derivedFrom: string | undefined;
}

/** What a scope's own layers give for a setting; undefined = not set here (inherit). */
export type OwnValue = Omit<Resolved, 'derivedFrom'> | undefined;

/**
 * Defaults that follow another option when no variable sets them, as the core factories do
 * when the option is omitted: a token bucket holds one interval's worth of tokens (`burst` =
 * `rate`, rounded up), a linear backoff steps by its initial delay, and a count window
 * smaller than `minimumCalls` lowers it to its size (else it could never open). Each gets
 * the value it would have and returns the option followed and the value, or undefined.
 */
const DERIVED: Readonly<
  Record<string, (scope: Scope, current: number) => { followed: string; value: number } | undefined>
> = {
  'rateLimit.burst': (scope) => ({
    followed: 'rateLimit.rate',
    value: Math.max(1, Math.ceil(scope.get('rateLimit.rate').value as number)),
  }),
  'retry.backoff.factor': (scope) =>
    scope.get('retry.backoff.kind').value === 'linear'
      ? { followed: 'retry.backoff.initial', value: scope.get('retry.backoff.initial').value as number }
      : undefined,
  'breaker.minimumCalls': (scope, current) => {
    const size = scope.get('breaker.size').value as number;
    return scope.get('breaker.kind').value === 'count' && size < current
      ? { followed: 'breaker.size', value: size }
      : undefined;
  },
};

/** The largest backoff multiplier the core accepts. */
const MAX_FACTOR = 1_000;

/** Which option selects the variant that `onlyFor` refers to, per section. */
const VARIANT_OF: Readonly<Record<string, string>> = {
  breaker: 'breaker.kind',
  retry: 'retry.backoff.kind',
};

/** The settings of one scope: the global scope, or one pipeline inheriting from it. */
export class Scope {
  readonly pipeline: string | undefined;
  /** Values before derivation: what a pipeline inherits (it derives again from its own options). */
  readonly #base = new Map<string, Resolved>();
  readonly #values = new Map<string, Resolved>();

  /**
   * @param own - what this scope's own layers give for each setting (for the global scope:
   *   its variable, else the profile, else the default; for a pipeline: its variable or undefined).
   * @param parent - the global scope a pipeline inherits from.
   */
  constructor(pipeline: string | undefined, own: (setting: Setting) => OwnValue, parent?: Scope) {
    this.pipeline = pipeline;
    const settings = pipeline === undefined ? SETTINGS : SETTINGS.filter((s) => s.perPipeline);
    for (const setting of settings) {
      const id = settingId(setting);
      const mine = own(setting);
      const value = mine === undefined ? parent?.inherited(id) : { ...mine, derivedFrom: undefined };
      if (value === undefined) throw new Error(`@rampart/config: no value for ${id}`);
      this.#base.set(id, value);
      this.#values.set(id, value);
    }
    // Derive last: a derivation reads only settings that are not derived themselves.
    for (const [id, derive] of Object.entries(DERIVED)) {
      const current = this.#values.get(id);
      if (current === undefined || current.supplier !== undefined) continue;
      const derived = derive(this, current.value as number);
      if (derived === undefined) continue;
      const followed = this.get(derived.followed);
      this.#values.set(id, {
        ...current,
        value: derived.value,
        valid: followed.valid,
        derivedFrom: derived.followed,
      });
    }
  }

  /** A setting's value before derivation: what a pipeline inherits (and derives again from its own options). */
  inherited(id: string): Resolved | undefined {
    return this.#base.get(id);
  }

  get(id: string): Resolved {
    const value = this.#values.get(id);
    if (value === undefined) throw new Error(`@rampart/config: unknown setting ${id}`);
    return value;
  }

  /** The variable of this scope for a setting. */
  variable(id: string): string {
    return variableName(SETTING_BY_ID.get(id)!, this.pipeline);
  }

  /** The variable that supplied a setting's value here (this scope's own one when none did). */
  supplier(id: string): string {
    return this.get(id).supplier ?? this.variable(id);
  }

  /** Whether a setting applies to the variant chosen in this scope (`SIZE` only to a count breaker). */
  applies(setting: Setting): boolean {
    if (setting.onlyFor === undefined) return true;
    const variant = VARIANT_OF[setting.section];
    return variant === undefined || setting.onlyFor.includes(this.get(variant).value as string);
  }

  /** The rules that span two options, as issues (only where both values are valid). */
  crossCheck(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const num = (id: string) => this.get(id).value as number;
    const rule = (ids: readonly string[], holds: () => boolean, blame: string, allowed: () => string) => {
      if (!ids.every((id) => this.get(id).valid) || holds()) return;
      // A pipeline that sets none of the options involved (nor the variant that selects the
      // rule) has the global values, where the global scope already reported the problem.
      if (this.pipeline !== undefined && ids.every((id) => this.get(id).supplier !== this.variable(id)))
        return;
      // Blame a variable somebody set: the first one given, else the scope's own variable.
      const setIds = [blame, ...ids.filter((id) => id !== blame)];
      const given = setIds.find((id) => this.get(id).text !== undefined) ?? blame;
      const value = this.get(given);
      const setting = SETTING_BY_ID.get(given)!;
      issues.push({
        variable: this.supplier(given),
        value: value.text ?? showValue(setting.format, value.value),
        allowed: allowed(),
        ...(value.where === undefined ? {} : { source: value.where }),
      });
    };
    const show = (id: string) =>
      `${this.supplier(id)} (${showValue(SETTING_BY_ID.get(id)!.format, this.get(id).value)})`;

    rule(
      ['retry.backoff.initial', 'retry.backoff.max'],
      () => num('retry.backoff.initial') <= num('retry.backoff.max'),
      'retry.backoff.initial',
      () => `a duration <= ${show('retry.backoff.max')}`,
    );
    const backoffKind = this.get('retry.backoff.kind').value;
    if (backoffKind !== 'linear') {
      // Linear's factor is a step in ms; for the others it is a multiplier, capped by the core.
      const low = backoffKind === 'exponential' ? 1 : 0;
      rule(
        ['retry.backoff.factor', 'retry.backoff.kind'],
        () => num('retry.backoff.factor') >= low && num('retry.backoff.factor') <= MAX_FACTOR,
        'retry.backoff.factor',
        () =>
          backoffKind === 'exponential'
            ? `a number from 1 to ${MAX_FACTOR} for an exponential backoff (below 1 the delays would shrink)`
            : `a number from 0 to ${MAX_FACTOR}`,
      );
    }
    // The core refuses endless retries that never wait (they would spin where no abort reaches).
    const neverWaits = () =>
      num('retry.maxDelay') === 0 ||
      num('retry.backoff.max') === 0 ||
      (num('retry.backoff.initial') === 0 &&
        (backoffKind !== 'linear' ||
          num('retry.backoff.factor') === 0 ||
          this.get('retry.backoff.jitter').value === 'decorrelated'));
    rule(
      [
        'retry.maxAttempts',
        'retry.maxDelay',
        'retry.backoff.initial',
        'retry.backoff.max',
        'retry.backoff.factor',
        'retry.backoff.kind',
        'retry.backoff.jitter',
      ],
      () => num('retry.maxAttempts') !== Number.POSITIVE_INFINITY || !neverWaits(),
      'retry.maxAttempts',
      () =>
        `a finite number while the backoff never waits (${show('retry.backoff.initial')}, ${show('retry.maxDelay')}): endless retries without a wait would spin`,
    );
    rule(
      ['budget.buckets', 'budget.window'],
      () => num('budget.window') / num('budget.buckets') >= 1,
      'budget.buckets',
      () => `an integer <= ${show('budget.window')} in ms: each bucket must span at least 1ms`,
    );
    const kind = this.get('breaker.kind').value;
    if (kind === 'count') {
      rule(
        ['breaker.minimumCalls', 'breaker.size', 'breaker.kind'],
        () => num('breaker.minimumCalls') <= num('breaker.size'),
        'breaker.minimumCalls',
        () => `an integer <= ${show('breaker.size')}: a window of that size never holds more calls`,
      );
    }
    if (kind === 'sampling') {
      rule(
        ['breaker.buckets', 'breaker.window', 'breaker.kind'],
        () => num('breaker.window') / num('breaker.buckets') >= 1,
        'breaker.buckets',
        () => `an integer <= ${show('breaker.window')} in ms: each bucket must span at least 1ms`,
      );
    }
    return issues;
  }

  /** The option objects of this scope. */
  build(): Omit<PipelineConfig, 'enabled'> {
    const num = (id: string) => this.get(id).value as number;
    const str = <T extends string>(id: string) => this.get(id).value as T;
    const latency = num('chaos.latency');
    return {
      retry: {
        maxAttempts: num('retry.maxAttempts'),
        maxDelay: num('retry.maxDelay'),
        backoff: {
          kind: str<BackoffKind>('retry.backoff.kind'),
          initial: num('retry.backoff.initial'),
          factor: num('retry.backoff.factor'),
          max: num('retry.backoff.max'),
          jitter: str<Jitter>('retry.backoff.jitter'),
        },
      },
      breaker: {
        breaker: this.#breakerSpec(),
        openFor: num('breaker.openFor'),
        halfOpen: {
          probes: num('breaker.halfOpen.probes'),
          successes: num('breaker.halfOpen.successes'),
          maxWait: num('breaker.halfOpen.maxWait'),
        },
      },
      timeout: { after: num('timeout.after'), strategy: str<TimeoutStrategy>('timeout.strategy') },
      bulkhead: {
        limit: num('bulkhead.limit'),
        queue: num('bulkhead.queue'),
        queueTimeout: num('bulkhead.queueTimeout'),
      },
      rateLimit: {
        rate: num('rateLimit.rate'),
        interval: num('rateLimit.interval'),
        burst: num('rateLimit.burst'),
        maxWait: num('rateLimit.maxWait'),
      },
      hedge: { delay: num('hedge.delay'), maxHedges: num('hedge.maxHedges') },
      budget: {
        ratio: num('budget.ratio'),
        window: num('budget.window'),
        minPerSecond: num('budget.minPerSecond'),
        buckets: num('budget.buckets'),
      },
      fallback: { lastGood: { ttl: num('fallback.lastGoodTtl') } },
      chaos: {
        enabled: this.get('chaos.enabled').value as boolean,
        rate: num('chaos.rate'),
        ...(latency > 0 ? { latency } : {}),
      },
    };
  }

  /** Health-check defaults (global scope only). */
  buildHealth(): ConfiguredHealth {
    return {
      critical: this.get('health.critical').value as boolean,
      timeout: this.get('health.timeout').value as number,
      interval: this.get('health.interval').value as number,
      history: this.get('health.history').value as number,
    };
  }

  #breakerSpec(): BreakerSpec {
    const num = (id: string) => this.get(id).value as number;
    const kind = this.get('breaker.kind').value;
    if (kind === 'consecutive') return { kind, threshold: num('breaker.threshold') };
    const slow = {
      failureRatio: num('breaker.failureRatio'),
      minimumCalls: num('breaker.minimumCalls'),
      slowCallDuration: num('breaker.slowCallDuration'),
      slowCallRatio: num('breaker.slowCallRatio'),
    };
    if (kind === 'count') return { kind, size: num('breaker.size'), ...slow };
    return { kind: 'sampling', window: num('breaker.window'), buckets: num('breaker.buckets'), ...slow };
  }
}
