import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CircuitBreakerPolicy,
  chaos,
  Registry,
  type RetryPolicy,
  type TimeoutPolicy,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig } from './load.js';
import { configuredBudgets, pipelineFromConfig } from './pipeline.js';
import { type ConfigChange, type ConfigWatcher, watchConfig } from './watch.js';

let dir: string;
let file: string;
let watcher: ConfigWatcher<'payments' | 'search'> | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rampart-watch-'));
  file = join(dir, 'rampart.env');
});
afterEach(() => {
  watcher?.dispose();
  watcher = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const write = (lines: string[]) => writeFileSync(file, `${lines.join('\n')}\n`);
const env = () => ({ RAMPART_CONFIG_FILE: file });
const pipelines = ['payments', 'search'] as const;

/** A breaker pipeline built from the file, opened by two failures. */
async function openBreaker(registry: Registry, clock: TestClock) {
  const config = loadConfig({ pipelines, env: env() });
  const p = pipelineFromConfig('payments', config, {
    shape: ['breaker', 'retry', 'timeout'],
    registry,
    clock,
    budget: true,
  });
  for (let i = 0; i < 2; i++) await p.execute(() => Promise.reject(new Error('down'))).catch(() => {});
  const breaker = p.policy<CircuitBreakerPolicy>('circuit_breaker')!;
  expect(breaker.state).toBe('open');
  return p;
}

describe('watchConfig', () => {
  it('a good file is applied to the live policies through configure(), keeping breaker state', async () => {
    write([
      'RAMPART_BREAKER_THRESHOLD=2',
      'RAMPART_RETRY_MAX_ATTEMPTS=1',
      'RAMPART_PAYMENTS_TIMEOUT_AFTER=5s',
    ]);
    const registry = new Registry();
    const clock = new TestClock();
    const p = await openBreaker(registry, clock);
    const changes: ConfigChange[] = [];
    watcher = watchConfig({
      pipelines,
      env: env(),
      registry,
      signal: null,
      onChange: (c) => changes.push(c),
    });

    write([
      'RAMPART_BREAKER_THRESHOLD=4',
      'RAMPART_BREAKER_OPEN_FOR=1m',
      'RAMPART_RETRY_MAX_ATTEMPTS=1',
      'RAMPART_PAYMENTS_TIMEOUT_AFTER=750ms',
      'RAMPART_BUDGET_RATIO=50%',
    ]);
    const result = watcher.reload();
    expect(result.ok).toBe(true);
    expect(p.policy<CircuitBreakerPolicy>('circuit_breaker')!.state).toBe('open'); // state kept
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(750);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.applied).toEqual([
      {
        pipeline: 'payments',
        target: 'circuit_breaker',
        name: 'circuit_breaker',
        options: { breaker: { kind: 'consecutive', threshold: 4 }, openFor: 60_000 },
      },
      { pipeline: 'payments', target: 'timeout', name: 'timeout', options: { after: 750 } },
      {
        pipeline: 'payments',
        target: 'budget',
        name: 'budget',
        options: { ratio: 0.5 },
      },
    ]);
    expect(watcher.current.pipelines.payments.breaker.openFor).toBe(60_000);
    // The breaker counts toward the new threshold once it closes again: 3 failures stay closed.
    const breaker = p.policy<CircuitBreakerPolicy>('circuit_breaker')!;
    breaker.reset();
    for (let i = 0; i < 3; i++) await p.execute(() => Promise.reject(new Error('down'))).catch(() => {});
    expect(breaker.state).toBe('closed');
    expect(configuredBudgets.get(p)).toBeDefined();
  });

  it('a bad file is rejected whole: errors reported, running values and state stay', async () => {
    write(['RAMPART_BREAKER_THRESHOLD=2', 'RAMPART_RETRY_MAX_ATTEMPTS=1']);
    const registry = new Registry();
    const clock = new TestClock();
    const p = await openBreaker(registry, clock);
    const onError = vi.fn();
    const onChange = vi.fn();
    watcher = watchConfig({ pipelines, env: env(), registry, signal: null, onError, onChange });
    const before = watcher.current;

    write([
      'RAMPART_TIMEOUT_AFTER=3s', // valid on its own, but the file is rejected whole
      'RAMPART_RETRY_MAX_ATTEMPTS=lots',
      'RAMPART_BREAKER_FAILURE_RATIO=2',
    ]);
    const result = watcher.reload();
    expect(result.ok).toBe(false);
    expect(onChange).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0]![0] as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues.map((i) => i.variable)).toEqual([
      'RAMPART_RETRY_MAX_ATTEMPTS',
      'RAMPART_BREAKER_FAILURE_RATIO',
    ]);
    expect(error.issues[0]!.source).toBe(`file ${file}:2`);
    expect(watcher.current).toBe(before);
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(
      before.pipelines.payments.timeout.after,
    );
    expect(p.policy<RetryPolicy>('retry')!.snapshot().maxAttempts).toBe(1);
    expect(p.policy<CircuitBreakerPolicy>('circuit_breaker')!.state).toBe('open');

    // Fixed, the next reload goes through.
    write(['RAMPART_BREAKER_THRESHOLD=2', 'RAMPART_RETRY_MAX_ATTEMPTS=1', 'RAMPART_TIMEOUT_AFTER=3s']);
    expect(watcher.reload().ok).toBe(true);
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(3_000);
  });

  it('the default onError prints every problem on stderr', () => {
    write([]);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      watcher = watchConfig({ pipelines, env: env(), registry: new Registry(), signal: null });
      write(['RAMPART_BULKHEAD_LIMIT=0', 'RAMPART_HEDGE_DELAY=soon']);
      watcher.reload();
      expect(spy).toHaveBeenCalledTimes(1);
      const text = String(spy.mock.calls[0]![0]);
      expect(text).toContain('configuration reload rejected, the running values stay');
      expect(text).toContain('RAMPART_BULKHEAD_LIMIT="0"');
      expect(text).toContain('RAMPART_HEDGE_DELAY="soon"');
    } finally {
      spy.mockRestore();
    }
  });

  it('when a live policy refuses its change, the changes already applied are undone', () => {
    write(['RAMPART_CHAOS_ENABLED=true', 'RAMPART_CHAOS_LATENCY=100ms']);
    const registry = new Registry();
    // Built by code: switched-on chaos that injects latency only, so removing the latency is refused.
    const p = registry.pipeline('payments', [timeout(1_000), chaos({ enabled: true, latency: 100 })]);
    const onError = vi.fn();
    watcher = watchConfig({ pipelines, env: env(), registry, signal: null, onError });
    write(['RAMPART_CHAOS_ENABLED=true', 'RAMPART_TIMEOUT_AFTER=2s']);
    const result = watcher.reload();
    expect(result.ok).toBe(false);
    expect(String(onError.mock.calls[0]![0])).toMatch(/nothing to inject/);
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(1_000); // back to its own value
    expect(watcher.current.pipelines.payments.chaos.latency).toBe(100);
  });

  it('the kill switch can be thrown by a reload', () => {
    write([]);
    const registry = new Registry();
    const config = loadConfig({ pipelines, env: env() });
    const p = pipelineFromConfig('search', config, { shape: ['timeout'], registry });
    watcher = watchConfig({ pipelines, env: env(), registry, signal: null });
    write(['RAMPART_ENABLED=false']);
    const result = watcher.reload();
    expect(result.ok && result.change.applied).toEqual([
      { pipeline: 'search', target: 'pipeline', name: 'search', options: { enabled: false } },
    ]);
    expect(p.enabled).toBe(false);
  });

  it('reloads when the file changes on disk, also when it is replaced by a rename', async () => {
    write(['RAMPART_TIMEOUT_AFTER=1s']);
    const registry = new Registry();
    const config = loadConfig({ pipelines, env: env() });
    const p = pipelineFromConfig('payments', config, { shape: ['timeout'], registry });
    let changed: (change: ConfigChange<(typeof pipelines)[number]>) => void = () => {};
    watcher = watchConfig({
      pipelines,
      env: env(),
      registry,
      signal: null,
      debounce: 20,
      onChange: (change) => changed(change),
    });
    // Resolves at the reload that brings `after` (a late event of an earlier write may
    // cause an extra reload of the same content first).
    const reloadedTo = (after: number) =>
      new Promise<void>((resolve) => {
        changed = (change) => {
          if (change.config.pipelines.payments.timeout.after === after) resolve();
        };
      });

    let reloaded = reloadedTo(2_000);
    write(['RAMPART_TIMEOUT_AFTER=2s']);
    await reloaded;
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(2_000);

    reloaded = reloadedTo(3_000);
    const temp = join(dir, 'rampart.env.tmp');
    writeFileSync(temp, 'RAMPART_TIMEOUT_AFTER=3s\n');
    renameSync(temp, file);
    await reloaded;
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(3_000);
  });

  it('reloads on SIGHUP, and dispose removes the listener', () => {
    write(['RAMPART_TIMEOUT_AFTER=1s']);
    const registry = new Registry();
    const config = loadConfig({ pipelines, env: env() });
    const p = pipelineFromConfig('payments', config, { shape: ['timeout'], registry });
    const listeners = process.listenerCount('SIGHUP');
    watcher = watchConfig({ pipelines, env: env(), registry });
    expect(process.listenerCount('SIGHUP')).toBe(listeners + 1);
    write(['RAMPART_TIMEOUT_AFTER=4s']);
    process.emit('SIGHUP', 'SIGHUP');
    expect(p.policy<TimeoutPolicy>('timeout')!.snapshot().after).toBe(4_000);
    watcher.dispose();
    watcher.dispose(); // idempotent
    expect(process.listenerCount('SIGHUP')).toBe(listeners);
  });

  it('throws at once when the first load fails, as loadConfig does', () => {
    write(['RAMPART_BULKHEAD_LIMIT=-1']);
    const listeners = process.listenerCount('SIGHUP');
    expect(() => watchConfig({ pipelines, env: env(), registry: new Registry() })).toThrow(ConfigError);
    expect(process.listenerCount('SIGHUP')).toBe(listeners);
  });
});
