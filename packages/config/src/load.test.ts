import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BACKOFF_DEFAULTS,
  BULKHEAD_DEFAULTS,
  CHAOS_DEFAULTS,
  CIRCUIT_BREAKER_DEFAULTS,
  FALLBACK_DEFAULTS,
  HEALTH_DEFAULTS,
  HEDGE_DEFAULTS,
  RATE_LIMIT_DEFAULTS,
  RETRY_BUDGET_DEFAULTS,
  RETRY_DEFAULTS,
  TIMEOUT_DEFAULTS,
} from '@rampart/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { inspectConfig, loadConfig } from './load.js';
import { PROFILE_PRESETS } from './profiles.js';
import { SETTINGS } from './settings.js';

const load = (env: Record<string, string>) => loadConfig({ pipelines: ['payments', 'search'], env });

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
};

describe('defaults come from the core DEFAULTS objects', () => {
  const sources: Record<string, object> = {
    RETRY_DEFAULTS,
    BACKOFF_DEFAULTS,
    CIRCUIT_BREAKER_DEFAULTS,
    TIMEOUT_DEFAULTS,
    BULKHEAD_DEFAULTS,
    RATE_LIMIT_DEFAULTS,
    HEDGE_DEFAULTS,
    RETRY_BUDGET_DEFAULTS,
    FALLBACK_DEFAULTS,
    CHAOS_DEFAULTS,
    HEALTH_DEFAULTS,
  };
  const leaves = (object: object, prefix: string): [string, unknown][] =>
    Object.entries(object).flatMap(([key, value]) =>
      typeof value === 'object' && value !== null
        ? leaves(value, `${prefix}.${key}`)
        : [[`${prefix}.${key}`, value] as [string, unknown]],
    );

  it('every key of every DEFAULTS object is a setting, with that default', () => {
    const byOrigin = new Map(SETTINGS.map((s) => [s.origin, s]));
    for (const [name, object] of Object.entries(sources)) {
      for (const [path, value] of leaves(object, name)) {
        const setting = byOrigin.get(path);
        expect(setting, `${path} has no setting`).toBeDefined();
        expect(setting!.default, path).toBe(value);
      }
    }
  });

  it('an empty environment gives the core defaults in every option object', () => {
    const config = load({});
    const p = config.pipelines.payments;
    expect(p.retry).toEqual({
      maxAttempts: RETRY_DEFAULTS.maxAttempts,
      maxDelay: RETRY_DEFAULTS.maxDelay,
      backoff: { ...BACKOFF_DEFAULTS },
    });
    expect(p.breaker).toEqual({
      breaker: { kind: 'consecutive', threshold: CIRCUIT_BREAKER_DEFAULTS.threshold },
      openFor: CIRCUIT_BREAKER_DEFAULTS.openFor,
      halfOpen: { ...CIRCUIT_BREAKER_DEFAULTS.halfOpen },
    });
    expect(p.timeout).toEqual(TIMEOUT_DEFAULTS);
    expect(p.bulkhead).toEqual(BULKHEAD_DEFAULTS);
    expect(p.rateLimit).toEqual(RATE_LIMIT_DEFAULTS);
    expect(p.hedge).toEqual(HEDGE_DEFAULTS);
    expect(p.budget).toEqual(RETRY_BUDGET_DEFAULTS);
    expect(p.fallback).toEqual({ lastGood: { ttl: FALLBACK_DEFAULTS.lastGoodTtl } });
    expect(p.chaos).toEqual({ enabled: CHAOS_DEFAULTS.enabled, rate: CHAOS_DEFAULTS.rate });
    expect(config.health).toEqual(HEALTH_DEFAULTS);
    expect(config.enabled).toBe(true);
    expect(p.enabled).toBe(true);
    expect(config.warnings).toEqual([]);
    expect(config.sources.RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS).toBe('default');
  });
});

describe('precedence: per-pipeline > global > profile > default', () => {
  it('each layer wins over the ones below it, and says where the value came from', () => {
    const config = load({
      RAMPART_PROFILE: 'development', // retry.maxAttempts 2, timeout.after 5s, breaker.openFor 5s
      RAMPART_RETRY_MAX_ATTEMPTS: '4',
      RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS: '6',
      RAMPART_TIMEOUT_AFTER: '7s',
    });
    const { payments, search } = config.pipelines;
    expect(payments.retry.maxAttempts).toBe(6); // per pipeline
    expect(search.retry.maxAttempts).toBe(4); // global
    expect(payments.timeout.after).toBe(7_000); // global over profile
    expect(payments.breaker.openFor).toBe(5_000); // profile
    expect(payments.bulkhead.limit).toBe(BULKHEAD_DEFAULTS.limit); // default
    expect(config.sources).toMatchObject({
      RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS: 'env',
      RAMPART_SEARCH_RETRY_MAX_ATTEMPTS: 'env',
      RAMPART_RETRY_MAX_ATTEMPTS: 'env',
      RAMPART_BREAKER_OPEN_FOR: 'profile',
      RAMPART_PAYMENTS_BREAKER_OPEN_FOR: 'profile',
      RAMPART_BULKHEAD_LIMIT: 'default',
    });
    const row = (variable: string) => config.settings.find((s) => s.variable === variable)!;
    expect(row('RAMPART_SEARCH_RETRY_MAX_ATTEMPTS')).toMatchObject({
      valueText: '4',
      source: 'env',
      from: 'RAMPART_RETRY_MAX_ATTEMPTS',
    });
    expect(row('RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS')).toMatchObject({ valueText: '6', from: undefined });
    expect(row('RAMPART_PAYMENTS_BREAKER_OPEN_FOR')).toMatchObject({
      defaultText: '30s',
      valueText: '5s',
      source: 'profile',
    });
  });

  it('pipeline names map to upper case with non-alphanumerics as _', () => {
    const config = loadConfig({
      pipelines: ['payments-eu', 'search.v2'],
      env: { RAMPART_PAYMENTS_EU_BULKHEAD_LIMIT: '3', RAMPART_SEARCH_V2_BULKHEAD_LIMIT: '4' },
    });
    expect(config.pipelines['payments-eu'].bulkhead.limit).toBe(3);
    expect(config.pipelines['search.v2'].bulkhead.limit).toBe(4);
  });

  it('refuses two pipelines that map to the same variables, or a pipeline that shadows a setting', () => {
    expect(() => loadConfig({ pipelines: ['pay-ments', 'pay.ments'], env: {} })).toThrow(
      /"pay-ments" and "pay\.ments" both map to RAMPART_PAY_MENTS_\*/,
    );
    // RAMPART_CHAOS_ENABLED is the global chaos switch; a pipeline "chaos" would claim it too.
    expect(() => loadConfig({ pipelines: ['chaos'], env: {} })).toThrow(
      /RAMPART_CHAOS_ENABLED would belong both/,
    );
    expect(() => loadConfig({ pipelines: ['a', 'a'], env: {} })).toThrow(/listed twice/);
    expect(() => loadConfig({ pipelines: ['bad name'], env: {} })).toThrow(/pipeline name/);
  });
});

describe('formats in variables', () => {
  it('reads durations, ratios, booleans, enums and infinity', () => {
    const config = load({
      RAMPART_BREAKER_OPEN_FOR: '2m',
      RAMPART_TIMEOUT_AFTER: '250ms',
      RAMPART_RETRY_MAX_DELAY: '1500',
      RAMPART_HEALTH_TIMEOUT: '1h',
      RAMPART_BREAKER_KIND: 'COUNT',
      RAMPART_BREAKER_FAILURE_RATIO: '25%',
      RAMPART_BREAKER_SLOW_CALL_RATIO: '0.8',
      RAMPART_BREAKER_SLOW_CALL_DURATION: '3s',
      RAMPART_CHAOS_ENABLED: 'on',
      RAMPART_CHAOS_RATE: '5%',
      RAMPART_BULKHEAD_QUEUE: 'infinity',
      RAMPART_BULKHEAD_QUEUE_TIMEOUT: 'none',
      RAMPART_RETRY_MAX_ATTEMPTS: 'Infinity',
      RAMPART_RETRY_BACKOFF: 'fibonacci',
      RAMPART_RETRY_JITTER: 'decorrelated',
      RAMPART_TIMEOUT_STRATEGY: 'cooperative',
    });
    const p = config.pipelines.payments;
    expect(p.breaker.openFor).toBe(120_000);
    expect(p.timeout).toEqual({ after: 250, strategy: 'cooperative' });
    expect(p.retry.maxDelay).toBe(1_500);
    expect(config.health.timeout).toBe(3_600_000);
    expect(p.breaker.breaker).toEqual({
      kind: 'count',
      size: CIRCUIT_BREAKER_DEFAULTS.size,
      failureRatio: 0.25,
      minimumCalls: CIRCUIT_BREAKER_DEFAULTS.minimumCalls,
      slowCallDuration: 3_000,
      slowCallRatio: 0.8,
    });
    expect(p.chaos).toEqual({ enabled: true, rate: 0.05 });
    expect(p.bulkhead.queue).toBe(Number.POSITIVE_INFINITY);
    expect(p.bulkhead.queueTimeout).toBe(Number.POSITIVE_INFINITY);
    expect(p.retry.maxAttempts).toBe(Number.POSITIVE_INFINITY);
    expect(p.retry.backoff).toMatchObject({ kind: 'fibonacci', jitter: 'decorrelated' });
  });

  it('builds the sampling breaker spec with only its own fields', () => {
    const config = load({
      RAMPART_PAYMENTS_BREAKER_KIND: 'sampling',
      RAMPART_PAYMENTS_BREAKER_WINDOW: '30s',
    });
    expect(config.pipelines.payments.breaker.breaker).toEqual({
      kind: 'sampling',
      window: 30_000,
      buckets: CIRCUIT_BREAKER_DEFAULTS.buckets,
      failureRatio: CIRCUIT_BREAKER_DEFAULTS.failureRatio,
      minimumCalls: CIRCUIT_BREAKER_DEFAULTS.minimumCalls,
      slowCallDuration: Number.POSITIVE_INFINITY,
      slowCallRatio: 1,
    });
    expect(config.pipelines.search.breaker.breaker.kind).toBe('consecutive');
  });

  it('refuses infinity where the option does not allow it', () => {
    expect(issuesOf(() => load({ RAMPART_TIMEOUT_AFTER: 'infinity' }))).toEqual([
      {
        variable: 'RAMPART_TIMEOUT_AFTER',
        value: 'infinity',
        allowed: 'a duration (250ms, 15s, 2m, 1h; a plain number is ms) >= 1ms',
        source: 'env',
      },
    ]);
  });

  it('treats an empty value as unset', () => {
    expect(
      load({ RAMPART_RETRY_MAX_ATTEMPTS: '', RAMPART_ENABLED: '  ' }).pipelines.payments.retry.maxAttempts,
    ).toBe(RETRY_DEFAULTS.maxAttempts);
  });
});

describe('errors', () => {
  it('reports every bad variable at once, each with its value and what is allowed', () => {
    let error: ConfigError | undefined;
    try {
      load({
        RAMPART_RETRY_MAX_ATTEMPTS: 'three',
        RAMPART_PAYMENTS_BREAKER_OPEN_FOR: '30 parsecs',
        RAMPART_BREAKER_FAILURE_RATIO: '150%',
        RAMPART_SEARCH_ENABLED: 'nope',
        RAMPART_RETRY_JITTER: 'lots',
        RAMPART_BULKHEAD_LIMIT: '0',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.issues.map((i) => [i.variable, i.value, i.allowed])).toEqual([
      ['RAMPART_RETRY_MAX_ATTEMPTS', 'three', 'an integer >= 1, or infinity'],
      ['RAMPART_RETRY_JITTER', 'lots', 'one of none, full, equal, decorrelated'],
      ['RAMPART_BREAKER_FAILURE_RATIO', '150%', 'a ratio (0.5 or 50%) > 0 and <= 1'],
      ['RAMPART_BULKHEAD_LIMIT', '0', 'an integer >= 1'],
      [
        'RAMPART_PAYMENTS_BREAKER_OPEN_FOR',
        '30 parsecs',
        'a duration (250ms, 15s, 2m, 1h; a plain number is ms) >= 1ms',
      ],
      ['RAMPART_SEARCH_ENABLED', 'nope', 'true or false'],
    ]);
    expect(error!.message).toContain('invalid rampart configuration (6 problems):');
    for (const issue of error!.issues) expect(error!.message).toContain(`${issue.variable}="${issue.value}"`);
  });

  it('checks rules that span two options, blaming a variable that was set', () => {
    const issues = issuesOf(() =>
      load({
        RAMPART_BREAKER_KIND: 'count',
        RAMPART_BREAKER_SIZE: '50',
        RAMPART_BREAKER_MINIMUM_CALLS: '80',
        RAMPART_RETRY_BACKOFF_INITIAL: '10s',
        RAMPART_RETRY_BACKOFF_MAX: '5s',
        RAMPART_RETRY_BACKOFF_FACTOR: '0.5',
        RAMPART_SEARCH_BREAKER_KIND: 'sampling',
        RAMPART_SEARCH_BREAKER_WINDOW: '5ms',
        RAMPART_SEARCH_BREAKER_BUCKETS: '10',
      }),
    );
    expect(issues.map((i) => [i.variable, i.value, i.allowed])).toEqual([
      ['RAMPART_RETRY_BACKOFF_INITIAL', '10s', 'a duration <= RAMPART_RETRY_BACKOFF_MAX (5s)'],
      [
        'RAMPART_RETRY_BACKOFF_FACTOR',
        '0.5',
        'a number from 1 to 1000 for an exponential backoff (below 1 the delays would shrink)',
      ],
      [
        'RAMPART_BREAKER_MINIMUM_CALLS',
        '80',
        'an integer <= RAMPART_BREAKER_SIZE (50): a window of that size never holds more calls',
      ],
      [
        'RAMPART_SEARCH_BREAKER_BUCKETS',
        '10',
        'an integer <= RAMPART_SEARCH_BREAKER_WINDOW (5ms) in ms: each bucket must span at least 1ms',
      ],
    ]);
  });

  it('a rule broken only by a pipeline override is reported for that pipeline', () => {
    const issues = issuesOf(() =>
      load({
        RAMPART_BREAKER_KIND: 'count',
        RAMPART_BREAKER_MINIMUM_CALLS: '10',
        RAMPART_SEARCH_BREAKER_SIZE: '5',
      }),
    );
    // The count window of 5 was set for search only; minimumCalls came from the global variable.
    expect(issues).toEqual([
      {
        variable: 'RAMPART_BREAKER_MINIMUM_CALLS',
        value: '10',
        allowed:
          'an integer <= RAMPART_SEARCH_BREAKER_SIZE (5): a window of that size never holds more calls',
        source: 'env',
      },
    ]);
  });

  it('an unreadable or malformed env file is reported like a bad variable', () => {
    expect(issuesOf(() => loadConfig({ pipelines: [], env: {}, file: '/nonexistent/rampart.env' }))).toEqual([
      {
        variable: 'RAMPART_CONFIG_FILE',
        value: '/nonexistent/rampart.env',
        allowed: 'a readable env file (ENOENT)',
      },
    ]);
  });
});

describe('derived defaults follow the option they depend on, as the core factories do', () => {
  it('burst follows the rate (rounded up, at least 1) unless set', () => {
    expect(load({ RAMPART_RATE_LIMIT_RATE: '20' }).pipelines.payments.rateLimit.burst).toBe(20);
    expect(load({ RAMPART_RATE_LIMIT_RATE: '0.5' }).pipelines.payments.rateLimit.burst).toBe(1);
    expect(load({ RAMPART_RATE_LIMIT_RATE: '2.5' }).pipelines.payments.rateLimit.burst).toBe(3);
    expect(
      load({ RAMPART_RATE_LIMIT_RATE: '20', RAMPART_RATE_LIMIT_BURST: '5' }).pipelines.payments.rateLimit
        .burst,
    ).toBe(5);
    // A pipeline's own rate drives its own burst, not the global one.
    const config = load({ RAMPART_RATE_LIMIT_RATE: '20', RAMPART_SEARCH_RATE_LIMIT_RATE: '7' });
    expect(config.pipelines.search.rateLimit.burst).toBe(7);
    expect(config.pipelines.payments.rateLimit.burst).toBe(20);
    expect(config.settings.find((s) => s.variable === 'RAMPART_SEARCH_RATE_LIMIT_BURST')).toMatchObject({
      valueText: '7',
      source: 'default',
      from: 'RAMPART_SEARCH_RATE_LIMIT_RATE',
    });
  });

  it('a linear backoff steps by its initial delay unless FACTOR is set', () => {
    const linear = load({ RAMPART_RETRY_BACKOFF: 'linear', RAMPART_RETRY_BACKOFF_INITIAL: '300ms' });
    expect(linear.pipelines.payments.retry.backoff).toMatchObject({
      kind: 'linear',
      initial: 300,
      factor: 300,
    });
    const exponential = load({ RAMPART_RETRY_BACKOFF_INITIAL: '300ms' });
    expect(exponential.pipelines.payments.retry.backoff.factor).toBe(BACKOFF_DEFAULTS.factor);
  });

  it('a count window smaller than the default minimum lowers the minimum to its size', () => {
    const config = load({ RAMPART_BREAKER_KIND: 'count', RAMPART_BREAKER_SIZE: '10' });
    expect(config.pipelines.payments.breaker.breaker).toMatchObject({ size: 10, minimumCalls: 10 });
  });
});

describe('unknown variables', () => {
  it('are warnings with the nearest valid name', () => {
    const config = load({
      RAMPART_RETRY_MAX_ATEMPTS: '5',
      RAMPART_PAYMENT_BREAKER_OPEN_FOR: '10s',
      OTHER_VARIABLE: 'ignored',
    });
    expect(config.warnings).toEqual([
      {
        variable: 'RAMPART_RETRY_MAX_ATEMPTS',
        value: '5',
        message: 'unknown variable; did you mean RAMPART_RETRY_MAX_ATTEMPTS?',
        suggestion: 'RAMPART_RETRY_MAX_ATTEMPTS',
      },
      {
        variable: 'RAMPART_PAYMENT_BREAKER_OPEN_FOR',
        value: '10s',
        message:
          'unknown variable (no declared pipeline maps to PAYMENT; declared: payments → PAYMENTS, search → SEARCH); did you mean RAMPART_PAYMENTS_BREAKER_OPEN_FOR?',
        suggestion: 'RAMPART_PAYMENTS_BREAKER_OPEN_FOR',
      },
    ]);
  });

  it('are errors with RAMPART_STRICT=true (or strict: true in code), alongside the other errors', () => {
    const issues = issuesOf(() =>
      load({ RAMPART_STRICT: 'true', RAMPART_RETRY_MAX_ATEMPTS: '5', RAMPART_BULKHEAD_LIMIT: 'x' }),
    );
    expect(issues.map((i) => i.variable)).toEqual(['RAMPART_BULKHEAD_LIMIT', 'RAMPART_RETRY_MAX_ATEMPTS']);
    expect(issues[1]!.allowed).toContain('did you mean RAMPART_RETRY_MAX_ATTEMPTS?');
    expect(() =>
      loadConfig({ pipelines: [], env: { RAMPART_RETRY_MAX_ATEMPTS: '5' }, strict: true }),
    ).toThrow(ConfigError);
    // The variable wins over the code default.
    expect(
      loadConfig({
        pipelines: [],
        env: { RAMPART_RETRY_MAX_ATEMPTS: '5', RAMPART_STRICT: 'false' },
        strict: true,
      }).warnings,
    ).toHaveLength(1);
  });

  it('warns about a variable that has no effect with the chosen breaker kind or backoff', () => {
    const config = load({
      RAMPART_BREAKER_SIZE: '50',
      RAMPART_RETRY_BACKOFF: 'constant',
      RAMPART_RETRY_BACKOFF_FACTOR: '3',
    });
    expect(config.warnings.map((w) => [w.variable, w.message])).toEqual([
      [
        'RAMPART_RETRY_BACKOFF_FACTOR',
        'has no effect: it applies only to exponential and linear backoffs, and no pipeline reading it uses one',
      ],
      [
        'RAMPART_BREAKER_SIZE',
        'has no effect: it applies only to count breakers, and no pipeline reading it uses one',
      ],
    ]);
    // Used by one pipeline that reads it: no warning.
    expect(load({ RAMPART_BREAKER_SIZE: '50', RAMPART_SEARCH_BREAKER_KIND: 'count' }).warnings).toEqual([]);
  });
});

describe('kill switch', () => {
  it('RAMPART_ENABLED=false turns every pipeline off, whatever their own switch says', () => {
    const config = load({ RAMPART_ENABLED: 'false', RAMPART_PAYMENTS_ENABLED: 'true' });
    expect(config.enabled).toBe(false);
    expect(config.pipelines.payments.enabled).toBe(false);
    expect(config.pipelines.search.enabled).toBe(false);
    expect(config.settings.find((s) => s.variable === 'RAMPART_PAYMENTS_ENABLED')).toMatchObject({
      valueText: 'false',
      source: 'env',
      from: 'RAMPART_ENABLED',
    });
  });

  it('RAMPART_<PIPELINE>_ENABLED=false turns one pipeline off', () => {
    const config = load({ RAMPART_SEARCH_ENABLED: '0' });
    expect(config.enabled).toBe(true);
    expect(config.pipelines.payments.enabled).toBe(true);
    expect(config.pipelines.search.enabled).toBe(false);
  });
});

describe('profiles', () => {
  it('development lowers retries and waits; every variable still overrides it', () => {
    const config = load({ RAMPART_PROFILE: 'development', RAMPART_PAYMENTS_TIMEOUT_AFTER: '9s' });
    expect(config.profile).toBe('development');
    const { payments, search } = config.pipelines;
    expect(search.retry.maxAttempts).toBe(PROFILE_PRESETS.development['retry.maxAttempts']);
    expect(search.retry.maxAttempts).toBeLessThan(RETRY_DEFAULTS.maxAttempts);
    expect(search.timeout.after).toBeLessThan(TIMEOUT_DEFAULTS.after);
    expect(search.breaker.openFor).toBeLessThan(CIRCUIT_BREAKER_DEFAULTS.openFor);
    expect(payments.timeout.after).toBe(9_000);
  });

  it('NODE_ENV selects a profile when RAMPART_PROFILE is not set; RAMPART_PROFILE wins', () => {
    expect(load({ NODE_ENV: 'development' }).profile).toBe('development');
    expect(load({ NODE_ENV: 'test' }).profile).toBeUndefined();
    const both = load({ NODE_ENV: 'development', RAMPART_PROFILE: 'production' });
    expect(both.profile).toBe('production');
    expect(both.pipelines.payments.retry.maxAttempts).toBe(RETRY_DEFAULTS.maxAttempts);
    const fromNodeEnv = load({ NODE_ENV: 'development' }).settings.find(
      (s) => s.variable === 'RAMPART_PROFILE',
    );
    expect(fromNodeEnv).toMatchObject({ valueText: 'development', source: 'env', from: 'NODE_ENV' });
  });

  it('production is the core defaults', () => {
    expect(load({ RAMPART_PROFILE: 'production' }).pipelines).toEqual(load({}).pipelines);
  });

  it('code can pick the profile; a variable still overrides the choice', () => {
    expect(loadConfig({ pipelines: [], env: {}, profile: 'development' }).profile).toBe('development');
    expect(
      loadConfig({ pipelines: [], env: { RAMPART_PROFILE: 'production' }, profile: 'development' }).profile,
    ).toBe('production');
  });

  it('an unknown profile is an error', () => {
    expect(issuesOf(() => load({ RAMPART_PROFILE: 'staging' }))).toEqual([
      {
        variable: 'RAMPART_PROFILE',
        value: 'staging',
        allowed: 'one of development, production',
        source: 'env',
      },
    ]);
  });
});

describe('env file', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    dir = mkdtempSync(join(tmpdir(), 'rampart-config-'));
    const path = join(dir, 'rampart.env');
    writeFileSync(path, text);
    return path;
  };

  it('is read on top of the environment, and named by RAMPART_CONFIG_FILE', () => {
    const path = file(
      [
        '# tuned by ops',
        'export RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS=5',
        'RAMPART_TIMEOUT_AFTER="2s"  # quoted',
        "RAMPART_BREAKER_OPEN_FOR='45s'",
        'OTEL_SERVICE_NAME=ignored',
        '',
      ].join('\n'),
    );
    const config = load({
      RAMPART_CONFIG_FILE: path,
      RAMPART_TIMEOUT_AFTER: '9s',
      RAMPART_BULKHEAD_LIMIT: '4',
    });
    expect(config.file).toBe(path);
    expect(config.pipelines.payments.retry.maxAttempts).toBe(5);
    expect(config.pipelines.payments.timeout.after).toBe(2_000); // the file wins over the environment
    expect(config.pipelines.payments.breaker.openFor).toBe(45_000);
    expect(config.pipelines.payments.bulkhead.limit).toBe(4);
    expect(config.sources).toMatchObject({
      RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS: 'file',
      RAMPART_TIMEOUT_AFTER: 'file',
      RAMPART_BULKHEAD_LIMIT: 'env',
    });
  });

  it('a bad line or a bad value in the file names the file and line', () => {
    const path = file('RAMPART_RETRY_MAX_ATTEMPTS=lots\nthis is not an assignment\nRAMPART_X="unclosed\n');
    const issues = issuesOf(() => loadConfig({ pipelines: [], env: {}, file: path }));
    expect(issues).toEqual([
      {
        variable: `${path}:2`,
        value: 'this is not an assignment',
        allowed: 'a line of the form NAME=value, a # comment, or blank',
        source: 'file',
      },
      {
        variable: `${path}:3`,
        value: 'RAMPART_X="unclosed',
        allowed: 'a line of the form NAME=value, a # comment, or blank',
        source: 'file',
      },
      {
        variable: 'RAMPART_RETRY_MAX_ATTEMPTS',
        value: 'lots',
        allowed: 'an integer >= 1, or infinity',
        source: `file ${path}:1`,
      },
    ]);
  });

  it('file: null reads no file even when RAMPART_CONFIG_FILE names one', () => {
    const config = loadConfig({ pipelines: [], env: { RAMPART_CONFIG_FILE: '/nonexistent' }, file: null });
    expect(config.file).toBeUndefined();
  });
});

describe('inspectConfig', () => {
  it('returns issues and every setting without throwing', () => {
    const inspection = inspectConfig({ pipelines: ['payments'], env: { RAMPART_BULKHEAD_LIMIT: 'many' } });
    expect(inspection.config).toBeUndefined();
    expect(inspection.issues).toHaveLength(1);
    const row = inspection.settings.find((s) => s.variable === 'RAMPART_BULKHEAD_LIMIT');
    expect(row).toMatchObject({ valueText: 'many', valid: false, source: 'env' });
    const inherited = inspection.settings.find((s) => s.variable === 'RAMPART_PAYMENTS_BULKHEAD_LIMIT');
    expect(inherited).toMatchObject({ valid: false, from: 'RAMPART_BULKHEAD_LIMIT' });
  });

  it('rejects bad options from code at once', () => {
    expect(() => loadConfig({ pipelines: 'payments' as never })).toThrow(/pipelines must be an array/);
    expect(() => loadConfig({ pipelines: [], profile: 'staging' as never })).toThrow(
      /profile must be one of/,
    );
  });
});
