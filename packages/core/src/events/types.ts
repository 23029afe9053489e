import type { BulkheadRejectReason } from '../errors.js';
import type { PolicyKind } from '../types.js';

/**
 * Every event that rampart emits, as one discriminated union on `type`. Events are built
 * only when somebody listens (see `PipelineRuntime.listening`), so they cost nothing in
 * an unobserved pipeline. `time` is the clock's `now()` (ms); durations are in ms.
 */
export type RampartEvent =
  | CallEvent
  | AttemptEvent
  | RetryEvent
  | RetryDoneEvent
  | BudgetExhaustedEvent
  | CircuitTransitionEvent
  | CircuitCallEvent
  | TimeoutEvent
  | BulkheadAcquiredEvent
  | BulkheadQueuedEvent
  | BulkheadRejectedEvent
  | RateLimitAcquiredEvent
  | RateLimitRejectedEvent
  | FallbackEvent
  | HedgeEvent
  | ChaosEvent
  | HealthCheckEvent;

export type RampartEventType = RampartEvent['type'];

/** Narrows the union to one event type: `EventOf<'retry'>`. */
export type EventOf<T extends RampartEventType> = Extract<RampartEvent, { type: T }>;

interface EventBase {
  /** The pipeline (or health monitor) the event belongs to. */
  readonly pipeline: string;
  /** The operation key given to `execute`, if any. */
  readonly key: string | undefined;
  /** When it happened, by the pipeline's clock (ms). */
  readonly time: number;
}

interface PolicyEventBase<K extends PolicyKind> extends EventBase {
  readonly policy: K;
  /** The policy's name (defaults to its kind). */
  readonly policyName: string;
}

/** How a call through a pipeline ended, as seen by its caller. */
export type CallOutcome = 'success' | 'failure' | 'rejected' | 'fallback';

/** One call through a whole pipeline has ended. */
export interface CallEvent extends EventBase {
  readonly type: 'call';
  readonly policy: 'pipeline';
  readonly policyName: string;
  readonly outcome: CallOutcome;
  readonly duration: number;
  /** The error that escaped (failure, rejected) or that a fallback replaced. */
  readonly error: unknown;
}

/** One invocation of the protected function has ended. */
export interface AttemptEvent extends EventBase {
  readonly type: 'attempt';
  readonly policy: 'pipeline';
  readonly policyName: string;
  readonly attempt: number;
  readonly outcome: 'success' | 'failure';
  readonly duration: number;
  readonly error: unknown;
}

/** A retry is scheduled after attempt `attempt` failed; it starts after `delay` ms. */
export interface RetryEvent extends PolicyEventBase<'retry'> {
  readonly type: 'retry';
  readonly attempt: number;
  readonly delay: number;
  /** The failed attempt's error, or undefined when a result was retried (`retryOnResult`). */
  readonly error: unknown;
}

/** A retry policy finished a call after `attempts` attempts. */
export interface RetryDoneEvent extends PolicyEventBase<'retry'> {
  readonly type: 'retry.done';
  readonly attempts: number;
  readonly succeeded: boolean;
  readonly error: unknown;
}

/** A retry or hedge was skipped because the retry budget was spent. */
export interface BudgetExhaustedEvent extends PolicyEventBase<'retry' | 'hedge'> {
  readonly type: 'budget.exhausted';
  readonly attempt: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open' | 'isolated';

export type CircuitTransitionReason =
  | 'failure_threshold'
  | 'slow_call_threshold'
  | 'open_elapsed'
  | 'probe_succeeded'
  | 'probe_failed'
  | 'probe_timed_out'
  | 'isolated'
  | 'reset';

export interface CircuitTransitionEvent extends PolicyEventBase<'circuit_breaker'> {
  readonly type: 'circuit.transition';
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: CircuitTransitionReason;
}

/** A call met the breaker: counted as success or failure, ignored, or rejected. */
export interface CircuitCallEvent extends PolicyEventBase<'circuit_breaker'> {
  readonly type: 'circuit.call';
  readonly result: 'success' | 'failure' | 'ignored' | 'rejected';
  /** The call's duration (0 for a rejection). */
  readonly duration: number;
  readonly slow: boolean;
  readonly error: unknown;
}

export interface TimeoutEvent extends PolicyEventBase<'timeout'> {
  readonly type: 'timeout';
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;
}

export interface BulkheadAcquiredEvent extends PolicyEventBase<'bulkhead'> {
  readonly type: 'bulkhead.acquired';
  /** Time spent waiting in the queue (0 when a slot was free). */
  readonly queuedFor: number;
}

export interface BulkheadQueuedEvent extends PolicyEventBase<'bulkhead'> {
  readonly type: 'bulkhead.queued';
  /** Calls waiting, this one included. */
  readonly queued: number;
}

export interface BulkheadRejectedEvent extends PolicyEventBase<'bulkhead'> {
  readonly type: 'bulkhead.rejected';
  readonly reason: BulkheadRejectReason;
  /** Time spent waiting before the rejection (0 when the queue was full). */
  readonly queuedFor: number;
}

export interface RateLimitAcquiredEvent extends PolicyEventBase<'rate_limit'> {
  readonly type: 'ratelimit.acquired';
  /** Time spent waiting for a token (0 when one was there). */
  readonly waited: number;
}

export interface RateLimitRejectedEvent extends PolicyEventBase<'rate_limit'> {
  readonly type: 'ratelimit.rejected';
  readonly retryAfter: number;
}

export type FallbackSource = 'value' | 'fn' | 'last_good';

export interface FallbackEvent extends PolicyEventBase<'fallback'> {
  readonly type: 'fallback';
  readonly source: FallbackSource;
  /** The error (or undefined for a result) that the fallback replaced. */
  readonly error: unknown;
}

/** A hedged attempt started (`hedge` counts from 1 for the first extra attempt). */
export interface HedgeEvent extends PolicyEventBase<'hedge'> {
  readonly type: 'hedge';
  readonly hedge: number;
}

export interface ChaosEvent extends PolicyEventBase<'chaos'> {
  readonly type: 'chaos';
  readonly injected: 'fault' | 'latency' | 'result';
}

/** A health check ran. `pipeline` is the health monitor's name. */
export interface HealthCheckEvent extends EventBase {
  readonly type: 'health.check';
  readonly policy: 'health';
  readonly policyName: string;
  readonly check: string;
  readonly critical: boolean;
  readonly ok: boolean;
  readonly duration: number;
  readonly error: unknown;
}

export type EventListener = (event: RampartEvent) => void;
