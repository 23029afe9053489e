import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Registry, TimeoutError, timeout } from '@rampart/core';
import { TestClock } from '@rampart/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ATTR_ATTEMPT,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_SOURCE,
  ATTR_PIPELINE,
  ATTR_POLICY,
  SPAN_ATTR_TIMEOUT_AFTER,
  SPAN_EVENT_CIRCUIT_REJECTED,
  SPAN_EVENT_FALLBACK,
  SPAN_EVENT_RETRY,
  SPAN_EVENT_TIMEOUT,
} from './constants.js';
import { AsyncLocalStorageContextManager } from './testing-fixtures/context.js';
import { emit } from './testing-fixtures/events.js';
import { type Harness, harness } from './testing-fixtures/metrics.js';

const spans = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer(
  'test',
);
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
});
afterAll(() => {
  context.disable();
});
const open: Harness[] = [];
afterEach(async () => {
  spans.reset();
  for (const h of open.splice(0)) await h.close();
});

/** Runs `fn` inside an active span and returns that span's events once it ended. */
async function inSpan(fn: () => Promise<unknown>) {
  await tracer.startActiveSpan('caller', async (span) => {
    try {
      await fn();
    } finally {
      span.end();
    }
  });
  const [finished] = spans.getFinishedSpans();
  return finished?.events ?? [];
}

describe('tracing', () => {
  it('adds a timeout event to the active span across awaits', async () => {
    const clock = new TestClock();
    const registry = new Registry();
    const p = registry.pipeline('search', [timeout({ after: 50, clock })], { clock });
    open.push(harness(registry, { tracing: true }));
    const events = await inSpan(async () => {
      const call = p.execute(() => new Promise(() => {}));
      await clock.advance(50);
      await expect(call).rejects.toBeInstanceOf(TimeoutError);
    });
    expect(events.map((e) => e.name)).toEqual([SPAN_EVENT_TIMEOUT]);
    expect(events[0]?.attributes).toEqual({
      [ATTR_PIPELINE]: 'search',
      [ATTR_POLICY]: 'timeout',
      [SPAN_ATTR_TIMEOUT_AFTER]: 0.05,
    });
  });

  it('adds retries (attempt number, error type), circuit rejections and fallbacks', async () => {
    const registry = new Registry();
    const p = registry.pipeline('pay', []);
    open.push(harness(registry, { tracing: true }));
    const events = await inSpan(async () => {
      await Promise.resolve();
      emit(p, {
        type: 'retry',
        policy: 'retry',
        policyName: 'retry',
        attempt: 2,
        delay: 10,
        error: Object.assign(new Error('boom at /users/1'), { status: 503 }),
      });
      emit(p, {
        type: 'circuit.call',
        policy: 'circuit_breaker',
        policyName: 'cb',
        result: 'rejected',
        duration: 0,
        slow: false,
        error: new TypeError(),
      });
      emit(p, {
        type: 'circuit.call',
        policy: 'circuit_breaker',
        policyName: 'cb',
        result: 'success',
        duration: 1,
        slow: false,
        error: undefined,
      });
      emit(p, {
        type: 'fallback',
        policy: 'fallback',
        policyName: 'fallback',
        source: 'last_good',
        error: new RangeError(),
      });
      emit(p, { type: 'hedge', policy: 'hedge', policyName: 'hedge', hedge: 1 });
    });
    expect(events.map((e) => [e.name, e.attributes])).toEqual([
      [
        SPAN_EVENT_RETRY,
        { [ATTR_PIPELINE]: 'pay', [ATTR_POLICY]: 'retry', [ATTR_ATTEMPT]: 2, [ATTR_ERROR_TYPE]: '5xx' },
      ],
      [
        SPAN_EVENT_CIRCUIT_REJECTED,
        { [ATTR_PIPELINE]: 'pay', [ATTR_POLICY]: 'cb', [ATTR_ERROR_TYPE]: 'TypeError' },
      ],
      [
        SPAN_EVENT_FALLBACK,
        {
          [ATTR_PIPELINE]: 'pay',
          [ATTR_POLICY]: 'fallback',
          [ATTR_FALLBACK_SOURCE]: 'last_good',
          [ATTR_ERROR_TYPE]: 'RangeError',
        },
      ],
    ]);
  });

  it('adds nothing when tracing is off (the default)', async () => {
    const registry = new Registry();
    const p = registry.pipeline('pay', []);
    open.push(harness(registry));
    const events = await inSpan(async () => {
      emit(p, { type: 'timeout', policy: 'timeout', policyName: 'timeout', timeout: 10 });
    });
    expect(events).toEqual([]);
  });

  it('does nothing without an active span', () => {
    const registry = new Registry();
    const p = registry.pipeline('pay', []);
    open.push(harness(registry, { tracing: true }));
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(() =>
      emit(p, { type: 'timeout', policy: 'timeout', policyName: 'timeout', timeout: 10 }),
    ).not.toThrow();
    expect(spans.getFinishedSpans()).toEqual([]);
  });
});
