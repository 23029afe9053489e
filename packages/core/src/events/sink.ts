import type {
  AttemptEvent,
  BulkheadAcquiredEvent,
  CallEvent,
  CallOutcome,
  CircuitCallEvent,
  RampartEvent,
  RetryDoneEvent,
} from './types.js';

/*
 * Why sinks exist: a listener gets every event as an object, and an observed call makes
 * five of them (call, attempt, retry.done, circuit.call, bulkhead.acquired) just to have a
 * metrics adapter read four fields of each and drop it. A sink takes those five as plain
 * arguments instead, so counting a call allocates nothing; every other event (retries,
 * transitions, timeouts, rejections, fallbacks, ...) is rare and still comes as an object.
 */

/**
 * A metrics adapter's view of a registry's events (`registry.attachSink(sink)`): the five
 * events that every call makes come as arguments, without an event object; every other
 * event comes to `event`. A sink sees each event exactly once, one way or the other — but
 * for `bulkhead.acquired` of a call that took a free slot at once (`queuedFor` 0): the
 * common case, which says nothing the bulkhead's live state does not. What a sink throws is
 * reported like a listener's error and never reaches the call.
 */
export interface EventSink {
  /** Every event that is not reported through one of the methods below. */
  event(event: RampartEvent): void;
  /** A `call` event: a call through the pipeline has ended. Durations in ms. */
  call(
    pipeline: string,
    key: string | undefined,
    outcome: CallOutcome,
    duration: number,
    error: unknown,
  ): void;
  /** An `attempt` event: one run of the protected function has ended. */
  attempt(
    pipeline: string,
    key: string | undefined,
    attempt: number,
    outcome: AttemptEvent['outcome'],
    duration: number,
    error: unknown,
  ): void;
  /** A `retry.done` event: a retry policy has finished with a call. */
  retryDone(
    pipeline: string,
    policyName: string,
    key: string | undefined,
    attempts: number,
    succeeded: boolean,
    error: unknown,
  ): void;
  /** A `circuit.call` event: a breaker has counted, ignored or rejected a call. */
  circuitCall(
    pipeline: string,
    policyName: string,
    key: string | undefined,
    result: CircuitCallEvent['result'],
    duration: number,
    slow: boolean,
    error: unknown,
  ): void;
  /** A `bulkhead.acquired` event: a call took a slot after waiting `queuedFor` (> 0) ms. */
  bulkheadAcquired(pipeline: string, policyName: string, key: string | undefined, queuedFor: number): void;
}

/** The five per-call events as objects, for listeners (and for reporting a sink's error). */
export const perCallEvent = {
  call: (
    pipeline: string,
    key: string | undefined,
    time: number,
    outcome: CallOutcome,
    duration: number,
    error: unknown,
  ): CallEvent => ({
    type: 'call',
    pipeline,
    policy: 'pipeline',
    policyName: pipeline,
    key,
    time,
    outcome,
    duration,
    error,
  }),
  attempt: (
    pipeline: string,
    key: string | undefined,
    time: number,
    attempt: number,
    outcome: AttemptEvent['outcome'],
    duration: number,
    error: unknown,
  ): AttemptEvent => ({
    type: 'attempt',
    pipeline,
    policy: 'pipeline',
    policyName: pipeline,
    key,
    time,
    attempt,
    outcome,
    duration,
    error,
  }),
  retryDone: (
    pipeline: string,
    policyName: string,
    key: string | undefined,
    time: number,
    attempts: number,
    succeeded: boolean,
    error: unknown,
  ): RetryDoneEvent => ({
    type: 'retry.done',
    pipeline,
    policy: 'retry',
    policyName,
    key,
    time,
    attempts,
    succeeded,
    error,
  }),
  circuitCall: (
    pipeline: string,
    policyName: string,
    key: string | undefined,
    time: number,
    result: CircuitCallEvent['result'],
    duration: number,
    slow: boolean,
    error: unknown,
  ): CircuitCallEvent => ({
    type: 'circuit.call',
    pipeline,
    policy: 'circuit_breaker',
    policyName,
    key,
    time,
    result,
    duration,
    slow,
    error,
  }),
  bulkheadAcquired: (
    pipeline: string,
    policyName: string,
    key: string | undefined,
    time: number,
    queuedFor: number,
  ): BulkheadAcquiredEvent => ({
    type: 'bulkhead.acquired',
    pipeline,
    policy: 'bulkhead',
    policyName,
    key,
    time,
    queuedFor,
  }),
};

const SINK_METHODS = ['event', 'call', 'attempt', 'retryDone', 'circuitCall', 'bulkheadAcquired'] as const;

/** What several sinks threw for one event, gathered so that each is reported with that event. */
export class SinkFailures {
  constructor(readonly errors: readonly unknown[]) {}
}

type SinkMethod = (typeof SINK_METHODS)[number];

/**
 * The sinks as one, for a pipeline to report to with a single guarded call: none is
 * undefined, one is itself, several are a fan-out that hands every event to each in turn.
 * One sink failing does not keep the next from hearing: the fan-out goes on, then throws
 * what failed as `SinkFailures` (the registry reports each error with the event).
 */
export function fanOut(sinks: readonly EventSink[]): EventSink | undefined {
  if (sinks.length <= 1) return sinks[0];
  const each =
    (method: SinkMethod) =>
    (...args: unknown[]): void => {
      let errors: unknown[] | undefined; // made only when a sink throws
      for (const sink of sinks) {
        try {
          (sink[method] as (...a: unknown[]) => void).apply(sink, args);
        } catch (error) {
          if (errors === undefined) errors = [];
          errors.push(error);
        }
      }
      if (errors !== undefined) throw new SinkFailures(errors);
    };
  return Object.fromEntries(SINK_METHODS.map((method) => [method, each(method)])) as unknown as EventSink;
}

/** Refuses a sink that lacks a method, naming it. */
export function checkSink(sink: unknown): EventSink {
  if (typeof sink !== 'object' || sink === null) {
    throw new TypeError(
      `attachSink: sink must be an object with ${SINK_METHODS.join(', ')}; got ${sink === null ? 'null' : typeof sink}`,
    );
  }
  for (const method of SINK_METHODS) {
    if (typeof (sink as Record<string, unknown>)[method] !== 'function') {
      throw new TypeError(
        `attachSink: sink.${method} must be a function (a sink has ${SINK_METHODS.join(', ')})`,
      );
    }
  }
  return sink as EventSink;
}
