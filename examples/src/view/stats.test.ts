import type { RampartEvent } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { LiveStats } from './stats.js';

const base = { key: undefined, time: 0 } as const;
const call = (pipeline: string, outcome: 'success' | 'failure' | 'rejected' | 'fallback', duration = 10) =>
  ({
    ...base,
    type: 'call',
    pipeline,
    policy: 'pipeline',
    policyName: pipeline,
    outcome,
    duration,
    error: undefined,
  }) as RampartEvent;
const retry = (pipeline: string) =>
  ({
    ...base,
    type: 'retry',
    pipeline,
    policy: 'retry',
    policyName: 'retry',
    attempt: 1,
    delay: 100,
    error: undefined,
  }) as RampartEvent;
const transition = (
  pipeline: string,
  from: 'closed' | 'open' | 'half_open',
  to: 'closed' | 'open' | 'half_open',
) =>
  ({
    ...base,
    type: 'circuit.transition',
    pipeline,
    policy: 'circuit_breaker',
    policyName: 'circuit_breaker',
    from,
    to,
    reason: 'failure_threshold',
  }) as RampartEvent;

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LiveStats', () => {
  it('computes rates, error share, p95 and counts over the window from events', () => {
    const time = clock();
    const stats = new LiveStats({ windowSeconds: 10, now: time.now });
    stats.track('hr', 'closed');
    // 10 s of traffic: 19 successes at 10 ms and one failure at 900 ms per second.
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 19; i++) stats.record(call('hr', 'success', 10));
      stats.record(call('hr', 'failure', 900));
      stats.record(retry('hr'));
      time.advance(1_000);
    }
    const live = stats.live('hr');
    expect(live.callsPerSecond).toBeCloseTo(20, 0);
    expect(live.retriesPerSecond).toBeCloseTo(1, 0);
    expect(live.errorPercent).toBeCloseTo(5, 5);
    // p95 is the 190th of 200 calls: still a 10 ms one (within the 10 % bucket width).
    expect(live.p95).toBeGreaterThanOrEqual(10);
    expect(live.p95).toBeLessThan(11.1);
    expect(live.totals.calls).toBe(200);
    expect(live.totals.failures).toBe(10);
    expect(live.totals.retries).toBe(10);
  });

  it('puts p95 in the slow calls when more than 5 % are slow', () => {
    const time = clock();
    const stats = new LiveStats({ now: time.now });
    stats.track('sso', 'closed');
    for (let i = 0; i < 90; i++) stats.record(call('sso', 'success', 20));
    for (let i = 0; i < 10; i++) stats.record(call('sso', 'success', 1_500));
    time.advance(500);
    const p95 = stats.live('sso').p95;
    expect(p95).toBeGreaterThanOrEqual(1_500);
    expect(p95).toBeLessThan(1_650);
  });

  it('forgets what is older than the window but keeps the totals', () => {
    const time = clock();
    const stats = new LiveStats({ windowSeconds: 5, now: time.now });
    stats.track('hr', 'closed');
    for (let i = 0; i < 50; i++) stats.record(call('hr', 'failure'));
    time.advance(30_000);
    const live = stats.live('hr');
    expect(live.callsPerSecond).toBe(0);
    expect(live.errorPercent).toBeNaN();
    expect(live.p95).toBeNaN();
    expect(live.totals.failures).toBe(50);
  });

  it('follows the circuit through its transitions and counts opens and closes', () => {
    const stats = new LiveStats();
    stats.track('hr', 'closed');
    stats.record(transition('hr', 'closed', 'open'));
    expect(stats.live('hr').circuit).toBe('open');
    stats.record(transition('hr', 'open', 'half_open'));
    stats.record(transition('hr', 'half_open', 'open'));
    stats.record(transition('hr', 'open', 'half_open'));
    stats.record(transition('hr', 'half_open', 'closed'));
    const live = stats.live('hr');
    expect(live.circuit).toBe('closed');
    expect(live.totals.circuitOpened).toBe(2);
    expect(live.totals.circuitClosed).toBe(1);
  });

  it('counts policy rejections, fallbacks and timeouts, and separates pipelines', () => {
    const stats = new LiveStats();
    stats.track('hr', 'closed');
    stats.track('directory', undefined);
    const policy = { ...base, pipeline: 'directory' };
    stats.record({
      ...policy,
      type: 'circuit.call',
      policy: 'circuit_breaker',
      policyName: 'cb',
      result: 'rejected',
      duration: 0,
      slow: false,
      error: undefined,
    });
    stats.record({
      ...policy,
      type: 'circuit.call',
      policy: 'circuit_breaker',
      policyName: 'cb',
      result: 'failure',
      duration: 3,
      slow: false,
      error: undefined,
    });
    stats.record({
      ...policy,
      type: 'bulkhead.rejected',
      policy: 'bulkhead',
      policyName: 'bulkhead',
      reason: 'queue_full',
      queuedFor: 0,
    });
    stats.record({
      ...policy,
      type: 'ratelimit.rejected',
      policy: 'rate_limit',
      policyName: 'rate_limit',
      retryAfter: 5,
    });
    stats.record({
      ...policy,
      type: 'fallback',
      policy: 'fallback',
      policyName: 'fallback',
      source: 'fn',
      error: undefined,
    });
    stats.record({ ...policy, type: 'timeout', policy: 'timeout', policyName: 'timeout', timeout: 800 });
    stats.record(call('directory', 'fallback'));
    stats.record(call('directory', 'rejected'));
    // Events of pipelines not tracked (a health monitor, say) are ignored.
    stats.record(call('health', 'failure'));
    const live = stats.live('directory');
    expect(live).toMatchObject({
      circuit: undefined,
      rejections: 3,
      fallbacks: 1,
      timeouts: 1,
      errorPercent: 50,
    });
    expect(live.totals).toMatchObject({ fallbackCalls: 1, rejectedCalls: 1, calls: 2 });
    expect(stats.live('hr').totals.calls).toBe(0);
    expect(stats.names).toEqual(['hr', 'directory']);
    expect(() => stats.live('health')).toThrow(/not tracked/);
  });

  it('refuses a window that is not a whole number of seconds', () => {
    expect(() => new LiveStats({ windowSeconds: 0 })).toThrow(
      /windowSeconds must be a whole number of seconds >= 1, got 0/,
    );
    expect(() => new LiveStats({ windowSeconds: 2.5 })).toThrow(/got 2.5/);
  });
});
