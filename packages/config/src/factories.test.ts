/**
 * The contract between this package and the core: whatever `loadConfig` accepts, every
 * core factory accepts too. Checked with the defaults, every profile, the extremes of every
 * range, and random valid environments.
 */
import {
  bulkhead,
  chaos,
  circuitBreaker,
  health,
  hedge,
  rateLimit,
  retry,
  retryBudget,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { describeConstraint, showDuration } from './formats.js';
import { loadConfig } from './load.js';
import { variableName } from './names.js';
import { PROFILES } from './profiles.js';
import { SETTINGS, type Setting } from './settings.js';
import type { PipelineConfig, RampartConfig } from './types.js';

const clock = new TestClock();

function buildAll(p: PipelineConfig, config: RampartConfig): void {
  retry({ ...p.retry, clock });
  circuitBreaker({ ...p.breaker, clock });
  timeout({ ...p.timeout, clock });
  bulkhead({ ...p.bulkhead, clock });
  rateLimit({ ...p.rateLimit, clock });
  hedge({ ...p.hedge, clock });
  retryBudget({ ...p.budget, clock });
  chaos({ ...p.chaos, fault: () => new Error('injected'), clock });
  health({ checks: [{ name: 'db', run: () => true }], ...config.health, registry: null, clock });
}

/** A valid text for a setting, within its own range (rules across options are not considered). */
function validText(setting: Setting): fc.Arbitrary<string> {
  const min = setting.min ?? 0;
  const cap = (fallback: number) => Math.min(setting.max ?? fallback, fallback);
  const withInfinity = (arb: fc.Arbitrary<string>) =>
    setting.infinity ? fc.oneof(arb, fc.constantFrom('infinity', 'none')) : arb;
  switch (setting.format) {
    case 'boolean':
      return fc.constantFrom('true', 'false', 'on', 'off');
    case 'enum':
      return fc.constantFrom(...(setting.values ?? []));
    case 'integer':
      return withInfinity(
        fc.integer({ min: min + (setting.minExclusive ? 1 : 0), max: cap(1_000_000) }).map(String),
      );
    case 'number':
    case 'ratio': {
      const low = setting.minExclusive ? min + 1e-6 : min;
      return fc
        .double({ min: low, max: cap(1_000), noNaN: true, noDefaultInfinity: true })
        .map((n) => (setting.format === 'ratio' && n <= 1 ? `${Number((n * 100).toFixed(4))}%` : String(n)))
        .filter((text) => {
          const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
          return n >= min && (!setting.minExclusive || n > min) && n <= (setting.max ?? Number.MAX_VALUE);
        });
    }
    case 'duration':
      return withInfinity(
        fc.integer({ min: Math.ceil(min), max: cap(3 * 86_400_000) }).map((ms) => showDuration(ms)),
      );
  }
}

/** Values inside their own ranges may only be refused by a rule across two options. */
function expectOnlyCrossOptionIssues(error: unknown): void {
  expect(error).toBeInstanceOf(ConfigError);
  const own = new Set(SETTINGS.map((s) => describeConstraint(s)));
  for (const issue of (error as ConfigError).issues)
    expect(own.has(issue.allowed), issue.allowed).toBe(false);
}

describe('every config loadConfig accepts, the core factories accept', () => {
  it('the defaults and every profile', () => {
    for (const profile of [undefined, ...PROFILES]) {
      const config = loadConfig({ pipelines: ['p'], env: profile ? { RAMPART_PROFILE: profile } : {} });
      buildAll(config.pipelines.p, config);
    }
  });

  it('the extremes of every range', () => {
    for (const setting of SETTINGS) {
      const ends: string[] = [];
      if (setting.min !== undefined && !setting.minExclusive) ends.push(String(setting.min));
      if (setting.max !== undefined) ends.push(String(setting.max));
      if (setting.infinity) ends.push('infinity');
      if (setting.values) ends.push(...setting.values);
      for (const text of ends) {
        let config: RampartConfig<'p'>;
        try {
          config = loadConfig({ pipelines: ['p'], env: { [variableName(setting, 'p')]: text } });
        } catch (error) {
          expectOnlyCrossOptionIssues(error);
          continue;
        }
        expect(() => buildAll(config.pipelines.p, config), `${variableName(setting)}=${text}`).not.toThrow();
      }
    }
  });

  it('random valid environments', () => {
    let refused = 0;
    const perPipeline = SETTINGS.filter((s) => s.perPipeline);
    const entry = fc
      .constantFrom(...SETTINGS)
      .chain((setting) =>
        validText(setting).map(
          (text) => [variableName(setting, setting.perPipeline ? 'p' : undefined), text] as const,
        ),
      );
    expect(perPipeline.length).toBeGreaterThan(30);
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        let config: RampartConfig<'p'>;
        try {
          config = loadConfig({ pipelines: ['p'], env: Object.fromEntries(entries) });
        } catch (error) {
          expectOnlyCrossOptionIssues(error);
          refused++;
          return;
        }
        buildAll(config.pipelines.p, config);
      }),
      { numRuns: 300 },
    );
    // The generator must mostly produce accepted environments, or the property proves little.
    expect(refused).toBeLessThan(150);
  });
});
