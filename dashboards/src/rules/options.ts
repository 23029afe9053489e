/**
 * Thresholds and windows of the generated Prometheus rules. The defaults are what we ship
 * in `generated/prometheus/rampart-rules.yml`; `ruleGroups(options)` takes overrides (the
 * end-to-end test uses seconds-long windows so that alerts fire within a test run).
 */

/** The alerts, by the key used in `RuleOptions.for`. */
export const ALERT_KEYS = [
  'circuitOpen',
  'circuitFlapping',
  'errorRatio',
  'retryStorm',
  'timeoutsRising',
  'bulkheadSaturated',
  'bulkheadRejecting',
  'fallbackRate',
  'criticalHealthCheck',
  'retryBudgetExhausted',
] as const;

export type AlertKey = (typeof ALERT_KEYS)[number];

export interface RuleOptions {
  /** Range of every `rate()` in the recording rules (a Prometheus duration). */
  readonly window: string;
  /** Window in which circuit openings are counted for the flapping alert. */
  readonly flappingWindow: string;
  /** How long each alert's condition must hold before it fires (`for:`). */
  readonly for: Readonly<Record<AlertKey, string>>;
  /** Ratio of calls that failed or were rejected, above which `RampartErrorRatioHigh` fires. */
  readonly errorRatio: number;
  /** Closed → open transitions within `flappingWindow` that count as flapping. */
  readonly flappingOpens: number;
  /** Retries per call through a retry policy above which `RampartRetryStorm` fires. */
  readonly retryRatio: number;
  /** Timeouts per call above which `RampartTimeoutsRising` fires. */
  readonly timeoutRatio: number;
  /** Fleet-wide bulkhead occupancy (active / limit) at or above which it counts as saturated. */
  readonly bulkheadSaturation: number;
  /** Bulkhead rejections per call above which `RampartBulkheadRejecting` fires. */
  readonly bulkheadRejectionRatio: number;
  /** Fallbacks per call above which `RampartFallbackRateHigh` fires. */
  readonly fallbackRatio: number;
  /** Retries and hedges skipped by the budget, per second, above which the budget alert fires. */
  readonly budgetRejectionRate: number;
  /**
   * Ratio alerts stay quiet below this many calls per second per service and pipeline:
   * one failed call out of two is 50 %, but not worth a page.
   */
  readonly minCallRate: number;
  /** Where the runbooks live; each alert links to `<runbookBaseUrl>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
}

/** The shipped rule settings. */
export const RULE_DEFAULTS = {
  /** @defaultValue '5m' */
  window: '5m',
  /** @defaultValue '15m' */
  flappingWindow: '15m',
  for: {
    /** @defaultValue '5m' (the "circuit open longer than N minutes" of the alert) */
    circuitOpen: '5m',
    /** @defaultValue '0m' (the flapping window already spans time) */
    circuitFlapping: '0m',
    /** @defaultValue '5m' */
    errorRatio: '5m',
    /** @defaultValue '5m' */
    retryStorm: '5m',
    /** @defaultValue '5m' */
    timeoutsRising: '5m',
    /** @defaultValue '10m' */
    bulkheadSaturated: '10m',
    /** @defaultValue '5m' */
    bulkheadRejecting: '5m',
    /** @defaultValue '10m' */
    fallbackRate: '10m',
    /** @defaultValue '2m' */
    criticalHealthCheck: '2m',
    /** @defaultValue '5m' */
    retryBudgetExhausted: '5m',
  },
  /** @defaultValue 0.05 (5 % of calls) */
  errorRatio: 0.05,
  /** @defaultValue 3 */
  flappingOpens: 3,
  /** @defaultValue 0.25 (a quarter more load on the dependency) */
  retryRatio: 0.25,
  /** @defaultValue 0.05 */
  timeoutRatio: 0.05,
  /** @defaultValue 0.9 */
  bulkheadSaturation: 0.9,
  /** @defaultValue 0.01 */
  bulkheadRejectionRatio: 0.01,
  /** @defaultValue 0.1 */
  fallbackRatio: 0.1,
  /** @defaultValue 0 (any sustained rejection) */
  budgetRejectionRate: 0,
  /** @defaultValue 0.1 (calls per second) */
  minCallRate: 0.1,
  /**
   * A placeholder on the reserved `.invalid` domain: set `RAMPART_RUNBOOK_BASE_URL` when
   * generating (`pnpm --filter @rampart/dashboards build`) to where your copy of
   * docs/runbooks is served, so the links in pages and Grafana work.
   * @defaultValue 'https://rampart.invalid/docs/runbooks'
   */
  runbookBaseUrl: 'https://rampart.invalid/docs/runbooks',
} as const satisfies RuleOptions;

/** Overrides accepted by `ruleGroups()`: any subset, `for` merged key by key. */
export type RuleOverrides = Partial<Omit<RuleOptions, 'for'>> & {
  readonly for?: Partial<Record<AlertKey, string>>;
};

/** A Prometheus duration: `30s`, `5m`, `1h30m` (units ms, s, m, h, d, w, y). */
const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;

const KNOWN = Object.keys(RULE_DEFAULTS);

const show = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? 'an object' : String(value);

function checkDuration(option: string, value: unknown): string {
  if (typeof value !== 'string' || !DURATION.test(value)) {
    throw new RangeError(
      `ruleGroups: ${option} must be a Prometheus duration such as "30s", "5m" or "1h30m", got ${show(value)}`,
    );
  }
  return value;
}

function checkPositive(option: string, value: unknown, { allowZero = false, max = Infinity } = {}): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value > max ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    const range = `${allowZero ? '>= 0' : '> 0'}${max === Infinity ? '' : ` and <= ${max}`}`;
    throw new RangeError(`ruleGroups: ${option} must be a number ${range}, got ${show(value)}`);
  }
  return value;
}

/** Merges overrides into the defaults, validating every value; a misspelled option is an error. */
export function resolveRuleOptions(overrides: RuleOverrides = {}): RuleOptions {
  for (const key of Object.keys(overrides)) {
    if (!KNOWN.includes(key)) {
      throw new TypeError(`ruleGroups: unknown option "${key}"; known options: ${KNOWN.join(', ')}`);
    }
  }
  const forOverrides = overrides.for ?? {};
  for (const key of Object.keys(forOverrides)) {
    if (!(ALERT_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`ruleGroups: unknown alert "for.${key}"; known alerts: ${ALERT_KEYS.join(', ')}`);
    }
  }
  const merged = { ...RULE_DEFAULTS, ...overrides, for: { ...RULE_DEFAULTS.for, ...forOverrides } };
  const forDurations = {} as Record<AlertKey, string>;
  for (const key of ALERT_KEYS) forDurations[key] = checkDuration(`for.${key}`, merged.for[key]);
  const runbookBaseUrl = merged.runbookBaseUrl;
  if (typeof runbookBaseUrl !== 'string' || !/^https?:\/\/\S+[^/]$/.test(runbookBaseUrl)) {
    throw new RangeError(
      `ruleGroups: runbookBaseUrl must be an http(s) URL without a trailing slash, got ${show(runbookBaseUrl)}`,
    );
  }
  return {
    window: checkDuration('window', merged.window),
    flappingWindow: checkDuration('flappingWindow', merged.flappingWindow),
    for: forDurations,
    errorRatio: checkPositive('errorRatio', merged.errorRatio, { max: 1 }),
    flappingOpens: checkPositive('flappingOpens', merged.flappingOpens),
    retryRatio: checkPositive('retryRatio', merged.retryRatio),
    timeoutRatio: checkPositive('timeoutRatio', merged.timeoutRatio),
    bulkheadSaturation: checkPositive('bulkheadSaturation', merged.bulkheadSaturation, { max: 1 }),
    bulkheadRejectionRatio: checkPositive('bulkheadRejectionRatio', merged.bulkheadRejectionRatio),
    fallbackRatio: checkPositive('fallbackRatio', merged.fallbackRatio, { max: 1 }),
    budgetRejectionRate: checkPositive('budgetRejectionRate', merged.budgetRejectionRate, {
      allowZero: true,
    }),
    minCallRate: checkPositive('minCallRate', merged.minCallRate, { allowZero: true }),
    runbookBaseUrl,
  };
}
