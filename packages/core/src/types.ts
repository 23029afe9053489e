import type { Clock } from './clock.js';
import type { AttemptEvent, CallOutcome, CircuitCallEvent, RampartEvent } from './events/types.js';

/**
 * The result of one layer of a pipeline. Inside a pipeline, outcomes are values, not
 * exceptions: a policy inspects `ok` instead of catching, and only the pipeline's edge
 * turns a failed outcome back into a thrown error.
 */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown };

/** What the protected function receives on every attempt. */
export interface CallContext {
  /** Aborted when the caller aborts, a timeout fires, or a hedge loses. Never undefined. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** The operation key given to `execute`, if any (low cardinality: it may become a label). */
  readonly key: string | undefined;
}

/** Options for one call through a pipeline. */
export interface ExecuteOptions {
  /** The caller's signal: aborting it ends waits and backoffs at once and is never retried. */
  readonly signal?: AbortSignal | undefined;
  /** A low-cardinality name for the operation, carried on every event. */
  readonly key?: string | undefined;
  /**
   * `false` when the operation must not run twice (a POST that is not safe to repeat):
   * retry and hedge policies then make no extra attempt. @defaultValue true
   */
  readonly idempotent?: boolean | undefined;
}

export type PolicyKind =
  | 'retry'
  | 'circuit_breaker'
  | 'timeout'
  | 'bulkhead'
  | 'rate_limit'
  | 'fallback'
  | 'hedge'
  | 'chaos';

/**
 * A resilience policy. Every pattern implements this one interface; a pipeline is a list
 * of policies where each one calls `next` to run the layers inside it.
 *
 * @typeParam K - the policy's kind
 * @typeParam S - what `snapshot()` returns (live state for status pages and gauges)
 * @typeParam O - the options `configure()` accepts at run time
 */
export interface Policy<K extends PolicyKind = PolicyKind, S = unknown, O = unknown> {
  readonly kind: K;
  /** Distinguishes two policies of the same kind in one pipeline; defaults to the kind. */
  readonly name: string;
  /** Runs the inner layers (`next`) under this policy. Must never throw: failures are outcomes. */
  execute<T>(next: Next<T>, ctx: PolicyContext): Promise<Outcome<T>>;
  /** Live state, cheap to read at any time (metrics gauges call it at every collection). */
  snapshot(): S;
  /** Changes options at run time without losing state (validated like the factory's options). */
  configure(options: Partial<O>): void;
  /**
   * Optional: called once by every pipeline the policy is added to, so that a policy can
   * emit events that happen outside a call (a circuit isolated by hand, a transition seen
   * by `snapshot()`). Policies without such events leave it out.
   */
  attach?(pipeline: PipelineRuntime): void;
}

/** Any policy, whatever its state and options types. */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of policies needs the widest option type.
export type AnyPolicy = Policy<PolicyKind, unknown, any>;

export type Next<T> = (ctx: PolicyContext) => Promise<Outcome<T>>;

/**
 * The context that flows through the layers of one call. A policy that changes the signal
 * or the attempt number hands a new object to `next` (see `withSignal`/`withAttempt`); the
 * `call` part is shared by all layers of one `execute`.
 */
export interface PolicyContext {
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly key: string | undefined;
  readonly call: CallState;
}

/** State shared by every layer of one `execute`. */
export interface CallState {
  /** The pipeline this call runs in: policies emit their events through it. */
  readonly pipeline: PipelineRuntime;
  /** Set by a fallback policy that served the call, so the call counts as `fallback`. */
  fallback: boolean;
  /**
   * `false` when the call must not be attempted more than once (`ExecuteOptions.idempotent`):
   * policies that repeat attempts (retry, hedge) pass it through once. Undefined means true.
   */
  readonly idempotent?: boolean;
}

/** The part of a pipeline that policies see while running. */
export interface PipelineRuntime {
  readonly name: string;
  /** The clock of the pipeline; events and durations use it. */
  readonly clock: Clock;
  /** True when at least one listener would receive an event: check before building one. */
  readonly listening: boolean;
  /**
   * Delivers an event to the listeners and the registry's sinks; one that throws is reported,
   * never rethrown.
   */
  emit(event: RampartEvent): void;
  /*
   * The five events that every call makes, reported without building an object unless a
   * listener (not only a sink) wants one: see `EventSink`. Call them only when `listening`.
   */
  /** Reports a `call` event. */
  reportCall(
    key: string | undefined,
    time: number,
    outcome: CallOutcome,
    duration: number,
    error: unknown,
  ): void;
  /** Reports an `attempt` event. */
  reportAttempt(
    key: string | undefined,
    time: number,
    attempt: number,
    outcome: AttemptEvent['outcome'],
    duration: number,
    error: unknown,
  ): void;
  /** Reports a `retry.done` event. */
  reportRetryDone(
    policyName: string,
    key: string | undefined,
    time: number,
    attempts: number,
    succeeded: boolean,
    error: unknown,
  ): void;
  /** Reports a `circuit.call` event. */
  reportCircuitCall(
    policyName: string,
    key: string | undefined,
    time: number,
    result: CircuitCallEvent['result'],
    duration: number,
    slow: boolean,
    error: unknown,
  ): void;
  /** Reports a `bulkhead.acquired` event. */
  reportBulkheadAcquired(policyName: string, key: string | undefined, time: number, queuedFor: number): void;
}

/** Returned by every subscription; `dispose()` is idempotent. */
export interface Subscription {
  dispose(): void;
  [Symbol.dispose](): void;
}
