/**
 * Every tunable option of every policy, generated from the core `*_DEFAULTS` objects: the
 * default of each setting *is* the core default (read from the object, never copied), and
 * the metadata tables below are typed so that a key added to a DEFAULTS object without a
 * matching entry here is a compile error (and a failing test).
 */
import {
  BACKOFF_DEFAULTS,
  BACKOFF_KINDS,
  BREAKER_KINDS,
  BULKHEAD_DEFAULTS,
  CHAOS_DEFAULTS,
  CIRCUIT_BREAKER_DEFAULTS,
  FALLBACK_DEFAULTS,
  HEALTH_DEFAULTS,
  HEDGE_DEFAULTS,
  JITTERS,
  MAX_TIMER_DELAY,
  RATE_LIMIT_DEFAULTS,
  RETRY_BUDGET_DEFAULTS,
  RETRY_DEFAULTS,
  TIMEOUT_DEFAULTS,
  TIMEOUT_STRATEGIES,
} from '@rampart/core';
import type { Constraint, FormatName, SettingValue } from './formats.js';

/** A group of settings: one per policy, plus `health`. */
export type SectionId =
  | 'retry'
  | 'breaker'
  | 'timeout'
  | 'bulkhead'
  | 'rateLimit'
  | 'hedge'
  | 'budget'
  | 'fallback'
  | 'chaos'
  | 'health';

/** The `<POLICY>` part of a variable name, per section. */
export const SECTION_ENV: Readonly<Record<SectionId, string>> = {
  retry: 'RETRY',
  breaker: 'BREAKER',
  timeout: 'TIMEOUT',
  bulkhead: 'BULKHEAD',
  rateLimit: 'RATE_LIMIT',
  hedge: 'HEDGE',
  budget: 'BUDGET',
  fallback: 'FALLBACK',
  chaos: 'CHAOS',
  health: 'HEALTH',
};

/** Sections in the order they are listed (tables, docs, `.env.example`). */
export const SECTIONS: readonly SectionId[] = [
  'retry',
  'breaker',
  'timeout',
  'bulkhead',
  'rateLimit',
  'hedge',
  'budget',
  'fallback',
  'chaos',
  'health',
];

/** One tunable option. */
export interface Setting extends Constraint {
  readonly section: SectionId;
  /** Dotted path of the option inside its section: `maxAttempts`, `backoff.initial`, `halfOpen.probes`. */
  readonly key: string;
  /** The `<OPTION>` part of the variable name: `MAX_ATTEMPTS`, `BACKOFF_INITIAL`. */
  readonly option: string;
  /** The core default (Infinity where the core default is Infinity). */
  readonly default: SettingValue;
  /** Where the default comes from: `RETRY_DEFAULTS.maxAttempts`. */
  readonly origin: string;
  readonly description: string;
  /** False for settings that exist only once (health), not per pipeline. */
  readonly perPipeline: boolean;
  /** Only meaningful for these breaker kinds / backoff kinds (the others ignore it). */
  readonly onlyFor?: readonly string[];
}

interface FieldMeta extends Omit<Constraint, 'format'> {
  readonly format: FormatName;
  readonly description: string;
  /** The option's key in the section, when it differs from the DEFAULTS key. */
  readonly key?: string;
  /** The variable suffix, when it differs from the key in UPPER_SNAKE case. */
  readonly option?: string;
  readonly onlyFor?: readonly string[];
}

/** A metadata entry for every key of a DEFAULTS object (nested objects nest). */
type MetaFor<D> = {
  readonly [K in keyof D]: D[K] extends number | string | boolean ? FieldMeta : MetaFor<D[K]>;
};

// Upper bounds the core factories enforce (not exported by the core; a test builds every
// policy from the extremes of these ranges, so a change in the core shows up there).
const MAX_COUNT_SIZE = 1_000_000;
const MAX_BUCKETS = 1_000;
const MAX_HEDGES = 100;
const MAX_HISTORY = 1_000;

/** A duration setting (ms) of at least `min`. */
const ms = (min: number, extra: Omit<FieldMeta, 'format' | 'min'>): FieldMeta => ({
  format: 'duration',
  min,
  ...extra,
});

const RETRY_META: MetaFor<typeof RETRY_DEFAULTS> = {
  maxAttempts: {
    format: 'integer',
    min: 1,
    infinity: true,
    description: 'Attempts in all, the first call included (1 = never retry; infinity = until success).',
  },
  maxDelay: ms(0, {
    max: MAX_TIMER_DELAY,
    description: 'Cap on every delay between attempts, a Retry-After from the error or result included.',
  }),
};

const BACKOFF_META: MetaFor<typeof BACKOFF_DEFAULTS> = {
  kind: {
    format: 'enum',
    values: BACKOFF_KINDS,
    option: 'BACKOFF',
    description: 'How the delay between attempts grows.',
  },
  initial: ms(0, {
    max: MAX_TIMER_DELAY,
    description: 'First delay between attempts (constant: every delay).',
  }),
  factor: {
    format: 'number',
    min: 0,
    max: MAX_TIMER_DELAY,
    description:
      'Growth per retry: the multiplier (exponential), or the added step in ms (linear, where it defaults to BACKOFF_INITIAL).',
    onlyFor: ['exponential', 'linear'],
  },
  max: ms(0, {
    max: MAX_TIMER_DELAY,
    description: 'Cap on every delay, jitter included (at least BACKOFF_INITIAL).',
  }),
  jitter: {
    format: 'enum',
    values: JITTERS,
    option: 'JITTER',
    description: 'How each delay is randomised (none keeps the exact formula).',
  },
};

const BREAKER_META: MetaFor<typeof CIRCUIT_BREAKER_DEFAULTS> = {
  breakerKind: {
    format: 'enum',
    values: BREAKER_KINDS,
    key: 'kind',
    option: 'KIND',
    description:
      'consecutive: open after THRESHOLD failures in a row; count: on FAILURE_RATIO of the last SIZE calls; sampling: on FAILURE_RATIO of the calls in the last WINDOW.',
  },
  threshold: {
    format: 'integer',
    min: 1,
    description: 'Failures in a row that open the circuit.',
    onlyFor: ['consecutive'],
  },
  size: {
    format: 'integer',
    min: 1,
    max: MAX_COUNT_SIZE,
    description: 'Calls in the sliding window.',
    onlyFor: ['count'],
  },
  window: ms(1, { description: 'Length of the sliding time window.', onlyFor: ['sampling'] }),
  buckets: {
    format: 'integer',
    min: 1,
    max: MAX_BUCKETS,
    description: 'Buckets the time window is divided into (its resolution; each at least 1ms).',
    onlyFor: ['sampling'],
  },
  failureRatio: {
    format: 'ratio',
    min: 0,
    minExclusive: true,
    max: 1,
    description: 'Share of failed calls in the window that opens the circuit.',
    onlyFor: ['count', 'sampling'],
  },
  minimumCalls: {
    format: 'integer',
    min: 1,
    description:
      'Calls the window needs before a ratio can open the circuit (count breaker: at most SIZE, and SIZE when SIZE is smaller than the default).',
    onlyFor: ['count', 'sampling'],
  },
  slowCallDuration: ms(0, {
    infinity: true,
    description: 'A call longer than this counts as slow (infinity: slow-call tripping off).',
    onlyFor: ['count', 'sampling'],
  }),
  slowCallRatio: {
    format: 'ratio',
    min: 0,
    minExclusive: true,
    max: 1,
    description: 'Share of slow calls in the window that opens the circuit.',
    onlyFor: ['count', 'sampling'],
  },
  openFor: ms(1, { description: 'How long the circuit stays open before it lets a probe through.' }),
  halfOpen: {
    probes: { format: 'integer', min: 1, description: 'Calls let through at once while half-open.' },
    successes: { format: 'integer', min: 1, description: 'Successful probes needed to close the circuit.' },
    maxWait: ms(1, { description: 'A probe running longer than this re-opens the circuit.' }),
  },
};

const TIMEOUT_META: MetaFor<typeof TIMEOUT_DEFAULTS> = {
  after: ms(1, { description: 'Time allowed for the layers inside the timeout.' }),
  strategy: {
    format: 'enum',
    values: TIMEOUT_STRATEGIES,
    description: 'aggressive rejects at once; cooperative aborts the signal and waits for the call to end.',
  },
};

const BULKHEAD_META: MetaFor<typeof BULKHEAD_DEFAULTS> = {
  limit: { format: 'integer', min: 1, description: 'Calls allowed to run at once.' },
  queue: {
    format: 'integer',
    min: 0,
    infinity: true,
    description: 'Calls allowed to wait for a slot (0 = reject at once when full).',
  },
  queueTimeout: ms(1, { infinity: true, description: 'Longest wait in the queue.' }),
};

const RATE_LIMIT_META: MetaFor<typeof RATE_LIMIT_DEFAULTS> = {
  rate: { format: 'number', min: 0, minExclusive: true, description: 'Tokens added per INTERVAL.' },
  interval: ms(1, { description: 'The refill interval.' }),
  burst: {
    format: 'integer',
    min: 1,
    description: 'Bucket size: the most calls allowed in one burst (defaults to RATE, rounded up).',
  },
  maxWait: ms(0, { infinity: true, description: 'Longest wait for a token (0 = reject at once).' }),
};

const HEDGE_META: MetaFor<typeof HEDGE_DEFAULTS> = {
  delay: ms(0, { description: 'Wait this long for an answer before starting another attempt.' }),
  maxHedges: {
    format: 'integer',
    min: 0,
    max: MAX_HEDGES,
    description: 'Extra attempts at most (0 turns hedging off).',
  },
};

const BUDGET_META: MetaFor<typeof RETRY_BUDGET_DEFAULTS> = {
  ratio: {
    format: 'ratio',
    min: 0,
    max: 1_000,
    description: 'Extra attempts (retries, hedges) allowed, as a share of first attempts in the window.',
  },
  window: ms(1, { description: 'The sliding window the budget is counted over.' }),
  minPerSecond: {
    format: 'number',
    min: 0,
    max: 1_000_000,
    description: 'Extra attempts always allowed per second, however few calls there were.',
  },
  buckets: {
    format: 'integer',
    min: 1,
    max: MAX_BUCKETS,
    description: 'Buckets the window is divided into (its resolution; each at least 1ms).',
  },
};

const FALLBACK_META: MetaFor<typeof FALLBACK_DEFAULTS> = {
  lastGoodTtl: ms(0, {
    infinity: true,
    description: 'How long a last good result may be served (fallbacks built with lastGood).',
  }),
};

const CHAOS_META: MetaFor<typeof CHAOS_DEFAULTS> = {
  rate: { format: 'ratio', min: 0, max: 1, description: 'Share of calls affected by injected faults.' },
  enabled: { format: 'boolean', description: 'Switches fault injection on.' },
};

const HEALTH_META: MetaFor<typeof HEALTH_DEFAULTS> = {
  critical: { format: 'boolean', description: 'Whether a failing check makes the service unhealthy.' },
  timeout: ms(1, { infinity: true, description: 'Longest run of one health check.' }),
  interval: ms(0, { description: 'Run checks in the background this often (0 = on demand only).' }),
  history: { format: 'integer', min: 1, max: MAX_HISTORY, description: 'Results kept per check.' },
};

/** Settings that exist in rampart's config but have no core DEFAULTS entry (the core default is "off"). */
const EXTRA: readonly Setting[] = [
  {
    section: 'chaos',
    key: 'latency',
    option: 'LATENCY',
    format: 'duration',
    min: 0,
    default: 0,
    origin: '(none: 0 adds no latency)',
    description: 'Latency added before affected calls (0 = none).',
    perPipeline: true,
  },
];

const upperSnake = (key: string): string =>
  key
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();

function generate(
  section: SectionId,
  defaultsName: string,
  defaults: object,
  meta: object,
  options: { keyPrefix?: string; optionPrefix?: string; perPipeline?: boolean } = {},
): Setting[] {
  const out: Setting[] = [];
  const walk = (values: object, metas: object, path: string[]) => {
    for (const [name, value] of Object.entries(values)) {
      const m = (metas as Record<string, unknown>)[name];
      const where = `${defaultsName}.${[...path, name].join('.')}`;
      if (m === undefined) throw new Error(`@rampart/config: no setting describes ${where}`);
      if (typeof value === 'object' && value !== null) {
        walk(value, m as object, [...path, name]);
        continue;
      }
      const field = m as FieldMeta;
      const key = `${options.keyPrefix ?? ''}${[...path, field.key ?? name].join('.')}`;
      const option = field.option ?? `${options.optionPrefix ?? ''}${upperSnake([...path, name].join('.'))}`;
      const { key: _key, option: _option, ...constraint } = field;
      out.push({
        ...constraint,
        section,
        key,
        option,
        default: value as SettingValue,
        origin: where,
        perPipeline: options.perPipeline ?? true,
      });
    }
  };
  walk(defaults, meta, []);
  return out;
}

/** Every policy setting, in listing order. */
export const SETTINGS: readonly Setting[] = [
  ...generate('retry', 'RETRY_DEFAULTS', RETRY_DEFAULTS, RETRY_META),
  ...generate('retry', 'BACKOFF_DEFAULTS', BACKOFF_DEFAULTS, BACKOFF_META, {
    keyPrefix: 'backoff.',
    optionPrefix: 'BACKOFF_',
  }),
  ...generate('breaker', 'CIRCUIT_BREAKER_DEFAULTS', CIRCUIT_BREAKER_DEFAULTS, BREAKER_META),
  ...generate('timeout', 'TIMEOUT_DEFAULTS', TIMEOUT_DEFAULTS, TIMEOUT_META),
  ...generate('bulkhead', 'BULKHEAD_DEFAULTS', BULKHEAD_DEFAULTS, BULKHEAD_META),
  ...generate('rateLimit', 'RATE_LIMIT_DEFAULTS', RATE_LIMIT_DEFAULTS, RATE_LIMIT_META),
  ...generate('hedge', 'HEDGE_DEFAULTS', HEDGE_DEFAULTS, HEDGE_META),
  ...generate('budget', 'RETRY_BUDGET_DEFAULTS', RETRY_BUDGET_DEFAULTS, BUDGET_META),
  ...generate('fallback', 'FALLBACK_DEFAULTS', FALLBACK_DEFAULTS, FALLBACK_META),
  ...generate('chaos', 'CHAOS_DEFAULTS', CHAOS_DEFAULTS, CHAOS_META),
  ...EXTRA,
  ...generate('health', 'HEALTH_DEFAULTS', HEALTH_DEFAULTS, HEALTH_META, { perPipeline: false }),
].sort((a, b) => SECTIONS.indexOf(a.section) - SECTIONS.indexOf(b.section));

/** `section.key` → setting. */
export const SETTING_BY_ID: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [settingId(s), s]));

export function settingId(setting: Pick<Setting, 'section' | 'key'>): string {
  return `${setting.section}.${setting.key}`;
}

/** Settings of one section. */
export function sectionSettings(section: SectionId): readonly Setting[] {
  return SETTINGS.filter((s) => s.section === section);
}
