import { type CircuitBreakerPolicy, Registry, type RetryPolicy, type TimeoutPolicy } from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from './load.js';
import { configuredBudgets, pipelineFromConfig } from './pipeline.js';

const config = (env: Record<string, string>) => loadConfig({ pipelines: ['payments', 'search'], env });

describe('pipelineFromConfig', () => {
  it('builds the layers in the given order with every number from the config', () => {
    const registry = new Registry();
    const cfg = config({
      RAMPART_PAYMENTS_RETRY_MAX_ATTEMPTS: '5',
      RAMPART_TIMEOUT_AFTER: '2s',
      RAMPART_BULKHEAD_LIMIT: '3',
      RAMPART_BREAKER_KIND: 'count',
      RAMPART_BREAKER_SIZE: '40',
    });
    const p = pipelineFromConfig('payments', cfg, {
      shape: ['fallback', 'breaker', 'retry', 'timeout', 'bulkhead'],
      registry,
      with: { fallback: { value: 'cached' } },
    });
    expect(registry.get('payments')).toBe(p);
    expect(p.enabled).toBe(true);
    expect(p.policies.map((x) => x.kind)).toEqual([
      'fallback',
      'circuit_breaker',
      'retry',
      'timeout',
      'bulkhead',
    ]);
    expect(p.policy<RetryPolicy>('retry')!.snapshot()).toMatchObject({
      maxAttempts: 5,
      backoff: cfg.pipelines.payments.retry.backoff,
    });
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot()).toEqual({ after: 2_000, strategy: 'aggressive' });
    expect(p.policy('bulkhead')!.snapshot()).toMatchObject({ limit: 3, queue: 0 });
    expect(p.policy('fallback')!.snapshot()).toMatchObject({ source: 'value' });
  });

  it('the retry layer makes as many attempts as the variable says', async () => {
    const clock = new TestClock();
    const cfg = config({
      RAMPART_SEARCH_RETRY_MAX_ATTEMPTS: '4',
      RAMPART_RETRY_BACKOFF: 'constant',
      RAMPART_RETRY_BACKOFF_INITIAL: '10ms',
      RAMPART_RETRY_JITTER: 'none',
    });
    const p = pipelineFromConfig('search', cfg, { shape: ['retry'], registry: null, clock });
    const fn = vi.fn(() => Promise.reject(new Error('down')));
    const call = p.execute(fn);
    call.catch(() => {});
    await clock.advance(100);
    await expect(call).rejects.toThrow('down');
    expect(fn).toHaveBeenCalledTimes(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('with the kill switch, calls pass straight through every layer', async () => {
    const clock = new TestClock();
    const cfg = config({ RAMPART_ENABLED: 'false', RAMPART_TIMEOUT_AFTER: '10ms' });
    const p = pipelineFromConfig('payments', cfg, { shape: ['timeout'], registry: null, clock });
    expect(p.enabled).toBe(false);
    const call = p.execute(async () => {
      await clock.advance(50);
      return 'slow but allowed';
    });
    await expect(call).resolves.toBe('slow but allowed');
  });

  it('a fallback defaults to the last good result, with the configured ttl', () => {
    const cfg = config({ RAMPART_FALLBACK_LAST_GOOD_TTL: '1m' });
    const p = pipelineFromConfig('payments', cfg, { shape: ['fallback'], registry: null });
    expect(p.policy('fallback')!.snapshot()).toMatchObject({ source: 'last_good', ttl: 60_000 });
    const mark = (v: unknown) => v;
    const marked = pipelineFromConfig('payments', cfg, {
      shape: ['fallback'],
      registry: null,
      with: { fallback: { lastGood: { ttl: 5, mark } } },
    });
    // The environment tunes the number even where code gave one.
    expect(marked.policy('fallback')!.snapshot()).toMatchObject({ source: 'last_good', ttl: 60_000 });
  });

  it('chaos injects a fault by default when switched on', async () => {
    const cfg = config({ RAMPART_CHAOS_ENABLED: 'true', RAMPART_CHAOS_RATE: '100%' });
    const p = pipelineFromConfig('payments', cfg, { shape: ['chaos'], registry: null });
    const fn = vi.fn(() => 'real');
    await expect(p.execute(fn)).rejects.toThrow('rampart chaos: injected failure');
    expect(fn).not.toHaveBeenCalled();
  });

  it('budget: true builds a retry budget from the config, shared by retry and hedge', () => {
    const cfg = config({ RAMPART_BUDGET_RATIO: '10%' });
    const p = pipelineFromConfig('payments', cfg, {
      shape: ['retry', 'hedge'],
      registry: null,
      budget: true,
    });
    const budget = configuredBudgets.get(p);
    expect(budget).toBeDefined();
    expect(p.policy<RetryPolicy>('retry')!.snapshot().budget).toEqual(budget!.snapshot());
    const without = pipelineFromConfig('search', cfg, { shape: ['retry'], registry: null });
    expect(configuredBudgets.get(without)).toBeUndefined();
  });

  it('passes code-only options through (names, predicates)', () => {
    const handles = (error: unknown) => error instanceof TypeError;
    const p = pipelineFromConfig('payments', config({}), {
      shape: ['breaker'],
      registry: null,
      with: { breaker: { name: 'db-breaker', handles } },
    });
    expect(p.policy<CircuitBreakerPolicy>('db-breaker')?.state).toBe('closed');
  });

  it('refuses a pipeline the config does not know, and a bad shape', () => {
    const cfg = config({});
    expect(() => pipelineFromConfig('orders', cfg, { shape: ['retry'], registry: null })).toThrow(
      /"orders" is not among the configured pipelines \(payments, search\)/,
    );
    expect(() => pipelineFromConfig('payments', cfg, { shape: [], registry: null })).toThrow(
      /shape must list/,
    );
    expect(() => pipelineFromConfig('payments', cfg, { shape: ['retry', 'retry'], registry: null })).toThrow(
      /listed twice/,
    );
    expect(() =>
      pipelineFromConfig('payments', cfg, { shape: ['circuit'] as never, registry: null }),
    ).toThrow(/unknown layer "circuit"/);
  });
});
