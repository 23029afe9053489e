import { metrics } from '@opentelemetry/api';
import { DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BrokenCircuitError,
  breakers,
  bulkhead,
  circuitBreaker,
  health,
  RateLimitedError,
  Registry,
  rateLimit,
  TimeoutError,
  timeout,
} from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ATTR_ATTEMPT,
  ATTR_BULKHEAD_REASON,
  ATTR_CIRCUIT_FROM,
  ATTR_CIRCUIT_RESULT,
  ATTR_CIRCUIT_STATE,
  ATTR_CIRCUIT_TO,
  ATTR_ERROR_TYPE,
  ATTR_HEALTH_CHECK,
  ATTR_HEALTH_CRITICAL,
  ATTR_HEALTH_STATUS,
  ATTR_OUTCOME,
  ATTR_PIPELINE,
  ATTR_POLICY,
  ATTR_RETRY_RESULT,
  DURATION_BUCKETS_SECONDS,
  ERROR_TYPE_OTHER,
  ERROR_TYPE_RESULT,
  METER_NAME,
  METRIC_ATTEMPT_DURATION,
  METRIC_BULKHEAD_ACTIVE,
  METRIC_BULKHEAD_LIMIT,
  METRIC_BULKHEAD_QUEUE_DURATION,
  METRIC_BULKHEAD_QUEUED,
  METRIC_BULKHEAD_REJECTIONS,
  METRIC_CALL_DURATION,
  METRIC_CIRCUIT_CALLS,
  METRIC_CIRCUIT_FAILURE_RATIO,
  METRIC_CIRCUIT_SLOW_CALL_RATIO,
  METRIC_CIRCUIT_STATE,
  METRIC_CIRCUIT_TRANSITIONS,
  METRIC_HEALTH_CHECK_DURATION,
  METRIC_HEALTH_CHECK_UP,
  METRIC_HEALTH_STATUS,
  METRIC_RATELIMIT_REJECTIONS,
  METRIC_RATELIMIT_TOKENS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_CALLS,
  METRIC_TIMEOUT_TIMEOUTS,
  METRICS,
} from './constants.js';
import { instrument } from './instrument.js';
import { DbError, emit, exerciseEveryInstrument } from './testing-fixtures/events.js';
import { type Harness, harness } from './testing-fixtures/metrics.js';
import { FakePolicy } from './testing-fixtures/policies.js';

const open: Harness[] = [];
const setup = (registry: Registry, options: Parameters<typeof harness>[1] = {}) => {
  const h = harness(registry, {
    onError: (e) => expect.fail(`unexpected instrumentation error: ${String(e)}`),
    ...options,
  });
  open.push(h);
  return h;
};
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`request to https://api.example.com/users/42 failed with ${status}`);
    this.name = 'HttpError';
  }
}

describe('instrument: calls and attempts', () => {
  it('records call and attempt durations in seconds, with outcome and error.type', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('payments', [], { clock });
    const h = setup(registry);

    await p.execute(async () => {
      await clock.advance(250);
      return 'ok';
    });
    const failing = p.execute(async () => {
      await clock.advance(1_500);
      throw new DbError('connection refused to db-7.internal');
    });
    await expect(failing).rejects.toBeInstanceOf(DbError);

    const m = await h.collect();
    const call = m.points(METRIC_CALL_DURATION.name);
    expect(call.map((pt) => pt.attributes)).toEqual([
      { [ATTR_PIPELINE]: 'payments', [ATTR_OUTCOME]: 'success' },
      { [ATTR_PIPELINE]: 'payments', [ATTR_OUTCOME]: 'failure', [ATTR_ERROR_TYPE]: 'DbError' },
    ]);
    expect(m.sum(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'success' })).toBeCloseTo(0.25, 9);
    expect(m.sum(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure' })).toBeCloseTo(1.5, 9);
    const attempts = m.points(METRIC_ATTEMPT_DURATION.name);
    expect(attempts.map((pt) => pt.attributes)).toEqual([
      { [ATTR_PIPELINE]: 'payments', [ATTR_ATTEMPT]: '1', [ATTR_OUTCOME]: 'success' },
      {
        [ATTR_PIPELINE]: 'payments',
        [ATTR_ATTEMPT]: '1',
        [ATTR_OUTCOME]: 'failure',
        [ATTR_ERROR_TYPE]: 'DbError',
      },
    ]);
    // The bucket advice reaches the SDK: boundaries from 1 ms to a minute.
    expect(call[0]?.histogram?.buckets.boundaries).toEqual(DURATION_BUCKETS_SECONDS);
    // No message, URL or host ever becomes a value.
    const values = [...m.metrics.values()].flatMap((md) =>
      (md.dataPoints as { attributes: Record<string, unknown> }[]).flatMap((dp) =>
        Object.values(dp.attributes),
      ),
    );
    expect(values.join(' ')).not.toMatch(/refused|internal|https|example/);
  });

  it('buckets attempt numbers 1, 2, 3, 4+', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const h = setup(registry);
    for (const attempt of [1, 2, 3, 4, 5, 9]) {
      emit(p, {
        type: 'attempt',
        policy: 'pipeline',
        policyName: 'p',
        attempt,
        outcome: 'success',
        duration: 1,
        error: undefined,
      });
    }
    const m = await h.collect();
    const byBucket = Object.fromEntries(
      m.points(METRIC_ATTEMPT_DURATION.name).map((pt) => [pt.attributes[ATTR_ATTEMPT], pt.value]),
    );
    expect(byBucket).toEqual({ '1': 1, '2': 1, '3': 1, '4+': 3 });
  });

  it('gives error.type the HTTP status class, the class name, or _RESULT, and caps distinct values', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const h = setup(registry, { errorTypeLimit: 3 });
    const fail = (error: unknown) =>
      emit(p, { type: 'call', policy: 'pipeline', policyName: 'p', outcome: 'failure', duration: 1, error });
    fail(new HttpError(503));
    fail(new HttpError(502));
    fail(Object.assign(new Error('x'), { statusCode: 404 }));
    fail(new DbError('a'));
    fail(undefined); // a result failed the call: not an error type, never capped
    fail(new TypeError('over the cap'));
    fail(new RangeError('over the cap'));
    fail(new HttpError(500)); // seen before: kept
    fail(Object.assign(new Error('y'), { name: 'name with spaces and user@example.com' }));
    fail('a thrown string');
    const m = await h.collect();
    const byType = Object.fromEntries(
      m.points(METRIC_CALL_DURATION.name).map((pt) => [pt.attributes[ATTR_ERROR_TYPE], pt.value]),
    );
    expect(byType).toEqual({ '5xx': 3, '4xx': 1, DbError: 1, [ERROR_TYPE_RESULT]: 1, [ERROR_TYPE_OTHER]: 4 });
  });

  it('caps error.type per instrument and pipeline', async () => {
    const registry = new Registry();
    const a = registry.pipeline('a', []);
    const b = registry.pipeline('b', []);
    const h = setup(registry, { errorTypeLimit: 1 });
    for (const p of [a, b]) {
      emit(p, {
        type: 'call',
        policy: 'pipeline',
        policyName: p.name,
        outcome: 'failure',
        duration: 1,
        error: new DbError(),
      });
      emit(p, {
        type: 'attempt',
        policy: 'pipeline',
        policyName: p.name,
        attempt: 1,
        outcome: 'failure',
        duration: 1,
        error: new TypeError(),
      });
    }
    emit(a, {
      type: 'call',
      policy: 'pipeline',
      policyName: 'a',
      outcome: 'failure',
      duration: 1,
      error: new TypeError(),
    });
    const m = await h.collect();
    const types = (name: string, pipeline: string) =>
      m.points(name, { [ATTR_PIPELINE]: pipeline }).map((pt) => pt.attributes[ATTR_ERROR_TYPE]);
    expect(types(METRIC_CALL_DURATION.name, 'a')).toEqual(['DbError', ERROR_TYPE_OTHER]);
    expect(types(METRIC_CALL_DURATION.name, 'b')).toEqual(['DbError']);
    expect(types(METRIC_ATTEMPT_DURATION.name, 'a')).toEqual(['TypeError']);
    expect(types(METRIC_ATTEMPT_DURATION.name, 'b')).toEqual(['TypeError']);
  });

  it('adds the attributes option to every series', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', [bulkhead({ limit: 2 })]);
    const h = setup(registry, { attributes: { 'deployment.environment': 'test' } });
    await p.execute(() => 1);
    const m = await h.collect();
    for (const md of m.metrics.values()) {
      for (const dp of md.dataPoints as { attributes: Record<string, unknown> }[]) {
        expect(dp.attributes['deployment.environment']).toBe('test');
      }
    }
    expect(m.points(METRIC_BULKHEAD_LIMIT.name)).toHaveLength(1);
  });
});

describe('instrument: policies', () => {
  it('counts timeouts from a real timeout policy', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('search', [timeout({ after: 100, clock })], { clock });
    const h = setup(registry);
    const slow = p.execute(() => new Promise(() => {}));
    await clock.advance(100);
    await expect(slow).rejects.toBeInstanceOf(TimeoutError);
    await p.execute(() => 'fast');
    const m = await h.collect();
    expect(m.points(METRIC_TIMEOUT_TIMEOUTS.name)).toEqual([
      expect.objectContaining({
        attributes: { [ATTR_PIPELINE]: 'search', [ATTR_POLICY]: 'timeout' },
        value: 1,
      }),
    ]);
    expect(
      m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'failure', [ATTR_ERROR_TYPE]: 'TimeoutError' }),
    ).toBe(1);
    expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_OUTCOME]: 'success' })).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('records bulkhead queueing, rejections and live occupancy from a real bulkhead', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('db', [bulkhead({ limit: 1, queue: 1, clock })], { clock });
    const h = setup(registry);
    let release!: () => void;
    const running = p.execute(() => new Promise<void>((r) => (release = r)));
    const waiting = p.execute(() => 'second');
    await expect(p.execute(() => 'third')).rejects.toMatchObject({ name: 'BulkheadRejectedError' });

    let m = await h.collect();
    const attrs = { [ATTR_PIPELINE]: 'db', [ATTR_POLICY]: 'bulkhead' };
    expect(m.points(METRIC_BULKHEAD_ACTIVE.name)).toEqual([
      expect.objectContaining({ attributes: attrs, value: 1 }),
    ]);
    expect(m.points(METRIC_BULKHEAD_QUEUED.name)).toEqual([
      expect.objectContaining({ attributes: attrs, value: 1 }),
    ]);
    expect(m.points(METRIC_BULKHEAD_LIMIT.name)).toEqual([
      expect.objectContaining({ attributes: attrs, value: 1 }),
    ]);
    expect(m.points(METRIC_BULKHEAD_REJECTIONS.name)).toEqual([
      expect.objectContaining({ attributes: { ...attrs, [ATTR_BULKHEAD_REASON]: 'queue_full' }, value: 1 }),
    ]);
    expect(
      m.total(METRIC_CALL_DURATION.name, {
        [ATTR_OUTCOME]: 'rejected',
        [ATTR_ERROR_TYPE]: 'BulkheadRejectedError',
      }),
    ).toBe(1);

    await clock.advance(400);
    release();
    await running;
    expect(await waiting).toBe('second');
    m = await h.collect();
    expect(m.total(METRIC_BULKHEAD_ACTIVE.name)).toBe(0);
    expect(m.total(METRIC_BULKHEAD_QUEUED.name)).toBe(0);
    // Only the call that waited is recorded: 400 ms.
    expect(m.total(METRIC_BULKHEAD_QUEUE_DURATION.name)).toBe(1);
    expect(m.sum(METRIC_BULKHEAD_QUEUE_DURATION.name)).toBeCloseTo(0.4, 9);
  });

  it('reports circuit state as one series per state, and the breaker ratios', async () => {
    const registry = new Registry();
    const breaker = new FakePolicy('circuit_breaker', {
      state: 'closed',
      failureRatio: 0.25,
      slowCallRatio: 0,
    });
    registry.pipeline('api', [breaker]);
    const h = setup(registry);
    let m = await h.collect();
    const states = () =>
      Object.fromEntries(
        m.points(METRIC_CIRCUIT_STATE.name).map((pt) => [pt.attributes[ATTR_CIRCUIT_STATE], pt.value]),
      );
    expect(states()).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
    expect(m.points(METRIC_CIRCUIT_FAILURE_RATIO.name)).toEqual([
      expect.objectContaining({
        attributes: { [ATTR_PIPELINE]: 'api', [ATTR_POLICY]: 'circuit_breaker' },
        value: 0.25,
      }),
    ]);
    expect(m.total(METRIC_CIRCUIT_SLOW_CALL_RATIO.name)).toBe(0);

    breaker.state = { state: 'half_open', failureRatio: 0.6 };
    m = await h.collect();
    expect(states()).toEqual({ closed: 0, open: 0, half_open: 1, isolated: 0 });
    expect(m.total(METRIC_CIRCUIT_FAILURE_RATIO.name)).toBe(0.6);
  });

  it('counts circuit transitions and calls by result', async () => {
    const registry = new Registry();
    const p = registry.pipeline('api', [new FakePolicy('circuit_breaker', { state: 'open' }, 'cb')]);
    const h = setup(registry);
    const base = { policy: 'circuit_breaker', policyName: 'cb' } as const;
    emit(p, { ...base, type: 'circuit.transition', from: 'closed', to: 'open', reason: 'failure_threshold' });
    emit(p, { ...base, type: 'circuit.call', result: 'success', duration: 5, slow: false, error: undefined });
    emit(p, {
      ...base,
      type: 'circuit.call',
      result: 'failure',
      duration: 5,
      slow: false,
      error: new DbError(),
    });
    emit(p, {
      ...base,
      type: 'circuit.call',
      result: 'rejected',
      duration: 0,
      slow: false,
      error: new Error('open'),
    });
    emit(p, {
      ...base,
      type: 'circuit.call',
      result: 'rejected',
      duration: 0,
      slow: false,
      error: new Error('open'),
    });
    const m = await h.collect();
    expect(m.points(METRIC_CIRCUIT_TRANSITIONS.name)).toEqual([
      expect.objectContaining({
        attributes: {
          [ATTR_PIPELINE]: 'api',
          [ATTR_POLICY]: 'cb',
          [ATTR_CIRCUIT_FROM]: 'closed',
          [ATTR_CIRCUIT_TO]: 'open',
        },
        value: 1,
      }),
    ]);
    const byResult = Object.fromEntries(
      m
        .points(METRIC_CIRCUIT_CALLS.name)
        .map((pt) => [`${pt.attributes[ATTR_CIRCUIT_RESULT]}/${pt.attributes[ATTR_ERROR_TYPE]}`, pt.value]),
    );
    expect(byResult).toEqual({ 'success/undefined': 1, 'failure/DbError': 1, 'rejected/Error': 2 });
  });

  it('counts retries by error type and retried calls by result', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const h = setup(registry);
    const base = { policy: 'retry', policyName: 'retry' } as const;
    emit(p, { ...base, type: 'retry', attempt: 1, delay: 10, error: new HttpError(503) });
    emit(p, { ...base, type: 'retry', attempt: 2, delay: 20, error: undefined });
    emit(p, { ...base, type: 'retry.done', attempts: 1, succeeded: true, error: undefined });
    emit(p, { ...base, type: 'retry.done', attempts: 3, succeeded: true, error: undefined });
    emit(p, { ...base, type: 'retry.done', attempts: 1, succeeded: false, error: new DbError() });
    emit(p, { ...base, type: 'retry.done', attempts: 3, succeeded: false, error: new DbError() });
    emit(p, { ...base, type: 'retry.done', attempts: 2, succeeded: false, error: new DbError() });
    const m = await h.collect();
    const attempts = Object.fromEntries(
      m.points(METRIC_RETRY_ATTEMPTS.name).map((pt) => [pt.attributes[ATTR_ERROR_TYPE], pt.value]),
    );
    expect(attempts).toEqual({ '5xx': 1, [ERROR_TYPE_RESULT]: 1 });
    const calls = Object.fromEntries(
      m.points(METRIC_RETRY_CALLS.name).map((pt) => [pt.attributes[ATTR_RETRY_RESULT], pt.value]),
    );
    expect(calls).toEqual({
      success_without_retry: 1,
      success_with_retry: 1,
      failure_without_retry: 1,
      failure_with_retry: 2,
    });
  });

  it('reports rate-limit tokens, and skips non-numeric state', async () => {
    const registry = new Registry();
    const limiter = new FakePolicy('rate_limit', { tokens: 7.5 });
    registry.pipeline('llm', [limiter]);
    const h = setup(registry);
    expect((await h.collect()).total(METRIC_RATELIMIT_TOKENS.name)).toBe(7.5);
    limiter.state = { tokens: 'many' };
    const onError = vi.fn();
    const other = setup(registry, { onError });
    expect((await other.collect()).points(METRIC_RATELIMIT_TOKENS.name)).toEqual([]);
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('instrument: real breaker and rate limiter', () => {
  it('follows a real circuit breaker through open and half-open', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline(
      'api',
      [circuitBreaker({ breaker: breakers.consecutive(2), openFor: 1_000, clock })],
      { clock },
    );
    const h = setup(registry);
    const fail = () => p.execute(() => Promise.reject(new DbError('down'))).catch((e: unknown) => e);
    await fail();
    await fail();
    expect(await fail()).toBeInstanceOf(BrokenCircuitError);
    let m = await h.collect();
    const states = () =>
      Object.fromEntries(
        m.points(METRIC_CIRCUIT_STATE.name).map((pt) => [pt.attributes[ATTR_CIRCUIT_STATE], pt.value]),
      );
    expect(states()).toEqual({ closed: 0, open: 1, half_open: 0, isolated: 0 });
    expect(
      m.total(METRIC_CIRCUIT_TRANSITIONS.name, { [ATTR_CIRCUIT_FROM]: 'closed', [ATTR_CIRCUIT_TO]: 'open' }),
    ).toBe(1);
    expect(
      m.total(METRIC_CIRCUIT_CALLS.name, { [ATTR_CIRCUIT_RESULT]: 'failure', [ATTR_ERROR_TYPE]: 'DbError' }),
    ).toBe(2);
    expect(
      m.total(METRIC_CIRCUIT_CALLS.name, {
        [ATTR_CIRCUIT_RESULT]: 'rejected',
        [ATTR_ERROR_TYPE]: 'BrokenCircuitError',
      }),
    ).toBe(1);
    expect(
      m.total(METRIC_CALL_DURATION.name, {
        [ATTR_OUTCOME]: 'rejected',
        [ATTR_ERROR_TYPE]: 'BrokenCircuitError',
      }),
    ).toBe(1);
    expect(m.total(METRIC_CIRCUIT_FAILURE_RATIO.name)).toBe(1);

    await clock.advance(1_000);
    m = await h.collect();
    expect(states()).toEqual({ closed: 0, open: 0, half_open: 1, isolated: 0 });
    await p.execute(() => 'probe ok');
    m = await h.collect();
    expect(states()).toEqual({ closed: 1, open: 0, half_open: 0, isolated: 0 });
  });

  it('reports the tokens of a real rate limiter and counts its rejections', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('llm', [rateLimit({ rate: 2, interval: 1_000, burst: 2, clock })], { clock });
    const h = setup(registry);
    expect((await h.collect()).total(METRIC_RATELIMIT_TOKENS.name)).toBe(2);
    await p.execute(() => 1);
    await p.execute(() => 1);
    await expect(p.execute(() => 1)).rejects.toBeInstanceOf(RateLimitedError);
    let m = await h.collect();
    expect(m.total(METRIC_RATELIMIT_TOKENS.name)).toBe(0);
    expect(m.total(METRIC_RATELIMIT_REJECTIONS.name)).toBe(1);
    await clock.advance(250);
    m = await h.collect();
    expect(m.total(METRIC_RATELIMIT_TOKENS.name)).toBeCloseTo(0.5, 9);
  });
});

describe('instrument: health', () => {
  it('reports monitor status, check up/down and check durations from a real monitor', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    let dbUp = false;
    const monitor = health({
      name: 'deps',
      registry,
      clock,
      checks: [
        { name: 'db', critical: true, run: () => dbUp || Promise.reject(new DbError('down')) },
        { name: 'cache', critical: false, run: () => true },
      ],
    });
    const h = setup(registry);
    let m = await h.collect();
    expect(m.points(METRIC_HEALTH_STATUS.name)).toEqual([]); // no report before the first run
    await monitor.status();
    m = await h.collect();
    const statuses = () =>
      Object.fromEntries(
        m.points(METRIC_HEALTH_STATUS.name).map((pt) => [pt.attributes[ATTR_HEALTH_STATUS], pt.value]),
      );
    expect(statuses()).toEqual({ healthy: 0, degraded: 0, unhealthy: 1 });
    expect(m.points(METRIC_HEALTH_CHECK_UP.name).map((pt) => [pt.attributes, pt.value])).toEqual([
      [{ [ATTR_PIPELINE]: 'deps', [ATTR_HEALTH_CHECK]: 'db', [ATTR_HEALTH_CRITICAL]: 'true' }, 0],
      [{ [ATTR_PIPELINE]: 'deps', [ATTR_HEALTH_CHECK]: 'cache', [ATTR_HEALTH_CRITICAL]: 'false' }, 1],
    ]);
    expect(
      m.total(METRIC_HEALTH_CHECK_DURATION.name, { [ATTR_HEALTH_CHECK]: 'db', [ATTR_OUTCOME]: 'failure' }),
    ).toBe(1);
    expect(
      m.total(METRIC_HEALTH_CHECK_DURATION.name, { [ATTR_HEALTH_CHECK]: 'cache', [ATTR_OUTCOME]: 'success' }),
    ).toBe(1);

    dbUp = true;
    await monitor.status();
    m = await h.collect();
    expect(statuses()).toEqual({ healthy: 1, degraded: 0, unhealthy: 0 });
    expect(m.total(METRIC_HEALTH_CHECK_UP.name)).toBe(2);

    const read = vi.spyOn(monitor, 'lastStatus');
    monitor.dispose();
    await h.collect();
    expect(read).not.toHaveBeenCalled();
  });
});

describe('instrument: every instrument', () => {
  it('emits each instrument with the name, unit, description and type of the constants', async () => {
    const registry = new Registry();
    const h = setup(registry);
    await exerciseEveryInstrument(registry);
    const m = await h.collect();
    const kinds = {
      counter: DataPointType.SUM,
      histogram: DataPointType.HISTOGRAM,
      gauge: DataPointType.GAUGE,
    };
    for (const def of METRICS) {
      const md = m.metrics.get(def.name);
      expect(md, def.name).toBeDefined();
      expect(md?.descriptor.unit, def.name).toBe(def.unit);
      expect(md?.descriptor.description, def.name).toBe(def.description);
      expect(md?.dataPointType, def.name).toBe(kinds[def.kind]);
      if (def.kind === 'counter') expect((md as { isMonotonic?: boolean }).isMonotonic).toBe(true);
      // Every point carries the pipeline and exactly the documented attributes, no others.
      for (const pt of m.points(def.name)) {
        const keys = Object.keys(pt.attributes);
        expect(keys, def.name).toContain(ATTR_PIPELINE);
        for (const k of keys) expect([ATTR_PIPELINE, ...def.attributes], `${def.name}: ${k}`).toContain(k);
      }
      expect(m.points(def.name).length, def.name).toBeGreaterThan(0);
    }
    expect(m.metrics.size).toBe(METRICS.length);
  });
});

describe('instrument: lifecycle', () => {
  it('follows pipelines added later and stops reading removed ones', async () => {
    const registry = new Registry();
    const h = setup(registry);
    const later = registry.pipeline('later', [bulkhead({ limit: 3 })]);
    await later.execute(() => 1);
    let m = await h.collect();
    expect(m.total(METRIC_CALL_DURATION.name, { [ATTR_PIPELINE]: 'later' })).toBe(1);
    expect(m.total(METRIC_BULKHEAD_LIMIT.name, { [ATTR_PIPELINE]: 'later' })).toBe(3);
    const read = vi.spyOn(later.policies[0]!, 'snapshot');
    registry.remove('later');
    await h.collect();
    // The SDK keeps reporting a cumulative gauge's last value, but nobody reads it any more.
    expect(read).not.toHaveBeenCalled();
    // A pipeline replaced under the same name reports the new policies.
    registry.pipeline('later', [bulkhead({ limit: 5 })]);
    m = await h.collect();
    expect(m.total(METRIC_BULKHEAD_LIMIT.name)).toBe(5);
  });

  it('dispose() unsubscribes and removes the observable callback', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', [bulkhead({ limit: 2 })]);
    const h = setup(registry);
    expect(registry.listening).toBe(true);
    await p.execute(() => 1);
    const read = vi.spyOn(p.policies[0]!, 'snapshot');
    h.handle.dispose();
    h.handle.dispose(); // idempotent
    expect(registry.listening).toBe(false);
    await p.execute(() => 1);
    const m = await h.collect();
    expect(m.total(METRIC_CALL_DURATION.name)).toBe(1);
    expect(read).not.toHaveBeenCalled();
  });

  it('supports `using`', async () => {
    const registry = new Registry();
    const provider = new MeterProvider();
    {
      using _metrics = instrument(registry, { meterProvider: provider });
      expect(registry.listening).toBe(true);
    }
    expect(registry.listening).toBe(false);
  });

  it('uses the global meter provider registered before the call', async () => {
    const registry = new Registry();
    const h = harness(new Registry()); // only for its reader/provider
    open.push(h);
    metrics.setGlobalMeterProvider(h.provider);
    try {
      const handle = instrument(registry);
      await registry.pipeline('g', []).execute(() => 1);
      handle.dispose();
      expect((await h.collect()).total(METRIC_CALL_DURATION.name, { [ATTR_PIPELINE]: 'g' })).toBe(1);
      expect((await h.reader.collect()).resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toContain(
        METER_NAME,
      );
    } finally {
      metrics.disable();
    }
  });

  it('warns once when only the no-op global provider is there', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const registry = new Registry();
      const a = instrument(registry);
      const b = instrument(registry);
      a.dispose();
      b.dispose();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatch(
        /found no MeterProvider.*Start the OpenTelemetry SDK before calling instrument\(\)/,
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('two instrumentations with two providers record independently', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const a = setup(registry);
    const b = setup(registry, { meterName: 'other' });
    await p.execute(() => 1);
    expect((await a.collect()).total(METRIC_CALL_DURATION.name)).toBe(1);
    const collected = await b.reader.collect();
    expect(collected.resourceMetrics.scopeMetrics.map((s) => s.scope.name)).toEqual(['other']);
  });
});

describe('instrument: failures never reach the call', () => {
  it('a throwing SDK is reported through onError and the call goes on', async () => {
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const broken = {
      getMeter: () => {
        const real = new MeterProvider().getMeter('x');
        return new Proxy(real, {
          get(target, prop, receiver) {
            if (prop === 'createHistogram' || prop === 'createCounter') {
              return () => ({
                record: () => {
                  throw new Error('exporter on fire');
                },
                add: () => {
                  throw new Error('exporter on fire');
                },
              });
            }
            return Reflect.get(target, prop, receiver);
          },
        });
      },
    };
    const onError = vi.fn();
    const handle = instrument(registry, { meterProvider: broken, onError });
    try {
      await expect(p.execute(() => 'still fine')).resolves.toBe('still fine');
      await expect(p.execute(() => Promise.reject(new DbError()))).rejects.toBeInstanceOf(DbError);
      expect(onError).toHaveBeenCalledTimes(4); // 2 calls x (call + attempt)
      expect(onError.mock.calls[0]?.[1]).toMatch(/recording "attempt" from pipeline "p"/);
    } finally {
      handle.dispose();
    }
  });

  it('another listener that throws does not stop the metrics', async () => {
    const listenerErrors: unknown[] = [];
    const registry = new Registry({ onListenerError: (e) => listenerErrors.push(e) });
    const p = registry.pipeline('p', []);
    registry.on(() => {
      throw new Error('bad listener');
    });
    const h = setup(registry);
    await expect(p.execute(() => 1)).resolves.toBe(1);
    expect((await h.collect()).total(METRIC_CALL_DURATION.name)).toBe(1);
    expect(listenerErrors.length).toBeGreaterThan(0);
  });

  it('a snapshot that throws loses only its own series, and is reported', async () => {
    const registry = new Registry();
    const bad = new FakePolicy('circuit_breaker', new Error('snapshot broke'), 'bad');
    registry.pipeline('p', [bad, bulkhead({ limit: 4 })]);
    const onError = vi.fn();
    const h = setup(registry, { onError });
    const m = await h.collect();
    expect(m.total(METRIC_BULKHEAD_LIMIT.name)).toBe(4);
    expect(m.points(METRIC_CIRCUIT_STATE.name)).toEqual([]);
    expect(onError).toHaveBeenCalledWith(
      expect.any(Error),
      'reading the state of policy "bad" in pipeline "p"',
    );
  });

  it('a failing exporter does not break calls', async () => {
    const { PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
    const exporter = {
      export: vi.fn(() => {
        throw new Error('collector unreachable');
      }),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    const registry = new Registry();
    const p = registry.pipeline('p', []);
    const handle = instrument(registry, { meterProvider: provider });
    try {
      await expect(p.execute(() => 'ok')).resolves.toBe('ok');
      await reader.forceFlush().catch(() => {});
      expect(exporter.export).toHaveBeenCalled();
      await expect(p.execute(() => 'ok again')).resolves.toBe('ok again');
    } finally {
      handle.dispose();
      await provider.shutdown().catch(() => {});
    }
  });
});

describe('instrument: options', () => {
  const registry = new Registry();
  it.each([
    [{ meterProvider: {} }, /meterProvider must be an OpenTelemetry MeterProvider/],
    [{ meterName: '' }, /meterName must be a non-empty string, got ""/],
    [
      { attributes: { ok: 'x', bad: { nested: 1 } } },
      /attributes\["bad"\] must be a string, number or boolean/,
    ],
    [{ attributes: 'team=a' }, /attributes must be an object/],
    [{ tracing: 'yes' }, /tracing must be a boolean, got "yes"/],
    [{ errorTypeLimit: 0 }, /errorTypeLimit must be an integer >= 1, got 0/],
    [{ errorTypeLimit: 2.5 }, /errorTypeLimit must be an integer >= 1, got 2.5/],
    [{ onError: 'log' }, /onError must be a function/],
    [{ meterprovider: new MeterProvider() }, /unknown option "meterprovider"; allowed: meterProvider, /],
  ])('rejects %o', (options, message) => {
    expect(() => instrument(registry, options as never)).toThrow(message);
    expect(registry.listening).toBe(false);
  });

  it('rejects something that is not a registry', () => {
    expect(() => instrument({} as never)).toThrow(/registry must be a Registry from @rampart\/core/);
  });
});
