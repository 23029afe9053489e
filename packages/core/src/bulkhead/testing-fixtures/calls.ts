// Test helpers shared by the bulkhead, rate-limit and fallback tests (excluded from the build,
// so the node: import below never reaches the library).
import { getEventListeners } from 'node:events';
import { perCallEvent } from '../../events/sink.js';
import type { RampartEvent } from '../../events/types.js';
import { NEVER_ABORTED } from '../../internal/signals.js';
import type { TestClock } from '../../testing/index.js';
import type { Outcome, PipelineRuntime, PolicyContext } from '../../types.js';

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Abort listeners still attached to `signal` (a leak check). */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** A pipeline runtime for driving a policy's `execute` directly, recording what it emits. */
export function fakeRuntime(
  clock: TestClock,
  listening = true,
): PipelineRuntime & { events: RampartEvent[] } {
  const events: RampartEvent[] = [];
  const emit = (event: RampartEvent) => {
    if (!listening) throw new Error('emitted while nobody listens');
    events.push(event);
  };
  return { name: 'p', clock, listening, events, emit, ...reportsThroughEmit({ name: 'p', emit }) };
}

export function context(
  runtime: PipelineRuntime,
  signal: AbortSignal = NEVER_ABORTED,
  key?: string,
): PolicyContext {
  return { signal, attempt: 1, key, call: { pipeline: runtime, fallback: false } };
}

/** Settles with the outcome, or `undefined` while still pending (after letting microtasks run). */
export async function peek<T>(promise: Promise<T>): Promise<T | undefined> {
  let result: T | undefined;
  void promise.then((value) => {
    result = value;
  });
  for (let i = 0; i < 20; i++) await Promise.resolve();
  return result;
}

export type AnyOutcome = Outcome<unknown>;

type Reports = Pick<
  PipelineRuntime,
  'reportCall' | 'reportAttempt' | 'reportRetryDone' | 'reportCircuitCall' | 'reportBulkheadAcquired'
>;

/**
 * The report methods of a runtime made by hand (a test driving a policy's `execute`
 * directly): each builds the event object and hands it to `runtime.emit`.
 */
export function reportsThroughEmit(runtime: Pick<PipelineRuntime, 'name' | 'emit'>): Reports {
  return {
    reportCall: (key, time, outcome, duration, error) =>
      runtime.emit(perCallEvent.call(runtime.name, key, time, outcome, duration, error)),
    reportAttempt: (key, time, attempt, outcome, duration, error) =>
      runtime.emit(perCallEvent.attempt(runtime.name, key, time, attempt, outcome, duration, error)),
    reportRetryDone: (policyName, key, time, attempts, succeeded, error) =>
      runtime.emit(perCallEvent.retryDone(runtime.name, policyName, key, time, attempts, succeeded, error)),
    reportCircuitCall: (policyName, key, time, result, duration, slow, error) =>
      runtime.emit(
        perCallEvent.circuitCall(runtime.name, policyName, key, time, result, duration, slow, error),
      ),
    reportBulkheadAcquired: (policyName, key, time, queuedFor) =>
      runtime.emit(perCallEvent.bulkheadAcquired(runtime.name, policyName, key, time, queuedFor)),
  };
}
